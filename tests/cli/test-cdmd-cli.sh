#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# cdmd's command line as an operator uses it: configuration checks with file:line errors,
# the shipped configuration documents every key, and --oneshot --dry-run on fixture roots,
# including broken sysfs files that must be named in the error.
set -eu

CDMD=${CDMD:?}
SRC=${CDM_SOURCE_DIR:?}
FIXTURES=$SRC/tests/fixtures
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
# expect NAME WANT_STATUS PATTERN -- COMMAND...: runs COMMAND, checks exit status and that
# stdout+stderr match the extended regular expression PATTERN.
expect() {
        local name=$1 want=$2 pattern=$3 out status=0
        shift 4
        out=$("$@" 2>&1) || status=$?
        if [ "$status" -ne "$want" ]; then
                not_ok "$name: exit status $status, wanted $want"; printf '%s\n' "$out" | head -20
        elif ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
                not_ok "$name: output does not match '$pattern'"; printf '%s\n' "$out" | head -20
        else
                ok "$name"
        fi
}

# --- configuration ---
expect "shipped configuration is valid" 0 "Configuration OK" -- "$CDMD" --check-config -c "$SRC/conf/cdmd.conf"
# Uncommenting every documented key gives a valid file equal to the defaults: every key is
# documented, with its true default.
sed 's/^;\([a-z_]* =\)/\1/; s/^;\[/[/' "$SRC/conf/cdmd.conf" | grep -v '^\[job\|^\[device' \
        | awk '/^\[(device|job)/{skip=1} /^\[(daemon|isolation|migration|api)\]/{skip=0} !skip' \
        | grep -Ev '^(nodes|kind|source|reserve|cgroup|device|quota|policy) =' > "$TMP/all.conf"
"$CDMD" --dump-config -c "$TMP/all.conf" > "$TMP/all.dump"
"$CDMD" --dump-config -c /dev/null > "$TMP/default.dump"
if cmp -s "$TMP/all.dump" "$TMP/default.dump"; then ok "documented defaults are the defaults"; else
        not_ok "documented defaults differ from the built-in ones"; diff "$TMP/default.dump" "$TMP/all.dump" || true; fi
for key in $(grep -E '^[a-z_]+ =' "$TMP/default.dump" | cut -d' ' -f1); do
        grep -q "^;$key =" "$SRC/conf/cdmd.conf" || { not_ok "key '$key' is not documented in conf/cdmd.conf"; continue; }
done
ok "every key is documented"

printf '[daemon]\naudit_interval = 1s\n\n[isolation]\ndemotion = sometimes\n' > "$TMP/bad.conf"
expect "bad value names file and line" 1 "bad.conf:5: \[isolation\] demotion = 'sometimes': expected 'keep' or 'disable'" \
        -- "$CDMD" --check-config -c "$TMP/bad.conf"
mkdir -p "$TMP/drop.conf.d"
printf '[daemon]\n' > "$TMP/drop.conf"
printf '[isolaton]\nrepair = report\n' > "$TMP/drop.conf.d/50-typo.conf"
expect "unknown section in a drop-in" 1 "50-typo.conf:1: \[isolaton\]: unknown section" \
        -- "$CDMD" --check-config -c "$TMP/drop.conf"
# Only regular files are read: a FIFO is an error naming it at once, never a hang (timeout
# turns one into exit status 124).
mkfifo "$TMP/drop.conf.d/60-fifo.conf"
rm "$TMP/drop.conf.d/50-typo.conf"
expect "FIFO drop-in is named, not waited on" 1 "drop.conf.d/60-fifo.conf: not a regular file" \
        -- timeout 10 "$CDMD" --check-config -c "$TMP/drop.conf"
