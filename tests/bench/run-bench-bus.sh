#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Starts a private system bus and cdmd on a copy of the gh200 fixture (as the bus tests do,
# with tests/bus/lib.sh), then runs bench-bus against it and prints the figures with the
# machine and kernel they were measured on. Needs root.
#   tests/bench/run-bench-bus.sh [BUILD-DIR]     (default: build)
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
export CDMD=${CDMD:-$BUILD/daemon/cdmd}
export CDMCTL=${CDMCTL:-$BUILD/daemon/cdmctl}
export CDM_FIXTURES=$SRC/tests/fixtures
export CDM_BUS_DIR=$SRC/tests/bus
BENCH=${BENCH_BUS:-$BUILD/tests/bench/bench-bus}
[ -x "$BENCH" ] || { echo "run-bench-bus: $BENCH is not built" >&2; exit 1; }
. "$SRC/tests/bus/lib.sh"

bus_start
fixture_copy gh200
write_conf "[api]" "max_jobs = 65536"
daemon_start || { echo "run-bench-bus: cdmd did not take $BUS" >&2; tail -n 20 "$TMP/cdmd.log" >&2; exit 1; }
echo "machine: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "kernel: $(uname -r); dbus-daemon $(dbus-daemon --version | head -n 1 | awk '{print $NF}'); cdmd $("$CDMD" --version | awk '{print $2}')"
"$BENCH" "$DAEMON_PID" /system.slice/slurmstepd.scope/job_42
