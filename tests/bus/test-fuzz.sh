#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fuzzing over the bus: cdmd-bus-fuzz sends hostile and random calls to every method and
# property of every cdmd object, as root and as nobody. Every call gets a reply, cdmd keeps
# answering, its memory stays bounded, no sanitizer report appears in its log, and SIGTERM
# still ends it with status 0 (so that LeakSanitizer, in a sanitizer build, looks at its exit).
#
# CDMD_FUZZ_SEED (default 1) replays a run. The root run makes 2 x CDMD_FUZZ_CALLS (default 6000)
# calls or runs CDMD_FUZZ_SECONDS (default 12), whichever ends first; the nobody run makes
# CDMD_FUZZ_CALLS calls in at most 2/3 of that time.
set -eu
. "$(dirname "$0")/lib.sh"

FUZZ=${CDMD_BUS_FUZZ:?CDMD_BUS_FUZZ must name the cdmd-bus-fuzz client}
SEED=${CDMD_FUZZ_SEED:-1}
SECS=${CDMD_FUZZ_SECONDS:-12}
CALLS=${CDMD_FUZZ_CALLS:-6000}
# ASan's quarantine of freed memory would be counted as cdmd's RSS: keep it small.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"

setup_daemon "[api]" "max_jobs = 32"
# Seed jobs (fuzz-seed0, fuzz-seed1) on s0 and s1; f0..f3 are free cgroups that Grant may take.
mkdir -p "$CGROOT/fuzz.slice"
(cd "$CGROOT/fuzz.slice" && mkdir s0 s1 f0 f1 f2 f3)
cgroups=()
for c in s0 s1 f0 f1 f2 f3; do cgroups+=(--cgroup "/fuzz.slice/$c"); done

rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$DAEMON_PID/status" 2> /dev/null || echo 0; }
sleep 1 # one audit
rss0=$(rss_kib)

# run_fuzz WHO CALLS SECONDS [CMD-PREFIX...]: one fuzzer run, counted.
run_fuzz() {
        local who=$1 calls=$2 secs=$3 out status=0
        shift 3
        out=$("$@" "$FUZZ" --seed "$SEED" --calls "$calls" --seconds "$secs" "${cgroups[@]}" 2>&1) || status=$?
        printf '%s\n' "$out" | grep -E '^(seed|found|[0-9]+ calls)' | sed 's/^/# /'
        if [ "$status" -eq 0 ]; then
                ok "fuzzing as $who: every call got a reply, cdmd answered every check"
        else
                not_ok "fuzzing as $who (exit $status, seed $SEED)" "$(printf '%s\n' "$out" | grep -E '^(FAIL|    |FAILED)' | cut -c1-300 | head -n 16)"
        fi
}

run_fuzz root $((CALLS * 2)) "$SECS"
check_answers "fuzzing as root"
run_fuzz nobody "$CALLS" $((SECS * 2 / 3)) as_nobody
check_answers "fuzzing as nobody"

# The fuzzing drained, faulted and resumed the device; once more here, for certain. cdmd wrote
# the state of the device's memory blocks in the fixture tree and must still read it.
call_ok "ReportFault cdm1 after the fuzzing" ReportFault ss cdm1 "fuzz test"
call_ok "Resume cdm1" Resume s cdm1
call_ok "Plan after the fuzzing" Plan
mkdir "$CGROOT/fuzz.slice/after"
call_ok "Grant on cdm1 after the fault and the resume" Grant sssts after /fuzz.slice/after cdm1 1048576 manual
if grep -q 'Failed to read the topology' "$TMP/cdmd.log"; then
        not_ok "cdmd reads its topology after drains, faults and resumes" "$(grep -m3 'Failed to read the topology' "$TMP/cdmd.log")"
else ok "cdmd reads its topology after drains, faults and resumes"; fi

rss1=$(rss_kib)
limit=$((2 * rss0 + 32768))
echo "# cdmd VmRSS: $rss0 KiB after start, $rss1 KiB after fuzzing (limit $limit KiB)"
if [ "$rss1" -gt 0 ] && [ "$rss1" -le "$limit" ]; then ok "cdmd's RSS stays bounded ($rss1 <= 2 x $rss0 + 32768 KiB)"
else not_ok "cdmd's RSS stays bounded ($rss1 KiB, limit $limit KiB)"; fi

if daemon_stop TERM && [ "$DAEMON_STATUS" = 0 ]; then ok "SIGTERM after fuzzing: cdmd exits with status 0"
else not_ok "SIGTERM after fuzzing: cdmd exits with status 0 (status ${DAEMON_STATUS:-still running})"; fi

reports=$(grep -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer|ERROR: .*Sanitizer' "$TMP/cdmd.log" || true)
if [ -z "$reports" ]; then ok "no sanitizer report in cdmd's log"
else not_ok "no sanitizer report in cdmd's log" "$(grep -E -A12 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$TMP/cdmd.log" | head -n 60)"; fi
n=$(grep -c 'Failed to process bus messages' "$TMP/cdmd.log" || true)
[ "$n" -eq 0 ] || echo "# info: cdmd logged 'Failed to process bus messages' $n time(s): $(grep -m1 'Failed to process bus messages' "$TMP/cdmd.log")"
finish
