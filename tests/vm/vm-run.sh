#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck disable=SC2054 # the commas belong to QEMU's options
#
# vm-run.sh --kernel SERIES --topology TOPO --initramfs FILE
#           [--timeout SECONDS] [--log FILE] [--append 'kernel args']
#
# Boots Debian's SERIES kernel (see vm-kernel.sh; or a vmlinux given by path
# instead of SERIES) in QEMU with the NUMA
# topology TOPO (hotplug, offline, boot, boot-hmat, twodev; see README.md) and the initramfs FILE,
# copies the console to stdout and to the log, and exits with the status
# that the guest's /init reported in its "@@CDMD-VM-EXIT n@@" line.
set -eu

die() { echo "vm-run: $*" >&2; exit 1; }
usage() {
	die "usage: vm-run.sh --kernel 6.1|6.12 --topology hotplug|offline|boot|boot-hmat|twodev --initramfs FILE [--timeout SECONDS] [--log FILE] [--append ARGS]"
}

here=$(cd "$(dirname "$0")" && pwd)
series=
topology=hotplug
initramfs=
timeout=600
log=
append=
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--kernel) series=$2 ;;
	--topology) topology=$2 ;;
	--initramfs) initramfs=$2 ;;
	--timeout) timeout=$2 ;;
	--log) log=$2 ;;
	--append) append=$2 ;;
	*) usage ;;
	esac
	shift 2
done
[ -n "$series" ] && [ -n "$initramfs" ] || usage
[ -f "$initramfs" ] || die "no initramfs $initramfs"
case $timeout in '' | *[!0-9]*) die "--timeout wants whole seconds" ;; esac
qemu=$(command -v qemu-system-x86_64 || true)
[ -n "$qemu" ] || die "missing qemu-system-x86_64 (Debian package qemu-system-x86)"

if [ -f "$series" ]; then
	kernel=$series # a vmlinux given by path
	series=$(basename "$(dirname "$kernel")")
else
	kernel=$("$here/vm-kernel.sh" "$series") || die "no $series kernel"
fi

. "$here/qemu-topology.sh"
topo=()
case $topology in
hotplug | offline)
	machine=$machine,hmat=on
	topo+=(-m 1G,slots=2,maxmem=4G
		-object memory-backend-ram,id=sys0,size=1G
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
twodev)
	# QEMU 7.2 gives the kernel (in SRAT) only the last node of the
	# hot-plug range; a memory-less node 1 would be unknown and its
	# pc-dimm would land on node 0. A small NVDIMM on node 1, placed
	# after the pc-dimms, gives node 1 its SRAT entry; without the
	# libnvdimm modules the guest does nothing else with it.
	machine=$machine,hmat=on,nvdimm=on
	topo+=(-m 1G,slots=3,maxmem=4G
		-object memory-backend-ram,id=sys0,size=1G
		-numa node,nodeid=0,cpus=0-1,memdev=sys0,initiator=0)
	device 1 512M
	device 2 512M
	topo+=(-object memory-backend-ram,id=srat1,size=128M
		-device nvdimm,id=nvdimm1,memdev=srat1,node=1)
	hmat_lb 0 100 200G
	hmat_lb 1 300 100G
	hmat_lb 2 400 50G
	cmdline=memhp_default_state=online_movable
	;;
boot)
	topo+=(-m 2G
		-object memory-backend-ram,id=sys0,size=1G
		-numa node,nodeid=0,cpus=0-1,memdev=sys0
		-object memory-backend-ram,id=dev1,size=1G
		-numa node,nodeid=1,memdev=dev1)
	cmdline=
	;;
boot-hmat)
	machine=$machine,hmat=on
	topo+=(-m 2G
		-object memory-backend-ram,id=sys0,size=1G
		-numa node,nodeid=0,cpus=0-1,memdev=sys0,initiator=0
		-object memory-backend-ram,id=dev1,size=1G
		-numa node,nodeid=1,memdev=dev1,initiator=0)
	hmat_lb 0 100 200G
	hmat_lb 1 300 100G
	cmdline=
	;;
