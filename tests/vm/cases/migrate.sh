#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Migrate: with a bandwidth cap of 20 MB/s, moving a 128 MiB job onto the device keeps
# to the cap by the daemon's own counters (MovedBytes over FinishedUSec - StartedUSec of the
# Migration object) and every page arrives intact; a migration back to system memory that is
# cancelled (Ctrl-C on cdmctl) stops with pages on both sides, none lost.
. /test/lib.sh

CAP=20
setup_cgroups jobs.slice
echo +memory >$CG/jobs.slice/cgroup.subtree_control
mkdir -p $CG/jobs.slice/job_1
printf '[daemon]\naudit_interval = 1s\nstate_dir = /run/cdmd\n[migration]\nbandwidth = %s\n' $CAP >/tmp/cdmd.conf
start_cdmd /tmp/cdmd.conf
cdmd=$CDMD
cdmctl grant job_1 --cgroup /jobs.slice/job_1 --device cdm1 --size 512M || fail "grant"
spawn_in_cgroup jobs.slice/job_1 /tmp/hold.out cdm-probe hold 128 0
pid=$SPAWNED
wait_ready /tmp/hold.out

out=$(cdmctl --json migrate job_1 --to cdm1) || fail "migrate failed: $out"
echo "$out"
line=$(probe_report $pid /tmp/hold.out)
expect_match "after the migration" "$line" 'nodes 1=32768 checksum ok'
# The daemon's own record: "Migration 1 ... N bytes moved, F failed, in T ms; ..."
rec=$(grep 'Migration 1 of job job_1 to cdm1 done' /tmp/cdmd.log) || { cat /tmp/cdmd.log; fail "no record of the migration"; }
echo "$rec"
moved=$(echo "$rec" | sed -n 's/.*: \([0-9]*\) bytes moved.*/\1/p')
ms=$(echo "$rec" | sed -n 's/.* in \([0-9]*\) ms.*/\1/p')
[ -n "$moved" ] && [ -n "$ms" ] && [ "$ms" -gt 0 ] || fail "no counters in: $rec"
rate=$((moved / 1000 / ms))
echo "moved $moved bytes in $ms ms: $rate MB/s (cap $CAP MB/s)"
[ "$rate" -le $((CAP * 115 / 100)) ] || fail "the migration ran at $rate MB/s, over the cap of $CAP"
[ "$moved" -ge $((128 * 1024 * 1024)) ] || fail "the daemon counted only $moved bytes moved"


echo "--- cancelled halfway back"
cdmctl migrate job_1 --to system >/tmp/back.out 2>&1 &
client=$!
sleep 2
kill -INT $client
wait $client || true
cat /tmp/back.out
# Placement once the migration has ended: a page in flight has no node.
i=0
until grep -Eq 'Migration 2 of job job_1 to system (cancelled|done)' /tmp/cdmd.log; do
	[ $i -lt 100 ] || { cat /tmp/cdmd.log; fail "the migration never ended"; }
	sleep 0.2
	i=$((i + 1))
done
line=$(probe_report $pid /tmp/hold.out)
echo "after cancel: $line"
expect_match "contents after cancel" "$line" 'checksum ok'
n0=$(node_pages "$line" 0)
n1=$(node_pages "$line" 1)
[ "$n0" -gt 0 ] && [ "$n1" -gt 0 ] || fail "the cancel did not stop it halfway: $line"
expect_eq "every page is on one side or the other" $((n0 + n1)) 32768
grep -E 'Migration [0-9]+' /tmp/cdmd.log
expect_match "cdmd's record" "$(cat /tmp/cdmd.log)" 'Migration 2 of job job_1 to system cancelled'
kill -TERM $pid $cdmd
pass "migration capped and cancelled, nothing lost"
