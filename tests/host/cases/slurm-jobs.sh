#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# cdmd_spank.so under a real slurmd (22.05, cgroup v2, proctrack/cgroup, task/cgroup):
# - a job asking more than the device has does not start, and cdmd's reason is on its stderr;
# - job A (--cdm-mem=256M, #SBATCH) binds 200 MiB to the device in two steps and holds it;
# - job B, at the same time and without the option, cannot bind to the device, has 0 bytes
#   there, and each new step of B is fenced from its first instruction on;
# - figures: grant and SyncCGroup latency from the plugin, step start to first instruction.
# A and B keep running for slurm-restart.sh (their ids in /tmp/slurm-jobs.env).
. /host-case/lib.sh
. /usr/local/lib/cdmd-host/slurm-lib.sh

install_cdmd
dev=$(device_name)
expect_match "device on node $DEV_NODE" "$dev" '.'
slurm_up "$dev"

section "a job asking more than the device has"
rm -f /tmp/big.ran
start=$(ms_now)
s_srun -n1 --mem=100M --cdm-mem=64G touch /tmp/big.ran >/tmp/big.out 2>/tmp/big.err
st=$?
echo "srun status $st after $(($(ms_now) - start)) ms; stderr:"
cat /tmp/big.err
# srun of Slurm 22.05 exits 0 after "task 0 launch failed": the step's failure is in its stderr.
echo "srun --cdm-mem=64G: exit status $st"
[ ! -e /tmp/big.ran ] && pass "its task never ran" || fail "its task ran"
expect_match "stderr carries cdmd's reason" "$(cat /tmp/big.err)" 'cdmd: .*cannot grant 64G.*InsufficientCapacity'
expect_match "the step's launch failed" "$(cat /tmp/big.err)" 'launch failed'
big=$(s_sbatch -n1 --mem=100M --cdm-mem=64G -o /tmp/big2.out -e /tmp/big2.err --wrap 'touch /tmp/big2.ran') ||
	fail "sbatch --cdm-mem=64G was refused by sbatch itself"
wait_for 120 job_done "$big" || fail "batch job $big does not end"
echo "batch job $big: $(job_state "$big"); its stderr:"
cat /tmp/big2.err
expect_match "batch job asking 64G" "$(job_state "$big")" '^(FAILED|NODE_FAIL|BOOT_FAIL|CANCELLED)$'
[ ! -e /tmp/big2.ran ] && pass "its script never ran" || fail "its script ran"
expect_match "its stderr carries cdmd's reason" "$(cat /tmp/big2.err)" 'InsufficientCapacity'
expect_eq "no grant left for it" "$(cdmctl --json jobs | jq -r '[.[] | select(.id | startswith("slurm-"))] | length')" 0
# A refused batch job must fail the job, not the node: Slurm drains a node whose batch
# launch fails, so the plugin stops the script instead.
node_state=$(timeout 20 sinfo -h -n "$(hostname)" -o %T)
expect_no_match "the node after the refused batch job" "$node_state" 'drain'
if echo "$node_state" | grep -q drain; then
	timeout 20 sinfo -R
	s_scontrol update nodename="$(hostname)" state=resume
fi

section "a bad option value is refused by srun itself"
s_srun -n1 --cdm-mem=12Q true >/tmp/bad.out 2>&1
st=$?
cat /tmp/bad.out
[ "$st" -ne 0 ] && pass "srun --cdm-mem=12Q fails (status $st)" || fail "srun --cdm-mem=12Q succeeded"
expect_match "message" "$(cat /tmp/bad.out)" 'cdm-mem=12Q: a size ends in K, M, G or T'

section "job A: #SBATCH --cdm-mem=256M, two steps bind 200 MiB to node $DEV_NODE"
rm -f /tmp/A.* /tmp/B.*
cat >/tmp/A.sh <<'JOB'
#!/bin/bash
#SBATCH --cdm-mem=256M
#SBATCH --mem=600M -n1 -o /tmp/A.out -e /tmp/A.err
echo "batch start $(date +%s%3N) $(grep Mems_allowed_list /proc/self/status)"
echo "batch cgroup $(cat /proc/self/cgroup)"
for s in 1 2; do
	t0=$(date +%s%3N)
	srun --overlap -n1 sh -c 'echo "step first $(date +%s%3N) $(grep Mems_allowed_list /proc/self/status)"; exec cdm-probe bind 200 1'
	echo "step $s bind status $? (srun at $t0)"
done
cdm-probe hold 200 1 >/tmp/A.hold &
echo $! >/tmp/A.pid
touch /tmp/A.ready
for i in $(seq 1 1200); do [ -e /tmp/A.stop ] && break; sleep 0.5; done
kill %1
wait
echo "batch end"
JOB
submit=$(ms_now)
A=$(s_sbatch /tmp/A.sh) || fatal "sbatch of job A failed"
echo "job A = $A"

