#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# host-image.sh
#
# Builds, once, a Debian 12 guest image whose PID 1 is systemd, and prints the
# directory that holds it:
#   root.img        ext4 root filesystem (raw, boot it with snapshot=on)
#   vmlinuz         the guest's own kernel (bzImage), from its /boot
#   vmlinux         the same kernel as an uncompressed ELF (QEMU's PVH entry), when it unpacks
#   initrd.img      the guest's initramfs-tools initrd, from its /boot
#   kernel-version  uname -r of that kernel
#   packages.txt    every installed package and version
#   build.log       mmdebstrap's output
# under ${CDMD_HOST_CACHE:-/var/cache/cdmd-host}/image-<key>, where <key> is a hash of
# this script and of image/* (the package list and the customize hook): an edit of
# either makes a new image; an existing one is reused. Older images are removed.
# Builds are serialised with flock. Runs as root (mmdebstrap --mode=root).
set -eu

die() { echo "host-image: $*" >&2; exit 1; }
say() { echo "host-image: $*" >&2; }
# A missing prerequisite skips (exit 77, ctest's SKIP_RETURN_CODE), or fails under CI.
missing() {
	[ -z "${CI:-}" ] || die "$*"
	echo "host-image: skipped: $*" >&2
	exit 77
}

here=$(cd "$(dirname "$0")" && pwd)

# The guest's packages. cdmd's runtime dependencies are here so that
# "apt-get install ./cdmd_*.deb" works offline in the guest; slurm-wlm and
# munge are for the Slurm cases (their units are disabled in the image).
PACKAGES="
systemd systemd-sysv libpam-systemd dbus udev kmod procps iproute2 numactl util-linux
zstd initramfs-tools e2fsprogs
libnuma1 libcgroup2 libsystemd0 libev4 libinih1 libcap2
jq
slurm-wlm munge
"
# The kernel: the newest Debian 12 6.12 image that apt offers at build time.
KERNEL_PATTERN='^linux-image-6\.12\.[0-9]+\+deb12-amd64$'
IMAGE_SIZE=4G

[ "$(id -u)" -eq 0 ] || missing "run as root (mmdebstrap --mode=root)"
for tool in mmdebstrap mke2fs apt-cache apt-get flock sha256sum od zstd; do
	command -v "$tool" >/dev/null || missing "missing command: $tool (tests/install-deps.sh installs it)"
done

cache=${CDMD_HOST_CACHE:-/var/cache/cdmd-host}
mkdir -p "$cache" || die "cannot create cache directory $cache"
cache=$(cd "$cache" && pwd)
key=$(cat "$0" "$here"/image/* | sha256sum | cut -c1-16)
dir=$cache/image-$key

if [ -f "$dir/ready" ]; then
	echo "$dir"
	exit 0
fi
exec 9>"$cache/.lock"
flock 9
if [ -f "$dir/ready" ]; then # built by whoever held the lock
	echo "$dir"
	exit 0
fi

# Prints the newest package matching KERNEL_PATTERN that has a candidate version.
newest_kernel() {
	local pkg ver
	for pkg in $(apt-cache pkgnames linux-image-6 2>/dev/null | grep -E "$KERNEL_PATTERN" | sort -Vr); do
		ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
		if [ -n "$ver" ] && [ "$ver" != "(none)" ]; then
			echo "$pkg"
			return
		fi
	done
}
kernel=$(newest_kernel)
if [ -z "$kernel" ]; then
	say "apt offers no package matching $KERNEL_PATTERN; running apt-get update once"
	apt-get update >&2 || say "apt-get update failed"
	kernel=$(newest_kernel)
fi
[ -n "$kernel" ] || die "apt offers no kernel package matching $KERNEL_PATTERN"

# The host's own Debian sources, deb822 paragraphs (or one-line entries), for mirror "-".
sources() {
	local f found=
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; ORS = "\n\n" } /URIs:[^\n]*debian/' "$f"
		found=1
	done
	if [ -z "$found" ]; then
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] && grep -E '^deb .*debian' "$f"
		done
	fi
	return 0
}
[ -n "$(sources)" ] || die "no Debian apt sources on this machine"

work=$(mktemp -d "$cache/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
say "building $dir with $kernel (log $work/build.log, takes a few minutes)"
include=$(echo $PACKAGES "$kernel" | tr ' ' ,)
if ! sources | mmdebstrap --mode=root --variant=minbase \
	--aptopt='APT::Install-Recommends "false"' \
	--include="$include" \
	--customize-hook="\"$here/image/customize.sh\" \"\$1\"" \
	bookworm "$work/root" - >"$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log" >&2
	die "mmdebstrap failed"
fi
debootstrap_s=$(($(date +%s) - start))

root=$work/root
vmlinuz=$(ls "$root"/boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$vmlinuz" ] || die "no /boot/vmlinuz-* in the rootfs"
release=${vmlinuz##*/vmlinuz-}
[ -f "$root/boot/initrd.img-$release" ] || die "no /boot/initrd.img-$release in the rootfs"
mkdir -p "$work/out"
cp "$vmlinuz" "$work/out/vmlinuz"
cp "$root/boot/initrd.img-$release" "$work/out/initrd.img"
echo "$release" >"$work/out/kernel-version"
chroot "$root" dpkg-query -W >"$work/out/packages.txt"

# The ELF inside the bzImage (setup header: payload offset and length at 0x248),
# which QEMU boots through the PVH entry, faster than the bzImage's own decompressor.
is_elf() { [ "$(od -An -tx1 -N4 "$1" | tr -d ' \n')" = 7f454c46 ]; }
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' \n'; }
u32() { od -An -tu4 --endian=little -j "$2" -N4 "$1" | tr -d ' \n'; }
bz=$work/out/vmlinuz
setup_sects=$(u8 "$bz" 0x1f1)
[ "$setup_sects" -ne 0 ] || setup_sects=4
offset=$(((setup_sects + 1) * 512 + $(u32 "$bz" 0x248)))
length=$(u32 "$bz" 0x24c)
if [ "$(od -An -tx1 -j "$offset" -N4 "$bz" | tr -d ' \n')" = 28b52ffd ]; then
	tail -c +"$((offset + 1))" "$bz" | head -c "$length" | zstd -dcq >"$work/out/vmlinux" 2>/dev/null || true
fi
if [ -f "$work/out/vmlinux" ] && ! is_elf "$work/out/vmlinux"; then
	say "the kernel payload is not a zstd ELF; only the bzImage will be used"
	rm -f "$work/out/vmlinux"
fi

# The tree becomes a disk image without mounting anything.
mke2fs -q -t ext4 -L cdmd-root -d "$root" "$work/out/root.img" "$IMAGE_SIZE" >&2 ||
	die "mke2fs -d failed"
rootfs_mb=$(du -sm "$root" | cut -f1)
rm -rf "$root"
cp "$work/build.log" "$work/out/build.log"
total_s=$(($(date +%s) - start))
{
	echo "kernel=$kernel"
	echo "release=$release"
	echo "rootfs_mb=$rootfs_mb"
	echo "mmdebstrap_s=$debootstrap_s"
	echo "total_s=$total_s"
} >"$work/out/build-info"
touch "$work/out/ready"

for old in "$cache"/image-*; do
	[ -d "$old" ] && [ "$old" != "$dir" ] && rm -rf "$old"
done
rm -rf "$dir"
mv "$work/out" "$dir"
say "built $dir in ${total_s} s (mmdebstrap ${debootstrap_s} s, rootfs ${rootfs_mb} MB, kernel $release)"
echo "$dir"
