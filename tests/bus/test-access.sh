#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Access control: a caller who is neither uid 0 nor in [api] admin_group is refused every
# mutating call with org.freedesktop.DBus.Error.AccessDenied (cdmctl: exit 1) and changes
# nothing; reads work for anyone; a member of admin_group may grant, change and revoke.
# The private bus lets anyone send to cdmd, so every refusal here is cdmd's own.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools groupadd useradd userdel groupdel

ADM_GROUP=cdmdadm$$
ADM_USER=cdmdusr$$
groupadd --system "$ADM_GROUP"
CLEANUP_GROUPS+=("$ADM_GROUP")
useradd --system --no-create-home --shell /usr/sbin/nologin -g nogroup -G "$ADM_GROUP" "$ADM_USER"
CLEANUP_USERS+=("$ADM_USER")
as_admin() { setpriv --reuid="$ADM_USER" --regid=nogroup --init-groups "$@"; }
# nobody_error NAME METHOD ARGS...: the raw call as nobody is refused with AccessDenied.
nobody_error() {
        local name=$1 method=$2 out status=0
        shift 2
        out=$(as_nobody dbus-send --system --print-reply --reply-timeout=30000 --dest="$BUS" "$OBJ" "$MGR.$method" "$@" 2>&1) || status=$?
        if [ "$status" -ne 0 ] && printf '%s\n' "$out" | grep -q "^Error $ACCESS_DENIED: "; then ok "$name (AccessDenied)"
        else not_ok "$name: wanted $ACCESS_DENIED, got status $status:" "$out"; fi
}

J42=/system.slice/slurmstepd.scope/job_42
setup_daemon "[api]" "admin_group = $ADM_GROUP"
expect "root grants" 0 "" -- ctl grant root-1 --cgroup "$J42" --device cdm1 --size 1G

# --- reads as nobody ---
expect "nobody: cdmctl devices" 0 "cdm1" -- as_nobody "$CDMCTL" devices
expect "nobody: cdmctl jobs" 0 "root-1" -- as_nobody "$CDMCTL" jobs
expect "nobody: cdmctl job root-1" 0 "" -- as_nobody "$CDMCTL" job root-1
expect "nobody: cdmctl device cdm1" 0 "" -- as_nobody "$CDMCTL" device cdm1
expect "nobody: cdmctl status" 0 "" -- as_nobody "$CDMCTL" status
expect "nobody: cdmctl plan (a dry run)" 0 "" -- as_nobody "$CDMCTL" plan
expect "nobody: busctl GetJob" 0 "" -- as_nobody busctl --system call "$BUS" "$OBJ" "$MGR" GetJob s root-1
expect "nobody: busctl get-property Job QuotaBytes" 0 "^t 1073741824$" \
        -- as_nobody busctl --system get-property "$BUS" "$(job_path root-1)" "$JOB_IF" QuotaBytes
expect "nobody: busctl get-property Manager Version" 0 "^s " -- as_nobody busctl --system get-property "$BUS" "$OBJ" "$MGR" Version

# --- writes as nobody ---
expect "nobody: cdmctl grant is refused (exit 1, AccessDenied)" 1 "$ACCESS_DENIED" \
        -- as_nobody "$CDMCTL" grant nobody-1 --cgroup /user.slice --device cdm1 --size 1M
expect "nobody: cdmctl revoke is refused" 1 "$ACCESS_DENIED" -- as_nobody "$CDMCTL" revoke root-1
expect "nobody: cdmctl set-quota is refused" 1 "$ACCESS_DENIED" -- as_nobody "$CDMCTL" set-quota root-1 2G
expect "nobody: cdmctl set-policy is refused" 1 "$ACCESS_DENIED" -- as_nobody "$CDMCTL" set-policy root-1 device-first
expect "nobody: cdmctl reload is refused" 1 "$ACCESS_DENIED" -- as_nobody "$CDMCTL" reload
nobody_error "nobody: raw Grant" Grant string:nobody-2 string:/user.slice string:cdm1 uint64:1048576 string:manual
nobody_error "nobody: raw Revoke" Revoke string:root-1
nobody_error "nobody: raw SetQuota" SetQuota string:root-1 uint64:1
nobody_error "nobody: raw SetPolicy" SetPolicy string:root-1 string:device-first
nobody_error "nobody: raw Reload" Reload
nobody_error "nobody: raw SyncCGroup" SyncCGroup string:/system.slice
# Refusal comes before validation: a bad argument from nobody is still AccessDenied.
nobody_error "nobody: raw Grant with bad arguments" Grant string: string:rel string:gpu9 uint64:0 string:frob
nobody_error "nobody: raw Revoke of an unknown job" Revoke string:nope
# Audit repairs (moves pages) with repair = migrate: not read-only by the contract's rule.
st=0
out=$(as_nobody dbus-send --system --print-reply --dest="$BUS" "$OBJ" "$MGR.Audit" 2>&1) || st=$?
if [ "$st" -eq 0 ]; then echo "# info: Audit as nobody: allowed"; else echo "# info: Audit as nobody: $(printf '%s' "$out" | head -n 1)"; fi
check_prop "nothing changed: root-1's quota" "$(job_path root-1)" "$JOB_IF" QuotaBytes '.data == 1073741824'
check_prop "nothing changed: root-1's policy" "$(job_path root-1)" "$JOB_IF" Policy '.data == "manual"'
check_jq "nothing changed: one job" "$(ctl --json jobs 2>&1)" 'length == 1 and .[0].id == "root-1"'

# --- a member of admin_group ---
expect "admin_group member: cdmctl grant" 0 "^$(job_path adm-1)\$" \
        -- as_admin "$CDMCTL" grant adm-1 --cgroup /user.slice --device cdm1 --size 1M
expect "admin_group member: cdmctl set-quota" 0 "" -- as_admin "$CDMCTL" set-quota adm-1 2M
expect "admin_group member: cdmctl set-policy" 0 "" -- as_admin "$CDMCTL" set-policy adm-1 device-first
expect "admin_group member: cdmctl reload" 0 "" -- as_admin "$CDMCTL" reload
expect "admin_group member: cdmctl revoke" 0 "" -- as_admin "$CDMCTL" revoke adm-1
expect "admin_group member: raw Grant (dbus-send)" 0 "object path" -- as_admin dbus-send --system --print-reply --dest="$BUS" "$OBJ" \
        "$MGR.Grant" string:adm-2 string:/init.scope string:cdm1 uint64:1048576 string:manual
# The group is named in the configuration: without it, the same user is refused.
write_conf
expect "root: reload without admin_group" 0 "" -- ctl reload
expect "former admin_group member: grant refused once admin_group is unset" 1 "$ACCESS_DENIED" \
        -- as_admin "$CDMCTL" grant adm-3 --cgroup /user.slice --device cdm1 --size 1M
check_answers "the refusals"
finish