*) die "unknown topology $topology (hotplug, offline, boot, boot-hmat, twodev)" ;;
esac
cmdline="console=ttyS0 quiet panic=-1 numa_balancing=disable $cmdline $append"

if [ -z "$log" ]; then
	log=$(mktemp -d "${TMPDIR:-/tmp}/cdmd-vm.XXXXXX")/console.log
fi
ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }

# boot_once: start QEMU, follow the console until the guest ends; sets ready, timed_out.
boot_once() {
	: >"$log" || die "cannot write $log"
	echo "vm-run: $series/$topology, console log $log" >&2

	"$qemu" -nodefaults -serial stdio -display none -no-reboot \
		-machine "$machine" "${cpu[@]}" -smp 2 "${topo[@]}" \
		-kernel "$kernel" -initrd "$initramfs" -append "$cmdline" \
		</dev/null >"$log" 2>&1 &
	qpid=$!
	tail -n +1 -f --pid=$qpid "$log" &
	tpid=$!
	trap 'kill $qpid $tpid 2>/dev/null || true' EXIT
	trap 'exit 130' INT TERM

	start=$(ms)
	ready=
	ended=
	timed_out=
	while kill -0 $qpid 2>/dev/null; do
		now=$(ms)
		if [ -z "$ready" ] && grep -aq '@@CDMD-VM-READY@@' "$log"; then
			ready=$(secs $((now - start)))
		fi
		if [ -z "$ended" ] && grep -aq '@@CDMD-VM-EXIT [0-9]*@@' "$log"; then
			ended=$now
		fi
		if [ -n "$ended" ] && [ $((now - ended)) -ge 30000 ]; then
			echo "vm-run: guest reported its status but QEMU did not exit; killing it" >&2
			break
		fi
		if [ $((now - start)) -ge $((timeout * 1000)) ]; then
			echo "vm-run: timeout after ${timeout} s; killing QEMU" >&2
			timed_out=1
			break
		fi
		sleep 0.2
	done
	if kill -0 $qpid 2>/dev/null; then
		kill $qpid 2>/dev/null || true
		sleep 2
		kill -9 $qpid 2>/dev/null || true
	fi
	wait $qpid 2>/dev/null || true
	sleep 0.3
	kill $tpid 2>/dev/null || true
	wait $tpid 2>/dev/null || true
	trap - EXIT
}

# Under emulation a kernel occasionally crashes while booting (seen: an oops in early
# scheduler code while it patches its own text on one vCPU as the other runs it), before
# any test code runs. Such a boot is retried; a failure after the ready marker is the
# test's own and is never retried.
attempt=1
while :; do
	boot_once
	grep -aq '@@CDMD-VM-READY@@' "$log" && break
	[ -z "$timed_out" ] || break
	[ $attempt -lt 3 ] || break
	echo "vm-run: the kernel failed before /init (attempt $attempt), retrying the boot" >&2
	cp "$log" "$log.boot-failure-$attempt" 2>/dev/null || true
	attempt=$((attempt + 1))
done

if [ -z "$ready" ] && grep -aq '@@CDMD-VM-READY@@' "$log"; then
	ready=$(secs $(($(ms) - start)))
fi
status=$(grep -ao '@@CDMD-VM-EXIT [0-9]*@@' "$log" | tail -n 1 | tr -dc 0-9)
total=$(secs $(($(ms) - start)))
if [ -z "$status" ]; then
	if [ -n "$timed_out" ]; then
		why="the guest did not finish within ${timeout} s"
	elif [ -z "$ready" ]; then
		why="the guest never reached /init (QEMU or kernel failed to start)"
	else
		why="QEMU exited without the guest's exit status (kernel panic or crash)"
	fi
	echo "vm-run: FAILED: $why; last console lines:" >&2
	tail -n 40 "$log" | tr -d '\r' >&2
	echo "vm-run: console log $log" >&2
	exit 1
fi
echo "vm-run: $series/$topology: guest ready after ${ready:-?} s, exit status $status after ${total} s; console log $log" >&2
exit "$status"
