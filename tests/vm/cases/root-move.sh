#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# [isolation] root_cgroup = move and [daemon] metrics_file: a user process in the root
# cgroup with pages on the device is moved into a fenced cgroup, its pages back on node 0
# intact, and the metrics file says what the audit saw; then the same by the running daemon,
# whose worker writes cgroup.procs (the kernel moves the pages inside that write). --dry-run
# first lists the cgroup to create, its fence and the move, and does none of it.
. /test/lib.sh

setup_cgroups system.slice
spawn_in_cgroup . /tmp/root.out cdm-probe hold 32 1
pid=$SPAWNED
wait_ready /tmp/root.out
printf '[daemon]\nstate_dir = /run/cdmd\nmetrics_file = /run/cdmd/metrics.prom\n[isolation]\nroot_cgroup = move\n' >/tmp/cdmd.conf
# --dry-run shows the cgroup it would create and the move, and touches nothing.
out=$(cdmd -c /tmp/cdmd.conf --oneshot --dry-run 2>/dev/null) || fail "cdmd --dry-run failed"
echo "$out" | sed -n '/Before the page moves/,$p'
expect_match "the cgroup to create" "$out" 'create sys/fs/cgroup/cdmd-root-processes'
expect_match "its fence" "$out" "sys/fs/cgroup/cdmd-root-processes/cpuset.mems: -> '0'"
expect_match "the move" "$out" 'from all: all .*user process(es)? in the root cgroup'
[ ! -e $CG/cdmd-root-processes ] || fail "--dry-run created the cgroup"
expect_eq "the process's cgroup after --dry-run" "$(cat /proc/$pid/cgroup)" "0::/"
cdmd -c /tmp/cdmd.conf --oneshot >/dev/null 2>/tmp/cdmd.log || { cat /tmp/cdmd.log; fail "cdmd failed"; }
cat /tmp/cdmd.log
expect_eq "the process's cgroup" "$(cat /proc/$pid/cgroup)" "0::/cdmd-root-processes"
expect_eq "the new cgroup is fenced" "$(cat $CG/cdmd-root-processes/cpuset.mems.effective)" 0
line=$(probe_report $pid /tmp/root.out)
expect_match "its pages" "$line" 'nodes 0=8192 checksum ok'
cat /run/cdmd/metrics.prom
expect_match "metrics" "$(cat /run/cdmd/metrics.prom)" 'cdmd_device_total_bytes\{device="cdm1"\} 1073741824'
expect_match "metrics" "$(cat /run/cdmd/metrics.prom)" 'cdmd_repaired_bytes_total [1-9]'
kill -TERM $pid

echo "--- the running daemon"
spawn_in_cgroup . /tmp/root2.out cdm-probe hold 64 1
pid=$SPAWNED
wait_ready /tmp/root2.out
line=$(probe_report $pid /tmp/root2.out)
expect_eq "64 MiB on the device" "$(node_pages "$line" 1)" 16384
printf '[daemon]\naudit_interval = 1s\nstate_dir = /run/cdmd\n[isolation]\nroot_cgroup = move\n' >/tmp/cdmd2.conf
cdmd -c /tmp/cdmd2.conf 2>/tmp/cdmd2.log &
daemon=$!
i=0
until [ "$(cat /proc/$pid/cgroup)" = "0::/cdmd-root-processes" ]; do
	[ $i -lt 300 ] || { cat /tmp/cdmd2.log; fail "the running daemon did not move the process"; }
	sleep 0.1
	i=$((i + 1))
done
i=0
until grep -q "Moved process $pid from the root cgroup" /tmp/cdmd2.log; do
	[ $i -lt 100 ] || { cat /tmp/cdmd2.log; fail "no log line for the move"; }
	sleep 0.1
	i=$((i + 1))
done
# The kernel moves the pages on attach, best effort; the audit repairs what it left
# (placement, not time: at most 30 s).
i=0
while :; do
	line=$(probe_report $pid /tmp/root2.out)
	[ "$(node_pages "$line" 1)" -eq 0 ] && break
	[ $i -lt 150 ] || break
	sleep 0.2
	i=$((i + 1))
done
expect_match "its pages back, intact" "$line" 'nodes 0=16384 checksum ok'
grep 'root cgroup' /tmp/cdmd2.log
kill -TERM $daemon $pid
wait $daemon 2>/dev/null || true
pass "root process moved, metrics written"
