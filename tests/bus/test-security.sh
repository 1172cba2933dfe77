#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hostile input on the bus:
#  - admin rights come from what the bus vouches for, not from /proc/<pid>: a caller outside
#    admin_group that hands its connection to a child and execs a setgid-admin_group program
#    is still refused; members are allowed, also when admin_group's line is longer than 4 KiB;
#  - every call gets an answer: long multi-byte strings in every string argument (error
#    messages that quote a cut of them must not split a character), invalid UTF-8 sent raw;
#  - a grant inside or above another job's cgroup is refused (InvalidArgument);
#  - migration object paths are parsed strictly (no wrap-around at 2^32, no tail);
#  - a caller's newline never reaches cdmd's log as a line of its own.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools groupadd useradd userdel groupdel gpasswd install getent
PROBE=${CDMD_BUS_PROBE:-}
[ -x "$PROBE" ] || skip_or_fail "CDMD_BUS_PROBE (tests/bus/bus-probe.c) is not built"

ADM_GROUP=cdmdadm$$
OUT_USER=cdmdout$$
# A 32-character name: 150 of them make admin_group's line longer than 4 KiB.
MEM_USER=$(printf 'cdmdmem%s_abcdefghijklmnopqrstuvwxyz' $$ | cut -c1-32)
groupadd --system "$ADM_GROUP"
CLEANUP_GROUPS+=("$ADM_GROUP")
useradd --system --no-create-home --shell /usr/sbin/nologin -g nogroup "$OUT_USER"
CLEANUP_USERS+=("$OUT_USER")
useradd --system --no-create-home --shell /usr/sbin/nologin -g nogroup -G "$ADM_GROUP" "$MEM_USER"
CLEANUP_USERS+=("$MEM_USER")
ADM_GID=$(getent group "$ADM_GROUP" | cut -d: -f3)
as_out() { setpriv --reuid="$OUT_USER" --regid=nogroup --clear-groups "$@"; }
as_member() { setpriv --reuid="$MEM_USER" --regid=nogroup --init-groups "$@"; }
SOCKET=$TMP/bus/socket

J42=/system.slice/slurmstepd.scope/job_42
setup_daemon "[api]" "admin_group = $ADM_GROUP"
expect "root grants root-1" 0 "" -- ctl grant root-1 --cgroup "$J42" --device cdm1 --size 1G

# --- admin rights: the setgid race ---
# A setgid-admin_group copy of sleep: after P execs it, /proc/P/status shows egid admin_group.
install -m 2755 -o root -g "$ADM_GROUP" "$(command -v sleep)" "$TMP/sgid-sleep"
# race NAME WANT USER GROUPS-OPTION -- PROBE-CALL...: as USER (gid nogroup, setpriv's GROUPS-OPTION)
# the child's call prints WANT (a regular expression).
race() {
        local name=$1 want=$2 user=$3 groups=$4 out
        shift 5
        out=$(timeout 20 setpriv --reuid="$user" --regid=nogroup "$groups" \
                "$PROBE" exec-race "$SOCKET" "$ADM_GID" "$TMP/sgid-sleep" "$@" 2>&1 || true)
        if printf '%s\n' "$out" | grep -q '^setup: '; then not_ok "$name: the race was not set up" "$out"
        elif printf '%s\n' "$out" | grep -Eq -- "$want"; then ok "$name"
        else not_ok "$name: wanted '$want'" "$out"; fi
}
race "non-member, connection handed to a child, parent exec'd setgid $ADM_GROUP: Revoke of root's job is refused" \
        "^error $ACCESS_DENIED: " "$OUT_USER" --clear-groups -- revoke root-1
race "  ... and Grant is refused" "^error $ACCESS_DENIED: " "$OUT_USER" --clear-groups -- grant race-1 /user.slice cdm1 1048576
check_jq "  ... root-1 is still granted, race-1 was not" "$(ctl --json jobs 2>&1)" \
        'map(.id) == ["root-1"]'
race "member, the same race: Grant is allowed" "^ok$" "$MEM_USER" --init-groups -- grant mem-1 /init.scope cdm1 1048576
race "member, the same race: Revoke is allowed" "^ok$" "$MEM_USER" --init-groups -- revoke mem-1
wait_for 10 job_gone mem-1 || true

# --- admin rights: groups the bus reports, and long group lines ---
# The bus reports the groups the process had when it connected (SO_PEERGROUPS), as with
# SupplementaryGroups= of a unit, even when the user database does not list the user.
expect "a process that carries $ADM_GROUP (the bus says so) may change things" 0 "" \
        -- setpriv --reuid="$OUT_USER" --regid=nogroup --groups="$ADM_GID" "$CDMCTL" set-quota root-1 1G
