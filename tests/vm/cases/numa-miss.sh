#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The kernel's spill counter: numa_miss of the device node rises when an allocation that
# preferred node 0 lands on it. A granted job that outgrows node 0 into its own device (32 MiB
# of it, cdm-probe spill) raises it without an alarm (its grant allows the device); a process
# in the root cgroup, which no cpuset restricts, that does the same is an alarm naming the
# root cgroup, counted in the metrics.
. /test/lib.sh

numa_miss() {
	awk '$1 == "numa_miss" { print $2 }' $NODE_SYS/node1/numastat
}
metric() {
	awk -v k="$1" '$1 == k { print $2 }' /tmp/metrics
}
# spill_in CG OUT: "cdm-probe spill 32" in CG (32 MiB land on node 1 once node 0 runs short,
# the rest is freed); its pid in SPILLER. Node 0 runs short of memory for the kernel's own
# allocations too, which node 1 (movable only) cannot take, and the OOM killer may pick the
# probe before the spill: then it is tried again, up to three times.
spill_in() {
	for _ in 1 2 3; do
		spawn_in_cgroup "$1" "$2" cdm-probe spill 32
		SPILLER=$SPAWNED
		i=0
		while kill -0 $SPILLER 2>/dev/null && ! grep -q ready "$2"; do
			[ $i -lt 1200 ] || fail "the spill in $1 never got ready"
			sleep 0.1
			i=$((i + 1))
		done
		grep -q ready "$2" && return 0
		echo "the spill in $1 was killed before it was ready; again"
	done
	fail "the spill in $1 was killed three times"
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
spill_in jobs.slice/job /tmp/job.out
echo "job: $(head -n 1 /tmp/job.out); now $(probe_report $SPILLER /tmp/job.out)"
kill -TERM $SPILLER
wait $SPILLER 2>/dev/null || true
after=$(numa_miss)
echo "numa_miss of node 1: $before -> $after"
[ "$after" -gt "$before" ] || fail "numa_miss did not rise"
sleep 3 # audits
# The next audits count it; under load an audit can come late (at most 30 s).
i=0
until [ "$(metric cdmd_numa_miss_pages_total)" -gt 0 ] 2>/dev/null; do
	[ $i -lt 150 ] || fail "numa_miss not counted: $(cat /tmp/metrics)"
	sleep 0.2
	i=$((i + 1))
done
grep -E 'Alarm|Spill|Repaired' /tmp/cdmd.log
expect_eq "alarms after the granted job" "$(alarms)" 0
expect_eq "cdmd_numa_alarms_total" "$(metric cdmd_numa_alarms_total)" 0

echo "--- a process in the root cgroup spills 32 MiB"
before=$(numa_miss)
spill_in . /tmp/root.out
root=$SPILLER
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
