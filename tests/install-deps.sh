#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install every Debian 12 package cdmd needs to build, test and run its VM demo. Idempotent.
set -eu

PACKAGES="
build-essential cmake pkg-config git
libnuma-dev libcgroup-dev libsystemd-dev libev-dev libinih-dev libcmocka-dev
clang llvm libclang-rt-14-dev
qemu-system-x86 busybox-static cpio gzip xz-utils zstd util-linux
dbus-daemon dbus-bin numactl
systemd jq passwd
mmdebstrap e2fsprogs
dpkg-dev lintian file groff-base man-db
libslurm-dev
"

if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: run as root (it calls apt-get)" >&2
        exit 1
fi
missing=""
for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
        echo "install-deps: all packages present"
        exit 0
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086 # word splitting is wanted
apt-get install -y -q --no-install-recommends $missing
