#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot the hot-plug VM (Linux 6.12: DAMON with migrate_hot/migrate_cold) and run
# tests/bench/vm-tiered.sh: convergence, bytes moved, kdamond CPU time and the hot region's
# access time under tiered against all-system and all-device, in one boot.
# Usage: tests/bench/run-bench-tiered.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
exec tests/vm/vm-test.sh --kernel 6.12 --topology hotplug --name bench-tiered --case tests/bench/vm-tiered.sh \
        --dbus --bin "$build/daemon/cdmd" --bin "$build/daemon/cdmctl" --bin "$build/tests/vm/guest-src/cdm-probe" \
        --file "conf/org.cdmd.cdmd1.conf=/etc/dbus-1/system.d/org.cdmd.cdmd1.conf" --timeout 900