rm "$TMP/drop.conf.d/60-fifo.conf"
mkdir -p "$TMP/fifo-state"
mkfifo "$TMP/fifo-state/jobs"
printf '[daemon]\nstate_dir = %s/fifo-state\n' "$TMP" > "$TMP/fifo-state.conf"
cp -a "$FIXTURES/gh200" "$TMP/fifo-root"
expect "FIFO as state_dir/jobs is reported and set aside, not waited on" 0 "fifo-state/jobs: not a regular file" \
        -- timeout 10 "$CDMD" -c "$TMP/fifo-state.conf" --root "$TMP/fifo-root" --oneshot
expect "the FIFO is kept as jobs.damaged" 0 "" -- test -p "$TMP/fifo-state/jobs.damaged"
expect "missing explicit config" 1 "nonexistent.conf: No such file or directory" \
        -- "$CDMD" --check-config -c "$TMP/nonexistent.conf"
expect "unknown option" 2 "unrecognized option" -- "$CDMD" --frobnicate
expect "--json needs --oneshot" 2 "needs --oneshot" -- "$CDMD" --json

# --- dry runs on fixture roots ---
for fx in "$FIXTURES"/*/; do
        fx=$(basename "$fx")
        expect "dry run on $fx (text)" 0 "^System nodes: " -- "$CDMD" -c /dev/null --root "$FIXTURES/$fx" --oneshot --dry-run
        expect "dry run on $fx (json)" 0 '^\{"version":"[^"]+","system_nodes":\[' -- "$CDMD" -c /dev/null --root "$FIXTURES/$fx" --oneshot --dry-run --json
done
expect "gh200 finds the HBM node" 0 '"devices":\[\{"name":"cdm1","kind":"gpu","source":"nvidia","nodes":\[1\],"total_bytes":4294967296' \
        -- "$CDMD" -c /dev/null --root "$FIXTURES/gh200" --oneshot --dry-run --json
printf '[device hbm]\nnodes = 1\nkind = generic\nreserve = 1G\n' > "$TMP/gh.conf"
expect "gh200 with a configured device" 0 '"devices":\[\{"name":"hbm","kind":"generic","source":"config","nodes":\[1\],"total_bytes":4294967296,"free_bytes":[0-9]+,"reserve_bytes":1073741824' \
        -- "$CDMD" -c "$TMP/gh.conf" --root "$FIXTURES/gh200" --oneshot --dry-run --json

cp -a "$FIXTURES/gh200" "$TMP/broken"
: > "$TMP/broken/sys/devices/system/node/node1/meminfo"
expect "empty meminfo is named" 1 "broken/sys/devices/system/node/node1/meminfo: no MemTotal" \
        -- "$CDMD" -c /dev/null --root "$TMP/broken" --oneshot --dry-run
rm "$TMP/broken/sys/devices/system/node/node1/meminfo"
expect "missing meminfo is named" 1 "broken/sys/devices/system/node/node1/meminfo: No such file or directory" \
        -- "$CDMD" -c /dev/null --root "$TMP/broken" --oneshot --dry-run
# A vendor hint that does not parse is a warning naming it; node 1 is still fenced.
cp -a "$FIXTURES/gh200" "$TMP/badhint"
echo garbage > "$TMP/badhint/proc/driver/nvidia/gpus/0009:01:00.0/numa_status"
expect "unparsable numa_status is a warning naming it" 0 "badhint/proc/driver/nvidia/gpus/0009:01:00.0/numa_status: no valid 'Node:' line" \
        -- "$CDMD" -c /dev/null --root "$TMP/badhint" --oneshot --dry-run
expect "unparsable numa_status: node 1 is still a device, and fenced" 0 '"devices":\[\{"name":"cdm1","kind":"generic","source":"cpuless","nodes":\[1\].*"object":"sys/fs/cgroup/system.slice/cpuset.mems"' \
        -- "$CDMD" -c /dev/null --root "$TMP/badhint" --oneshot --dry-run --json
expect "missing root" 1 "Failed to open root .*nowhere.*No such file or directory" -- "$CDMD" -c /dev/null --root "$TMP/nowhere" --oneshot --dry-run

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
