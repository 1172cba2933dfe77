#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# vm-initramfs.sh OUT.cpio.gz [--bin PATH]... [--file SRC=DEST]... [--dbus]
#
# Builds the initramfs of cdmd's test VM as two gzip'd cpio archives, one
# after the other:
#  - a base (busybox-static with all its applet links, the directories and
#    guest/init as /init), cached under ${CDMD_VM_CACHE:-/var/cache/cdmd-vm};
#  - the payload: guest/lib.sh as /test/lib.sh, each --bin as
#    /usr/bin/<basename> with every shared library ldd names (at the same
#    path), each --file SRC copied to DEST, and with --dbus a system bus
#    (dbus-daemon, its libraries and configuration; /init starts it).
set -eu

die() { echo "vm-initramfs: $*" >&2; exit 1; }
usage() { die "usage: vm-initramfs.sh OUT.cpio.gz [--bin PATH]... [--file SRC=DEST]... [--dbus]"; }

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-}
[ -n "$out" ] && [ "${out#-}" = "$out" ] || usage
shift
bins=()
files=()
dbus=0
while [ $# -gt 0 ]; do
	case $1 in
	--bin) [ $# -ge 2 ] || usage; bins+=("$2"); shift 2 ;;
	--file) [ $# -ge 2 ] || usage; files+=("$2"); shift 2 ;;
	--dbus) dbus=1; shift ;;
	*) usage ;;
	esac
done

for tool in cpio gzip ldd sha256sum flock; do
	command -v "$tool" >/dev/null || die "missing command: $tool"
done
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "missing busybox (Debian package busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is not static: install busybox-static"

# newc cpio of the current directory, owned by root, gzip'd.
pack() { find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -9n; }

# The base: rebuilt when busybox, /init or this script change.
cache=${CDMD_VM_CACHE:-/var/cache/cdmd-vm}/initramfs
mkdir -p "$cache" || die "cannot create cache directory $cache"
key=$(cat "$busybox" "$here/guest/init" "$0" | sha256sum | cut -c1-16)
base="$cache/base-$key.cpio.gz"
work=$(mktemp -d "${TMPDIR:-/tmp}/cdmd-initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT

exec 9>"$cache/.lock"
flock 9
if [ ! -s "$base" ]; then
	mkdir "$work/base"
	(
		cd "$work/base"
		mkdir -p bin sbin usr/bin usr/sbin dev proc sys tmp run root mnt \
			etc var/log var/tmp test
		cp "$busybox" bin/busybox
		for applet in $(bin/busybox --list-full); do
			[ -e "$applet" ] || ln -s /bin/busybox "$applet"
		done
		cp "$here/guest/init" init
		chmod 755 init
		# Only root may mknod; /init reopens the console after devtmpfs.
		mknod -m 600 dev/console c 5 1 2>/dev/null || true
		mknod -m 666 dev/null c 1 3 2>/dev/null || true
		echo "cdmd-vm" >etc/hostname
		pack >"$work/base.cpio.gz"
	) || die "cannot build the base initramfs"
	mv "$work/base.cpio.gz" "$base"
	for old in "$cache"/base-*.cpio.gz; do
		[ "$old" = "$base" ] || rm -f "$old"
	done
fi
flock -u 9

# The payload.
root="$work/payload"
mkdir -p "$root/test" "$root/usr/bin"
cp "$here/guest/lib.sh" "$root/test/lib.sh"

# add_libs BINARY: copies every library BINARY needs, keeping its path.
add_libs() {
	local lib
	for lib in $(ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
		if [ ! -e "$root$lib" ]; then
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib" || die "cannot copy $lib (needed by $1)"
		fi
	done
	if ldd "$1" 2>&1 | grep -q 'not found'; then
		die "$1 needs libraries that are not found: $(ldd "$1" 2>&1 | grep 'not found' | tr -s ' \t\n' ' ')"
	fi
}

for bin in "${bins[@]}"; do
	[ -f "$bin" ] && [ -x "$bin" ] || die "--bin $bin: not an executable file"
	cp -L "$bin" "$root/usr/bin/" || die "cannot copy $bin"
	add_libs "$bin"
done

for spec in "${files[@]}"; do
	src=${spec%%=*}
	dest=${spec#*=}
	[ "$src" != "$spec" ] && [ "${dest#/}" != "$dest" ] || die "--file $spec: want SRC=/absolute/dest"
	[ -e "$src" ] || die "--file $spec: no such file $src"
	mkdir -p "$root$(dirname "$dest")"
	cp -RL "$src" "$root$dest" || die "cannot copy $src"
done

if [ $dbus -eq 1 ]; then
	daemon=$(command -v dbus-daemon || true)
	[ -n "$daemon" ] || die "--dbus: missing dbus-daemon (Debian package dbus-daemon)"
	cp -L "$daemon" "$root/usr/bin/dbus-daemon"
	add_libs "$daemon"
	mkdir -p "$root/etc/dbus-1/system.d" "$root/usr/share/dbus-1/system.d" \
		"$root/run/dbus" "$root/var/lib/dbus"
	cat >"$root/etc/passwd" <<-'PASSWD'
		root:x:0:0:root:/root:/bin/sh
		messagebus:x:100:101::/nonexistent:/bin/false
		nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	PASSWD
	cat >"$root/etc/group" <<-'GROUP'
		root:x:0:
		messagebus:x:101:
		nogroup:x:65534:
	GROUP
	echo 0123456789abcdef0123456789abcdef >"$root/etc/machine-id"
	cp "$here/guest/system.conf" "$root/usr/share/dbus-1/system.conf"
fi

(cd "$root" && pack) >"$work/payload.cpio.gz" || die "cannot pack the payload"
cat "$base" "$work/payload.cpio.gz" >"$out.tmp" && mv "$out.tmp" "$out" || die "cannot write $out"
