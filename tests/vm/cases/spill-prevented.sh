#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Proof (a): a program in a cgroup without a grant that allocates more than node 0 holds
# spills onto the device node when cdmd is not running, and never gets a device page once
# cdmd has run: it is OOM-killed inside its cpuset instead.
. /test/lib.sh

setup_cgroups without with
mb=$(fill_mb)

echo "--- without cdmd: $mb MiB in /without"
in_cgroup without cdm-probe fill "$mb" /tmp/without.log || true
spilled=$(awk '{ for (i = 3; i <= NF; i++) if ($i ~ /^1=/) { split($i, a, "="); s += a[2] } } END { print s + 0 }' /tmp/without.log)
tail -n 3 /tmp/without.log
[ "$spilled" -gt 0 ] || fail "without cdmd nothing spilled: the test proves nothing"
pass "without cdmd, $spilled pages spilled onto node 1"

echo "--- cdmd --oneshot"
cdmd -c /dev/null --oneshot >/dev/null || fail "cdmd failed"
expect_eq "/with cpuset.mems.effective" "$(cat $CG/with/cpuset.mems.effective)" 0

echo "--- with cdmd: $mb MiB in /with"
status=0
in_cgroup with cdm-probe fill "$mb" /tmp/with.log || status=$?
tail -n 3 /tmp/with.log
[ "$status" -ne 0 ] || fail "the program fitted: node 0 had more room than measured"
if grep -q ' 1=' /tmp/with.log; then
	fail "with cdmd, pages landed on node 1: $(grep ' 1=' /tmp/with.log | head -3)"
fi
expect_match "/with memory.events" "$(cat $CG/with/memory.events)" 'oom_kill [1-9]'
pass "with cdmd, the program was OOM-killed in its cpuset and never touched node 1"
