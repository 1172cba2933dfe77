#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# While jobs A (granted, 200 MiB on the device) and B (fenced) of slurm-jobs.sh run:
# "systemctl restart slurmd" and then "systemctl kill -s KILL cdmd" (systemd restarts it):
# A keeps its grant and its pages on the device, B stays fenced, and a new step of each
# still starts the way it should. Then A ends normally, B is cancelled, and a running
# granted job A2 is cancelled with scancel: no grant is left, none of their memory stays
# on the device.
. /host-case/lib.sh
. /usr/local/lib/cdmd-host/slurm-lib.sh

[ -f /tmp/slurm-jobs.env ] || fatal "no jobs from slurm-jobs.sh"
. /tmp/slurm-jobs.env
job_running "$A" || fatal "job A ($A) is $(job_state "$A"), not running"
job_running "$B" || fatal "job B ($B) is $(job_state "$B"), not running"
cgA=$(job_cgroup "$A")
cgB=$(job_cgroup "$B")

# check_a_b WHEN: A granted with its pages on the device, B fenced; a new step of each.
check_a_b() {
	local out a_dev
	expect_eq "$1: grant slurm-$A" "$(grant_of "slurm-$A")" "slurm-$A"
	a_dev=$(anon_bytes_in "$cgA")
	[ "${a_dev:-0}" -ge $((190 << 20)) ] && pass "$1: A holds $((a_dev >> 20)) MiB on node $DEV_NODE" ||
		fail "$1: A holds ${a_dev:-0} bytes on node $DEV_NODE"
	expect_eq "$1: B's bytes on node $DEV_NODE" "$(node_bytes_in "$cgB")" 0
	has_node "$(cat "$cgB/cpuset.mems.effective")" &&
		fail "$1: B's cpuset.mems.effective=$(cat "$cgB/cpuset.mems.effective")" ||
		pass "$1: B's cpuset.mems.effective=$(cat "$cgB/cpuset.mems.effective")"
	out=$(s_srun --jobid="$B" --overlap -n1 sh -c 'grep Mems_allowed_list /proc/self/status; cdm-probe bind 16 1; echo "bind status $?"' 2>&1)
	expect_match "$1: a new step of B starts fenced" "$out" 'Mems_allowed_list:[[:space:]]*0$'
	expect_match "$1: ... and cannot bind to node $DEV_NODE" "$out" 'bind status [1-9]'
	out=$(s_srun --jobid="$A" --overlap -n1 sh -c 'grep Mems_allowed_list /proc/self/status; cdm-probe bind 32 1; echo "bind status $?"' 2>&1)
	expect_match "$1: a new step of A reaches node $DEV_NODE" "$out" 'Mems_allowed_list:[[:space:]]*0-1'
	expect_match "$1: ... and binds to it" "$out" 'bind status 0'
}

section "systemctl restart slurmd"
systemctl restart slurmd || fail "systemctl restart slurmd"
wait_for 60 sh -c "timeout 5 sinfo -h -n $NODE -o %T | grep -Eq '^(mixed|allocated|idle)'" || fail "the node does not come back"
sleep 3
job_running "$A" && pass "A still runs" || fail "A is $(job_state "$A")"
job_running "$B" && pass "B still runs" || fail "B is $(job_state "$B")"
check_a_b "after restart of slurmd"

section "systemctl kill -s KILL cdmd"
old=$(unit_prop cdmd.service MainPID)
systemctl kill -s KILL cdmd.service
wait_for 60 sh -c "[ \"\$(systemctl show -p MainPID --value cdmd.service)\" != $old ] && systemctl is-active -q cdmd.service" ||
	fail "cdmd does not come back: $(systemctl status --no-pager cdmd.service | head -n 5)"
wait_for 30 busctl --system status org.cdmd.cdmd1 >/dev/null 2>&1 || fail "org.cdmd.cdmd1 not back"
echo "cdmd: MainPID $old -> $(unit_prop cdmd.service MainPID), NRestarts $(unit_prop cdmd.service NRestarts)"
sleep 3
check_a_b "after kill -9 of cdmd"

section "A ends"
touch /tmp/A.stop
wait_for 120 job_done "$A" || fail "A does not end: $(job_state "$A")"
echo "A: $(job_state "$A")"
wait_for 30 sh -c "[ -z \"\$(cdmctl --json jobs | jq -r '.[] | select(.id == \"slurm-$A\") | .id')\" ]" &&
	pass "no grant slurm-$A after A's end" || fail "slurm-$A still granted: $(cdmctl jobs)"
grep -a "revoked slurm-$A" "$SLURM_LOG" | sed 's/^/  slurmd.log: /'

section "B is cancelled"
s_scancel "$B"
wait_for 60 job_done "$B" || fail "B does not end: $(job_state "$B")"

section "A2: --cdm-mem=256M, 200 MiB on the device, then scancel"
rm -f /tmp/A2.ready
A2=$(s_sbatch --mem=600M -n1 --cdm-mem=256M -o /tmp/A2.out \
	--wrap 'cdm-probe hold 200 1 >/tmp/A2.hold & touch /tmp/A2.ready; wait') || fail "sbatch A2"
wait_for 240 test -e /tmp/A2.ready || fail "A2 does not start: $(job_state "$A2") $(cat /tmp/A2.out)"
wait_for 60 grep -q ready /tmp/A2.hold || fail "A2's cdm-probe is not ready"
cgA2=$(job_cgroup "$A2")
echo "A2 on node $DEV_NODE: $(($(anon_bytes_in "$cgA2") >> 20)) MiB; node $DEV_NODE AnonPages $(node_anon_kb) kB"
expect_eq "grant slurm-$A2" "$(grant_of "slurm-$A2")" "slurm-$A2"
s_scancel "$A2"
wait_for 60 job_done "$A2" || fail "A2 does not end: $(job_state "$A2")"
wait_for 30 sh -c "[ -z \"\$(cdmctl --json jobs | jq -r '.[] | select(.id == \"slurm-$A2\") | .id')\" ]" &&
	pass "no grant slurm-$A2 after scancel" || fail "slurm-$A2 still granted: $(cdmctl jobs)"

section "nothing of A, B, A2 on the device"
wait_for 30 sh -c "[ \$(awk '\$3 == \"AnonPages:\" { print \$4 }' $NODE_SYS/node$DEV_NODE/meminfo) -lt 8192 ]"
kb=$(node_anon_kb)
[ "$kb" -lt 8192 ] && pass "node $DEV_NODE AnonPages $kb kB" || fail "node $DEV_NODE AnonPages $kb kB after the jobs"
expect_eq "grants of Slurm jobs" "$(cdmctl --json jobs | jq -r '[.[] | select(.id | startswith("slurm-"))] | length')" 0
for j in "$A" "$A2"; do
	[ -z "$(job_cgroup "$j")" ] && pass "job $j's cgroup is gone" || fail "job $j's cgroup is still there"
done
spank_log | tail -n 20
finish