members=$(for _ in $(seq 150); do printf '%s,' "$MEM_USER"; done)
gpasswd -M "${members%,}" "$ADM_GROUP" > /dev/null
len=$(getent group "$ADM_GROUP" | wc -c)
if [ "$len" -gt 4096 ]; then ok "admin_group's line is $len bytes (more than 4 KiB)"
else not_ok "admin_group's line is $len bytes, wanted more than 4 KiB"; fi
expect "member of a group with a long line: grant" 0 "" \
        -- as_member "$CDMCTL" grant long-1 --cgroup /user.slice --device cdm1 --size 1M
expect "member of a group with a long line, from a process without the group (user database): revoke" 0 "" \
        -- setpriv --reuid="$MEM_USER" --regid=nogroup --clear-groups "$CDMCTL" revoke long-1
wait_for 10 job_gone long-1 || true
expect "non-member, with the long line: still refused" 1 "$ACCESS_DENIED" \
        -- as_out "$CDMCTL" grant out-1 --cgroup /user.slice --device cdm1 --size 1M
check_answers "the access checks"

# --- every call gets an answer ---
E30=$(printf '€%.0s' $(seq 30))
E200=$(printf '€%.0s' $(seq 200))
F40=$(printf '😀%.0s' $(seq 40))
F100=$(printf '😀%.0s' $(seq 100))
# Multi-byte strings whose cut at 64, 128 or 256 bytes falls inside a character.
STRINGS=("$E30" "$E200" "a$F40" "/a$E200" "/$F100")
# answered NAME DEST PATH METHOD ARGS...: a reply (return or named error) within 5 s, not a
# timeout; prints which error came.
answered() {
        local name=$1 dest=$2 path=$3 method=$4 out status=0 t0=$SECONDS got
        shift 4
        out=$(dbus-send --system --print-reply --reply-timeout=5000 --dest="$dest" "$path" "$method" "$@" 2>&1) || status=$?
        got=$(printf '%s\n' "$out" | sed -n 's/^Error \([^:]*\): .*/\1/p' | head -n 1)
        if [ "$status" -eq 0 ]; then
                ok "$name: answered (success)"
        elif [ -n "$got" ] && [ "$got" != org.freedesktop.DBus.Error.NoReply ] &&
                [ "$got" != org.freedesktop.DBus.Error.Timeout ] && [ $((SECONDS - t0)) -lt 5 ]; then
                ok "$name: answered ($got)"
        else
                not_ok "$name: no answer within 5 s" "$out"
        fi
}
# slot NAME METHOD ARG...: ARG "@" is replaced by each of the strings in turn.
slot() {
        local name=$1 method=$2 s a args
        shift 2
        for s in "${STRINGS[@]}"; do
                args=()
                for a in "$@"; do
                        if [ "$a" = @ ]; then args+=("string:$s"); else args+=("$a"); fi
                done
                answered "$method($name, ${#s} bytes)" "$BUS" "$OBJ" "$MGR.$method" "${args[@]}"
        done
}
slot name GetDevice @
slot id GetJob @
slot id Grant @ string:/user.slice string:cdm1 uint64:1048576 string:manual
slot cgroup Grant string:u1 @ string:cdm1 uint64:1048576 string:manual
slot device Grant string:u1 string:/user.slice @ uint64:1048576 string:manual
slot policy Grant string:u1 string:/user.slice string:cdm1 uint64:1048576 @
slot id Revoke @
slot cgroup SyncCGroup @
slot id SetQuota @ uint64:1048576
slot id SetPolicy @ string:manual
slot policy SetPolicy string:root-1 @
slot id Migrate @ string:system uint64:0
slot target Migrate string:root-1 @ uint64:0
slot device Drain @ string:test
slot reason Drain string:nosuch @
slot device ReportFault @ string:test
slot reason ReportFault string:nosuch @
slot device Resume @
for s in "$E30" "$E200"; do
        answered "Properties.Get on a device, interface of ${#s} bytes" "$BUS" "$(device_path cdm1)" \
                org.freedesktop.DBus.Properties.Get "string:$s" string:Name
        answered "Properties.Get on a job, property of ${#s} bytes" "$BUS" "$(job_path root-1)" \
                org.freedesktop.DBus.Properties.Get "string:$JOB_IF" "string:$s"
