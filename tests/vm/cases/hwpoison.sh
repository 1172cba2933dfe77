#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A fault the kernel reports: a page of the device poisoned with madvise(MADV_HWPOISON)
# (memory_failure(), as for an uncorrectable memory error) raises the node's
# memory_failure/total; cdmd puts the device in failed and evacuates it: the granted job's
# anonymous and huge-page memory ends on node 0 with every checksum intact, the job is
# suspended and fenced.
. /test/lib.sh

[ -r /sys/devices/system/node/node1/memory_failure/total ] || fail "no memory_failure counter on node 1"
setup_cgroups jobs.slice
echo +memory >$CG/jobs.slice/cgroup.subtree_control
mkdir -p $CG/jobs.slice/job_1
printf '[daemon]\naudit_interval = 1s\nstate_dir = /run/cdmd\n' >/tmp/cdmd.conf
start_cdmd /tmp/cdmd.conf
cdmd=$CDMD
cdmctl grant job_1 --cgroup /jobs.slice/job_1 --device cdm1 --size 512M || fail "grant"
for kind in anon thp; do
	spawn_in_cgroup jobs.slice/job_1 /tmp/$kind.out cdm-probe hold 32 1 $kind
	eval "pid_$kind=$SPAWNED"
	wait_ready /tmp/$kind.out
	eval "pid=\$pid_$kind"
	expect_eq "$kind pages on node 1" "$(node_pages "$(probe_report $pid /tmp/$kind.out)" 1)" 8192
done
before=$(cat /sys/devices/system/node/node1/memory_failure/total)
sleep 2 # cdmd has seen the counter as it is
in_cgroup jobs.slice/job_1 cdm-probe poison 1 || fail "poison"
expect_eq "node 1 memory_failure/total" "$(cat /sys/devices/system/node/node1/memory_failure/total)" $((before + 1))
i=0
until cdmctl device cdm1 | grep -q "State: failed"; do
	[ $i -lt 60 ] || { cdmctl device cdm1; cat /tmp/cdmd.log; fail "device never failed"; }
	sleep 0.5
	i=$((i + 1))
done
pass "cdm1 failed $((i / 2)) s after the poison"
expect_match "the reason" "$(cat /tmp/cdmd.log)" 'Device cdm1 is now failed: memory_failure counter rose to'
for kind in anon thp; do
	eval "pid=\$pid_$kind"
	i=0
	line=$(probe_report $pid /tmp/$kind.out)
	until [ "$(node_pages "$line" 0)" = 8192 ] || [ $i -ge 60 ]; do
		sleep 0.5
		i=$((i + 1))
		line=$(probe_report $pid /tmp/$kind.out)
	done
	echo "$kind after: $line"
	expect_eq "$kind pages on node 0" "$(node_pages "$line" 0)" 8192
	expect_match "$kind contents" "$line" 'checksum ok'
done
expect_match "job suspended" "$(cdmctl jobs)" 'job_1 +cdm1 .*suspended'
expect_eq "job fenced" "$(cat $CG/jobs.slice/job_1/cpuset.mems.effective)" 0
grep -E 'Device cdm1|mapped memory|cannot' /tmp/cdmd.log
kill -TERM $cdmd
wait $cdmd || true
pass "a poisoned page failed the device, nothing else lost"
