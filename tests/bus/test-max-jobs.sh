#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# [api] max_jobs: with max_jobs = 10000, 10,000 grants of 1 byte on 10,000 cgroups succeed,
# the 10,001st is refused with TooManyJobs, ListJobs returns 10,000 rows, cdmd answers, and
# a revoke makes room again. A grant costs as much with 10,000 jobs as with none: the last
# 1000 grants take at most twice as long as the first 1000.
set -eu
. "$(dirname "$0")/lib.sh"

FLOOD=${CDMD_BUS_FLOOD:?CDMD_BUS_FLOOD must name the cdmd-bus-flood client}
N=10000
bus_start
fixture_copy gh200
mkdir "$CGROOT/flood.slice"
(cd "$CGROOT/flood.slice" && mkdir $(seq -f 'c%05g' 0 $N))
# The grants are measured apart from the audit (tests/bench/bench-audit measures that): the
# periodic audit is off during the flood, and two audits over all jobs are asked for below.
write_conf "[api]" "max_jobs = $N"
sed -i 's/^audit_interval = .*/audit_interval = 1h/' "$TMP/cdmd.conf"
# ... and apart from the disk: the state is on a tmpfs when there is one, so that fsync's
# latency on a shared disk does not blur how the daemon's own work grows.
if [ "$(stat -f -c %T /dev/shm 2> /dev/null)" = tmpfs ]; then
        STATE_SHM=$(mktemp -d /dev/shm/cdmd-bus-state.XXXXXX)
        trap 'rm -rf "$STATE_SHM"; cleanup' EXIT
        sed -i "s|^state_dir = .*|state_dir = $STATE_SHM|" "$TMP/cdmd.conf"
fi
if daemon_start; then ok "cdmd owns $BUS with $N extra cgroups"; else not_ok "cdmd owns $BUS with $N extra cgroups"; finish; fi

# In steps of 1000, to show how the cost of a Grant grows with the number of jobs.
st=0
first_ms=0
last_ms=0
for ((k = 0; k < N; k += 1000)); do
        t0=$(date +%s%N)
        out=$("$FLOOD" grant f /flood.slice/c cdm1 1 $k 1000 2>&1) || { st=$?; break; }
        last_ms=$((($(date +%s%N) - t0) / 1000000))
        [ "$k" -eq 0 ] && first_ms=$last_ms
        echo "# grants $k..$((k + 999)): $last_ms ms ($out)"
done
if [ "$st" -eq 0 ]; then ok "$N grants of 1 byte each"; else not_ok "$N grants of 1 byte each" "$out"; fi
if [ "$st" -eq 0 ] && [ "$last_ms" -le $((2 * first_ms)) ]; then
        ok "the last 1000 grants take at most twice as long as the first 1000 ($last_ms ms, $first_ms ms)"
else
        not_ok "the last 1000 grants take at most twice as long as the first 1000 ($last_ms ms, $first_ms ms)"
fi
expect_error "grant number $((N + 1))" "$ERR.TooManyJobs" Grant string:f$N "string:/flood.slice/c$(printf %05d $N)" string:cdm1 uint64:1 string:manual
check_answers "TooManyJobs"
rows=$(bctl --json=short call "$BUS" "$OBJ" "$MGR" ListJobs 2> /dev/null | jq '.data[0] | length' || echo error)
if [ "$rows" = "$N" ]; then ok "ListJobs returns $N rows"; else not_ok "ListJobs returns $N rows (got $rows)"; fi
check_jq "cdmctl --json jobs returns $N rows" "$(ctl --json jobs 2>&1)" "length == $N"
check_prop "Device.GrantedBytes is $N" "$(device_path cdm1)" "$DEV_IF" GrantedBytes ".data == $N"
check_prop "one job of the $N reads back" "$(job_path f04242)" "$JOB_IF" CGroup '.data == "/flood.slice/c04242"'
for i in 1 2; do
        t0=$(date +%s%N)
        call_ok "audit $i over $N jobs" Audit
        echo "# audit $i over $N jobs: $((($(date +%s%N) - t0) / 1000000)) ms"
done
check_answers "$N jobs and two audits"
expect "revoke of one job makes room" 0 "^ok 1 calls" -- "$FLOOD" revoke f 0 1
wait_for 20 job_gone f00000 || true
expect "grant number $N again after a revoke" 0 "" -- bctl call "$BUS" "$OBJ" "$MGR" Grant sssts "f$N" "/flood.slice/c$(printf %05d $N)" cdm1 1 manual
finish
