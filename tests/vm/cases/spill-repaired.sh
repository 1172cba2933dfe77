#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Proof (b): pages spilled onto the device before cdmd started, in a service cgroup and in
# the root cgroup, are back on system memory within two audit intervals of the running
# daemon, with their contents intact. And shmem that no process maps any more (written with
# write(2) by a process that has exited): on 6.12 cdmd sweeps it back with DAMON, contents
# intact; on 6.1, which has no DAMON migrate actions, it says it cannot move it. While a job
# is granted the device, the sweep names the spill's memcg (cache.service), and shmem charged
# to a cgroup that was removed (gone.slice/x.service) stays; once no job is granted it, cdmd
# started again sweeps every page of the device, and that shmem comes back too.
. /test/lib.sh

# shmem_on CG NODE: the shmem bytes of cgroup CG on NODE (memory.numa_stat).
shmem_on() {
	awk -v n="N$2" '$1 == "shmem" { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == n) print kv[2] } }' \
		"$CG/$1/memory.numa_stat"
}

setup_cgroups svc.service cache.service granted.slice gone.slice
echo +memory >$CG/gone.slice/cgroup.subtree_control
mkdir $CG/gone.slice/x.service
mkdir -p /tmp/cache
mount -t tmpfs -o size=128m cache /tmp/cache || fail "cannot mount a tmpfs"
in_cgroup cache.service cdm-probe cache 32 1 /tmp/cache/f || fail "cdm-probe cache failed"
cache_sum=$(md5sum </tmp/cache/f)
expect_eq "unmapped shmem of cache.service on node 1 before cdmd" "$(shmem_on cache.service 1)" 33554432
in_cgroup gone.slice/x.service cdm-probe cache 64 1 /tmp/cache/g || fail "cdm-probe cache failed"
gone_sum=$(md5sum </tmp/cache/g)
rmdir $CG/gone.slice/x.service || fail "cannot remove gone.slice/x.service"
expect_eq "shmem of the removed gone.slice/x.service on node 1" "$(shmem_on gone.slice 1)" 67108864

spawn_in_cgroup svc.service /tmp/svc.out cdm-probe hold 64 1
svc=$SPAWNED
spawn_in_cgroup . /tmp/root.out cdm-probe hold 64 1
root=$SPAWNED
wait_ready /tmp/svc.out
wait_ready /tmp/root.out
for p in "svc $svc /tmp/svc.out" "root $root /tmp/root.out"; do
	set -- $p
	line=$(probe_report "$2" "$3")
	echo "$1 before: $line"
	expect_eq "$1 pages on node 1 before cdmd" "$(node_pages "$line" 1)" 16384
done

printf '[daemon]\naudit_interval = 1s\nstate_dir = /run/cdmd\n' >/tmp/cdmd-nojob.conf
cp /tmp/cdmd-nojob.conf /tmp/cdmd.conf
printf '[job granted]\ncgroup = /granted.slice\ndevice = cdm1\nquota = 64M\n' >>/tmp/cdmd.conf
cdmd -c /tmp/cdmd.conf 2>/tmp/cdmd.log &
cdmd=$!

# Placement, not time: poll until both are back (the audit runs every second), bounded.
for p in "svc $svc /tmp/svc.out" "root $root /tmp/root.out"; do
	set -- $p
	i=0
	while :; do
		line=$(probe_report "$2" "$3")
		[ "$(node_pages "$line" 1)" = 0 ] && break
		[ $i -lt 120 ] || fail "$1 still has pages on node 1: $line"
		sleep 1
		i=$((i + 1))
	done
	echo "$1 after: $line"
	expect_eq "$1 pages on node 0" "$(node_pages "$line" 0)" 16384
	expect_match "$1 contents" "$line" 'checksum ok'
done

# The unmapped shmem: the audit finds it, the process repair moves nothing (no process), the
# next audit hands it to DAMON.
i=0
if [ "$KERNEL" = 6.1 ]; then
	while ! grep -q 'Spill of /cache.service on cdm1: .* which cdmd cannot move on this kernel' /tmp/cdmd.log; do
		[ $i -lt 60 ] || fail "no word from cdmd on the spill it cannot move"
		sleep 1
		i=$((i + 1))
	done
	pass "cdmd says it cannot move the unmapped shmem on $KERNEL: $(grep -o 'Spill of /cache.service.*' /tmp/cdmd.log | head -n 1)"
	expect_eq "the unmapped shmem stays on node 1 on $KERNEL" "$(shmem_on cache.service 1)" 33554432
