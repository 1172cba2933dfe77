#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The tiered benchmark, run in the hot-plug guest by run-bench-tiered.sh. A job with a 64 MiB
# region it reads in a loop and a 192 MiB region it wrote once (cdm-probe tier 64 192), quota
# 256 MiB, one probe in one boot:
#   tiered      from pages in system memory: time until >= 90% of the cold region is on the
#               device and >= 90% of the hot one in system memory, the bytes DAMON moved,
#               the kdamond's CPU time per second of job time, and the hot region's pass time;
#   all-system  revoked and granted again (manual): every page on node 0 (one bound);
#   all-device  policy device-first, every page moved to the device (the other bound).
# The probe comes first and fresh: DAMON watches physical addresses, and pages that earlier
# processes freed would put the hot and cold regions side by side in physical memory.
# The hot figure is the time of one read pass over the 64 MiB (one byte per page). In
# this guest the device node is ordinary RAM, so the two bounds differ little; on hardware
# the device's latency shows in the all-device figure.
. /test/lib.sh

JOB=/tiered.slice/job
DAMON=/sys/kernel/mm/damon/admin
setup_cgroups tiered.slice
echo +memory >$CG/tiered.slice/cgroup.subtree_control
mkdir -p $CG$JOB
printf '[daemon]\naudit_interval = 1s\nstate_dir = /run/cdmd\n[policy]\ncold_after = 2s\n' >/tmp/cdmd.conf
start_cdmd /tmp/cdmd.conf
cdmctl grant job --cgroup $JOB --device cdm1 --size 256M || fail "grant failed"

field() { # field LINE KEY
	node_pages "$1" "$2"
}
# hot_us PID OUT: the hot pass time, the lowest of five 1 s means (the lowest is the one
# least disturbed by whatever else the machine runs).
hot_us() {
	probe_report "$1" "$2" >/dev/null
	best=
	for _ in 1 2 3 4 5; do
		sleep 1
		v=$(field "$(probe_report "$1" "$2")" pass_us)
		[ -z "$best" ] || [ "$v" -lt "$best" ] && best=$v
	done
	echo "$best"
}
ticks() { # user + system clock ticks of a process
	awk '{ print $14 + $15 }' /proc/"$1"/stat
}
prop() { # prop KEY: a property of the job in bytes (cdmctl --json: snake_case keys)
	cdmctl --json job job | tr ',{}' '\n\n\n' | awk -F: -v k="\"$1\"" '$1 == k { print $2 + 0; f = 1 } END { if (!f) print 0 }'
}
start_probe() {
	spawn_in_cgroup $JOB /tmp/tier.out cdm-probe tier 64 192
	probe=$SPAWNED
	wait_ready /tmp/tier.out
}
stop_probe() {
	kill -TERM $probe
	wait $probe 2>/dev/null || true
}

echo "--- tiered, from system memory"
start_probe
moved0=$(($(prop moved_to_device_bytes) + $(prop moved_to_system_bytes)))
cdmctl set-policy job tiered || fail "tiered"
kd=$(cat $DAMON/kdamonds/0/pid)
k0=$(ticks "$kd")
t0=$(date +%s)
while :; do
	line=$(probe_report $probe /tmp/tier.out)
	[ "$(field "$line" hot0)" -ge $((64 * 256 * 9 / 10)) ] &&
		[ "$(field "$line" cold1)" -ge $((192 * 256 * 9 / 10)) ] && break
	[ $(($(date +%s) - t0)) -lt 180 ] || fail "no convergence: $line"
	sleep 1
done
t1=$(date +%s)
k1=$(ticks "$kd")
conv=$((t1 - t0))
sleep 2 # the next audits count DAMON's moves
moved=$(($(prop moved_to_device_bytes) + $(prop moved_to_system_bytes) - moved0))
echo "converged after $conv s: $line"
ta=$(date +%s)
tier_us=$(hot_us $probe /tmp/tier.out)
k2=$(ticks "$kd")
tb=$(date +%s)
hz=100 # USER_HZ
echo "hot pass: $tier_us us"
echo "--- all-system (revoked and granted again: every page back in system memory)"
cdmctl revoke job || fail "revoke"
cdmctl grant job --cgroup $JOB --device cdm1 --size 256M || fail "grant again"
line=$(probe_report $probe /tmp/tier.out)
[ "$(field "$line" hot1)" = 0 ] && [ "$(field "$line" cold1)" = 0 ] || fail "not all in system memory: $line"
sys_us=$(hot_us $probe /tmp/tier.out)
echo "hot pass: $sys_us us"

echo "--- all-device"
cdmctl set-policy job device-first || fail "device-first"
t0=$(date +%s)
while :; do
	line=$(probe_report $probe /tmp/tier.out)
	[ "$(field "$line" hot0)" -le 1024 ] && [ "$(field "$line" cold0)" -le 3072 ] && break
	[ $(($(date +%s) - t0)) -lt 120 ] || fail "device-first never moved the job: $line"
	sleep 1
done
echo "on the device after $(($(date +%s) - t0)) s: $line"
dev_us=$(hot_us $probe /tmp/tier.out)
echo "hot pass: $dev_us us"
stop_probe

kill -TERM $CDMD
wait $CDMD 2>/dev/null || true

echo "=== tiered benchmark (Linux $KERNEL, TCG or KVM guest, cold_after 2 s)"
echo "converge:           $conv s, $((moved / 1048576)) MiB moved by DAMON (the cold region is 192 MiB)"
awk -v a="$k1" -v b="$k0" -v c="$k2" -v s="$conv" -v w=$((tb - ta)) -v hz=$hz 'BEGIN {
	printf "kdamond CPU:        %.3f s/s while converging, %.3f s/s after (of one CPU)\n",
		(a - b) / hz / (s > 0 ? s : 1), (c - a) / hz / (w > 0 ? w : 1) }'
awk -v s="$sys_us" -v d="$dev_us" -v t="$tier_us" 'BEGIN {
	printf "hot pass (64 MiB):  all-system %d us, all-device %d us, tiered %d us\n", s, d, t
	printf "tiered / all-system %.2f, all-device / all-system %.2f\n", t / s, d / s }'
pass "tiered benchmark"
