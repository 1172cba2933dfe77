#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot the hot-plug VM and run bench-migrate in it: cdmd's engine against numactl's
# migratepages and a raw move_pages loop, 256 MiB, 4 KiB pages and THP, in the same boot.
# Usage: tests/bench/run-bench-migrate.sh [BUILD_DIR] [6.1|6.12]
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
case=$(mktemp)
trap 'rm -f "$case"' EXIT
printf '#!/bin/sh\necho always >/sys/kernel/mm/transparent_hugepage/enabled\nexec bench-migrate\n' >"$case"
exec tests/vm/vm-test.sh --kernel "${2:-6.12}" --topology hotplug --name bench-migrate --case "$case" \
        --bin "$build/tests/bench/bench-migrate" --bin "$(command -v migratepages)" --timeout 900
