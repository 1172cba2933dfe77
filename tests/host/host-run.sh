#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck disable=SC2054 # the commas belong to QEMU's options
#
# host-run.sh --deb FILE | --deb-from PATHFILE  --case SCRIPT [--case SCRIPT]...
#             [--files SRC=/DEST]... [--topology hotplug|offline|boot]
#             [--timeout SECONDS] [--name NAME] [--append 'kernel args']
#
# Boots the cached Debian 12 image (host-image.sh; built when missing) under QEMU
# with systemd as PID 1 and a CPU-less device node, runs each SCRIPT there in turn
# as root once multi-user.target is reached, and exits with 0 when all passed. The
# .deb (FILE, or the path written in PATHFILE), the SCRIPTs (in /host-case/cases/),
# guest/lib.sh (as /host-case/lib.sh), guest/driver.sh (as /host-case/driver) and each
# SRC (at DEST) reach the guest on a small second disk.
# Logs: ${CDMD_HOST_LOGDIR:-${TMPDIR:-/tmp}/cdmd-host-logs}/NAME-TOPOLOGY.{console,case}.log
set -eu

die() { echo "host-run: $*" >&2; exit 1; }
say() { echo "host-run: $*" >&2; }
# A missing prerequisite skips (exit 77, ctest's SKIP_RETURN_CODE), or fails under CI.
missing() {
	[ -z "${CI:-}" ] || die "$*"
	echo "host-run: skipped: $*" >&2
	exit 77
}
usage() {
	die "usage: host-run.sh --deb FILE|--deb-from PATHFILE --case SCRIPT [--files SRC=/DEST]... [--topology hotplug|offline|boot] [--timeout SECONDS] [--name NAME] [--append ARGS]"
}

here=$(cd "$(dirname "$0")" && pwd)
deb=
deb_from=
cases=()
files=()
topology=hotplug
timeout=900
name=
append=
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--deb) deb=$2 ;;
	--deb-from) deb_from=$2 ;;
	--case) cases+=("$2") ;;
	--files | --file) files+=("$2") ;;
	--topology) topology=$2 ;;
	--timeout) timeout=$2 ;;
	--name) name=$2 ;;
	--append) append=$2 ;;
	*) usage ;;
	esac
	shift 2
done
[ ${#cases[@]} -gt 0 ] || usage
for c in "${cases[@]}"; do
	[ -f "$c" ] || die "no case $c"
done
case $timeout in '' | *[!0-9]*) die "--timeout wants whole seconds" ;; esac
if [ -n "$deb_from" ]; then
	[ -f "$deb_from" ] || die "no $deb_from: the package test (package/deb) has not built the .deb"
	deb=$(head -n 1 "$deb_from")
fi
[ -n "$deb" ] || usage
[ -f "$deb" ] || die "no package $deb"
case $deb in *.deb) ;; *) die "$deb is not a .deb" ;; esac
[ -n "$name" ] || name=$(basename "${cases[0]}" .sh)
qemu=$(command -v qemu-system-x86_64 || true)
[ -n "$qemu" ] || missing "missing qemu-system-x86_64 (Debian package qemu-system-x86)"
command -v mke2fs >/dev/null || missing "missing mke2fs (Debian package e2fsprogs)"
[ "$(id -u)" -eq 0 ] || missing "run as root (the image cache is in /var/cache)"

st=0
image=$("$here/host-image.sh") || st=$?
[ "$st" -ne 77 ] || exit 77
[ "$st" -eq 0 ] || die "no guest image"
if [ -f "$image/vmlinux" ] && [ -z "${CDMD_HOST_BZIMAGE:-}" ]; then
	kernel=$image/vmlinux # PVH entry: skips the bzImage's own decompression
else
	kernel=$image/vmlinuz
fi

