#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Proof (c): a cgroup created while cdmd runs is restricted before an allocation in it can
# reach the device: create it, move in, allocate more than node 0 holds at once.
. /test/lib.sh

setup_cgroups system.slice
printf '[daemon]\naudit_interval = 10s\nstate_dir = /run/cdmd\n' >/tmp/cdmd.conf
cdmd -c /tmp/cdmd.conf 2>/tmp/cdmd.log &
cdmd=$!
echo -900 >/proc/$cdmd/oom_score_adj # as the unit's OOMScoreAdjust=: node 0 is filled below
i=0
until [ "$(cat $CG/system.slice/cpuset.mems 2>/dev/null)" = 0 ]; do
	[ $i -lt 300 ] || fail "cdmd did not start"
	sleep 0.1
	i=$((i + 1))
done
mb=$(fill_mb)
status=0
sh -c 'echo 0 >/proc/self/oom_score_adj && mkdir '$CG'/late && echo $$ >'$CG'/late/cgroup.procs && exec cdm-probe fill '$mb' /tmp/late.log' || status=$?
tail -n 3 /tmp/late.log
expect_eq "/late cpuset.mems" "$(cat $CG/late/cpuset.mems)" 0
if grep -q ' 1=' /tmp/late.log; then
	fail "pages of the new cgroup landed on node 1: $(grep ' 1=' /tmp/late.log | head -3)"
fi
[ "$status" -ne 0 ] || fail "the program fitted in node 0: the test proves nothing"
kill -TERM "$cdmd"
wait "$cdmd" || true
grep 'late' /tmp/cdmd.log || true
pass "the new cgroup never got a page on node 1"
