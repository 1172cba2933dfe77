# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2034,SC2119,SC2120 # variables and optional arguments are for the test scripts
# Shared by the bus tests of cdmd (sourced, never run): a private dbus-daemon, cdmd on a copy of
# a fixture tree, checks that count into "N passed, M failed", and an EXIT trap that stops every
# process this script started (by its PID) and removes every user, group and file it made.
#
# Environment (set by CTest): CDMD, CDMCTL (built binaries), CDM_FIXTURES (tests/fixtures),
# CDM_BUS_DIR (this directory); optional CDMD_BUS_FLOOD, CDMD_BUS_FUZZ, CDMD_BUS_CHURN,
# CDMD_BUS_PROBE (the tests/bus clients), CI (a missing prerequisite fails instead of skipping),
# CDM_KEEP_TMP=1 (keep the temporary dir).

CDMD=${CDMD:?CDMD must name the cdmd binary}
CDMCTL=${CDMCTL:?CDMCTL must name the cdmctl binary}
CDM_FIXTURES=${CDM_FIXTURES:?CDM_FIXTURES must name tests/fixtures}
CDM_BUS_DIR=${CDM_BUS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}

BUS=org.cdmd.cdmd1
OBJ=/org/cdmd/cdmd1
MGR=org.cdmd.cdmd1.Manager
DEV_IF=org.cdmd.cdmd1.Device
JOB_IF=org.cdmd.cdmd1.Job
ERR=org.cdmd.cdmd1.Error
ACCESS_DENIED=org.freedesktop.DBus.Error.AccessDenied
SKIP=77

passed=0
failed=0
CLEANUP_PIDS=()
CLEANUP_USERS=()
CLEANUP_GROUPS=()
DAEMON_PID=
BUS_PID=

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
        failed=$((failed + 1))
        echo "not ok - $1"
        if [ -n "${2-}" ]; then printf '%s\n' "$2" | head -c 2000 | sed 's/^/#   /'; fi
}

# finish: the summary line; exit status 0 only when nothing failed.
finish() {
        if [ "$failed" -gt 0 ] && [ -n "${TMP-}" ] && [ -s "$TMP/cdmd.log" ]; then
                echo "# last lines of cdmd's log:"
                tail -n 15 "$TMP/cdmd.log" | sed 's/^/#   /'
        fi
        echo "$passed passed, $failed failed"
        [ "$failed" -eq 0 ] && exit 0
        exit 1
}

# skip_or_fail MESSAGE: a missing prerequisite fails under CI and skips (77) otherwise.
skip_or_fail() {
        if [ -n "${CI-}" ]; then
                echo "not ok - prerequisite: $1 (CI is set: failing)"
                echo "0 passed, 1 failed"
                exit 1
        fi
        echo "skip - prerequisite: $1"
        echo "0 passed, 0 failed"
        exit $SKIP
}

require_tools() {
        local t
        for t in "$@"; do
                command -v "$t" > /dev/null 2>&1 || skip_or_fail "'$t' is not installed (tests/install-deps.sh)"
        done
}

require_root() {
        [ "$(id -u)" -eq 0 ] || skip_or_fail "the bus tests run as root (they own org.cdmd.cdmd1 and switch users)"
}

require_tools dbus-daemon busctl dbus-send jq setpriv
require_root
[ -x "$CDMD" ] || skip_or_fail "cdmd binary '$CDMD' not built"
[ -x "$CDMCTL" ] || skip_or_fail "cdmctl binary '$CDMCTL' not built"

# Private temporary dir; world-traversable so that "nobody" reaches the bus socket in it.
TMP=$(mktemp -d /tmp/cdmd-bus.XXXXXX)
chmod 755 "$TMP"

stop_pid() { # stop_pid PID: SIGTERM, up to 5 s, then SIGKILL.
        local pid=$1 i
        kill -0 "$pid" 2> /dev/null || return 0
        kill -TERM "$pid" 2> /dev/null || true
        for i in $(seq 50); do
                kill -0 "$pid" 2> /dev/null || break
                sleep 0.1
        done
        kill -KILL "$pid" 2> /dev/null || true
        wait "$pid" 2> /dev/null || true
}