section "job B: no option, at the same time"
cat >/tmp/B.sh <<'JOB'
#!/bin/bash
#SBATCH --mem=400M -n1 -o /tmp/B.out -e /tmp/B.err
echo "batch start $(date +%s%3N) $(grep Mems_allowed_list /proc/self/status)"
cdm-probe bind 32 1
echo "batch bind status $?"
cdm-probe hold 100 >/tmp/B.hold &
touch /tmp/B.ready
for i in $(seq 1 1200); do [ -e /tmp/B.stop ] && break; sleep 0.5; done
kill %1
wait
JOB
B=$(s_sbatch /tmp/B.sh) || fatal "sbatch of job B failed"
echo "job B = $B"
echo "A=$A B=$B" >/tmp/slurm-jobs.env

wait_for 240 test -e /tmp/A.ready || fail "job A did not get ready: $(job_state "$A"); $(cat /tmp/A.out /tmp/A.err 2>&1)"
wait_for 120 test -e /tmp/B.ready || fail "job B did not get ready: $(job_state "$B"); $(cat /tmp/B.out /tmp/B.err 2>&1)"
sleep 2
echo "--- A's output"
cat /tmp/A.out /tmp/A.err
echo "--- B's output"
cat /tmp/B.out /tmp/B.err
cdmctl jobs

section "A: granted, both steps on the device"
expect_eq "grant slurm-$A" "$(grant_of "slurm-$A")" "slurm-$A"
cgA=$(job_cgroup "$A")
expect_eq "the grant's cgroup is A's job cgroup" \
	"$CG$(cdmctl --json jobs | jq -r --arg id "slurm-$A" '.[] | select(.id == $id) | .cgroup')" "$cgA"
expect_match "batch step sees node $DEV_NODE" "$(grep 'batch start' /tmp/A.out)" "Mems_allowed_list:[[:space:]]*0-1"
expect_eq "steps whose first instruction sees node $DEV_NODE" "$(grep -c 'step first .*Mems_allowed_list:[[:space:]]*0-1' /tmp/A.out)" 2
expect_eq "steps that bound 200 MiB to node $DEV_NODE" "$(grep -c 'bind status 0' /tmp/A.out)" 2
a_dev=$(anon_bytes_in "$cgA")
echo "A on node $DEV_NODE: $((a_dev / 1048576)) MiB anon ($(node_bytes_in "$cgA") bytes in all)"
[ "${a_dev:-0}" -ge $((190 << 20)) ] && pass "A holds >= 190 MiB on node $DEV_NODE" ||
	fail "A holds $a_dev bytes on node $DEV_NODE"

section "B: fenced, 0 bytes on the device"
expect_eq "no grant for B" "$(grant_of "slurm-$B")" ""
cgB=$(job_cgroup "$B")
expect_match "B's batch step" "$(grep 'batch start' /tmp/B.out)" "Mems_allowed_list:[[:space:]]*0\$"
expect_match "B cannot bind to node $DEV_NODE" "$(grep 'batch bind status' /tmp/B.out)" 'status [1-9]'
expect_eq "B's bytes on node $DEV_NODE" "$(node_bytes_in "$cgB")" 0
eff=$(cat "$cgB/cpuset.mems.effective")
has_node "$eff" && fail "$cgB: cpuset.mems.effective=$eff" || pass "$cgB: cpuset.mems.effective=$eff"
for i in 1 2 3; do
	t0=$(ms_now)
	out=$(s_srun --jobid="$B" --overlap -n1 sh -c \
		'echo "first $(date +%s%3N) $(grep Mems_allowed_list /proc/self/status) eff=$(cat /sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup)/cpuset.mems.effective)"; cdm-probe bind 16 1; echo "bind status $?"' 2>&1)
	echo "B step (srun at $t0): $out"
	first=$(echo "$out" | awk '/^first/ { print $2 }')
	echo "B step $i: srun to the task's first instruction: $((first - t0)) ms"
	expect_match "B's new step $i starts fenced" "$out" "Mems_allowed_list:[[:space:]]*0 eff=0"
	expect_match "B's new step $i cannot bind" "$out" 'bind status [1-9]'
done
expect_eq "B's bytes on node $DEV_NODE after its steps" "$(node_bytes_in "$cgB")" 0

section "figures"
first_a=$(awk '/batch start/ { print $3 }' /tmp/A.out)
echo "A: sbatch to the batch step's first instruction (grant included): $((first_a - submit)) ms"
awk '/step first/ { f = $3 } / bind status / { sub(/\)/, "", $8); print "A step " $2 ": srun to the first instruction: " f - $8 " ms" }' /tmp/A.out
spank_log
grant_us=$(grep -a "cdmd: granted slurm-$A" "$SLURM_LOG" | grep -o 'in [0-9]* us' | head -n 1)
echo "A: Grant round trip seen by slurmstepd: $grant_us"
grep -a "cdmd: step .* of job $B: SyncCGroup" "$SLURM_LOG" |
	sed -n 's/.*cdmd: step \([^ ]*\) of job [0-9]*: SyncCGroup [^ ]* in \([0-9]*\) us, \([0-9]*\) us after.*/B step \1: SyncCGroup \2 us, fenced \3 us after slurmstepd started/p'
expect_match "the plugin logged A's grant" "$grant_us" 'in [0-9]+ us'

finish
