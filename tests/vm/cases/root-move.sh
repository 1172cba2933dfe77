#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# [isolation] root_cgroup = move and [daemon] metrics_file: a user process in the root
# cgroup with pages on the device is moved into a fenced cgroup, its pages back on node 0
# intact, and the metrics file says what the audit saw.
. /test/lib.sh

setup_cgroups system.slice
spawn_in_cgroup . /tmp/root.out cdm-probe hold 32 1
pid=$SPAWNED
wait_ready /tmp/root.out
printf '[daemon]\nstate_dir = /run/cdmd\nmetrics_file = /run/cdmd/metrics.prom\n[isolation]\nroot_cgroup = move\n' >/tmp/cdmd.conf
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
pass "root process moved, metrics written"
