#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A Slurm-like flow on a real kernel and a real system bus: the prolog grants job_1 256 MiB
# of the device with cdmctl; the job binds 200 MiB there while its sibling cannot; a lower
# quota moves the excess back; device-first moves pages onto the device; revoke leaves
# nothing of the job there; cdmd killed with SIGKILL and started again still holds and
# enforces the grant.
. /test/lib.sh

STEP=/system.slice/slurmstepd.scope
setup_cgroups system.slice
# As systemd and slurmstepd do: memory accounting down to the jobs (cdmd adds cpuset).
echo +memory >$CG/system.slice/cgroup.subtree_control
mkdir -p $CG$STEP
echo +memory >$CG$STEP/cgroup.subtree_control
mkdir -p $CG$STEP/job_1 $CG$STEP/job_2
printf '[daemon]\naudit_interval = 1s\nstate_dir = /run/cdmd\n' >/tmp/cdmd.conf

# wait_pages PID OUT NODE CMP COUNT: poll the probe until its page count on NODE satisfies
# [ count CMP COUNT ] (placement, not time: bounded by 120 tries of a second); the last
# report is left in LINE. Not to be called in a subshell (fail must end the case).
wait_pages() {
	i=0
	while :; do
		LINE=$(probe_report "$1" "$2")
		[ "$(node_pages "$LINE" "$3")" "$4" "$5" ] && break
		[ $i -lt 120 ] || fail "pages on node $3: $LINE (wanted $4 $5)"
		sleep 1
		i=$((i + 1))
	done
	echo "$LINE"
}

start_cdmd /tmp/cdmd.conf
cdmctl grant job_1 --cgroup $STEP/job_1 --device cdm1 --size 256M || fail "grant failed"
cdmctl jobs
expect_eq "job_1 cpuset.mems.effective" "$(cat $CG$STEP/job_1/cpuset.mems.effective)" 0-1
expect_eq "job_2 cpuset.mems.effective" "$(cat $CG$STEP/job_2/cpuset.mems.effective)" 0

status=0
in_cgroup $STEP/job_1 cdm-probe bind 200 1 || status=$?
expect_eq "job_1 binds 200 MiB to the device" "$status" 0
status=0
in_cgroup $STEP/job_2 cdm-probe move 64 1 || status=$?
expect_eq "job_2 (no grant) move_pages to the device" "$status" 13

echo "--- quota lowered under use"
spawn_in_cgroup $STEP/job_1 /tmp/hold.out cdm-probe hold 200 1
hold=$SPAWNED
wait_ready /tmp/hold.out
line=$(probe_report $hold /tmp/hold.out)
expect_eq "200 MiB on the device" "$(node_pages "$line" 1)" 51200
cdmctl set-quota job_1 64M || fail "set-quota failed"
wait_pages $hold /tmp/hold.out 1 -le 16384
line=$LINE
expect_match "after the lower quota" "$line" 'checksum ok'
echo "device pages now: $(node_pages "$line" 1) (quota 16384 pages)"
grep -q 'over its quota' /tmp/cdmd.log || fail "no QuotaExceeded in the log"
kill -TERM $hold

echo "--- device-first"
cdmctl set-quota job_1 256M || fail "set-quota failed"
spawn_in_cgroup $STEP/job_1 /tmp/df.out cdm-probe hold 64 0
df=$SPAWNED
wait_ready /tmp/df.out
cdmctl set-policy job_1 device-first || fail "set-policy failed"
wait_pages $df /tmp/df.out 1 -eq 16384
line=$LINE
expect_match "device-first moved the job's pages" "$line" 'nodes 1=16384 checksum ok'

echo "--- kill -9 and restart keep the grant"
kill -KILL $CDMD
wait $CDMD 2>/dev/null || true
start_cdmd /tmp/cdmd.conf
expect_match "job after restart" "$(cdmctl jobs)" "job_1 +cdm1"
expect_eq "job_1 still reaches the device" "$(cat $CG$STEP/job_1/cpuset.mems.effective)" 0-1

echo "--- revoke"
cdmctl revoke job_1 || fail "revoke failed"
wait_pages $df /tmp/df.out 1 -eq 0
line=$LINE
expect_match "after revoke" "$line" 'nodes 0=16384 checksum ok'
expect_eq "job_1 fenced" "$(cat $CG$STEP/job_1/cpuset.mems.effective)" 0
kill -TERM $df
kill -TERM $CDMD
wait $CDMD 2>/dev/null || true
tail -n 20 /tmp/cdmd.log
pass "Slurm-like flow"
