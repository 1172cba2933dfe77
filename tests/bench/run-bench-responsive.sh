#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot the hot-plug VM (Linux 6.12) and run tests/bench/vm-responsive.sh: ListDevices latency
# idle, during a 512 MiB revoke and during a 512 MiB drain, in one boot.
# Usage: tests/bench/run-bench-responsive.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
exec tests/vm/vm-test.sh --kernel 6.12 --topology hotplug --name bench-responsive --case tests/bench/vm-responsive.sh \
        --dbus --bin "$build/daemon/cdmd" --bin "$build/daemon/cdmctl" --bin "$build/tests/vm/guest-src/cdm-probe" \
        --bin "$build/tests/bench/bench-bus" \
        --file "conf/org.cdmd.cdmd1.conf=/etc/dbus-1/system.d/org.cdmd.cdmd1.conf" --timeout 900
