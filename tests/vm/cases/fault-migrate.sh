#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# ReportFault while a migration onto the device is running: the migration stops (the device
# is fenced, move_pages to it is refused), the device ends failed with its blocks offline,
# and every page of the job is back on node 0 with its contents intact.
. /test/lib.sh

setup_cgroups jobs.slice
echo +memory >$CG/jobs.slice/cgroup.subtree_control
mkdir -p $CG/jobs.slice/job_1
printf '[daemon]\naudit_interval = 1s\nstate_dir = /run/cdmd\n[migration]\nbandwidth = 8\n' >/tmp/cdmd.conf
start_cdmd /tmp/cdmd.conf
cdmctl grant job_1 --cgroup /jobs.slice/job_1 --device cdm1 --size 512M || fail "grant"
spawn_in_cgroup jobs.slice/job_1 /tmp/hold.out cdm-probe hold 128 0
pid=$SPAWNED
wait_ready /tmp/hold.out

cdmctl migrate job_1 --to cdm1 --no-wait || fail "migrate"
i=0
until [ "$(node_pages "$(probe_report $pid /tmp/hold.out)" 1)" -gt 0 ]; do
	[ $i -lt 100 ] || fail "the migration never started"
	sleep 0.2
	i=$((i + 1))
done
echo "while migrating: $(probe_report $pid /tmp/hold.out)"
cdmctl fault cdm1 --reason "uncorrectable ECC (test)" || fail "fault"
i=0
until cdmctl device cdm1 | grep -q 'State: failed' && [ "$(node_pages "$(probe_report $pid /tmp/hold.out)" 1)" = 0 ]; do
	[ $i -lt 300 ] || { cdmctl device cdm1; cat /tmp/cdmd.log; fail "not evacuated"; }
	sleep 1
	i=$((i + 1))
done
# A failed device is "failed" from the fault on; the evacuation ends with its blocks offline,
# which a worker writes after the last page is back.
wait_log 'Device cdm1: page cache reclaimed and memory blocks offlined' 30 \
	"the blocks were not offlined after the evacuation"
line=$(probe_report $pid /tmp/hold.out)
echo "after the fault: $line"
expect_match "every page back, intact" "$line" 'nodes 0=32768 checksum ok'
for b in $(node_blocks 1); do
	expect_eq "$b" "$(cat $MEMORY_SYS/$b/state)" offline
done
grep -E 'Migration 1|Device cdm1' /tmp/cdmd.log
expect_match "the migration stopped" "$(cat /tmp/cdmd.log)" 'Migration 1 of job job_1 to cdm1 (failed|cancelled)'
kill -TERM $pid $CDMD
pass "fault during a migration: nothing lost"
