#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The unit from the package: installed with apt, it starts (Type=notify reaches active),
# owns its bus name, runs with its hardening in force, and nothing it does is denied.
. /host-case/lib.sh

install_cdmd

section "the unit"
systemctl status --no-pager cdmd.service | head -n 12
expect_eq "cdmd.service started by the package itself" "$CDMD_STARTED_BY_PACKAGE" yes
expect_eq "cdmd.service enabled" "$(systemctl is-enabled cdmd.service 2>&1)" enabled
expect_match "unit file" "$(unit_prop cdmd.service FragmentPath)" '^(/usr)?/lib/systemd/system/cdmd\.service$'
expect_eq "Type" "$(unit_prop cdmd.service Type)" notify
expect_eq "ActiveState" "$(unit_prop cdmd.service ActiveState)" active
expect_eq "SubState" "$(unit_prop cdmd.service SubState)" running
expect_eq "NRestarts" "$(unit_prop cdmd.service NRestarts)" 0
pid=$(unit_prop cdmd.service MainPID)
expect_match "MainPID" "$pid" '^[1-9][0-9]*$'
echo "start-up (inactive -> active): $(($(unit_prop cdmd.service ActiveEnterTimestampMonotonic) / 1000 - $(unit_prop cdmd.service InactiveExitTimestampMonotonic) / 1000)) ms"
expect_match "journal: started" "$(journalctl -b -u cdmd --no-pager -o cat)" 'Started cdmd\.service|Started Coherent device memory'
bus_pid=$(busctl --system status org.cdmd.cdmd1 2>/dev/null | sed -n 's/^PID=//p')
expect_eq "org.cdmd.cdmd1 owned by the MainPID" "$bus_pid" "$pid"

section "hardening (unit properties)"
for p in ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateNetwork=yes NoNewPrivileges=yes \
	RestrictRealtime=yes LockPersonality=yes MemoryDenyWriteExecute=yes; do
	expect_eq "${p%%=*}" "$(unit_prop cdmd.service "${p%%=*}")" "${p#*=}"
done
expect_match "SystemCallFilter" "$(unit_prop cdmd.service SystemCallFilter)" 'move_pages'
expect_match "CapabilityBoundingSet" "$(unit_prop cdmd.service CapabilityBoundingSet)" '^cap_'
expect_no_match "CapabilityBoundingSet" "$(unit_prop cdmd.service CapabilityBoundingSet)" 'cap_net_admin|cap_sys_module|cap_sys_rawio'

section "hardening (the running process)"
grep -E '^(NoNewPrivs|Seccomp|Seccomp_filters|CapBnd|CapEff):' "/proc/$pid/status"
expect_eq "NoNewPrivs" "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$pid/status")" 1
expect_eq "Seccomp (2 = filter)" "$(awk '/^Seccomp:/ { print $2 }' "/proc/$pid/status")" 2
if [ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/1/ns/mnt)" ]; then
	pass "cdmd has its own mount namespace ($(readlink "/proc/$pid/ns/mnt"))"
else
	fail "cdmd shares PID 1's mount namespace"
fi
if grep -q ' /usr .*\bro\b' "/proc/$pid/mountinfo" || awk '$5 == "/usr" || $5 == "/" { print $6 }' "/proc/$pid/mountinfo" | grep -q '^ro'; then
	pass "/ or /usr read-only for cdmd"
else
	fail "/ and /usr writable for cdmd: $(awk '$5 == "/" || $5 == "/usr"' "/proc/$pid/mountinfo")"
fi
awk '$5 ~ "^/sys/fs/cgroup$|^/sys/devices/system/memory$|^/sys/kernel/mm$" { print "mount " $5 " " $6 }' "/proc/$pid/mountinfo"
cg_opts=$(awk '$5 == "/sys/fs/cgroup" { print $6 }' "/proc/$pid/mountinfo" | tail -n 1)
expect_match "/sys/fs/cgroup writable for cdmd" "$cg_opts" '^rw'

section "exercise cdmd under its sandbox"
cdmctl status
dev=$(device_name)
expect_match "device on node $DEV_NODE" "$dev" '.'
systemd-run --unit=cdm-unit-job --quiet sleep 600
cg=$(unit_cgroup cdm-unit-job.service)
cdmctl grant unit-job --cgroup "$cg" --device "$dev" --size 64M && pass "grant to $cg" || fail "grant to $cg"
cdmctl audit
cdmctl reload && pass "cdmctl reload" || fail "cdmctl reload"
systemctl reload cdmd && pass "systemctl reload cdmd" || fail "systemctl reload cdmd"
cdmctl revoke unit-job && pass "revoke" || fail "revoke"
systemctl stop cdm-unit-job.service
sleep 2
expect_eq "cdmd.service still active" "$(unit_prop cdmd.service ActiveState)" active

section "systemd-analyze security cdmd.service"
systemd-analyze security --no-pager cdmd.service >/tmp/security.txt 2>&1
cat /tmp/security.txt
score=$(grep -a 'Overall exposure level' /tmp/security.txt)
echo "exposure: $score"
expect_match "exposure level" "$score" 'Overall exposure level for cdmd\.service: [0-9.]+ (OK|MEDIUM|SAFE)'

expect_isolated
check_no_denials
finish
