#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The tiered policy on DAMON. 6.12: a job with a 64 MiB region it reads in a loop and a
# 192 MiB region it wrote once, quota 256 MiB: with policy manual nothing moves; with tiered
# the cold region goes to the device and the hot one stays in system memory; the roles
# swapped converge too; a lower quota brings the device share down to it; after cdmd is
# killed and started again it takes its kdamond back and steers it; revoke leaves nothing
# on the device and no kdamond of cdmd's running; the same cgroup as a tiered [job]
# section has its cold pages moved, and removing the section stops the kdamond. 6.1 (DAMON without the migrate actions): SetPolicy tiered is NotSupported.
. /test/lib.sh

JOB=/tiered.slice/job
DAMON=/sys/kernel/mm/damon/admin
setup_cgroups tiered.slice
echo +memory >$CG/tiered.slice/cgroup.subtree_control
mkdir -p $CG$JOB
printf '[daemon]\naudit_interval = 1s\nstate_dir = /run/cdmd\n[policy]\ncold_after = 2s\n' >/tmp/cdmd.conf

start_cdmd /tmp/cdmd.conf
cdmctl grant job --cgroup $JOB --device cdm1 --size 256M || fail "grant failed"
spawn_in_cgroup $JOB /tmp/tier.out cdm-probe tier 64 192
probe=$SPAWNED
wait_ready /tmp/tier.out

if [ "$KERNEL" = 6.1 ]; then
	status=0
	out=$(cdmctl set-policy job tiered 2>&1) || status=$?
	echo "$out"
	[ $status -ne 0 ] || fail "set-policy tiered succeeded on $KERNEL"
	expect_match "the refusal" "$out" 'NotSupported'
	expect_match "the kernel feature named" "$out" 'migrate_hot/migrate_cold'
	expect_match "the job's policy" "$(cdmctl job job)" 'manual'
	if [ -e $DAMON/kdamonds/nr_kdamonds ]; then
		expect_eq "kdamonds left by the probe" "$(cat $DAMON/kdamonds/nr_kdamonds)" 0
	fi
	echo "--- a tiered [job] section on $KERNEL: granted manual, with a warning"
	mkdir -p $CG/tiered.slice/static
	printf '[job static]\ncgroup = /tiered.slice/static\ndevice = cdm1\nquota = 64M\npolicy = tiered\n' >>/tmp/cdmd.conf
	cdmctl reload || fail "reload failed"
	expect_match "the static job's policy" "$(cdmctl job static)" 'manual'
	expect_match "the warning" "$(cat /tmp/cdmd.log)" '\[job static\] in /tmp/cdmd.conf:[0-9]+: tiered needs DAMON.*runs with policy manual'
	kill -TERM $probe $CDMD
	pass "tiered refused on $KERNEL"
	exit 0
fi

# pages OUT KEY: the count of KEY (hot0, cold1, ...) in the probe's newest report.
pages() {
	node_pages "$(probe_report $probe /tmp/tier.out)" "$1"
}

echo "--- manual: nothing moves"
sleep 5
line=$(probe_report $probe /tmp/tier.out)
echo "$line"
expect_eq "hot pages on the device (manual)" "$(node_pages "$line" hot1)" 0
expect_eq "cold pages on the device (manual)" "$(node_pages "$line" cold1)" 0

