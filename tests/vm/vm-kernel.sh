#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# vm-kernel.sh SERIES
#
# Prints the absolute path of an uncompressed ELF vmlinux taken from the newest
# Debian kernel package of SERIES (6.1 or 6.12) that apt offers right now.
# The package is fetched with "apt-get download" (never installed) and only
# the vmlinux is kept, under ${CDMD_VM_CACHE:-/var/cache/cdmd-vm}/kernel/.
set -eu

die() { echo "vm-kernel: $*" >&2; exit 1; }
say() { echo "vm-kernel: $*" >&2; }

series=${1:-}
case $series in
6.1) pattern='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' ;;
*) die "usage: vm-kernel.sh 6.1|6.12" ;;
esac

for tool in apt-cache apt-get dpkg-deb od flock; do
	command -v "$tool" >/dev/null || die "missing command: $tool"
done

cache=${CDMD_VM_CACHE:-/var/cache/cdmd-vm}/kernel
mkdir -p "$cache" || die "cannot create cache directory $cache"
cache=$(cd "$cache" && pwd)

# One caller at a time per series: ctest may start two VMs at once.
exec 9>"$cache/.lock-$series"
flock 9

# Prints "PACKAGE VERSION" of the newest package of the series that has a
# candidate version, or nothing.
newest() {
	local pkg ver
	for pkg in $(apt-cache pkgnames linux-image-6 2>/dev/null | grep -E "$pattern" | sort -Vr); do
		ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
		if [ -n "$ver" ] && [ "$ver" != "(none)" ]; then
			echo "$pkg $ver"
			return
		fi
	done
}

is_elf() { [ "$(od -An -tx1 -N4 "$1" | tr -d ' \n')" = 7f454c46 ]; }

# Newest vmlinux already in the cache for this series, if any.
cached_any() {
	local dir
	for dir in $(cd "$cache" && ls -d "${series}"_* 2>/dev/null | sort -Vr); do
		if [ -f "$cache/$dir/vmlinux" ]; then
			echo "$cache/$dir/vmlinux"
			return
		fi
	done
}

found=$(newest)
if [ -z "$found" ]; then
	say "apt offers no package matching $pattern; running apt-get update once"
	apt-get update >&2 || say "apt-get update failed"
	found=$(newest)
fi
if [ -z "$found" ]; then
	old=$(cached_any)
	[ -n "$old" ] || die "apt offers no $series kernel package (${pattern}) and none is cached in $cache"
	say "apt offers no $series kernel package; using cached $old"
	echo "$old"
	exit 0
fi

pkg=${found% *}
ver=${found#* }
dir="$cache/${series}_${pkg}_${ver}"
if [ -f "$dir/vmlinux" ] && is_elf "$dir/vmlinux"; then
	echo "$dir/vmlinux"
	exit 0
fi

work=$(mktemp -d "$cache/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
say "downloading $pkg $ver"
if ! (cd "$work" && apt-get -o APT::Sandbox::User=root download "$pkg=$ver" >&2); then
	say "apt-get download failed; running apt-get update once and retrying"
	apt-get update >&2 || say "apt-get update failed"
	(cd "$work" && apt-get -o APT::Sandbox::User=root download "$pkg=$ver" >&2) || die "cannot download $pkg $ver"
fi
deb=$(ls "$work"/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "apt-get download of $pkg left no .deb"
dpkg-deb -x "$deb" "$work/root" || die "dpkg-deb cannot unpack $deb"
bz=$(ls "$work"/root/boot/vmlinuz-* 2>/dev/null | head -n 1)
[ -n "$bz" ] || die "no /boot/vmlinuz-* in $deb"

# The bzImage setup header says where the compressed kernel is.
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' \n'; }
u32() { od -An -tu4 --endian=little -j "$2" -N4 "$1" | tr -d ' \n'; }
[ "$(od -An -c -j 0x202 -N4 "$bz" | tr -d ' \n')" = HdrS ] || die "$bz is not a bzImage (no HdrS)"
setup_sects=$(u8 "$bz" 0x1f1)
[ "$setup_sects" -ne 0 ] || setup_sects=4
offset=$(( (setup_sects + 1) * 512 + $(u32 "$bz" 0x248) ))
length=$(u32 "$bz" 0x24c)
magic=$(od -An -tx1 -j "$offset" -N4 "$bz" | tr -d ' \n')
case $magic in
fd377a58) decompress='xz -dc --single-stream' ;;
28b52ffd) decompress='zstd -dcq' ;;
1f8b*) decompress='gzip -dc' ;;
*) die "unknown kernel payload compression (magic $magic) in $bz" ;;
esac
command -v "${decompress%% *}" >/dev/null || die "missing command: ${decompress%% *}"
# The payload ends with the 4-byte uncompressed size, which decompressors
# may call trailing garbage: judge by the result, not their exit status.
tail -c +"$((offset + 1))" "$bz" | head -c "$length" | $decompress >"$work/vmlinux" 2>"$work/err" || true
is_elf "$work/vmlinux" || die "payload of $bz did not decompress to an ELF: $(cat "$work/err")"

rm -rf "$cache/${series}_"*
mkdir -p "$dir"
mv "$work/vmlinux" "$dir/vmlinux"
say "cached $dir/vmlinux"
echo "$dir/vmlinux"
