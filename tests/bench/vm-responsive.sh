#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The responsiveness benchmark, run in the hot-plug guest by run-bench-responsive.sh: the
# latency of ListDevices (median, p99, longest) idle, then while a job's 512 MiB go back to
# system memory on Revoke, then while a drain evacuates 512 MiB of another job, each call
# made one after the other from one client until the move is over. The ratios are to the
# idle figures of the same boot. No bandwidth cap: the moves run as fast as the guest can.
. /test/lib.sh

MIB=512
setup_cgroups jobs.slice
echo +memory >$CG/jobs.slice/cgroup.subtree_control
mkdir -p $CG/jobs.slice/job_1 $CG/jobs.slice/job_2
printf '[daemon]\naudit_interval = 1s\nstate_dir = /run/cdmd\n' >/tmp/cdmd.conf
start_cdmd /tmp/cdmd.conf

# fill JOB: a granted job holding MIB on the device; the probe's pid in SPAWNED
fill() {
	cdmctl grant "$1" --cgroup /jobs.slice/$1 --device cdm1 --size 1G >/dev/null || fail "grant $1"
	spawn_in_cgroup jobs.slice/$1 /tmp/$1.out cdm-probe hold $MIB 1
	wait_ready /tmp/$1.out
	line=$(probe_report $SPAWNED /tmp/$1.out)
	[ "$(node_pages "$line" 1)" -eq $((MIB * 256)) ] || fail "$1 is not on the device: $line"
}

# figures LINE: "median p99 max" in microseconds from bench-bus's line
figures() {
	echo "$1" | awk '{ for (i = 1; i <= NF; i++) { if ($i == "median") m = $(i + 1); if ($i == "p99") p = $(i + 1); if ($i == "max") x = $(i + 1) } print m, p, x }'
}

idle=$(bench-bus list-devices "idle:" 2000) || fail "bench-bus idle"
echo "$idle"
set -- $(figures "$idle")
idle_med=$1 idle_p99=$2

fill job_1
pid1=$SPAWNED
rm -f /tmp/moved
t0=$(cut -d' ' -f1 /proc/uptime)
(cdmctl revoke job_1 >/dev/null 2>&1; touch /tmp/moved) &
waiter=$!
revoke=$(bench-bus list-devices "during a revoke:" 1000000 /tmp/moved) || fail "bench-bus revoke"
t1=$(cut -d' ' -f1 /proc/uptime)
wait $waiter
line=$(probe_report $pid1 /tmp/job_1.out)
[ "$(node_pages "$line" 1)" -eq 0 ] || fail "job_1 not back: $line"
echo "$revoke"
echo "revoke of $MIB MiB: $(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }') s until JobRemoved"
grep 'job_1/cpuset.mems: the kernel moved' /tmp/cdmd.log | head -1
kill $pid1

fill job_2
pid2=$SPAWNED
rm -f /tmp/moved
t0=$(cut -d' ' -f1 /proc/uptime)
cdmctl drain cdm1 >/dev/null || fail "drain"
(
	i=0
	until cdmctl devices 2>/dev/null | grep -q 'drained'; do
		[ $i -lt 1200 ] || break
		sleep 0.1
		i=$((i + 1))
	done
	touch /tmp/moved
) &
waiter=$!
drain=$(bench-bus list-devices "during a drain:" 1000000 /tmp/moved) || fail "bench-bus drain"
t1=$(cut -d' ' -f1 /proc/uptime)
wait $waiter
echo "$drain"
echo "drain of $MIB MiB: $(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }') s until drained"
cdmctl devices | grep cdm1
kill $pid2

for l in "$revoke" "$drain"; do
	set -- $(figures "$l")
	echo "$l" | sed 's/ *median.*//'
	echo "  ratio to idle: median $(echo "$1 $idle_med" | awk '{ printf "%.2f", $1 / $2 }'), p99 $(echo "$2 $idle_p99" | awk '{ printf "%.2f", $1 / $2 }'); longest call $(echo "$3" | awk '{ printf "%.1f", $1 / 1000 }') ms"
done
pass "responsiveness measured"
