#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The state store: what a caller was told is done is on disk, and what is on disk is read back
# exactly or not at all.
# - state_dir read-only: Grant, SetQuota, SetPolicy, Revoke, Drain and ReportFault fail with
#   StateNotSaved (not AccessDenied) and change nothing, in memory or after a restart;
# - a Drain reason cannot forge a devices record (control characters are refused, the rest is
#   written escaped and reads back);
# - damaged files (garbage devices, a NUL in a job, an empty job, garbage settings, a FIFO):
#   cdmd starts, keeps isolating, says what was lost, keeps the file as NAME.damaged; a device
#   record that does not read back leaves the device failed, never online;
# - --restore and --oneshot are refused while the daemon holds state_dir; a Reload that moves
#   state_dir is refused;
# - [job] sections: memory.max raised by the quota, and a section removed by Reload sends
#   JobRemoved and puts memory.max back.
set -eu
. "$(dirname "$0")/lib.sh"

J42=/system.slice/slurmstepd.scope/job_42
J43=/system.slice/slurmstepd.scope/job_43
STATE=$TMP/state
MOUNTED=

umount_state() { if [ -n "$MOUNTED" ]; then umount "$STATE" 2> /dev/null || true; MOUNTED=; fi; }
trap '[ -n "$DAEMON_PID" ] && stop_pid "$DAEMON_PID"; umount_state; cleanup' EXIT

# dev_state NAME: the device's State property.
dev_state() { prop "$(device_path "$1")" "$DEV_IF" State | tr -d '"'; }
restart() {
        daemon_stop TERM || true
        if daemon_start; then ok "restart: $1"; else not_ok "restart: $1"; finish; fi
}

bus_start
fixture_copy gh200
mkdir -p "$STATE"
mount -t tmpfs -o size=4m,mode=0755 tmpfs "$STATE" || skip_or_fail "cannot mount a tmpfs for state_dir"
MOUNTED=1
write_conf
if daemon_start; then ok "cdmd owns $BUS, state_dir on its own tmpfs"; else not_ok "cdmd owns $BUS"; finish; fi

# --- a state_dir that cannot be written ---
expect "grant s1" 0 "" -- ctl grant s1 --cgroup "$J42" --device cdm1 --size 1G
mount -o remount,ro "$STATE"
expect_error "read-only state_dir: Grant" "$ERR.StateNotSaved" Grant string:s2 "string:$J43" string:cdm1 uint64:1048576 string:manual
if job_gone s2; then ok "the refused Grant left no job"; else not_ok "the refused Grant left no job"; fi
expect_error "read-only state_dir: SetQuota" "$ERR.StateNotSaved" SetQuota string:s1 uint64:2097152
check_prop "the refused SetQuota left the quota" "$(job_path s1)" "$JOB_IF" QuotaBytes '.data == 1073741824'
expect_error "read-only state_dir: SetPolicy" "$ERR.StateNotSaved" SetPolicy string:s1 string:device-first
check_prop "the refused SetPolicy left the policy" "$(job_path s1)" "$JOB_IF" Policy '.data == "manual"'
expect_error "read-only state_dir: Revoke" "$ERR.StateNotSaved" Revoke string:s1
if job_listed s1; then ok "the refused Revoke left the job"; else not_ok "the refused Revoke left the job"; fi
expect_error "read-only state_dir: Drain" "$ERR.StateNotSaved" Drain string:cdm1 string:maintenance
expect_error "read-only state_dir: ReportFault" "$ERR.StateNotSaved" ReportFault string:cdm1 string:ecc
st=$(dev_state cdm1)
if [ "$st" = online ]; then ok "the refused Drain and ReportFault left cdm1 online"; else not_ok "cdm1 is '$st' after refused calls"; fi
expect "the message names the cause" 1 "Read-only file system" -- ctl set-quota s1 4M
mount -o remount,rw "$STATE"
restart "after the refused calls"
check_prop "after restart: s1's quota is the acknowledged one" "$(job_path s1)" "$JOB_IF" QuotaBytes '.data == 1073741824'
if job_gone s2; then ok "after restart: no phantom s2"; else not_ok "after restart: no phantom s2"; fi
st=$(dev_state cdm1)
if [ "$st" = online ]; then ok "after restart: cdm1 online"; else not_ok "after restart: cdm1 is '$st'"; fi
expect "a change is accepted again once state_dir is writable" 0 "" -- ctl set-quota s1 512M
[ -f "$STATE/jobs.d/s1.job" ] && ok "s1 is one file, jobs.d/s1.job" || not_ok "no jobs.d/s1.job" "$(ls -R "$STATE")"

# --- a reason cannot forge a record ---
expect_error "a Drain reason with a newline and tabs is refused" "$ERR.InvalidArgument" Drain string:cdm1 \
        string:$'x\ncdm1\tonline\t\nforged\tonline\tx'
# What is allowed is written escaped: backslashes and escape-like text read back as they were.
call_ok "Drain cdm1 with a reason holding backslash escapes" Drain ss cdm1 'x\ncdm1\tonline\\t # forged'
wait_for 20 sh -c "[ \"\$(busctl --system get-property $BUS $(device_path cdm1) $DEV_IF State)\" != 's \"draining\"' ]" || true
lines=$(grep -vc '^#' "$STATE/devices" || true)
if [ "$lines" = 1 ]; then ok "the devices file has one record"; else not_ok "the devices file has $lines records" "$(cat -A "$STATE/devices")"; fi
restart "after the forged reason"
st=$(dev_state cdm1)
case $st in draining | drained) ok "after restart: cdm1 is $st, not online" ;; *) not_ok "after restart: cdm1 is '$st'" ;; esac
expect "resume cdm1" 0 "" -- ctl resume cdm1
wait_for 20 sh -c "[ \"\$(busctl --system get-property $BUS $(device_path cdm1) $DEV_IF State)\" = 's \"online\"' ]" || true

