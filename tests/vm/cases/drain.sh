#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Device drain, nothing lost: a granted job's processes hold anonymous, shared (memfd),
# transparent-huge-page and mlock()ed memory on the device, and a tmpfs bound to the device
# holds a file no process maps. `cdmctl drain`: every page ends on node 0 with identical
# checksums, the device's blocks are offline, its state is drained and the job suspended;
# `cdmctl resume`: online again (movable) and the grant works. With FAULT=1 in the
# environment file, `cdmctl fault` is reported while the drain runs: the device ends failed,
# with the same guarantees.
. /test/lib.sh

setup_cgroups jobs.slice
echo +memory >$CG/jobs.slice/cgroup.subtree_control
mkdir -p $CG/jobs.slice/job_1
printf '[daemon]\naudit_interval = 1s\nstate_dir = /run/cdmd\n' >/tmp/cdmd.conf
start_cdmd /tmp/cdmd.conf
cdmd=$CDMD
cdmctl grant job_1 --cgroup /jobs.slice/job_1 --device cdm1 --size 512M || fail "grant"

pids=
for kind in anon shm thp mlock; do
	spawn_in_cgroup jobs.slice/job_1 /tmp/$kind.out cdm-probe hold 32 1 $kind
	eval "pid_$kind=$SPAWNED"
	wait_ready /tmp/$kind.out
done
mkdir -p /mnt/t
mount -t tmpfs -o size=64m,mpol=bind:1 tmpfs /mnt/t || fail "tmpfs"
dd if=/dev/urandom of=/mnt/t/file bs=1M count=16 2>/dev/null
sum=$(md5sum </mnt/t/file)
for kind in anon shm thp mlock; do
	eval "pid=\$pid_$kind"
	line=$(probe_report $pid /tmp/$kind.out)
	echo "$kind before: $line"
	expect_eq "$kind pages on node 1" "$(node_pages "$line" 1)" 8192
done
echo "node 1: $(node_meminfo 1 FilePages) kB page cache and shmem, $(node_meminfo 1 AnonPages) kB anon"

if [ "$(cat /test/fault 2>/dev/null)" = 1 ]; then
	cdmctl drain cdm1 --reason maintenance &
	drainer=$!
	sleep 0.2
	cdmctl fault cdm1 --reason "Xid 79 (test)" || fail "fault"
	wait $drainer || true
	want=failed
else
	cdmctl drain cdm1 --reason maintenance || fail "drain"
	want=drained
fi
i=0
until cdmctl device cdm1 | grep -Eq "State: $want"; do
	[ $i -lt 300 ] || { cdmctl device cdm1; cat /tmp/cdmd.log; fail "device never got $want"; }
	sleep 1
	i=$((i + 1))
done
# A faulted device is "failed" from the fault on: its evacuation ends with the blocks offline,
# which a worker writes after the last page is back (a drain is "drained" only then).
wait_log 'Device cdm1: page cache reclaimed and memory blocks offlined' 60 \
	"the blocks were not offlined after the evacuation"
cdmctl device cdm1
for kind in anon shm thp mlock; do
	eval "pid=\$pid_$kind"
	line=$(probe_report $pid /tmp/$kind.out)
	echo "$kind after: $line"
	expect_eq "$kind pages on node 0" "$(node_pages "$line" 0)" 8192
	expect_match "$kind contents" "$line" 'checksum ok'
done
expect_eq "tmpfs file contents" "$(md5sum </mnt/t/file)" "$sum"
for b in $(node_blocks 1); do
	expect_eq "$b" "$(cat $MEMORY_SYS/$b/state)" offline
done
expect_match "job suspended" "$(cdmctl jobs)" 'job_1 +cdm1 .*suspended'
expect_eq "job fenced" "$(cat $CG/jobs.slice/job_1/cpuset.mems.effective)" 0

cdmctl resume cdm1 || fail "resume"
expect_match "state after resume" "$(cdmctl device cdm1)" 'State: online'
for b in $(node_blocks 1); do
	expect_eq "$b zone after resume" "$(cat $MEMORY_SYS/$b/valid_zones)" Movable
done
i=0
until [ "$(cat $CG/jobs.slice/job_1/cpuset.mems.effective)" = 0-1 ]; do
	[ $i -lt 50 ] || fail "the job was not reopened"
	sleep 0.2
	i=$((i + 1))
done
status=0
in_cgroup jobs.slice/job_1 cdm-probe bind 32 1 || status=$?
expect_eq "the grant works after resume" "$status" 0
kill -TERM $cdmd
wait $cdmd || true
grep -E 'Device cdm1|mapped memory|cannot|page cache' /tmp/cdmd.log
pass "drained with nothing lost"