cleanup() {
        local pid u g
        set +e
        for pid in "${CLEANUP_PIDS[@]}"; do stop_pid "$pid"; done
        [ -n "$DAEMON_PID" ] && stop_pid "$DAEMON_PID"
        [ -n "$BUS_PID" ] && stop_pid "$BUS_PID"
        for u in "${CLEANUP_USERS[@]}"; do userdel "$u" 2> /dev/null; done
        for g in "${CLEANUP_GROUPS[@]}"; do groupdel "$g" 2> /dev/null; done
        if [ "${CDM_KEEP_TMP-}" = 1 ]; then echo "# kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the bus ---

bus_start() {
        mkdir -p "$TMP/bus"
        chmod 755 "$TMP/bus"
        dbus-daemon --config-file="$CDM_BUS_DIR/system.conf" --address="unix:path=$TMP/bus/socket" \
                --fork --print-address=3 --print-pid=4 3> "$TMP/bus/address" 4> "$TMP/bus/pid" \
                || skip_or_fail "dbus-daemon does not start with $CDM_BUS_DIR/system.conf"
        BUS_PID=$(head -n 1 "$TMP/bus/pid")
        DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/bus/socket"
        export DBUS_SYSTEM_BUS_ADDRESS
        # Nothing of the host's buses leaks in.
        unset DBUS_SESSION_BUS_ADDRESS
}

# bctl ARGS: busctl on the private system bus (sd_bus_open_system honours the variable).
bctl() { busctl --system --timeout=30 "$@"; }
# dsend ARGS: dbus-send, which unlike busctl prints the D-Bus error *name* of a failed call.
dsend() { dbus-send --system --print-reply --reply-timeout=30000 "$@"; }
ctl() { "$CDMCTL" "$@"; }
# as_nobody CMD...: run with uid nobody, gid nogroup, no supplementary groups.
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

# --- the daemon ---

# fixture_copy [SCENARIO]: a fresh copy of tests/fixtures/SCENARIO (gh200) as $TMP/root.
fixture_copy() {
        rm -rf "$TMP/root"
        mkdir -p "$TMP/root"
        cp -a "$CDM_FIXTURES/${1:-gh200}/." "$TMP/root/"
        CGROOT=$TMP/root/sys/fs/cgroup
}

# write_conf [LINES...]: $TMP/cdmd.conf with the test's state dir and a 1 s audit; each
# argument is one more line (sections included), e.g. write_conf "[api]" "max_jobs = 10".
write_conf() {
        mkdir -p "$TMP/state"
        {
                printf '[daemon]\nstate_dir = %s\naudit_interval = 1s\n' "$TMP/state"
                local l
                for l in "$@"; do printf '%s\n' "$l"; done
        } > "$TMP/cdmd.conf"
}

# daemon_ready [SECONDS]: poll until org.cdmd.cdmd1 has an owner; false if cdmd died or time ran out.
daemon_ready() {
        local deadline=$((SECONDS + ${1:-20}))
        while [ $SECONDS -lt $deadline ]; do
                if ! kill -0 "$DAEMON_PID" 2> /dev/null; then
                        echo "# cdmd exited before taking $BUS" >&2
                        return 1
                fi
                bctl status "$BUS" > /dev/null 2>&1 && return 0
                sleep 0.1
        done
        echo "# $BUS has no owner after ${1:-20} s" >&2
        return 1
}

# daemon_start: cdmd on $TMP/root with $TMP/cdmd.conf (continuous mode), logging to $TMP/cdmd.log.
# Return: 0 when it owns its bus name.
daemon_start() {
        echo "# --- cdmd start $(date +%T) ---" >> "$TMP/cdmd.log"
        "$CDMD" --root "$TMP/root" -c "$TMP/cdmd.conf" >> "$TMP/cdmd.log" 2>&1 &
        DAEMON_PID=$!
        daemon_ready "${1:-20}"
}

# daemon_stop [SIGNAL]: stop cdmd with SIGNAL (TERM); sets DAEMON_STATUS. Return: 0 if it exited
# within 10 s.
daemon_stop() {
        local sig=${1:-TERM} i
        DAEMON_STATUS=
        [ -n "$DAEMON_PID" ] || return 0
        kill "-$sig" "$DAEMON_PID" 2> /dev/null || true
        for i in $(seq 100); do
                kill -0 "$DAEMON_PID" 2> /dev/null || break
                # A zombie counts as gone; wait reaps it below.
                [ "$(ps -o stat= -p "$DAEMON_PID" 2> /dev/null | cut -c1)" = Z ] && break
                sleep 0.1
        done
        if kill -0 "$DAEMON_PID" 2> /dev/null && [ "$(ps -o stat= -p "$DAEMON_PID" | cut -c1)" != Z ]; then
                stop_pid "$DAEMON_PID"
                DAEMON_PID=
                return 1
        fi
        DAEMON_STATUS=0
        wait "$DAEMON_PID" 2> /dev/null || DAEMON_STATUS=$?
        DAEMON_PID=
        # The name must be free before the next start.
        for i in $(seq 50); do
                bctl status "$BUS" > /dev/null 2>&1 || return 0
                sleep 0.1
        done
        return 0
}

# setup_daemon [CONF LINES...]: bus, fresh gh200 copy, configuration, cdmd; on failure the test
# cannot go on: the failure is counted and the script finishes.
setup_daemon() {
        [ -n "$BUS_PID" ] || bus_start
        fixture_copy gh200
        write_conf "$@"
        if daemon_start; then
                ok "cdmd owns $BUS on the private bus"
        else
                not_ok "cdmd owns $BUS on the private bus (the rest of this test needs it)"
                finish
        fi
}

# answers: cdmd still answers a method call (ListDevices) and is alive.
answers() {
        kill -0 "$DAEMON_PID" 2> /dev/null && bctl call "$BUS" "$OBJ" "$MGR" ListDevices > /dev/null 2>&1
}

# check_answers WHAT: counted check that cdmd answers after WHAT.
check_answers() {
        if answers; then ok "cdmd still answers after $1"; else not_ok "cdmd still answers after $1"; fi
}

# --- checks ---

# expect NAME WANT_STATUS PATTERN -- CMD...: CMD exits WANT_STATUS and its stdout+stderr match the
# extended regular expression PATTERN (empty: anything).
expect() {
        local name=$1 want=$2 pattern=$3 out status=0
        shift 4
        out=$("$@" 2>&1) || status=$?
        if [ "$status" -ne "$want" ]; then
                not_ok "$name: exit status $status, wanted $want" "$out"
        elif [ -n "$pattern" ] && ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
                not_ok "$name: output does not match '$pattern'" "$out"
        else
                ok "$name"
        fi
}

# expect_error NAME ERROR METHOD [dbus-send ARGS...]: a Manager call (raw, with dbus-send) fails
# with the D-Bus error named ERROR.
expect_error() {
        local name=$1 want=$2 method=$3 out status=0
        shift 3
        out=$(dsend --dest="$BUS" "$OBJ" "$MGR.$method" "$@" 2>&1) || status=$?
        if [ "$status" -eq 0 ]; then
                not_ok "$name: $method succeeded, wanted $want" "$out"
        elif ! printf '%s\n' "$out" | grep -q "^Error $want: "; then
                not_ok "$name: wanted $want, got: $(printf '%s' "$out" | head -c 300)"
        else
                ok "$name ($want)"
        fi
}

# expect_error_any NAME 'ERROR1|ERROR2' METHOD ARGS...: as expect_error, any of the names; prints
# which one came (for the report).
expect_error_any() {
        local name=$1 want=$2 method=$3 out status=0 got
        shift 3
        out=$(dsend --dest="$BUS" "$OBJ" "$MGR.$method" "$@" 2>&1) || status=$?
        got=$(printf '%s\n' "$out" | sed -n 's/^Error \([^:]*\): .*/\1/p' | head -n 1)
        if [ "$status" -eq 0 ]; then
                not_ok "$name: $method succeeded, wanted one of $want" "$out"
        elif [ -n "$got" ] && printf '%s\n' "$got" | grep -Eqx -- "$want"; then
                ok "$name ($got)"
        else
                not_ok "$name: wanted one of $want, got: $(printf '%s' "$out" | head -c 300)"
        fi
}

# call_ok NAME METHOD [busctl SIGNATURE ARGS...]: a raw Manager call succeeds; its reply (busctl
# --json=short) is left in $REPLY_JSON.
call_ok() {
        local name=$1 method=$2 status=0
        shift 2
        REPLY_JSON=$(bctl --json=short call "$BUS" "$OBJ" "$MGR" "$method" "$@" 2>&1) || status=$?
        if [ "$status" -eq 0 ]; then ok "$name"; else not_ok "$name: busctl call $method failed" "$REPLY_JSON"; REPLY_JSON=; fi
        return 0
}

# check NAME CMD...: CMD succeeds.
check() {
        local name=$1 out status=0
        shift
        out=$("$@" 2>&1) || status=$?
        if [ "$status" -eq 0 ]; then ok "$name"; else not_ok "$name" "$out"; fi
}

# path_encode LABEL: sd_bus_path_encode()'s escaping: every byte outside [A-Za-z0-9], and a
# digit in first place, becomes _xx (lower-case hex); the empty string becomes "_".
path_encode() {
        local s=$1 out='' c i
        if [ -z "$s" ]; then printf '_'; return; fi
        for ((i = 0; i < ${#s}; i++)); do
                c=${s:i:1}
                case $c in
                [A-Za-z]) out+=$c ;;
                [0-9]) if [ "$i" -gt 0 ]; then out+=$c; else out+=$(printf '_%02x' "'$c"); fi ;;
                *) out+=$(printf '_%02x' "'$c") ;;
                esac
        done
        printf '%s' "$out"
}
job_path() { printf '%s/job/%s' "$OBJ" "$(path_encode "$1")"; }
device_path() { printf '%s/device/%s' "$OBJ" "$(path_encode "$1")"; }

# prop OBJECT INTERFACE NAME: the value of one property as busctl prints it ("t 42" -> "42").
prop() { bctl get-property "$BUS" "$1" "$2" "$3" 2> /dev/null | cut -d' ' -f2-; }

# propj OBJECT INTERFACE NAME: busctl --json=short get-property ({"type":"t","data":42}), or "".
propj() { bctl --json=short get-property "$BUS" "$1" "$2" "$3" 2> /dev/null || true; }

# check_jq NAME JSON FILTER: jq -e FILTER on JSON is true.
check_jq() {
        local name=$1 json=$2 filter=$3
        if [ -n "$json" ] && printf '%s' "$json" | jq -e "$filter" > /dev/null 2>&1; then ok "$name"
        else not_ok "$name: jq '$filter' is not true of:" "$(printf '%s' "$json" | head -c 600)"; fi
}

# check_prop NAME OBJECT INTERFACE PROP FILTER: the property's {"type","data"} satisfies FILTER.
check_prop() { check_jq "$1" "$(propj "$2" "$3" "$4")" "$5"; }

# wait_for SECONDS CMD...: poll CMD (0.1 s) until it succeeds. Return: its last status.
wait_for() {
        local deadline=$((SECONDS + $1))
        shift
        while ! "$@" > /dev/null 2>&1; do
                [ $SECONDS -lt $deadline ] || return 1
                sleep 0.1
        done
}

# job_listed ID: ListJobs has a row with this id.
job_listed() {
        bctl --json=short call "$BUS" "$OBJ" "$MGR" ListJobs 2> /dev/null |
                jq -e --arg id "$1" '.data[0] | map(select(.[0] == $id)) | length == 1' > /dev/null
}
job_gone() { ! job_listed "$1" && bctl call "$BUS" "$OBJ" "$MGR" ListJobs > /dev/null 2>&1; }
