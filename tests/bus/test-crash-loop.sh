#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Crash loop: cdmd is killed with SIGKILL at random moments while cdmd-bus-churn keeps about 300
# Grant, Revoke and SetQuota calls in flight and logs each reply, then restarted; after each
# restart ListJobs must agree with the log: every acknowledged grant is there with its last
# acknowledged quota unless its revoke was acknowledged, every acknowledged revoke's job is gone,
# no job appears that was never granted. Calls in flight at the kill may have gone either way.
# Only the D-Bus API is looked at, not state_dir.
#
# CDMD_CRASH_SEED (default 1) replays a run (the client's calls and the kill delays);
# CDMD_CRASH_ROUNDS (default 8) is the number of kills.
set -eu
. "$(dirname "$0")/lib.sh"

CHURN=${CDMD_BUS_CHURN:?CDMD_BUS_CHURN must name the cdmd-bus-churn client}
SEED=${CDMD_CRASH_SEED:-1}
ROUNDS=${CDMD_CRASH_ROUNDS:-8}
IDS=800
RANDOM=$SEED

setup_daemon
mkdir "$CGROOT/churn.slice"
(cd "$CGROOT/churn.slice" && mkdir $(seq -f 'c%03g' 0 $((IDS - 1))))
echo "# seed $SEED, $ROUNDS rounds, $IDS jobs c000..c$((IDS - 1)) on /churn.slice/c*"
check_jq "no job at the start" "$(bctl --json=short call "$BUS" "$OBJ" "$MGR" ListJobs 2>&1)" '.data[0] == []'

for round in $(seq "$ROUNDS"); do
        log=$TMP/churn.$round.log
        "$CHURN" run "$log" --ids $IDS --seed $((SEED * 1000 + round)) > "$TMP/churn.$round.out" 2>&1 &
        client=$!
        CLEANUP_PIDS+=("$client")
        # The kill comes 0-1.5 s after cdmd acknowledged the first call of the round.
        wait_for 20 grep -q '^A [0-9]* ok' "$log" || true
        ms=$((RANDOM % 1500))
        delay=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
        sleep "$delay"
        if kill -0 "$client" 2> /dev/null; then busy=1; else busy=0; fi
        inflight=$(($(grep -c '^S ' "$log" || true) - $(grep -c '^A ' "$log" || true)))
        daemon_stop KILL || true
        status=0
        wait "$client" || status=$?
        echo "# round $round: SIGKILL after ${delay} s with $inflight calls in flight; $(cat "$TMP/churn.$round.out")"
        if [ "$busy" = 1 ] && [ "$status" -eq 0 ] && [ "$inflight" -gt 0 ]; then
                ok "round $round: cdmd killed while calls were in flight"
        else
                not_ok "round $round: cdmd killed while calls were in flight (client exit $status, $inflight in flight)" \
                        "$(cat "$TMP/churn.$round.out")"
        fi
        if ! daemon_start; then
                not_ok "round $round: cdmd starts again after SIGKILL"
                finish
        fi
        st=0
        out=$("$CHURN" check "$log" --ids $IDS 2>&1) || st=$?
        if [ "$st" -eq 0 ]; then
                ok "round $round: the jobs after the restart are what cdmd acknowledged ($(printf '%s\n' "$out" | tail -n 1))"
        else
                not_ok "round $round: the jobs after the restart are what cdmd acknowledged (seed $SEED, log $log)" "$out"
        fi
done

check_answers "$ROUNDS kills"
if daemon_stop TERM && [ "$DAEMON_STATUS" = 0 ]; then ok "SIGTERM at the end: cdmd exits with status 0"
else not_ok "SIGTERM at the end: cdmd exits with status 0 (status ${DAEMON_STATUS:-still running})"; fi
reports=$(grep -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$TMP/cdmd.log" || true)
if [ -z "$reports" ]; then ok "no sanitizer report in cdmd's log"
else not_ok "no sanitizer report in cdmd's log" "$(grep -E -A12 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$TMP/cdmd.log" | head -n 60)"; fi
finish
