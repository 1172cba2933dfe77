#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot the host tier's systemd guest and measure how long a fence stays open after someone
# else widens it (tests/bench/host-refence.sh), against the time of one poll.
# Usage: tests/bench/run-bench-refence.sh [BUILD_DIR]   (the .deb: BUILD_DIR/cdmd-deb.path)
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
exec tests/host/host-run.sh --deb-from "$build/cdmd-deb.path" --case tests/bench/host-refence.sh \
        --files "$build/tests/vm/guest-src/cdm-probe=/usr/local/bin/cdm-probe" --name bench-refence --timeout 900
