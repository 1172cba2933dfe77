#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The kernel's spill counter: numa_miss of the device node rises when an allocation that
# preferred node 0 lands on it. A granted job that outgrows node 0 into its own device raises
# it without an alarm (its grant allows the device); a process in the root cgroup, which no
# cpuset restricts, that does the same is an alarm naming the root cgroup, counted in the
# metrics.
. /test/lib.sh

numa_miss() {
	awk '$1 == "numa_miss" { print $2 }' $NODE_SYS/node1/numastat
}
metric() {
	awk -v k="$1" '$1 == k { print $2 }' /tmp/metrics
}
# spill_mb: a little more than node 0's free memory, so that part of it lands on node 1 but
# the kernel's own allocations, which node 1 (movable only) cannot take, still fit.
spill_mb() {
	echo $(($(node_meminfo 0 MemFree) / 1024 + 64))
}
alarms() {
	grep -c 'Alarm: numa_miss on cdm1' /tmp/cdmd.log || true
}

setup_cgroups jobs.slice
echo +memory >$CG/jobs.slice/cgroup.subtree_control
mkdir -p $CG/jobs.slice/job
printf '[daemon]\naudit_interval = 1s\nstate_dir = /run/cdmd\nmetrics_file = /tmp/metrics\n' >/tmp/cdmd.conf
start_cdmd /tmp/cdmd.conf
cdmctl grant job --cgroup /jobs.slice/job --device cdm1 --size 768M || fail "grant"
sleep 2 # the baseline is taken

echo "--- a granted job outgrows node 0 into its device"
before=$(numa_miss)
mb=$(spill_mb)
echo "job: mems $(cat $CG/jobs.slice/job/cpuset.mems.effective), memory.max $(cat $CG/jobs.slice/job/memory.max), fill $mb MiB"
# Killed or not (node 0's kernel memory may run out first), it was on node 1.
in_cgroup jobs.slice/job cdm-probe fill "$mb" /tmp/job.log || echo "the fill was killed: $(grep oom_kill $CG/jobs.slice/job/memory.events)"
tail -n 2 /tmp/job.log
grep -q ' 1=[1-9]' /tmp/job.log || fail "the job never reached node 1: the step proves nothing"
after=$(numa_miss)
echo "numa_miss of node 1: $before -> $after"
[ "$after" -gt "$before" ] || fail "numa_miss did not rise"
sleep 3 # audits
grep -E 'Alarm|Spill|Repaired' /tmp/cdmd.log
[ "$(metric cdmd_numa_miss_pages_total)" -gt 0 ] || fail "numa_miss not counted: $(cat /tmp/metrics)"
expect_eq "alarms after the granted job" "$(alarms)" 0
expect_eq "cdmd_numa_alarms_total" "$(metric cdmd_numa_alarms_total)" 0

echo "--- a process in the root cgroup spills 32 MiB"
before=$(numa_miss)
spawn_in_cgroup . /tmp/root.out cdm-probe spill 32
root=$SPAWNED
wait_ready /tmp/root.out
line=$(probe_report $root /tmp/root.out)
echo "numa_miss of node 1: $before -> $(numa_miss)"
echo "root holder: $(head -n 1 /tmp/root.out); now $line"
i=0
until [ "$(alarms)" -gt 0 ]; do
	[ $i -lt 30 ] || { tail -n 20 /tmp/cdmd.log; fail "no numa_miss alarm within 30 s"; }
	sleep 1
	i=$((i + 1))
done
echo "alarmed after $i s"
grep 'Alarm: numa_miss on cdm1' /tmp/cdmd.log | head -n 1
expect_match "the cause named" "$(grep 'Alarm: numa_miss on cdm1' /tmp/cdmd.log | head -n 1)" \
	'rose by [0-9]+ pages.*without a grant, grew there: /\.'
expect_match "the root cgroup's holder" "$(probe_report $root /tmp/root.out)" 'checksum ok'
sleep 2
[ "$(metric cdmd_numa_alarms_total)" -gt 0 ] || fail "alarm not counted: $(grep numa /tmp/metrics)"
kill -TERM $root
kill -TERM $CDMD
wait $CDMD 2>/dev/null || true
pass "numa_miss rises are told apart: granted job quiet, root cgroup alarmed"
