#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Grants reach the device through systemd: a static [job] for a service (a drop-in, then
# "systemctl reload cdmd") and "cdmctl grant" to a running service each open the device
# to that service (AllowedMemoryNodes= holds the node, cdm-probe binds there) and to no
# sibling; a daemon-reload keeps them; a revoke closes them again.
. /host-case/lib.sh

install_cdmd
dev=$(device_name)
expect_match "device on node $DEV_NODE" "$dev" '.'

cat >/etc/systemd/system/cdm-static.service <<'UNIT'
[Unit]
Description=a service with a static cdmd grant
[Service]
ExecStart=/bin/sleep infinity
UNIT
systemctl daemon-reload
systemctl start cdm-static.service
systemd-run --unit=cdm-sibling --quiet sleep 3600
sleep 2

section "static [job] from a drop-in, systemctl reload cdmd"
mkdir -p /etc/cdmd/cdmd.conf.d
cat >/etc/cdmd/cdmd.conf.d/50-host-static.conf <<CONF
[job static]
cgroup = $(unit_cgroup cdm-static.service)
device = $dev
quota = 256M
policy = manual
CONF
cat /etc/cdmd/cdmd.conf.d/50-host-static.conf
systemctl reload cdmd && pass "systemctl reload cdmd" || fail "systemctl reload cdmd"
wait_for 15 sh -c 'cdmctl --json jobs | jq -e "map(.id) | index(\"static\")" >/dev/null' &&
	pass "job static listed" || fail "job static not listed: $(cdmctl jobs)"
sleep 2
cdmctl jobs
expect_allowed cdm-static.service open
expect_bind cdm-static.service yes
expect_allowed cdm-sibling.service fenced
expect_bind cdm-sibling.service no
expect_allowed system.slice open

section "cdmctl grant to a running service"
systemd-run --unit=cdm-dyn --quiet sleep 3600
sleep 1
expect_bind cdm-dyn.service no
cdmctl grant dyn --cgroup "$(unit_cgroup cdm-dyn.service)" --device "$dev" --size 128M &&
	pass "cdmctl grant dyn" || fail "cdmctl grant dyn"
sleep 2
expect_allowed cdm-dyn.service open
expect_bind cdm-dyn.service yes
expect_allowed cdm-sibling.service fenced
expect_bind cdm-sibling.service no
for u in user.slice init.scope systemd-journald.service; do expect_allowed "$u" fenced; done

section "systemctl daemon-reload keeps both grants"
systemctl daemon-reload
sleep 3
expect_allowed cdm-static.service open
expect_allowed cdm-dyn.service open
expect_allowed cdm-sibling.service fenced
expect_bind cdm-dyn.service yes
expect_bind cdm-sibling.service no

section "revoke"
cdmctl revoke dyn && pass "cdmctl revoke dyn" || fail "cdmctl revoke dyn"
sleep 2
expect_allowed cdm-dyn.service fenced
expect_bind cdm-dyn.service no
rm /etc/cdmd/cdmd.conf.d/50-host-static.conf
systemctl reload cdmd
wait_for 15 sh -c '! cdmctl --json jobs | jq -e "map(.id) | index(\"static\")" >/dev/null' &&
	pass "job static gone after its drop-in went" || fail "job static still listed: $(cdmctl jobs)"
sleep 2
expect_allowed cdm-static.service fenced
expect_bind cdm-static.service no
expect_allowed system.slice fenced
systemctl daemon-reload
sleep 2
expect_allowed cdm-dyn.service fenced
expect_allowed system.slice fenced

systemctl stop cdm-static.service cdm-dyn.service cdm-sibling.service
check_no_denials
finish
