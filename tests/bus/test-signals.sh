#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Signals: with `cdmctl --json monitor` (and busctl monitor as a witness that does not go
# through cdmctl) running, Grant, SetQuota, SetPolicy, Reload and Revoke show up as
# PropertiesChanged of the objects concerned and, for Revoke, JobRemoved.
set -eu
. "$(dirname "$0")/lib.sh"

setup_daemon
DEV=$(device_path cdm1)
JOB=$(job_path sig-1)
"$CDMCTL" --json monitor > "$TMP/monitor.out" 2> "$TMP/monitor.err" &
MON=$!
CLEANUP_PIDS+=("$MON")
busctl --system monitor --json=short --match "type='signal',sender='$BUS'" > "$TMP/busmon.out" 2>&1 &
CLEANUP_PIDS+=($!)
sleep 1
if kill -0 $MON 2> /dev/null; then ok "cdmctl monitor runs"; else not_ok "cdmctl monitor runs" "$(cat "$TMP/monitor.err")"; fi

# seen NAME JQ-CONDITION: some line of cdmctl's monitor output satisfies the condition (10 s).
seen() {
        local name=$1 cond=$2
        if wait_for 10 bash -c "jq -e -s 'any(.[]; $cond)' '$TMP/monitor.out'"; then ok "monitor: $name"
        else not_ok "monitor: $name" "$(tail -n 8 "$TMP/monitor.out")"; fi
}
# changed PATH INTERFACE PROPERTY: a PropertiesChanged condition, value given or invalidated.
changed() {
        local snake
        snake=$(printf '%s' "$3" | sed -E 's/([a-z0-9])([A-Z])/\1_\2/g' | tr '[:upper:]' '[:lower:]')
        printf '.signal == "PropertiesChanged" and .path == "%s" and .interface == "%s" and ((.changed | has("%s")) or (.invalidated | index("%s") != null))' \
                "$1" "$2" "$snake" "$3"
}

# Idle (no calls, nothing changing in the fixture): an audit every audit_interval (1 s), so a
# handful of Manager PropertiesChanged in 3 s, not a stream.
cpu() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }
n0=$(wc -l < "$TMP/monitor.out"); c0=$(cpu)
sleep 3
n1=$(wc -l < "$TMP/monitor.out"); c1=$(cpu)
if [ $((n1 - n0)) -le 10 ]; then ok "idle: $((n1 - n0)) signals in 3 s (audit every 1 s)"
else not_ok "idle: $((n1 - n0)) signals in 3 s with audit_interval = 1s (wanted <= 10); cdmd used $((c1 - c0)) clock ticks of CPU in those 3 s" "$(tail -n 3 "$TMP/monitor.out")"; fi

expect "Grant sig-1" 0 "" -- ctl grant sig-1 --cgroup /system.slice/slurmstepd.scope/job_42 --device cdm1 --size 1G
seen "PropertiesChanged Device.GrantedBytes after Grant" "$(changed "$DEV" "$DEV_IF" GrantedBytes)"
seen "PropertiesChanged Device.Jobs after Grant" "$(changed "$DEV" "$DEV_IF" Jobs)"
expect "SetQuota sig-1 2G" 0 "" -- ctl set-quota sig-1 2G
seen "PropertiesChanged Job.QuotaBytes after SetQuota" "$(changed "$JOB" "$JOB_IF" QuotaBytes)"
seen "PropertiesChanged Device.GrantedBytes after SetQuota" "$(changed "$DEV" "$DEV_IF" GrantedBytes) and ((.changed.granted_bytes // 2147483648) == 2147483648)"
expect "SetPolicy sig-1 device-first" 0 "" -- ctl set-policy sig-1 device-first
seen "PropertiesChanged Job.Policy after SetPolicy" "$(changed "$JOB" "$JOB_IF" Policy)"
write_conf "[daemon]" "audit_interval = 2s"
expect "Reload with audit_interval = 2s" 0 "" -- ctl reload
seen "PropertiesChanged Manager.AuditIntervalUSec after Reload" "$(changed "$OBJ" "$MGR" AuditIntervalUSec)"
expect "Revoke sig-1" 0 "" -- ctl revoke sig-1
seen "JobRemoved sig-1 after Revoke" '.signal == "JobRemoved" and .id == "sig-1" and (.reason | type == "string" and length > 0)'
echo "# info: JobRemoved reason for a revoke: $(jq -r -s 'map(select(.signal == "JobRemoved"))[0].reason // "none"' "$TMP/monitor.out" 2> /dev/null)"
seen "PropertiesChanged Device.Jobs after Revoke" "$(changed "$DEV" "$DEV_IF" Jobs) and ((.changed.jobs // []) == [])"

# The same, seen by busctl monitor (raw D-Bus, no cdmctl decoding in between).
if grep -q '"member":"JobRemoved"' "$TMP/busmon.out"; then ok "busctl monitor: JobRemoved"
else not_ok "busctl monitor: JobRemoved" "$(tail -c 600 "$TMP/busmon.out")"; fi
if grep -q '"member":"PropertiesChanged"' "$TMP/busmon.out"; then ok "busctl monitor: PropertiesChanged"
else not_ok "busctl monitor: PropertiesChanged" "$(tail -c 600 "$TMP/busmon.out")"; fi

# cdmctl monitor stops on SIGTERM with status 0.
kill -TERM $MON
st=0
wait $MON || st=$?
if [ "$st" -eq 0 ]; then ok "cdmctl monitor exits 0 on SIGTERM"; else not_ok "cdmctl monitor exits 0 on SIGTERM (status $st)"; fi
check_answers "the signals"
finish
