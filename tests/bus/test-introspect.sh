#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# cdmd's D-Bus members against the contract: `cdmd --bus-introspect` and the live objects'
# introspection must list exactly the methods, properties and signals of api-members.txt
# (derived from API.md), with the same signatures. Members of the later milestone may be
# present or not.
set -eu
. "$(dirname "$0")/lib.sh"

awk_members() { awk -v prefix=org.cdmd.cdmd1. -f "$CDM_BUS_DIR/introspect-members.awk" | sort -u; }
grep -v '^#' "$CDM_BUS_DIR/api-members.txt" | grep -v '^later ' | sed '/^$/d' | sort -u > "$TMP/required"
grep '^later ' "$CDM_BUS_DIR/api-members.txt" | sed 's/^later //' | sort -u > "$TMP/later"

# compare WHAT FILE [INTERFACE-REGEX]: FILE (members found) against the contract, restricted to
# the interfaces matching INTERFACE-REGEX.
compare() {
        local what=$1 found=$2 ifre=${3:-.} missing extra later_found
        grep -E "^($ifre) " "$TMP/required" > "$TMP/want" || true
        grep -E "^($ifre) " "$found" > "$TMP/have" || true
        missing=$(comm -23 "$TMP/want" "$TMP/have")
        extra=$(comm -13 "$TMP/want" "$TMP/have" | grep -vxF -f "$TMP/later" || true)
        later_found=$(comm -12 "$TMP/have" "$TMP/later" | wc -l)
        if [ -z "$missing" ]; then ok "$what: every member of the contract is there"; else
                not_ok "$what: $(printf '%s\n' "$missing" | wc -l) member(s) of the contract missing or with another signature" "$missing"; fi
        if [ -z "$extra" ]; then ok "$what: nothing outside the contract ($later_found later-milestone members present)"; else
                not_ok "$what: $(printf '%s\n' "$extra" | wc -l) member(s) not in the contract (or another signature)" "$extra"; fi
}

# --- static: cdmd --bus-introspect ---
status=0
"$CDMD" --bus-introspect > "$TMP/introspect.xml" 2> "$TMP/introspect.err" || status=$?
if [ "$status" -eq 0 ] && grep -q '<interface name="org.cdmd.cdmd1.Manager"' "$TMP/introspect.xml"; then
        ok "cdmd --bus-introspect prints XML with org.cdmd.cdmd1.Manager"
else
        not_ok "cdmd --bus-introspect prints XML with org.cdmd.cdmd1.Manager (exit $status)" \
                "$(head -c 500 "$TMP/introspect.err" "$TMP/introspect.xml")"
fi
awk_members < "$TMP/introspect.xml" > "$TMP/static"
compare "--bus-introspect" "$TMP/static"
for i in Manager Device Job; do
        if grep -q "^org.cdmd.cdmd1.$i " "$TMP/static"; then ok "--bus-introspect has interface org.cdmd.cdmd1.$i"
        else not_ok "--bus-introspect has interface org.cdmd.cdmd1.$i"; fi
done

# --- live: the objects on the bus ---
setup_daemon
bctl introspect --xml-interface "$BUS" "$OBJ" > "$TMP/live-manager.xml" 2>&1 || true
awk_members < "$TMP/live-manager.xml" > "$TMP/live-manager"
compare "live $OBJ" "$TMP/live-manager" 'org.cdmd.cdmd1.Manager'
bctl introspect --xml-interface "$BUS" "$(device_path cdm1)" > "$TMP/live-device.xml" 2>&1 || true
awk_members < "$TMP/live-device.xml" > "$TMP/live-device"
compare "live $(device_path cdm1)" "$TMP/live-device" 'org.cdmd.cdmd1.Device'
bctl call "$BUS" "$OBJ" "$MGR" Grant sssts introspect-1 /system.slice/slurmstepd.scope/job_42 cdm1 1048576 manual > /dev/null 2>&1 || true
bctl introspect --xml-interface "$BUS" "$(job_path introspect-1)" > "$TMP/live-job.xml" 2>&1 || true
awk_members < "$TMP/live-job.xml" > "$TMP/live-job"
compare "live $(job_path introspect-1)" "$TMP/live-job" 'org.cdmd.cdmd1.Job'
# The object tree: the Manager's node lists device/ and job/ children.
if grep -q '<node name="device"' "$TMP/live-manager.xml" && grep -q '<node name="job"' "$TMP/live-manager.xml"; then
        ok "the Manager's introspection lists the device and job subtrees"
else
        not_ok "the Manager's introspection lists the device and job subtrees" "$(grep '<node' "$TMP/live-manager.xml" | head -5)"
fi
finish
