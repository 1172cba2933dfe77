#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Reload: a good configuration is applied (AuditIntervalUSec, [api] max_jobs) through the
# Reload method, cdmctl reload and SIGHUP; a bad one is refused with InvalidConfig and the
# old one stays, whole; grants survive every reload.
set -eu
. "$(dirname "$0")/lib.sh"

interval() { propj "$OBJ" "$MGR" AuditIntervalUSec | jq -r '.data // "none"'; }
setup_daemon
check_prop "AuditIntervalUSec is 1 s at start" "$OBJ" "$MGR" AuditIntervalUSec '.data == 1000000'
expect "a grant before the reloads" 0 "" -- ctl grant keep-1 --cgroup /system.slice/slurmstepd.scope/job_42 --device cdm1 --size 1G

write_conf "[daemon]" "audit_interval = 2s"
call_ok "Reload of a good configuration (busctl)" Reload
check_prop "AuditIntervalUSec is 2 s after Reload" "$OBJ" "$MGR" AuditIntervalUSec '.data == 2000000'
write_conf "[daemon]" "audit_interval = 500ms"
expect "cdmctl reload of a good configuration" 0 "" -- ctl reload
check_prop "AuditIntervalUSec is 500 ms after cdmctl reload" "$OBJ" "$MGR" AuditIntervalUSec '.data == 500000'
write_conf "[daemon]" "audit_interval = 3s"
kill -HUP "$DAEMON_PID"
if wait_for 10 bash -c "busctl --system get-property $BUS $OBJ $MGR AuditIntervalUSec | grep -qx 't 3000000'"; then
        ok "AuditIntervalUSec is 3 s after SIGHUP"
else
        not_ok "AuditIntervalUSec is 3 s after SIGHUP (it is $(interval))"
fi

# --- bad configurations: refused, nothing of them applied ---
write_conf "[daemon]" "audit_interval = banana"
expect_error "Reload of a bad value" "$ERR.InvalidConfig" Reload
check_prop "AuditIntervalUSec still 3 s" "$OBJ" "$MGR" AuditIntervalUSec '.data == 3000000'
expect "cdmctl reload of a bad value: exit 1, InvalidConfig" 1 "$ERR.InvalidConfig" -- ctl reload
# A file whose first half is good and second half bad: none of it is applied.
write_conf "[daemon]" "audit_interval = 5s" "[isolaton]" "repair = report"
expect_error "Reload of an unknown section after a good value" "$ERR.InvalidConfig" Reload
check_prop "AuditIntervalUSec still 3 s (the good half was not applied)" "$OBJ" "$MGR" AuditIntervalUSec '.data == 3000000'
write_conf "[api]" "max_jobs = 0"
expect_error "Reload of max_jobs = 0 (1 to 65536)" "$ERR.InvalidConfig" Reload
printf '[daemon\n' > "$TMP/cdmd.conf"
expect_error "Reload of a syntax error" "$ERR.InvalidConfig" Reload
rm -f "$TMP/cdmd.conf"
expect_error "Reload of a configuration file that is gone" "$ERR.InvalidConfig" Reload
write_conf "[daemon]" "audit_interval = never"
kill -HUP "$DAEMON_PID"
sleep 1
if kill -0 "$DAEMON_PID" 2> /dev/null && answers; then ok "SIGHUP with a bad configuration: cdmd lives and answers"
else not_ok "SIGHUP with a bad configuration: cdmd lives and answers"; fi
check_prop "AuditIntervalUSec still 3 s after SIGHUP of a bad file" "$OBJ" "$MGR" AuditIntervalUSec '.data == 3000000'
check_jq "the grant survived every reload" "$(ctl --json jobs 2>&1)" 'length == 1 and .[0].id == "keep-1" and .[0].quota_bytes == 1073741824'

# --- [api] max_jobs takes effect on reload ---
write_conf "[api]" "max_jobs = 2"
expect "cdmctl reload with max_jobs = 2" 0 "" -- ctl reload
check_prop "AuditIntervalUSec back to 1 s (the new file's value)" "$OBJ" "$MGR" AuditIntervalUSec '.data == 1000000'
expect "second job under max_jobs = 2" 0 "" -- ctl grant keep-2 --cgroup /user.slice --device cdm1 --size 1M
expect_error "third job over the reloaded max_jobs = 2" "$ERR.TooManyJobs" Grant string:keep-3 string:/init.scope string:cdm1 uint64:1048576 string:manual
check_answers "the reloads"
finish