# damon_dump: what the kdamond's schemes did, for a failure.
damon_dump() {
	k=$DAMON/kdamonds/0
	echo update_schemes_stats >$k/state 2>/dev/null
	for s in $k/contexts/0/schemes/*/; do
		echo "$s: $(cat $s/action) nid $(cat $s/target_nid 2>/dev/null)" \
			"tried $(cat $s/stats/nr_tried)/$(cat $s/stats/sz_tried)" \
			"applied $(cat $s/stats/nr_applied)/$(cat $s/stats/sz_applied) qt_exceeds $(cat $s/stats/qt_exceeds)" \
			"quota $(cat $s/quotas/bytes) B $(cat $s/quotas/ms) ms per $(cat $s/quotas/reset_interval_ms) ms" \
			"access $(cat $s/access_pattern/nr_accesses/min)-$(cat $s/access_pattern/nr_accesses/max)" \
			"age $(cat $s/access_pattern/age/min)-$(cat $s/access_pattern/age/max)"
		for f in $s/filters/*/; do echo "  filter $(cat $f/type) $(cat $f/matching) $(cat $f/memcg_path) $(cat $f/addr_start 2>/dev/null)-$(cat $f/addr_end 2>/dev/null)"; done
	done
	echo update_schemes_tried_regions >$k/state 2>/dev/null
	for r in $k/contexts/0/schemes/0/tried_regions/*/; do
		[ -e $r/start ] && echo "  region $(cat $r/start)-$(cat $r/end) acc $(cat $r/nr_accesses) age $(cat $r/age)"
	done | head -30
	cat $k/contexts/0/targets/0/regions/*/start $k/contexts/0/targets/0/regions/*/end
}

# converge HOT_MB COLD_MB: wait (at most 180 s) until >= 90% of the cold region is on node 1
# and >= 90% of the hot region on node 0; print the time it took.
converge() {
	want_hot=$(($1 * 256 * 9 / 10))
	want_cold=$(($2 * 256 * 9 / 10))
	t0=$(date +%s)
	while :; do
		line=$(probe_report $probe /tmp/tier.out)
		h=$(node_pages "$line" hot0)
		c=$(node_pages "$line" cold1)
		[ "$h" -ge $want_hot ] && [ "$c" -ge $want_cold ] && break
		[ $(($(date +%s) - t0)) -lt 180 ] || { damon_dump; fail "no convergence: $line"; }
		sleep 1
	done
	echo "converged after $(($(date +%s) - t0)) s: $line"
}

echo "--- tiered"
cdmctl set-policy job tiered || { tail -n 20 /tmp/cdmd.log; fail "set-policy tiered failed"; }
expect_eq "kdamonds" "$(cat $DAMON/kdamonds/nr_kdamonds)" 1
expect_eq "kdamond state" "$(cat $DAMON/kdamonds/0/state)" on
converge 64 192
cdmctl job job

echo "--- roles swapped"
kill -USR2 $probe
converge 192 64
cdmctl job job
info=$(cdmctl job job)
expect_match "moved to the device counted" "$info" '[Mm]oved.*[1-9]'

echo "--- quota lowered to 32M: the device share follows"
cdmctl set-quota job 32M || fail "set-quota failed"
limit=$((32 * 256 + 256)) # pages; 1 MiB of slack for what is in flight
t0=$(date +%s)
while :; do
	line=$(probe_report $probe /tmp/tier.out)
	dev=$(($(node_pages "$line" hot1) + $(node_pages "$line" cold1)))
	[ $dev -le $limit ] && break
	[ $(($(date +%s) - t0)) -lt 60 ] || { damon_dump; fail "device share above the quota after 60 s: $line"; }
	sleep 1
done
echo "down to the quota after $(($(date +%s) - t0)) s: $line"
# From then on the share never passes the quota, and cdmd keeps DAMON's cold scheme allowed
# to fill the device up to it: migrate_cold with a byte quota of at most the room left while
# the share is well under the quota. How far DAMON gets is its own business: after the move
# back, the job's hot and cold pages sit side by side in physical memory, and DAMON's physical
# regions mix them (see README: limits), so the refill is reported, not asserted.
t0=$(date +%s)
most=0
while [ $(($(date +%s) - t0)) -lt 10 ]; do
	line=$(probe_report $probe /tmp/tier.out)
	dev=$(($(node_pages "$line" hot1) + $(node_pages "$line" cold1)))
	[ $dev -le $limit ] || fail "device share grew past the quota again: $line"
	[ $dev -le $most ] || most=$dev
	sleep 1
done
echo "10 s later, never above the quota (at most $most pages on the device): $line"
steered=
for i in 1 2 3 4 5; do
	line=$(probe_report $probe /tmp/tier.out)
	dev=$(($(node_pages "$line" hot1) + $(node_pages "$line" cold1)))
	action=$(cat $DAMON/kdamonds/0/contexts/0/schemes/0/action)
	bytes=$(cat $DAMON/kdamonds/0/contexts/0/schemes/0/quotas/bytes)
	if [ $dev -ge $((24 * 256)) ]; then
		steered="share $dev pages, near the quota: cold scheme $action"
		break
	fi
	if [ "$action" = migrate_cold ] && [ "$bytes" -gt 0 ] && [ "$bytes" -le $((32 << 20)) ]; then
		steered="share $dev pages, under the quota: cold scheme migrate_cold, $bytes bytes per interval"
		break
	fi
	sleep 1
done
[ -n "$steered" ] || { damon_dump; fail "the cold scheme is not allowed to use the room under the quota: $action $bytes, $line"; }
pass "$steered"

echo "--- cdmd killed and started again: the kdamond is taken back"
kill -KILL $CDMD
wait $CDMD 2>/dev/null || true
expect_eq "kdamonds while cdmd is down" "$(cat $DAMON/kdamonds/nr_kdamonds)" 1
start_cdmd /tmp/cdmd.conf
cdmctl job job
expect_match "the job's policy after the restart" "$(cdmctl job job)" 'tiered'
i=0
until grep -q 'Taking back kdamond 0' /tmp/cdmd.log; do
	[ $i -lt 30 ] || fail "cdmd did not take the kdamond back"
	sleep 1
	i=$((i + 1))
done
expect_eq "kdamonds after the restart" "$(cat $DAMON/kdamonds/nr_kdamonds)" 1
# The cdmd started again steers it: a new quota reaches the cold scheme's byte quota.
old=$(cat $DAMON/kdamonds/0/contexts/0/schemes/0/quotas/bytes)
cdmctl set-quota job 256M || fail "set-quota after the restart failed"
new=$(cat $DAMON/kdamonds/0/contexts/0/schemes/0/quotas/bytes)
echo "migrate_cold byte quota: $old -> $new"
[ "$new" -gt "$old" ] || { damon_dump; fail "the new quota did not reach the kdamond"; }


echo "--- revoke"
cdmctl revoke job || fail "revoke failed"
line=$(probe_report $probe /tmp/tier.out)
echo "$line"
expect_eq "hot pages on the device after revoke" "$(node_pages "$line" hot1)" 0
expect_eq "cold pages on the device after revoke" "$(node_pages "$line" cold1)" 0
# cdmd stops its kdamond in the Revoke call; should the kernel refuse at first, it tries
# again after the next audit: 5 s at most.
i=0
while [ "$(cat $DAMON/kdamonds/nr_kdamonds)" != 0 ] && [ $i -lt 5 ]; do
	sleep 1
	i=$((i + 1))
done
[ "$(cat $DAMON/kdamonds/nr_kdamonds)" = 0 ] || {
	grep -E 'kdamond|Sweep|Spill|Repaired' /tmp/cdmd.log | tail -n 20
	damon_dump
}
expect_eq "kdamonds after revoke (${i} s)" "$(cat $DAMON/kdamonds/nr_kdamonds)" 0

echo "--- the same cgroup as a tiered [job] section"
# A new probe: the revoke put the old one's hot and cold pages side by side in physical
# memory, where DAMON's physical regions tell them apart slowly.
kill -TERM $probe
wait $probe 2>/dev/null || true
spawn_in_cgroup $JOB /tmp/tier.out cdm-probe tier 64 192
probe=$SPAWNED
wait_ready /tmp/tier.out
cp /tmp/cdmd.conf /tmp/cdmd.conf.orig
printf '[job static]\ncgroup = %s\ndevice = cdm1\nquota = 256M\npolicy = tiered\n' $JOB >>/tmp/cdmd.conf
cdmctl reload || fail "reload failed"
expect_match "the static job's policy" "$(cdmctl job static)" 'tiered'
# The kdamond serves the section: cold pages reach the device, hot ones stay. (How far it
# gets depends on where the new probe's pages lie in physical memory, after the moves above:
# the placement itself is the first step's.)
t0=$(date +%s)
while :; do
	line=$(probe_report $probe /tmp/tier.out)
	[ "$(node_pages "$line" cold1)" -ge 4096 ] && [ "$(node_pages "$line" hot0)" -ge $((64 * 256 * 9 / 10)) ] && break
	[ $(($(date +%s) - t0)) -lt 120 ] || { damon_dump; fail "the [job] section's cold pages stayed: $line"; }
	sleep 1
done
echo "cold pages on the device after $(($(date +%s) - t0)) s: $line"
expect_eq "kdamonds with the [job] section" "$(cat $DAMON/kdamonds/nr_kdamonds)" 1
cp /tmp/cdmd.conf.orig /tmp/cdmd.conf
cdmctl reload || fail "reload failed"
i=0
until [ "$(cat $DAMON/kdamonds/nr_kdamonds)" = 0 ]; do
	[ $i -lt 30 ] || fail "the kdamond outlived the [job] section"
	sleep 1
	i=$((i + 1))
done
kill -TERM $probe
kill -TERM $CDMD
wait $CDMD 2>/dev/null || true
grep -i kdamond /tmp/cdmd.log
pass "tiered on $KERNEL"