done
# Reload quotes the configuration's errors, whatever bytes the file has.
write_conf "[api]" "admin_group = $ADM_GROUP" $'k\xffey = 1'
expect_error "Reload of a configuration with a byte that is not UTF-8" "$ERR.InvalidConfig" Reload
write_conf "[api]" "admin_group = $ADM_GROUP"
check_jq "nothing was granted by those calls" "$(ctl --json jobs 2>&1)" 'map(.id) == ["root-1"]'
check_prop "cdm1 is still online" "$(device_path cdm1)" "$DEV_IF" State '.data == "online"'
check_answers "the multi-byte strings"

# Invalid UTF-8, sent raw: dbus-daemon drops such a sender itself; cdmd must not notice.
for hex in ff c3 eda080 c0af efbfbf; do
        out=$("$PROBE" raw-string "$SOCKET" GetJob "$hex" 2>&1 || true)
        if printf '%s\n' "$out" | grep -Eq '^(closed|reply error .*)$'; then ok "GetJob with the bytes $hex, sent raw: $out"
        else not_ok "GetJob with the bytes $hex, sent raw: no answer and the connection stays" "$out"; fi
done
check_answers "the invalid UTF-8"

# --- nested grants ---
expect_error "Grant inside root-1's cgroup" "$ERR.InvalidArgument" Grant string:n1 "string:$J42/step_0" \
        string:cdm1 uint64:1048576 string:manual
expect_error "Grant above root-1's cgroup" "$ERR.InvalidArgument" Grant string:n2 \
        string:/system.slice/slurmstepd.scope string:cdm1 uint64:1048576 string:manual
expect_error "Grant of the whole /system.slice above it" "$ERR.InvalidArgument" Grant string:n3 \
        string:/system.slice string:cdm1 uint64:1048576 string:manual
expect "Grant of a sibling cgroup (job_43) is allowed" 0 "" \
        -- bctl call "$BUS" "$OBJ" "$MGR" Grant sssts n4 /system.slice/slurmstepd.scope/job_43 cdm1 1048576 manual
check_jq "  ... only root-1 and the sibling are granted" "$(ctl --json jobs 2>&1)" 'map(.id) | sort == ["n4", "root-1"]'
bctl call "$BUS" "$OBJ" "$MGR" Revoke s n4 > /dev/null 2>&1 || true

# --- migration object paths ---
MIG=$OBJ/migration
expect_error "CancelMigration of $MIG/4294967297 (2^32 + 1, not migration 1)" "$ERR.InvalidArgument" \
        CancelMigration "objpath:$MIG/4294967297"
expect_error "CancelMigration of $MIG/1/x" "$ERR.InvalidArgument" CancelMigration "objpath:$MIG/1/x"
expect_error "CancelMigration of $MIG/01" "$ERR.InvalidArgument" CancelMigration "objpath:$MIG/01"
expect_error "CancelMigration of $OBJ/job/root_2d1" "$ERR.InvalidArgument" CancelMigration "objpath:$OBJ/job/root_2d1"
expect_error "CancelMigration of $MIG/1 (well-formed, none running)" "$ERR.NoSuchMigration" CancelMigration "objpath:$MIG/1"
for p in "$MIG/4294967297" "$MIG/1/x"; do
        expect "$p is no object" 1 "org.freedesktop.DBus.Error.UnknownObject" \
                -- dsend --dest="$BUS" "$p" org.freedesktop.DBus.Properties.Get string:org.cdmd.cdmd1.Migration string:State
done

# --- a caller's newline in the log ---
FORGED='Granted job forged (/system.slice) up to 1 bytes of cdm1, policy manual.'
expect_error "Drain with a newline in the reason" "$ERR.InvalidArgument" Drain string:cdm1 "string:maintenance
$FORGED"
expect_error "ReportFault with a newline in the reason" "$ERR.InvalidArgument" ReportFault string:cdm1 "string:x
$FORGED"
expect_error "Drain with a tab in the reason" "$ERR.InvalidArgument" Drain string:cdm1 "string:a	b"
expect_error "Grant with a newline in the id" "$ERR.InvalidArgument" Grant "string:a
$FORGED" string:/user.slice string:cdm1 uint64:1048576 string:manual
check_prop "cdm1 is still online after the refused reasons" "$(device_path cdm1)" "$DEV_IF" State '.data == "online"'
if grep -q '^Granted job forged' "$TMP/cdmd.log"; then not_ok "cdmd's log has no forged line" "$(grep -n -B1 '^Granted job forged' "$TMP/cdmd.log")"
else ok "cdmd's log has no forged line"; fi
check_answers "the log checks"
finish
