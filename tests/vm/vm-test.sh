#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# vm-test.sh --kernel SERIES --topology TOPO --case FILE [--bin PATH]...
#            [--file SRC=DEST]... [--dbus] [--timeout SECONDS] [--append ARGS]
#            [--name NAME]
#
# Runs one guest test case in cdmd's test VM: builds the initramfs (the case
# as /test/run, the topology and kernel names in /test/topology and
# /test/kernel), boots it and exits with the case's status. The console log
# is kept as ${CDMD_VM_LOGDIR:-$TMPDIR/cdmd-vm-logs}/<name>-<kernel>-<topo>.log,
# NAME being the case file's name without .sh unless --name says otherwise.
# A missing prerequisite (QEMU, busybox-static, the kernel) exits 77, which
# ctest counts as skipped, or 1 when CI is set.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "vm-test: $*" >&2; exit 1; }
missing() {
	echo "vm-test: cannot run the VM test: $*" >&2
	if [ -n "${CI:-}" ]; then
		echo "vm-test: CI is set, so this is a failure, not a skip" >&2
		exit 1
	fi
	exit 77
}
usage() {
	die "usage: vm-test.sh --kernel 6.1|6.12 --topology TOPO --case FILE [--bin PATH]... [--file SRC=DEST]... [--dbus] [--timeout SECONDS] [--append ARGS] [--name NAME]"
}

series=
topology=hotplug
case_file=
timeout=600
append=
name=
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--dbus) extra+=(--dbus); shift; continue ;;
	esac
	[ $# -ge 2 ] || usage
	case $1 in
	--kernel) series=$2 ;;
	--topology) topology=$2 ;;
	--case) case_file=$2 ;;
	--timeout) timeout=$2 ;;
	--append) append=$2 ;;
	--name) name=$2 ;;
	--bin | --file) extra+=("$1" "$2") ;;
	*) usage ;;
	esac
	shift 2
done
[ -n "$series" ] && [ -n "$case_file" ] || usage
[ -f "$case_file" ] || die "no case file $case_file"
case $series in 6.1 | 6.12) ;; *) [ -f "$series" ] || die "unknown kernel series $series (6.1, 6.12 or a vmlinux path)" ;; esac
case $topology in hotplug | offline | boot | boot-hmat | twodev) ;; *) die "unknown topology $topology" ;; esac

# Prerequisites.
command -v qemu-system-x86_64 >/dev/null ||
	missing "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)"
command -v busybox >/dev/null && ! ldd "$(command -v busybox)" >/dev/null 2>&1 ||
	missing "no static busybox (Debian package busybox-static)"
for tool in cpio gzip; do
	command -v $tool >/dev/null || missing "$tool is not installed"
done
case " ${extra[*]-} " in
*" --dbus "*) command -v dbus-daemon >/dev/null ||
	missing "dbus-daemon is not installed (Debian package dbus-daemon)" ;;
esac
kernel=$("$here/vm-kernel.sh" "$series") || missing "no Debian $series kernel (see the messages above)"

[ -n "$name" ] || name=$(basename "$case_file" .sh)
logdir=${CDMD_VM_LOGDIR:-${TMPDIR:-/tmp}/cdmd-vm-logs}
mkdir -p "$logdir" || die "cannot create $logdir"
log="$(cd "$logdir" && pwd)/$name-$series-$topology.log"

work=$(mktemp -d "${TMPDIR:-/tmp}/cdmd-vm-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "$topology" >"$work/topology"
echo "$series" >"$work/kernel"
"$here/vm-initramfs.sh" "$work/initramfs.cpio.gz" \
	--file "$case_file=/test/run" \
	--file "$work/topology=/test/topology" \
	--file "$work/kernel=/test/kernel" \
	${extra[@]+"${extra[@]}"} || die "cannot build the initramfs"

# One boot again, and only for this: an int3 oops of the guest kernel itself. Under TCG the
# kernel's live text patching (int3 breakpoints while a static key or alternative is
# rewritten) now and then traps on another vCPU, which panics the guest whatever the case
# does. Any other failure is the case's.
for boot in 1 2; do
	status=0
	"$here/vm-run.sh" --kernel "$kernel" --topology "$topology" \
		--initramfs "$work/initramfs.cpio.gz" --timeout "$timeout" \
		--log "$log" --append "$append" || status=$?
	[ $status -ne 0 ] && [ $boot = 1 ] && grep -q '^\[ *[0-9.]*\] Oops: int3' "$log" || break
	cp "$log" "$log.oops"
	echo "vm-test: the guest kernel oopsed on an int3 (text patching under emulation, $log.oops): booting again" >&2
done
exit $status
