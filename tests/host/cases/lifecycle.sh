#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# cdmd as a systemd service over its life: a reload with a broken drop-in keeps the old
# configuration and says file:line; kill -9 makes systemd restart it with every grant
# still there; once stopped, a call to org.cdmd.cdmd1 starts it again (bus activation).
. /host-case/lib.sh

mkdir -p /etc/cdmd/cdmd.conf.d
printf '[daemon]\naudit_interval = 2s\n' >/etc/cdmd/cdmd.conf.d/20-host-life.conf
install_cdmd
systemctl reload cdmd.service
sleep 1
dev=$(device_name)
systemd-run --unit=cdm-life --quiet sleep 3600
cdmctl grant life --cgroup "$(unit_cgroup cdm-life.service)" --device "$dev" --size 128M >/dev/null &&
	pass "grant life" || fail "grant life"
interval() { busctl --system get-property org.cdmd.cdmd1 /org/cdmd/cdmd1 org.cdmd.cdmd1.Manager AuditIntervalUSec 2>&1; }
expect_eq "AuditIntervalUSec from the drop-in" "$(interval)" "t 2000000"

section "reload with a broken drop-in"
printf '[isolation]\ndemotion = disable\nno_such_key = 1\n' >/etc/cdmd/cdmd.conf.d/90-host-broken.conf
printf '[daemon]\naudit_interval = 5s\n' >/etc/cdmd/cdmd.conf.d/30-host-life.conf
since=$(date '+%Y-%m-%d %H:%M:%S')
pid=$(unit_prop cdmd.service MainPID)
systemctl reload cdmd
echo "systemctl reload: status $?"
sleep 2
msgs=$(journalctl -u cdmd --since "$since" --no-pager -o cat)
echo "$msgs"
expect_match "journal names the bad line" "$msgs" '90-host-broken\.conf:3'
expect_eq "cdmd.service" "$(systemctl is-active cdmd.service)" active
expect_eq "same process" "$(unit_prop cdmd.service MainPID)" "$pid"
expect_eq "AuditIntervalUSec kept (old configuration)" "$(interval)" "t 2000000"
out=$(cdmctl reload 2>&1)
st=$?
echo "cdmctl reload: status $st: $out"
if [ "$st" -ne 0 ]; then pass "cdmctl reload refused the broken configuration"; else fail "cdmctl reload accepted a broken configuration"; fi
expect_match "cdmctl reload error" "$out" 'InvalidConfig|90-host-broken\.conf:3'
expect_match "job life still there" "$(job_cgroups)" 'cdm-life\.service'
rm /etc/cdmd/cdmd.conf.d/90-host-broken.conf /etc/cdmd/cdmd.conf.d/30-host-life.conf

section "systemctl kill -s KILL cdmd"
pid=$(unit_prop cdmd.service MainPID)
restarts=$(unit_prop cdmd.service NRestarts)
systemctl kill -s KILL cdmd.service
wait_for 60 sh -c "[ \"\$(systemctl show -p MainPID --value cdmd.service)\" != $pid ] && [ \"\$(systemctl is-active cdmd.service)\" = active ]" ||
	fail "cdmd.service not back within 60 s: $(systemctl is-active cdmd.service)"
expect_eq "cdmd.service after kill -9" "$(systemctl is-active cdmd.service)" active
expect_eq "NRestarts" "$(unit_prop cdmd.service NRestarts)" $((restarts + 1))
echo "MainPID $pid -> $(unit_prop cdmd.service MainPID)"
wait_for 30 busctl --system status org.cdmd.cdmd1 >/dev/null 2>&1
cdmctl jobs
expect_match "job life after the restart" "$(job_cgroups)" 'cdm-life\.service'
expect_allowed cdm-life.service open
expect_bind cdm-life.service yes
expect_allowed user.slice fenced

section "systemctl stop cdmd, then a bus call activates it"
systemctl stop cdmd.service
expect_eq "cdmd.service after stop" "$(systemctl is-active cdmd.service)" inactive
echo "while stopped: user.slice AllowedMemoryNodes='$(unit_prop user.slice AllowedMemoryNodes)' effective '$(cat $CG/user.slice/cpuset.mems.effective 2>/dev/null)'"
out=$(timeout 60 busctl --system call org.cdmd.cdmd1 /org/cdmd/cdmd1 org.cdmd.cdmd1.Manager ListJobs 2>&1)
st=$?
echo "busctl call ListJobs: status $st: $out"
expect_eq "bus call to a stopped cdmd" "$st" 0
expect_eq "cdmd.service after the call" "$(systemctl is-active cdmd.service)" active
expect_match "ListJobs answered with job life" "$out" '"life"'
cdmctl status | head -n 6

cdmctl revoke life >/dev/null
systemctl stop cdm-life.service
check_no_denials
finish
