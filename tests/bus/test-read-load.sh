#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# [daemon] audit_interval under load: 20 unprivileged clients that keep read calls in flight
# (ListDevices, Plan, ListJobs, a property Get) for 5 s do not keep the periodic audit (every
# 1 s) from running: at least 4 audits in that time, as cdmd_audits_total in metrics_file
# counts them; a root ListDevices during the load answers within 500 ms; and the read calls
# change nothing in state_dir.
set -eu
. "$(dirname "$0")/lib.sh"

READERS=${CDMD_BUS_READERS:?CDMD_BUS_READERS must name the cdmd-bus-readers client}
N=20
SECS=5
setup_daemon "metrics_file = $TMP/metrics.prom" "[api]" "max_jobs = 100"
audits() { sed -n 's/^cdmd_audits_total //p' "$TMP/metrics.prom" 2> /dev/null | grep . || echo 0; }
state_sums() { find "$TMP/state" -type f -exec md5sum {} + 2> /dev/null | sort; }
call_ok "a grant, for ListJobs and the plan to have a job" Grant sssts j1 /system.slice/slurmstepd.scope/job_42 cdm1 4096 manual
if wait_for 10 test -s "$TMP/metrics.prom"; then ok "an audit wrote $TMP/metrics.prom"; else not_ok "an audit wrote $TMP/metrics.prom"; fi

sums0=$(state_sums)
a0=$(audits)
pids=()
for ((i = 0; i < N; i++)); do
        as_nobody "$READERS" "$SECS" 16 > "$TMP/readers.$i" 2>&1 &
        pids+=($!)
        CLEANUP_PIDS+=($!)
done
sleep 2
t0=$(date +%s%N)
out=$(bctl call "$BUS" "$OBJ" "$MGR" ListDevices 2>&1) || out="failed: $out"
ms=$((($(date +%s%N) - t0) / 1000000))
for p in "${pids[@]}"; do wait "$p" || true; done
a1=$(audits)

calls=$(cat "$TMP"/readers.* | awk '/^ok/ { n += $2; e += $4 } END { print n + 0, e + 0 }')
echo "# $N readers: $calls (calls, errors); audits $a0 -> $a1; root ListDevices: $ms ms"
if [ "${calls% *}" -ge $((N * 10)) ] && [ "${calls#* }" -eq 0 ]; then
        ok "$N unprivileged readers made their calls without an error"
else
        not_ok "$N unprivileged readers made their calls without an error ($calls)" "$(cat "$TMP"/readers.*)"
fi
if [ $((a1 - a0)) -ge 4 ]; then
        ok "the audit ran at least 4 times in ${SECS} s of load ($((a1 - a0)))"
else
        not_ok "the audit ran at least 4 times in ${SECS} s of load ($((a1 - a0)))"
fi
case $out in
failed:*) not_ok "a root ListDevices answers during the load" "$out" ;;
*) if [ "$ms" -le 500 ]; then ok "a root ListDevices answers within 500 ms during the load ($ms ms)"
        else not_ok "a root ListDevices answers within 500 ms during the load ($ms ms)"; fi ;;
esac
if [ "$(state_sums)" = "$sums0" ]; then ok "the read calls changed nothing in state_dir"
else not_ok "the read calls changed nothing in state_dir" "$(diff <(echo "$sums0") <(state_sums))"; fi
check_answers "the load"
finish
