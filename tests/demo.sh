#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install what is needed, build cdmd, boot a VM (Debian's kernel under QEMU) whose node 1 is
# hot-added device memory left offline, and show cdmd at work on it.
# Usage: tests/demo.sh [6.1|6.12]
set -eu

cd "$(dirname "$0")/.."
./tests/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" >/dev/null
exec ./tests/vm/vm-test.sh --kernel "${1:-6.12}" --topology offline --name demo \
        --case tests/vm/cases/demo.sh --bin build/daemon/cdmd \
        --bin build/tests/vm/guest-src/cdm-probe --bin build/daemon/cdmctl --dbus \
        --file conf/org.cdmd.cdmd1.conf=/etc/dbus-1/system.d/org.cdmd.cdmd1.conf --timeout 600
