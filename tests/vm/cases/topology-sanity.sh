#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Guest case: the kernel shows the device nodes of each VM topology the way
# cdmd expects them. Prints what it sees first, then checks it.
. /test/lib.sh

echo "kernel $(uname -r), topology $TOPOLOGY"
for state in possible online has_cpu has_memory has_normal_memory; do
	echo "node state $state: $(node_state $state)"
done
echo "memory block_size_bytes: $(cat $MEMORY_SYS/block_size_bytes)"
echo "memory auto_online_blocks: $(cat $MEMORY_SYS/auto_online_blocks)"
for dir in $NODE_SYS/node[0-9]*; do
	n=${dir##*node}
	echo "node$n: MemTotal $(node_meminfo $n MemTotal) kB, distance $(cat $dir/distance)"
	for b in $(node_blocks $n); do
		echo "  $b: state $(cat $MEMORY_SYS/$b/state), valid_zones '$(cat $MEMORY_SYS/$b/valid_zones)'"
	done | sed -n '1,3p;$p'
	echo "  $(node_blocks $n | wc -l) blocks: $(node_blocks $n | tr '\n' ' ')"
	for f in $dir/access*/initiators/*_*; do
		[ -f "$f" ] && echo "  ${f#$dir/}: $(cat $f)"
	done
done
awk '/^Node [0-9]+, zone/ { where = $1 " " $2 " " $3 " " $4 }
	$1 == "present" && $2 > 0 { print "zoneinfo: " where " present " $2 " pages" }' /proc/zoneinfo
if [ -d /sys/devices/virtual/memory_tiering ]; then
	echo "memory_tiering: $(ls /sys/devices/virtual/memory_tiering | tr '\n' ' ')"
	for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
		[ -f "$t/nodelist" ] && echo "  ${t##*/}: nodes $(cat $t/nodelist)"
	done
else
	echo "memory_tiering: none"
fi
[ -f /sys/kernel/mm/numa/demotion_enabled ] &&
	echo "demotion_enabled: $(cat /sys/kernel/mm/numa/demotion_enabled)"
echo "numa_balancing: $(cat /proc/sys/kernel/numa_balancing)"
[ -d /sys/bus/nd ] && echo "nvdimm bus: $(ls /sys/bus/nd/devices | tr '\n' ' ')"

# Node 0 is the system node in every topology.
in_nodelist "$(node_state has_cpu)" 0 || fail "node 0 has no CPU"
in_nodelist "$(node_state has_normal_memory)" 0 || fail "node 0 has no normal memory"
pass "node 0 has the CPUs and normal memory"

# expect_device_node N KIB: N is a movable-only node of about KIB online.
expect_device_node() {
	in_nodelist "$(node_state has_memory)" $1 || fail "node $1 not in has_memory"
	in_nodelist "$(node_state has_cpu)" $1 && fail "node $1 in has_cpu"
	in_nodelist "$(node_state has_normal_memory)" $1 && fail "node $1 in has_normal_memory"
	pass "node $1 is memory-only and movable-only"
	total=$(node_meminfo $1 MemTotal)
	[ "$total" -le "$2" ] && [ "$total" -ge $(($2 * 9 / 10)) ] ||
		fail "node $1 MemTotal $total kB, want about $2 kB"
	pass "node $1 MemTotal $total kB"
	blocks=$(node_blocks $1)
	[ -n "$blocks" ] || fail "no memory blocks linked from node$1"
	for b in $blocks; do
		expect_eq "$b state" "$(cat $MEMORY_SYS/$b/state)" online
		expect_eq "$b valid_zones" "$(cat $MEMORY_SYS/$b/valid_zones)" Movable
	done
	expect_hmat $1
}

# expect_hmat N: node 0's CPUs are the initiators of node N, which is slower.
expect_hmat() {
	for f in read_latency write_latency read_bandwidth write_bandwidth; do
		[ -f $NODE_SYS/node$1/access0/initiators/$f ] || fail "no node$1/access0/initiators/$f"
	done
	[ -e $NODE_SYS/node$1/access0/initiators/node0 ] || fail "node 0 is not an initiator of node $1"
	lat0=$(cat $NODE_SYS/node0/access0/initiators/read_latency)
	lat1=$(cat $NODE_SYS/node$1/access0/initiators/read_latency)
	bw0=$(cat $NODE_SYS/node0/access0/initiators/read_bandwidth)
	bw1=$(cat $NODE_SYS/node$1/access0/initiators/read_bandwidth)
	[ "$lat1" -gt "$lat0" ] || fail "node $1 read_latency $lat1 not above node 0's $lat0"
	[ "$bw1" -lt "$bw0" ] || fail "node $1 read_bandwidth $bw1 not below node 0's $bw0"
	pass "HMAT: node $1 latency $lat1 ns > $lat0 ns, bandwidth $bw1 MB/s < $bw0 MB/s"
}

case $TOPOLOGY in
hotplug)
	expect_device_node 1 1048576
	;;
twodev)
	expect_device_node 1 524288
	expect_device_node 2 524288
	;;
offline)
	in_nodelist "$(node_state online)" 1 || fail "node 1 not online"
	in_nodelist "$(node_state has_memory)" 1 && fail "node 1 in has_memory"
	pass "node 1 is online without memory"
	expect_eq "node 1 MemTotal" "$(node_meminfo 1 MemTotal)" 0
	blocks=$(node_blocks 1)
	[ -n "$blocks" ] || fail "no memory blocks linked from node1"
	for b in $blocks; do
		expect_eq "$b state" "$(cat $MEMORY_SYS/$b/state)" offline
		expect_match "$b valid_zones" "$(cat $MEMORY_SYS/$b/valid_zones)" '^Normal'
	done
	expect_hmat 1
	;;
boot | boot-hmat)
	in_nodelist "$(node_state has_memory)" 1 || fail "node 1 not in has_memory"
	in_nodelist "$(node_state has_normal_memory)" 1 || fail "node 1 not in has_normal_memory"
	in_nodelist "$(node_state has_cpu)" 1 && fail "node 1 in has_cpu"
	pass "node 1 is a memory-only node with normal memory"
	total=$(node_meminfo 1 MemTotal)
	[ "$total" -ge 900000 ] && [ "$total" -le 1048576 ] ||
		fail "node 1 MemTotal $total kB, want about 1 GiB"
	pass "node 1 MemTotal $total kB"
	if [ "$TOPOLOGY" = boot-hmat ]; then
		expect_hmat 1
	else
		[ -e $NODE_SYS/node1/access0 ] && fail "node1/access0 exists without HMAT"
		pass "no HMAT"
	fi
	;;
*)
	fail "unknown topology '$TOPOLOGY'"
	;;
esac
pass "topology $TOPOLOGY"
