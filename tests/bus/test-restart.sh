#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Restart: grants (ids, cgroups, quotas, policies, creation times) survive SIGTERM and SIGKILL;
# a revoke and a quota change made before a SIGKILL stay made; a job whose cgroup is removed
# while cdmd is down is dropped at the next start, and one removed while it runs is dropped
# with JobRemoved reason cgroup-gone.
set -eu
. "$(dirname "$0")/lib.sh"

G=1073741824
M=1048576
J42=/system.slice/slurmstepd.scope/job_42
J43=/system.slice/slurmstepd.scope/job_43
setup_daemon
mkdir "$CGROOT/system.slice/gone.service" "$CGROOT/system.slice/live.service"
expect "grant r1 (device-first)" 0 "" -- ctl grant r1 --cgroup "$J42" --device cdm1 --size 1G --policy device-first
expect "grant r2" 0 "" -- ctl grant r2 --cgroup "$J43" --device cdm1 --size 512M
expect "grant r3 on a cgroup that will go while cdmd is down" 0 "" -- ctl grant r3 --cgroup /system.slice/gone.service --device cdm1 --size 256M
ctl --json jobs > "$TMP/jobs-before.json" 2> /dev/null || true
created=$(propj "$(job_path r1)" "$JOB_IF" CreatedUSec | jq -r '.data // 0')

# same_jobs WHAT IDS-JQ-ARRAY: ListJobs has exactly these ids, with the quotas, cgroups and
# devices they had before the restart; r1 keeps policy and creation time.
same_jobs() {
        check_jq "$1: the jobs are back with their cgroup, device and quota" \
                "$(jq -c --slurpfile now <(ctl --json jobs 2> /dev/null || echo null) '{before: ., now: $now[0]}' "$TMP/jobs-before.json")" \
                "(.now | map({id, cgroup, device, quota_bytes}) | sort_by(.id)) == (.before | map(select(.id | IN($2[]))) | map({id, cgroup, device, quota_bytes}) | sort_by(.id))"
        check_prop "$1: r1's policy" "$(job_path r1)" "$JOB_IF" Policy '.data == "device-first"'
        check_prop "$1: r1's CreatedUSec" "$(job_path r1)" "$JOB_IF" CreatedUSec ".data == $created"
}

# --- SIGTERM ---
if daemon_stop TERM && [ "$DAEMON_STATUS" = 0 ]; then ok "SIGTERM: cdmd exits with status 0"
else not_ok "SIGTERM: cdmd exits with status 0 (status ${DAEMON_STATUS:-still running})"; fi
if daemon_start; then ok "restart after SIGTERM"; else not_ok "restart after SIGTERM"; finish; fi
same_jobs "after SIGTERM" '["r1", "r2", "r3"]'

# --- a cgroup removed while cdmd is down ---
daemon_stop TERM || true
rmdir "$CGROOT/system.slice/gone.service"
busctl --system monitor --json=short --match "type='signal',interface='$MGR',member='JobRemoved'" > "$TMP/busmon.out" 2>&1 &
CLEANUP_PIDS+=($!)
sleep 0.5
if daemon_start; then ok "restart with r3's cgroup gone"; else not_ok "restart with r3's cgroup gone"; finish; fi
if wait_for 10 job_gone r3; then ok "r3, whose cgroup was removed while cdmd was down, is dropped"
else not_ok "r3, whose cgroup was removed while cdmd was down, is dropped (10 s)"; fi
expect_error "GetJob r3 after its cgroup went" "$ERR.NoSuchJob" GetJob string:r3
same_jobs "after a restart without r3's cgroup" '["r1", "r2"]'
if grep -q '"r3"' "$TMP/busmon.out" && grep -q 'cgroup-gone' "$TMP/busmon.out"; then
        echo "# info: JobRemoved(r3, cgroup-gone) was sent at start"
else
        echo "# info: no JobRemoved for r3 at start (not required across a restart)"
fi

# --- a cgroup removed while cdmd runs ---
"$CDMCTL" --json monitor > "$TMP/monitor.out" 2>&1 &
CLEANUP_PIDS+=($!)
sleep 0.5
expect "grant r4 on a cgroup that will go while cdmd runs" 0 "" -- ctl grant r4 --cgroup /system.slice/live.service --device cdm1 --size 1M
rmdir "$CGROOT/system.slice/live.service"
if wait_for 10 job_gone r4; then ok "r4, whose cgroup was removed while cdmd ran, is dropped"
else not_ok "r4, whose cgroup was removed while cdmd ran, is dropped (10 s)"; fi
if wait_for 5 grep -q '"signal":"JobRemoved","id":"r4","reason":"cgroup-gone"' "$TMP/monitor.out"; then
        ok "cdmctl monitor saw JobRemoved r4 cgroup-gone"
else
        not_ok "cdmctl monitor saw JobRemoved r4 cgroup-gone" "$(grep -i jobremoved "$TMP/monitor.out" || head -n 5 "$TMP/monitor.out")"
fi

# --- SIGKILL ---
expect "grant k1" 0 "" -- ctl grant k1 --cgroup /user.slice --device cdm1 --size 64M
expect "set-quota r1 2G" 0 "" -- ctl set-quota r1 2G
expect "revoke r2" 0 "" -- ctl revoke r2
wait_for 10 job_gone r2 || true
daemon_stop KILL || true
if daemon_start; then ok "restart after SIGKILL"; else not_ok "restart after SIGKILL"; finish; fi
check_jq "after SIGKILL: r1 and k1, not r2" "$(ctl --json jobs 2>&1)" '(map(.id) | sort) == ["k1", "r1"]'
check_prop "after SIGKILL: r1's new quota 2G" "$(job_path r1)" "$JOB_IF" QuotaBytes ".data == $((2 * G))"
check_prop "after SIGKILL: k1's quota" "$(job_path k1)" "$JOB_IF" QuotaBytes ".data == $((64 * M))"
check_prop "after SIGKILL: r1's CreatedUSec" "$(job_path r1)" "$JOB_IF" CreatedUSec ".data == $created"
check_prop "after SIGKILL: Device.GrantedBytes" "$(device_path cdm1)" "$DEV_IF" GrantedBytes ".data == $((2 * G + 64 * M))"
if [ -z "$(find "$TMP/state" -name '*.tmp' -o -name '.#*' 2> /dev/null)" ]; then ok "no temporary files left in state_dir"
else not_ok "no temporary files left in state_dir" "$(find "$TMP/state")"; fi
check_answers "the restarts"
finish
