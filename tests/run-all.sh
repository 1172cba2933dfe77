#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install what is needed, build, and run every test tier:
#   1. default build (gcc): unit, fixture, fuzz corpus replay, bus, vm (Debian 6.1 and 6.12 in
#      QEMU), package (the .deb) and host (that .deb in a Debian guest with systemd as PID 1,
#      Slurm included)
#   2. dev build (gcc, -Werror, ASan + UBSan): unit, fixture, fuzz replay
#   3. clang build (-Werror, libFuzzer targets): unit, fixture, fuzz replay, plus a short
#      fuzzing run of each target
# CI runs exactly this script. A tier whose prerequisites are missing fails (CI=1 is set
# here for the VM tier), it never passes silently.
set -eu

cd "$(dirname "$0")/.."
export CI="${CI:-1}"
jobs=$(nproc)

./tests/install-deps.sh

echo "=== default build: every tier"
cmake --preset default >/dev/null
cmake --build --preset default -j "$jobs"
ctest --preset default -j "$jobs"

echo "=== dev build: -Werror, AddressSanitizer, UndefinedBehaviorSanitizer"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --preset dev -j "$jobs"

echo "=== clang build: -Werror, libFuzzer"
cmake --preset clang >/dev/null
cmake --build --preset clang -j "$jobs"
for target in nodemask sysfs config cgroup; do
        corpus=$(mktemp -d)
        cp tests/fuzz/corpus/$target/* "$corpus/"
        ./build-clang/tests/fuzz-$target -max_total_time=20 -max_len=4096 "$corpus" 2>&1 | tail -1
        rm -rf "$corpus"
done
ctest --preset clang -j "$jobs"