# --- damaged files ---
expect "grant s3" 0 "" -- ctl grant s3 --cgroup "$J43" --device cdm1 --size 1M
daemon_stop TERM || true
printf 'garbage without any tab\n' > "$STATE/devices"
printf 's1\t/system.slice/slurmstepd.scope/job_42\0\tcdm1\t1\tmanual\t1\t0\t-\t-\n' > "$STATE/jobs.d/s1.job"
: > "$STATE/jobs.d/s3.job"
printf '\x01\x02\x03 not a settings record\n' >> "$STATE/settings"
mkfifo "$STATE/jobs"
echo "# --- cdmd start on a damaged store $(date +%T) ---" >> "$TMP/cdmd.log"
if daemon_start 30; then ok "cdmd starts on a damaged store (and a FIFO named jobs)"; else not_ok "cdmd starts on a damaged store"; finish; fi
for d in devices jobs.d/s1.job jobs.d/s3.job settings jobs; do
        if [ -e "$STATE/$d.damaged" ]; then ok "$d is kept as $d.damaged"; else not_ok "$d is kept as $d.damaged" "$(ls -l "$STATE" "$STATE/jobs.d")"; fi
done
if job_gone s1 && job_gone s3; then ok "jobs that did not read back have no grant"; else not_ok "jobs that did not read back have no grant"; fi
devs=$(bctl --json=short call "$BUS" "$OBJ" "$MGR" ListDevices | jq -r '.data[0][][0]')
if [ -n "$devs" ]; then ok "the devices are listed: $(echo $devs)"; else not_ok "the devices are listed" "$(tail -n 5 "$TMP/cdmd.log")"; fi
for dev in $devs; do
        st=$(dev_state "$dev")
        if [ "$st" = failed ]; then ok "device $dev is failed after a devices file that does not read back"
        else not_ok "device $dev is '$st' after a devices file that does not read back"; fi
done
for what in "devices" "jobs.d/s1.job: a NUL byte" "jobs.d/s3.job: no record" "settings: line"; do
        if grep -q "State damaged: .*$what" "$TMP/cdmd.log"; then ok "the log says what was lost: $what"
        else not_ok "the log says what was lost: $what" "$(grep -i damaged "$TMP/cdmd.log" | tail -n 8)"; fi
done
check_answers "a damaged store"

# --- one cdmd at a time ---
expect "--restore while the daemon runs is refused" 1 "in use by another cdmd \\(pid $DAEMON_PID\\)" -- \
        "$CDMD" --root "$TMP/root" -c "$TMP/cdmd.conf" --restore
expect "--oneshot while the daemon runs is refused" 1 "in use by another cdmd" -- \
        "$CDMD" --root "$TMP/root" -c "$TMP/cdmd.conf" --oneshot
if [ -s "$STATE/settings" ] && grep -q '^sys/' "$STATE/settings"; then ok "the settings are still recorded"
else not_ok "the settings are still recorded" "$(head -c 600 "$STATE/settings")"; fi
cp "$TMP/cdmd.conf" "$TMP/cdmd.conf.saved"
sed -i "s|^state_dir = .*|state_dir = $TMP/elsewhere|" "$TMP/cdmd.conf"
expect_error "a Reload that moves state_dir" "$ERR.InvalidConfig" Reload
cp "$TMP/cdmd.conf.saved" "$TMP/cdmd.conf"
[ ! -e "$TMP/elsewhere" ] && ok "nothing was written to the other state_dir" || not_ok "something was written to $TMP/elsewhere"

# --- [job] sections ---
echo 4294967296 > "$CGROOT$J42/memory.max"
write_conf "[job static1]" "cgroup = $J42" "device = cdm1" "quota = 1G"
sed -i "s|^state_dir = .*|state_dir = $STATE|" "$TMP/cdmd.conf"
call_ok "Reload with a [job] section" Reload
wait_for 10 job_listed static1 || true
max=$(cat "$CGROOT$J42/memory.max")
if [ "$max" = $((4294967296 + 1073741824)) ]; then ok "the [job]'s memory.max is raised by its quota"
else not_ok "the [job]'s memory.max is raised by its quota (it is $max)"; fi
busctl --system monitor --json=short --match "type='signal',interface='$MGR',member='JobRemoved'" > "$TMP/busmon.out" 2>&1 &
CLEANUP_PIDS+=($!)
sleep 0.5
write_conf
sed -i "s|^state_dir = .*|state_dir = $STATE|" "$TMP/cdmd.conf"
call_ok "Reload without the [job] section" Reload
if wait_for 10 job_gone static1; then ok "the removed [job] is gone"; else not_ok "the removed [job] is gone"; fi
if wait_for 5 grep -q '"static1"' "$TMP/busmon.out"; then ok "JobRemoved(static1) was sent"; else not_ok "JobRemoved(static1) was sent" "$(cat "$TMP/busmon.out")"; fi
max=$(cat "$CGROOT$J42/memory.max")
if [ "$max" = 4294967296 ]; then ok "memory.max is back to 4294967296"; else not_ok "memory.max is back (it is $max)"; fi
finish
