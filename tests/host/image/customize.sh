#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# customize.sh ROOTFS: mmdebstrap's customize hook for the host-tier image
# (host-image.sh). Makes the tree boot quickly and unattended under QEMU and
# run /host-case/run once at the end of the boot.
set -eu
root=$1
here=$(cd "$(dirname "$0")" && pwd)

# A fixed identity: every boot of the image is the same machine.
echo 5c0c4f1e2b9a4d7e8f60a1b2c3d4e5f6 >"$root/etc/machine-id"
mkdir -p "$root/var/lib/dbus"
ln -sf /etc/machine-id "$root/var/lib/dbus/machine-id"
echo host-guest >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\thost-guest\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
printf '/dev/vda\t/\text4\trw,noatime\t0\t0\n' >"$root/etc/fstab"
chroot "$root" passwd -d root >/dev/null

# No prompts, no login on the console, no periodic jobs while a case runs.
chroot "$root" systemctl mask getty@.service serial-getty@ttyS0.service systemd-firstboot.service \
	apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
	systemd-timesyncd.service >/dev/null 2>&1 || true
# Slurm and munge are installed for the Slurm cases, which start them; slurmd has
# Delegate=yes and would turn the cpuset controller on at boot for every case.
chroot "$root" systemctl disable slurmd.service slurmctld.service munge.service >/dev/null 2>&1 || true

# A root shell on the second serial port for debugging a case that hangs
# (host-run.sh connects it to a unix socket).
mkdir -p "$root/etc/systemd/system/serial-getty@ttyS1.service.d"
cat >"$root/etc/systemd/system/serial-getty@ttyS1.service.d/autologin.conf" <<'UNIT'
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200 %I linux
UNIT
chroot "$root" systemctl enable serial-getty@ttyS1.service >/dev/null 2>&1

# The case runner: once, after multi-user.target.
install -m 0755 "$here/cdmd-host-case" "$root/usr/local/sbin/cdmd-host-case"
install -m 0644 "$here/cdmd-host-case.service" "$root/etc/systemd/system/cdmd-host-case.service"
chroot "$root" systemctl enable cdmd-host-case.service >/dev/null

# The journal stays in memory (nothing in the image changes from one boot to the next).
mkdir -p "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' >"$root/etc/systemd/journald.conf.d/volatile.conf"