else
	while [ "$(shmem_on cache.service 1)" != 0 ]; do
		if [ $i -ge 120 ]; then
			cat /tmp/cdmd.log
			for f in /sys/kernel/mm/damon/admin/kdamonds/*/state /sys/kernel/mm/damon/admin/kdamonds/*/contexts/0/schemes/*/stats/*; do
				[ -e "$f" ] && echo "$f: $(cat "$f")"
			done
			fail "cache.service still has $(shmem_on cache.service 1) bytes of shmem on node 1"
		fi
		sleep 1
		i=$((i + 1))
	done
	pass "the unmapped shmem left node 1 ($i s after the mapped spill was back)"
	expect_eq "unmapped shmem of cache.service on node 0" "$(shmem_on cache.service 0)" 33554432
	expect_eq "its contents" "$(md5sum </tmp/cache/f)" "$cache_sum"
	expect_match "the sweep named its memcg" "$(cat /tmp/cdmd.log)" 'Sweeping the spill of /cache.service on cdm1 .* 1 cgroup\(s\)'
	# The memcg filter cannot name the removed cgroup: its shmem stays while the job is granted.
	expect_eq "shmem of the removed cgroup on node 1 while cdm1 is granted" "$(shmem_on gone.slice 1)" 67108864
fi

kill -TERM "$cdmd"
wait "$cdmd" || true
cat /tmp/cdmd.log
if [ "$KERNEL" != 6.1 ]; then
	expect_match "cdmd swept it" "$(cat /tmp/cdmd.log)" 'Repaired spill of /cache.service on cdm1: [0-9]+ bytes that no process of it maps moved back'

	echo "--- no job granted cdm1: every page of the device is swept"
	# A pipe that nobody reads holds the first MiB of the removed cgroup's shmem: those pages
	# cannot move, and the sweep goes on while the rest comes back.
	spawn_in_cgroup svc.service /tmp/pin.out cdm-probe pin /tmp/cache/g
	pin=$SPAWNED
	i=0
	until grep -q '^pinned' /tmp/pin.out; do
		[ $i -lt 50 ] || { cat /tmp/pin.out; fail "cdm-probe pin did not start"; }
		sleep 0.2
		i=$((i + 1))
	done
	pinned=$(awk '/^pinned/ { print $2 }' /tmp/pin.out)
	cp /tmp/cdmd-nojob.conf /tmp/cdmd2.conf
	cdmd -c /tmp/cdmd2.conf 2>/tmp/cdmd2.log &
	cdmd=$!
	i=0
	while [ "$(shmem_on gone.slice 1)" -gt "$pinned" ]; do
		[ $i -lt 120 ] || { cat /tmp/cdmd2.log; fail "gone.slice still has $(shmem_on gone.slice 1) bytes of shmem on node 1"; }
		sleep 1
		i=$((i + 1))
	done
	pass "the removed cgroup's shmem left node 1 after $i s, but for the $pinned bytes a pipe holds"
	expect_match "a sweep of the whole device" "$(cat /tmp/cdmd2.log)" \
		'Sweeping the spill of /gone.slice on cdm1 .* every page of the device, which no job is granted'
	# schemes_whole: the schemes of cdmd's kdamond that move pages without a memcg filter.
	schemes_whole() {
		for sd in /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/*/; do
			[ -e "$sd/action" ] && [ "$(cat "$sd/action")" != stat ] &&
				[ "$(cat "$sd/filters/0/type" 2>/dev/null)" != memcg ] && echo "$sd"
		done
	}
	[ -n "$(schemes_whole)" ] || fail "no scheme of the whole device while it sweeps"
	# A grant stops the sweep of the whole device before the device opens to the job.
	cp /tmp/cdmd.conf /tmp/cdmd2.conf
	kill -HUP $cdmd
	i=0
	until sed -n '/Stopping the sweep of every page of cdm1: a job is granted it/,$p' /tmp/cdmd2.log |
		grep -q 'Stopped kdamond'; do
		[ $i -lt 100 ] || { cat /tmp/cdmd2.log; fail "the grant did not stop the sweep of the whole device"; }
		sleep 0.2
		i=$((i + 1))
	done
	for i in 1 2 3; do
		expect_eq "schemes without a memcg filter once cdm1 is granted (${i} s)" "$(schemes_whole)" ""
		sleep 1
	done
	expect_match "the job opened after the sweep stopped" \
		"$(sed -n '/Stopping the sweep of every page of cdm1/,$p' /tmp/cdmd2.log)" 'granted.slice/cpuset.mems to .0-1.'
	# The job ends with its section, the pipe lets go: the sweep of the whole device takes up
	# again and the rest comes back.
	cp /tmp/cdmd-nojob.conf /tmp/cdmd2.conf
	kill -HUP $cdmd
	kill -TERM $pin
	wait $pin
	i=0
	while [ "$(shmem_on gone.slice 1)" != 0 ]; do
		if [ $i -ge 120 ]; then
			cat /tmp/cdmd2.log
			fail "gone.slice still has $(shmem_on gone.slice 1) bytes of shmem on node 1"
		fi
		sleep 1
		i=$((i + 1))
	done
	pass "the rest of the removed cgroup's shmem left node 1 after $i s"
	expect_eq "shmem of the removed cgroup on node 0" "$(shmem_on gone.slice 0)" 67108864
	expect_eq "its contents" "$(md5sum </tmp/cache/g)" "$gone_sum"
	# Nothing left to sweep: the kdamond stops.
	i=0
	while [ "$(grep -l on /sys/kernel/mm/damon/admin/kdamonds/*/state 2>/dev/null | wc -l)" != 0 ]; do
		[ $i -lt 30 ] || { cat /tmp/cdmd2.log; fail "the sweep's kdamond did not stop"; }
		sleep 1
		i=$((i + 1))
	done
	pass "no kdamond running $i s after the sweep"
	kill -TERM "$cdmd"
	wait "$cdmd" || true
	cat /tmp/cdmd2.log
fi
expect_match "cdmd reported the root cgroup's spill" "$(cat /tmp/cdmd.log)" 'Spill: / has [0-9]+ bytes on cdm1'
expect_match "cdmd repaired it" "$(cat /tmp/cdmd.log)" 'Repaired spill of / on cdm1: [0-9]+ bytes moved'
kill -TERM "$svc" "$root"
pass "spilled pages are back on node 0, contents intact"
