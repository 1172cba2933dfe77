#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Proof (d): device memory blocks offline at boot (memhp_default_state=offline) end up online
# in ZONE_MOVABLE only, the device node never appears in has_normal_memory, and the frontier
# was written before the first block was onlined.
. /test/lib.sh

setup_cgroups system.slice user.slice
in_nodelist "$(node_state has_memory)" 1 && fail "node 1 already has memory: wrong topology"
cdmd -c /dev/null --oneshot >/dev/null 2>/tmp/cdmd.log || { cat /tmp/cdmd.log; fail "cdmd failed"; }
cat /tmp/cdmd.log
for b in $(node_blocks 1); do
	expect_eq "$b state" "$(cat $MEMORY_SYS/$b/state)" online
	expect_eq "$b zone" "$(cat $MEMORY_SYS/$b/valid_zones)" Movable
done
in_nodelist "$(node_state has_memory)" 1 || fail "node 1 has no memory after onlining"
in_nodelist "$(node_state has_normal_memory)" 1 && fail "node 1 is in has_normal_memory"
pass "node 1 is not in has_normal_memory ($(node_state has_normal_memory))"
last_fence=$(grep -n 'cpuset.mems' /tmp/cdmd.log | tail -n 1 | cut -d: -f1)
first_online=$(grep -n 'memory[0-9]*/state' /tmp/cdmd.log | head -n 1 | cut -d: -f1)
[ -n "$last_fence" ] && [ -n "$first_online" ] || fail "cdmd's log lacks the writes"
[ "$last_fence" -lt "$first_online" ] || fail "a block was onlined before the frontier was written"
pass "frontier (line $last_fence) written before the first block (line $first_online)"
expect_eq "auto_online_blocks" "$(cat $MEMORY_SYS/auto_online_blocks)" offline
