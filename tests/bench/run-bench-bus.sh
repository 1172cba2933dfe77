#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Starts a private system bus and cdmd on a copy of the gh200 fixture (as the bus tests do,
# with tests/bus/lib.sh), then runs bench-bus against it and prints the figures with the
# machine and kernel they were measured on. Then ListDevices idle and under 20 unprivileged
# clients that keep read calls in flight (tests/bus/cdmd-bus-readers), and 10,000 grants: the
# latency of the first and last 100, and cdmd's memory with 10,000 jobs. Needs root.
#   tests/bench/run-bench-bus.sh [BUILD-DIR]     (default: build)
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
export CDMD=${CDMD:-$BUILD/daemon/cdmd}
export CDMCTL=${CDMCTL:-$BUILD/daemon/cdmctl}
export CDM_FIXTURES=$SRC/tests/fixtures
export CDM_BUS_DIR=$SRC/tests/bus
BENCH=${BENCH_BUS:-$BUILD/tests/bench/bench-bus}
READERS=${CDMD_BUS_READERS:-$BUILD/tests/bus/cdmd-bus-readers}
[ -x "$BENCH" ] || { echo "run-bench-bus: $BENCH is not built" >&2; exit 1; }
[ -x "$READERS" ] || { echo "run-bench-bus: $READERS is not built" >&2; exit 1; }
N_JOBS=10000
. "$SRC/tests/bus/lib.sh"

bus_start
fixture_copy gh200
write_conf "[api]" "max_jobs = 65536"
mkdir "$CGROOT/flood.slice"
(cd "$CGROOT/flood.slice" && mkdir $(seq -f 'c%05g' 0 $((N_JOBS - 1))))
# The state on a tmpfs when there is one: the figures are cdmd's, not the disk's fsync.
if [ "$(stat -f -c %T /dev/shm 2> /dev/null)" = tmpfs ]; then
        STATE_SHM=$(mktemp -d /dev/shm/cdmd-bench-state.XXXXXX)
        trap 'rm -rf "$STATE_SHM"; cleanup' EXIT
        sed -i "s|^state_dir = .*|state_dir = $STATE_SHM|" "$TMP/cdmd.conf"
        echo "state_dir on a tmpfs ($STATE_SHM)"
fi
daemon_start || { echo "run-bench-bus: cdmd did not take $BUS" >&2; tail -n 20 "$TMP/cdmd.log" >&2; exit 1; }
echo "machine: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "kernel: $(uname -r); dbus-daemon $(dbus-daemon --version | head -n 1 | awk '{print $NF}'); cdmd $("$CDMD" --version | awk '{print $2}')"
"$BENCH" "$DAEMON_PID" /system.slice/slurmstepd.scope/job_42

echo
"$BENCH" list-devices "idle:" 2000
pids=()
# For 12 s (as_nobody runs in a subshell, which a signal would not stop): the 100 calls under
# load take a few seconds; then they are waited for, so that the grants run on an idle bus.
for ((i = 0; i < 20; i++)); do
        as_nobody "$READERS" 12 16 > "$TMP/readers.$i" 2>&1 &
        pids+=($!)
done
sleep 1
"$BENCH" list-devices "under 20 readers:" 100
for p in "${pids[@]}"; do wait "$p" || true; done
echo
"$BENCH" grants "$DAEMON_PID" /flood.slice/c "$N_JOBS"
