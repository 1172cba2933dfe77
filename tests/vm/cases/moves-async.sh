#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Page moves do not hold the bus: with a bandwidth cap of 20 MB/s, lowering a quota from
# 200 MiB in use to 64 MiB has 136 MiB to move back (about 7 s at the cap). SetQuota answers
# at once, the daemon answers other calls while the pages move, the excess still goes back
# at no more than the cap, and nothing is lost. Then a revoke with --no-wait answers at
# once, and a plain revoke returns only when JobRemoved says the job is gone. Last, the revoke
# of a job holding 384 MiB on the device: fencing it makes the kernel migrate those pages
# inside the cpuset.mems write (about 1.5 s here), which cdmd leaves to a worker, so the call
# answers at once and JobRemoved comes once the pages are back.
. /test/lib.sh

CAP=20
setup_cgroups jobs.slice
echo +memory >$CG/jobs.slice/cgroup.subtree_control
mkdir -p $CG/jobs.slice/job_1 $CG/jobs.slice/job_2
printf '[daemon]\naudit_interval = 1s\nstate_dir = /run/cdmd\n[migration]\nbandwidth = %s\nworkers = 2\n' $CAP >/tmp/cdmd.conf
start_cdmd /tmp/cdmd.conf

# now_ms: milliseconds since boot (from /proc/uptime, in hundredths of a second).
now_ms() {
	read -r up _ </proc/uptime
	echo $((${up%.*} * 1000 + 1${up#*.} * 10 - 1000))
}

# ms CMD...: run CMD; TOOK is how long it took in milliseconds, MS_STATUS its exit status.
ms() {
	t=$(now_ms)
	MS_STATUS=0
	"$@" >/dev/null 2>&1 || MS_STATUS=$?
	TOOK=$(($(now_ms) - t))
}

cdmctl grant job_1 --cgroup /jobs.slice/job_1 --device cdm1 --size 256M || fail "grant"
spawn_in_cgroup jobs.slice/job_1 /tmp/hold.out cdm-probe hold 200 1
pid=$SPAWNED
wait_ready /tmp/hold.out
line=$(probe_report $pid /tmp/hold.out)
expect_eq "200 MiB on the device" "$(node_pages "$line" 1)" 51200

t0=$(now_ms)
ms cdmctl set-quota job_1 64M
took=$TOOK
expect_eq "set-quota status" "$MS_STATUS" 0
echo "set-quota answered in $took ms"
[ "$took" -lt 2000 ] || fail "set-quota took $took ms: it waited for the pages"
ms cdmctl status
took=$TOOK
echo "status during the move answered in $took ms"
[ "$took" -lt 2000 ] || fail "status took $took ms while pages moved"
line=$(probe_report $pid /tmp/hold.out)
echo "right after set-quota: $line"
[ "$(node_pages "$line" 1)" -gt 16384 ] || fail "the excess was already back: the move did not run in the background: $line"

# Bounded wait (placement, not time): 120 s.
i=0
while :; do
	line=$(probe_report $pid /tmp/hold.out)
	[ "$(node_pages "$line" 1)" -le 16384 ] && break
	[ $i -lt 600 ] || fail "the excess never went back: $line"
	sleep 0.2
	i=$((i + 1))
done
elapsed=$(($(now_ms) - t0))
echo "excess back after $elapsed ms: $line"
expect_match "contents after the quota move" "$line" 'checksum ok'
# A page under migration is in neither node's count for a moment: wait for none (at most 10 s).
i=0
while [ $(($(node_pages "$line" 0) + $(node_pages "$line" 1))) -ne 51200 ] && [ $i -lt 50 ]; do
	sleep 0.2
	line=$(probe_report $pid /tmp/hold.out)
	i=$((i + 1))
done
expect_eq "every page on one side or the other" $(($(node_pages "$line" 0) + $(node_pages "$line" 1))) 51200
moved=$(((51200 - $(node_pages "$line" 1)) * 4096))
rate=$((moved / 1000 / elapsed))
echo "about $rate MB/s (cap $CAP MB/s, 2 workers)"
[ "$rate" -le $((CAP * 115 / 100)) ] || fail "the quota move ran at $rate MB/s, over the cap of $CAP"
kill -TERM $pid

echo "--- revoke --no-wait, then revoke"
cdmctl grant job_2 --cgroup /jobs.slice/job_2 --device cdm1 --size 128M || fail "grant job_2"
cdmctl set-quota job_1 256M || fail "set-quota"
cdmctl --json monitor >/tmp/removed.out 2>&1 &
mon=$!
sleep 0.5
ms cdmctl revoke --no-wait job_1
took=$TOOK
expect_eq "revoke --no-wait status" "$MS_STATUS" 0
echo "revoke --no-wait answered in $took ms"
ms cdmctl revoke job_2
took=$TOOK
expect_eq "revoke status" "$MS_STATUS" 0
echo "revoke answered in $took ms"
i=0
until grep -q '"signal":"JobRemoved","id":"job_1"' /tmp/removed.out &&
	grep -q '"signal":"JobRemoved","id":"job_2"' /tmp/removed.out; do
	[ $i -lt 100 ] || { cat /tmp/removed.out; fail "no JobRemoved for both jobs"; }
	sleep 0.1
	i=$((i + 1))
done
kill $mon 2>/dev/null || true
expect_eq "job_1 fenced" "$(cat $CG/jobs.slice/job_1/cpuset.mems.effective)" 0
expect_eq "no job left" "$(cdmctl --no-legend jobs | wc -l)" 0

echo "--- revoke of a job holding 384 MiB: the fence write runs in a worker"
mkdir -p $CG/jobs.slice/job_3
cdmctl grant job_3 --cgroup /jobs.slice/job_3 --device cdm1 --size 512M || fail "grant job_3"
spawn_in_cgroup jobs.slice/job_3 /tmp/hold3.out cdm-probe hold 384 1
pid=$SPAWNED
wait_ready /tmp/hold3.out
line=$(probe_report $pid /tmp/hold3.out)
expect_eq "384 MiB on the device" "$(node_pages "$line" 1)" 98304
cdmctl --json monitor >/tmp/removed3.out 2>&1 &
mon=$!
sleep 0.5
ms cdmctl revoke --no-wait job_3
took=$TOOK
expect_eq "revoke --no-wait status" "$MS_STATUS" 0
echo "revoke of 384 MiB answered in $took ms"
ms cdmctl status
echo "status right after answered in $TOOK ms"
[ "$TOOK" -lt 2000 ] || fail "status took $TOOK ms while the fence write moved pages"
i=0
until grep -q '"signal":"JobRemoved","id":"job_3"' /tmp/removed3.out; do
	[ $i -lt 300 ] || { cat /tmp/removed3.out; fail "no JobRemoved for job_3"; }
	sleep 0.1
	i=$((i + 1))
done
kill $mon 2>/dev/null || true
fence=$(grep -m1 'jobs.slice/job_3/cpuset.mems: the kernel moved' /tmp/cdmd.log) ||
	{ tail -20 /tmp/cdmd.log; fail "the fence of job_3 was not written in a worker"; }
echo "$fence"
fence_ms=$(echo "$fence" | sed -n 's/.* in \([0-9]*\) ms.*/\1/p')
echo "the call answered in $took ms, the fence write took $fence_ms ms"
[ "$took" -lt 2000 ] || fail "revoke took $took ms: it waited for the kernel's migration"
line=$(probe_report $pid /tmp/hold3.out)
expect_eq "job_3's pages back when JobRemoved came" "$(node_pages "$line" 1)" 0
expect_match "job_3's contents" "$line" 'checksum ok'
expect_eq "job_3 fenced" "$(cat $CG/jobs.slice/job_3/cpuset.mems.effective)" 0
kill -TERM $pid
grep -E 'Revoked|Quota|worker' /tmp/cdmd.log
kill -TERM $CDMD
wait $CDMD 2>/dev/null || true
pass "moves in the background"