logdir=${CDMD_HOST_LOGDIR:-${TMPDIR:-/tmp}/cdmd-host-logs}
mkdir -p "$logdir" || die "cannot create $logdir"
console=$logdir/$name-$topology.console.log
caselog=$logdir/$name-$topology.case.log

work=$(mktemp -d "${TMPDIR:-/tmp}/cdmd-host.XXXXXX")
qpid=
tpid=
cleanup() {
	[ -z "$qpid" ] || kill -9 "$qpid" 2>/dev/null || true
	[ -z "$tpid" ] || kill "$tpid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The payload disk: an ext4 image made from a directory, nothing mounted.
payload=$work/payload
mkdir -p "$payload/deb" "$payload/files" "$payload/cases"
i=0
for c in "${cases[@]}"; do
	i=$((i + 1))
	cp "$c" "$payload/cases/$(printf %02d $i)-$(basename "$c")"
done
cp "$here/guest/lib.sh" "$payload/lib.sh"
cp "$here/guest/driver.sh" "$payload/driver"
cp "$deb" "$payload/deb/"
echo "$topology" >"$payload/topology"
echo "$name" >"$payload/name"
for f in ${files[@]+"${files[@]}"}; do
	src=${f%%=*}
	dest=${f#*=}
	[ "$src" != "$f" ] && [ "${dest#/}" != "$dest" ] || die "--files wants SRC=/DEST, got $f"
	[ -e "$src" ] || die "no file $src"
	mkdir -p "$payload/files$(dirname "$dest")"
	cp -a "$src" "$payload/files$dest"
done
kb=$(du -sk "$payload" | cut -f1)
mke2fs -q -t ext4 -L cdmd-case -d "$payload" "$work/payload.img" "$((kb + 16384))k" >&2 ||
	die "mke2fs -d of the payload failed"

. "$here/../vm/qemu-topology.sh"

# Node 0: both CPUs and 1.5 GiB; node 1: 1 GiB without CPUs.
topo=()
case $topology in
hotplug | offline)
	machine=$machine,hmat=on
	topo+=(-m 1536M,slots=2,maxmem=4G
		-object memory-backend-ram,id=sys0,size=1536M
		-numa node,nodeid=0,cpus=0-1,memdev=sys0,initiator=0)
	device 1 1G
	hmat_lb 0 100 200G
	hmat_lb 1 300 100G
	if [ "$topology" = hotplug ]; then
		cmdline=memhp_default_state=online_movable
	else
		cmdline=memhp_default_state=offline
	fi
	;;
boot)
	topo+=(-m 2560M
		-object memory-backend-ram,id=sys0,size=1536M
		-numa node,nodeid=0,cpus=0-1,memdev=sys0
		-object memory-backend-ram,id=dev1,size=1G
		-numa node,nodeid=1,memdev=dev1)
	cmdline=
	;;
*) die "unknown topology $topology (hotplug, offline, boot)" ;;
esac
cmdline="root=/dev/vda rw console=ttyS0 quiet numa_balancing=disable panic=-1 cdmd.host-case=1 $cmdline $append"

ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
# Boots that have not reached the case by then are stuck (seen: a kernel oops under TCG).
boot_timeout=${CDMD_HOST_BOOT_TIMEOUT:-300}
[ "$boot_timeout" -le "$timeout" ] || boot_timeout=$timeout

