#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot the hot-plug VM (2 vCPUs) and run bench-executor in it: 8 processes x 64 MiB moved
# system -> device and back by cdmd's executor with 1 and 2 workers, against numactl's
# migratepages run per process one after another and for all processes at once.
# Usage: tests/bench/run-bench-executor.sh [BUILD_DIR] [6.1|6.12]
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
case=$(mktemp)
trap 'rm -f "$case"' EXIT
printf '#!/bin/sh\nexec bench-executor\n' >"$case"
exec tests/vm/vm-test.sh --kernel "${2:-6.12}" --topology hotplug --name bench-executor --case "$case" \
        --bin "$build/tests/bench/bench-executor" --bin "$(command -v migratepages)" --timeout 900
