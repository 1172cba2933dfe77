#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad arguments, sent raw (dbus-send; cdmctl checks some of them before sending): each gets a
# named error, creates nothing, and cdmd answers afterwards. Where API.md allows more than one
# answer, the test accepts each and prints which one came.
set -eu
. "$(dirname "$0")/lib.sh"

M=1048576
U64_MAX=18446744073709551615
setup_daemon

# grant_error NAME 'ERR|ERR' ID CGROUP DEVICE QUOTA POLICY: Grant fails with one of the named
# errors (short names under org.cdmd.cdmd1.Error unless they contain a dot), then cdmd answers.
qualify() { local e out=; for e in ${1//|/ }; do case $e in *.*) out+="|$e" ;; *) out+="|$ERR.$e" ;; esac; done; printf '%s' "${out#|}"; }
grant_error() {
        local name=$1 want
        want=$(qualify "$2")
        expect_error_any "Grant, $name" "$want" Grant "string:$3" "string:$4" "string:$5" "uint64:$6" "string:$7"
        # A wrongly accepted grant is taken back, so that it does not hold its cgroup for the next rows.
        if job_listed "$3"; then bctl call "$BUS" "$OBJ" "$MGR" Revoke s "$3" > /dev/null 2>&1 || true; wait_for 10 job_gone "$3" || true; fi
        check_answers "Grant, $name"
}
call_error() { # call_error NAME 'ERR|ERR' METHOD dbus-send ARGS...
        local name=$1 want
        want=$(qualify "$2")
        shift 2
        expect_error_any "$name" "$want" "$@"
        check_answers "$name"
}

C=/user.slice
long64=$(printf 'a%.0s' $(seq 64))
long65=${long64}a
big=$(head -c 65536 /dev/zero | tr '\0' x)

# --- the id ---
grant_error "empty id" InvalidArgument "" $C cdm1 $M manual
grant_error "65-character id" InvalidArgument "$long65" $C cdm1 $M manual
grant_error "id with /" InvalidArgument "a/b" $C cdm1 $M manual
grant_error "id with a space" InvalidArgument "a b" $C cdm1 $M manual
grant_error "id '..' (API.md: no '..')" InvalidArgument ".." $C cdm1 $M manual
grant_error "id with non-ASCII UTF-8" InvalidArgument "jöb" $C cdm1 $M manual
grant_error "id with a newline" InvalidArgument $'a\nb' $C cdm1 $M manual
grant_error "64 KiB id" InvalidArgument "$big" $C cdm1 $M manual
echo "# info: an id with NUL cannot be sent: D-Bus forbids NUL in 's' (libdbus, sd-bus and the bus refuse the message), so cdmd never sees one"
expect "64-character id (the longest valid) is granted" 0 "" -- bctl call "$BUS" "$OBJ" "$MGR" Grant sssts "$long64" $C cdm1 $M manual
expect "  ... and revoked" 0 "" -- bctl call "$BUS" "$OBJ" "$MGR" Revoke s "$long64"
wait_for 10 job_gone "$long64" || true
expect "id of every allowed character class [A-Za-z0-9_.:-] is granted" 0 "" -- bctl call "$BUS" "$OBJ" "$MGR" Grant sssts "Az09_.:-x" $C cdm1 $M manual
expect "  ... and its object path is sd_bus_path_encode'd" 0 "" -- bctl get-property "$BUS" "$(job_path "Az09_.:-x")" "$JOB_IF" Id
expect "  ... and revoked" 0 "" -- bctl call "$BUS" "$OBJ" "$MGR" Revoke s "Az09_.:-x"
wait_for 10 job_gone "Az09_.:-x" || true

# --- the cgroup ---
grant_error "cgroup 'relative'" InvalidArgument b1 relative cdm1 $M manual
grant_error "cgroup ''" InvalidArgument b1 "" cdm1 $M manual
grant_error "cgroup /a/../b" InvalidArgument b1 /a/../b cdm1 $M manual
grant_error "cgroup /system.slice/../user.slice (exists once resolved)" InvalidArgument b1 /system.slice/../user.slice cdm1 $M manual
grant_error "cgroup /./user.slice" "InvalidArgument" b1 /./user.slice cdm1 $M manual
grant_error "cgroup / (the root)" InvalidArgument b1 / cdm1 $M manual
grant_error "cgroup that does not exist" NoSuchCGroup b1 /system.slice/nope.service cdm1 $M manual
grant_error "cgroup that is a file (memory.max)" "NoSuchCGroup|InvalidArgument" b1 /system.slice/memory.max cdm1 $M manual
grant_error "cgroup with a space, not existing" "InvalidArgument|NoSuchCGroup" b1 "/a b" cdm1 $M manual
grant_error "64 KiB cgroup" "InvalidArgument|NoSuchCGroup" b1 "/$big" cdm1 $M manual

# --- the device ---
grant_error "unknown device" NoSuchDevice b1 $C gpu9 $M manual
grant_error "empty device" "InvalidArgument|NoSuchDevice" b1 $C "" $M manual
grant_error "device ../cdm1" "InvalidArgument|NoSuchDevice" b1 $C ../cdm1 $M manual
grant_error "64 KiB device" "InvalidArgument|NoSuchDevice" b1 $C "$big" $M manual

# --- the quota ---
st=0
out=$(dsend --dest="$BUS" "$OBJ" "$MGR.Grant" string:q0 string:$C string:cdm1 uint64:0 string:manual 2>&1) || st=$?
if [ "$st" -eq 0 ]; then
        ok "quota 0: accepted (API.md only asks that sizes be checked for overflow)"
        bctl call "$BUS" "$OBJ" "$MGR" Revoke s q0 > /dev/null 2>&1 || true
        wait_for 10 job_gone q0 || true
elif printf '%s\n' "$out" | grep -q "^Error $ERR.InvalidArgument: "; then
        ok "quota 0: refused with InvalidArgument (API.md allows either)"
else
        not_ok "quota 0: wanted success or InvalidArgument" "$out"
fi
check_answers "quota 0"
grant_error "quota 2^64-1" "InsufficientCapacity|InvalidArgument" b1 $C cdm1 $U64_MAX manual
grant_error "quota 2^63" "InsufficientCapacity|InvalidArgument" b1 $C cdm1 9223372036854775808 manual
grant_error "quota of the device + 1" "InsufficientCapacity" b1 $C cdm1 4294967297 manual
# With 1 MiB granted, a quota of 2^64 - 1 MiB + 1 makes the sum wrap around to 1 byte.
expect "a 1 MiB grant to overflow against" 0 "" -- bctl call "$BUS" "$OBJ" "$MGR" Grant sssts base /init.scope cdm1 $M manual
grant_error "quota that wraps the device's sum around 2^64" "InsufficientCapacity|InvalidArgument" b1 $C cdm1 18446744073708503041 manual
call_error "SetQuota 2^64-1" "InsufficientCapacity|InvalidArgument" SetQuota string:base uint64:$U64_MAX
call_error "SetQuota 2^64-1 MiB+1 (wraps the sum of others)" "InsufficientCapacity|InvalidArgument" SetQuota string:base uint64:18446744073708503041
check_prop "base's quota unchanged after refused SetQuota" "$(job_path base)" "$JOB_IF" QuotaBytes ".data == $M"

# --- the policy ---
grant_error "policy frob" InvalidArgument b1 $C cdm1 $M frob
grant_error "policy tiered" NotSupported b1 $C cdm1 $M tiered
grant_error "policy ''" InvalidArgument b1 $C cdm1 $M ""
grant_error "policy MANUAL" InvalidArgument b1 $C cdm1 $M MANUAL
grant_error "64 KiB policy" InvalidArgument b1 $C cdm1 $M "$big"
call_error "SetPolicy frob" InvalidArgument SetPolicy string:base string:frob
call_error "SetPolicy tiered" NotSupported SetPolicy string:base string:tiered
call_error "SetPolicy 64 KiB" InvalidArgument SetPolicy string:base "string:$big"

# --- the other methods ---
call_error "GetJob ''" "InvalidArgument|NoSuchJob" GetJob string:
call_error "GetJob 64 KiB" "InvalidArgument|NoSuchJob" GetJob "string:$big"
call_error "GetJob ../base" "InvalidArgument|NoSuchJob" GetJob string:../base
call_error "GetDevice ''" "InvalidArgument|NoSuchDevice" GetDevice string:
call_error "GetDevice 64 KiB" "InvalidArgument|NoSuchDevice" GetDevice "string:$big"
call_error "Revoke ''" "InvalidArgument|NoSuchJob" Revoke string:
call_error "Revoke 64 KiB" "InvalidArgument|NoSuchJob" Revoke "string:$big"
call_error "SetQuota of '' " "InvalidArgument|NoSuchJob" SetQuota string: uint64:1
call_error "Grant with the wrong signature (ss)" org.freedesktop.DBus.Error.InvalidArgs Grant string:a string:b
call_error "Grant with quota as a string" org.freedesktop.DBus.Error.InvalidArgs Grant string:a string:$C string:cdm1 string:1 string:manual
call_error "an unknown method" org.freedesktop.DBus.Error.UnknownMethod Frobnicate

# --- nothing was created by all of that ---
check_jq "ListJobs holds only 'base' after the bad calls (wrongly accepted ones were revoked)" "$(ctl --json jobs 2>&1)" 'length == 1 and .[0].id == "base"'
if [ ! -e "$CGROOT/a" ] && [ ! -e "$CGROOT/b" ] && [ ! -e "$CGROOT/a b" ] && [ ! -e "$CGROOT/relative" ] && [ ! -e "$CGROOT/../b" ]; then
        ok "no directory was created from a bad cgroup path"
else
        not_ok "no directory was created from a bad cgroup path"
fi
finish