# boot_once: start QEMU, follow the case port until the guest ends; sets ready, timed_out.
boot_once() {
	: >"$console" || die "cannot write $console"
	: >"$caselog" || die "cannot write $caselog"
	rm -f "$work/shell.sock"
	say "$name/$topology: console log $console, case log $caselog"
	say "debug shell while it runs: socat -,raw,echo=0 UNIX-CONNECT:$work/shell.sock"
	"$qemu" -nodefaults -display none -no-reboot \
		-machine "$machine" ${cpu[@]+"${cpu[@]}"} -smp 2 "${topo[@]}" \
		-kernel "$kernel" -initrd "$image/initrd.img" -append "$cmdline" \
		-drive "file=$image/root.img,if=virtio,format=raw,snapshot=on" \
		-drive "file=$work/payload.img,if=virtio,format=raw,readonly=on" \
		-serial "file:$console" \
		-serial "unix:$work/shell.sock,server=on,wait=off" \
		-serial "file:$caselog" \
		</dev/null >"$work/qemu.out" 2>&1 &
	qpid=$!
	tail -n +1 -f --pid=$qpid "$caselog" &
	tpid=$!

	start=$(ms)
	ready=
	ended=
	timed_out=
	while kill -0 "$qpid" 2>/dev/null; do
		now=$(ms)
		if [ -z "$ready" ] && grep -aq '@@CDMD-HOST-READY@@' "$caselog"; then
			ready=$(secs $((now - start)))
			ready_ms=$now
		fi
		if [ -z "$ended" ] && grep -aq '@@CDMD-HOST-EXIT [0-9]*@@' "$caselog"; then
			ended=$now
		fi
		if [ -n "$ended" ] && [ $((now - ended)) -ge 15000 ]; then
			say "the guest reported its status but QEMU did not exit; killing it"
			break
		fi
		if [ -z "$ready" ] && [ $((now - start)) -ge $((boot_timeout * 1000)) ]; then
			say "no ready marker after ${boot_timeout} s; killing QEMU"
			break
		fi
		if [ $((now - start)) -ge $((timeout * 1000)) ]; then
			say "timeout after ${timeout} s; killing QEMU"
			timed_out=1
			break
		fi
		sleep 0.2
	done
	if kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null || true
		sleep 2
		kill -9 "$qpid" 2>/dev/null || true
	fi
	wait "$qpid" 2>/dev/null || true
	qpid=
	sleep 0.3
	kill "$tpid" 2>/dev/null || true
	wait "$tpid" 2>/dev/null || true
	tpid=
	if [ -s "$work/qemu.out" ]; then
		sed 's/^/qemu: /' "$work/qemu.out" >&2
	fi
}

# A boot that dies or hangs before the case starts is retried (twice); a failure
# after the ready marker is the case's own and is never retried.
t0=$(ms)
attempt=1
while :; do
	boot_once
	grep -aq '@@CDMD-HOST-READY@@' "$caselog" && break
	[ -z "$timed_out" ] || break
	# QEMU refusing its options is no boot failure: nothing reached the console.
	[ -s "$console" ] || break
	[ $attempt -lt 3 ] || break
	[ $(($(ms) - t0)) -lt $((timeout * 1000)) ] || break
	say "the guest failed before the case started (attempt $attempt), retrying the boot"
	cp "$console" "$console.boot-failure-$attempt" 2>/dev/null || true
	attempt=$((attempt + 1))
done

status=$(grep -ao '@@CDMD-HOST-EXIT [0-9]*@@' "$caselog" | tail -n 1 | tr -dc 0-9)
end=$(ms)
if [ -z "$status" ]; then
	if [ -n "$timed_out" ]; then
		why="the guest did not finish within ${timeout} s"
	elif [ -z "$ready" ]; then
		why="the guest never reached the case (boot failed or hung)"
	else
		why="QEMU exited without the case's exit status (kernel panic or crash)"
	fi
	say "FAILED: $why; last console lines:"
	tail -n 40 "$console" | tr -d '\r' >&2
	say "last case lines:"
	tail -n 20 "$caselog" | tr -d '\r' >&2
	exit 1
fi
multi_user=$(grep -ao 'multi-user.target reached after [0-9.]* s' "$caselog" | head -n 1 | grep -o '[0-9.]* s' || true)
say "$name/$topology: multi-user.target after ${multi_user:-?} of guest time, case started after ${ready} s of QEMU time, cases took $(secs $((end - ready_ms))) s, exit status $status; QEMU start to end $(secs $((end - start))) s, attempts $attempt; logs $console $caselog"
exit "$status"
