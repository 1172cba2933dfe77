#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Guest case: `cdmd --oneshot --dry-run --json` on a real kernel finds exactly the device
# node(s) of the topology, with the right size, zone and HMAT figures, and plans the
# movable onlining of offline device memory.
. /test/lib.sh

# Two top-level cgroups, as a service manager would have them.
mkdir -p /sys/fs/cgroup/system.slice /sys/fs/cgroup/user.slice
out=$(cdmd -c /dev/null --oneshot --dry-run --json) || fail "cdmd exited with $?"
echo "$out"
cdmd -c /dev/null --oneshot --dry-run || fail "cdmd (text) exited with $?"

devices=$(printf '%s' "$out" | sed 's/.*"devices":\[\(.*\)\],"ignored_nodes".*/\1/')
ndev=$(printf '%s' "$devices" | grep -o '"name":' | wc -l)
node1_kb=$(node_meminfo 1 MemTotal)

# expect_device NAME NODE TOTAL KIND SOURCE BANDWIDTH LATENCY
expect_device() {
	want="{\"name\":\"$1\",\"kind\":\"$4\",\"source\":\"$5\",\"nodes\":\[$2\],\"total_bytes\":$3,\"free_bytes\":[0-9]+,\"reserve_bytes\":0,\"read_bandwidth_mbps\":$6,\"read_latency_ns\":$7}"
	expect_match "device $1" "$devices" "$want"
}
# expect_node ID PATTERN: the node's JSON object matches PATTERN
expect_node() {
	obj=$(printf '%s' "$out" | grep -o "{\"id\":$1,[^}]*}")
	expect_match "node $1" "$obj" "$2"
}

expect_match "system nodes" "$out" '"system_nodes":\[0\]'
case "$TOPOLOGY" in
hotplug)
	expect_eq "device count" "$ndev" 1
	expect_device cdm1 1 1073741824 generic hmat 102400 300
	expect_node 1 '"role":"device","cpus":"","total_bytes":1073741824,.*"normal_memory":false,"memory":"online","zone":"Movable","blocks":8,"blocks_online":8'
	;;
offline)
	expect_eq "device count" "$ndev" 1
	expect_device cdm1 1 1073741824 generic hmat 102400 300
	expect_node 1 '"normal_memory":false,"memory":"offline","zone":"none","blocks":8,"blocks_online":0'
	for b in 32 33 34 35 36 37 38 39; do
		expect_match "plan onlines memory$b" "$out" "\"object\":\"sys/devices/system/memory/memory$b/state\",\"current\":\"offline\",\"desired\":\"online_movable\""
	done
	# The frontier comes before the first block in the plan.
	plan=$(printf '%s' "$out" | sed 's/.*"plan":\[//')
	for cg in system.slice user.slice; do
		expect_match "$cg restricted before onlining" "$plan" "$cg/cpuset.mems\",\"current\":\"\",\"desired\":\"0\".*memory39/state"
	done
	# A dry run changed nothing.
	expect_eq "memory32 still offline" "$(cat $MEMORY_SYS/memory32/state)" offline
	;;
boot)
	expect_eq "device count" "$ndev" 1
	expect_device cdm1 1 $((node1_kb * 1024)) generic cpuless 0 0
	expect_node 1 '"normal_memory":true,"memory":"online","zone":"DMA32"'
	;;
twodev)
	expect_eq "device count" "$ndev" 2
	expect_device cdm1 1 536870912 generic hmat 102400 300
	expect_device cdm2 2 536870912 generic hmat 51200 400
	expect_node 2 '"zone":"Movable","blocks":4,"blocks_online":4'
	;;
*)
	fail "no expectations for topology $TOPOLOGY"
	;;
esac
pass "cdmd sees the $TOPOLOGY topology"
