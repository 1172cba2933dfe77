# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# shellcheck disable=SC2054 # the commas belong to QEMU's options
#
# Sourced by vm-run.sh and tests/host/host-run.sh: the accelerator and the pieces of a NUMA
# topology both tiers boot. Sets machine and cpu; hmat_lb and device append to the array topo.

# TCG unless the CPU really has hardware virtualisation.
if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
	machine=q35,accel=kvm
	cpu=(-cpu host)
else
	machine=q35,accel=tcg
	cpu=()
fi

# hmat_lb TARGET LATENCY_NS BANDWIDTH: what CPUs of node 0 see of TARGET.
hmat_lb() {
	topo+=(-numa "hmat-lb,initiator=0,target=$1,hierarchy=memory,data-type=access-latency,latency=$2"
		-numa "hmat-lb,initiator=0,target=$1,hierarchy=memory,data-type=access-bandwidth,bandwidth=$3")
}

# device NODE SIZE: a memory-only node whose memory is a hot-plugged pc-dimm.
device() {
	topo+=(-numa "node,nodeid=$1,initiator=0"
		-object "memory-backend-ram,id=dev$1,size=$2"
		-device "pc-dimm,id=dimm$1,memdev=dev$1,node=$1")
}
