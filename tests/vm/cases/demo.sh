#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The demo: a VM whose node 1 is 1 GiB of hot-added device memory, still offline, and a
# cgroup tree with two slices, as a service manager would have it. cdmd finds the device,
# shows its plan, applies it (slices fenced first, then the memory onlined as movable
# only), and puts everything back with --restore.
. /test/lib.sh

step() { printf '\n===== %s\n' "$*"; }
show_node1() {
	echo "node 1 in has_memory: $(in_nodelist "$(node_state has_memory)" 1 && echo yes || echo no)," \
		"in has_normal_memory: $(in_nodelist "$(node_state has_normal_memory)" 1 && echo yes || echo no)"
	for b in $(node_blocks 1); do
		printf '%s=%s(%s) ' "$b" "$(cat $MEMORY_SYS/$b/state)" "$(cat $MEMORY_SYS/$b/valid_zones)"
	done
	echo
}
show_cgroups() {
	for cg in system.slice user.slice; do
		echo "$cg: cpuset.mems='$(cat /sys/fs/cgroup/$cg/cpuset.mems 2>/dev/null)'" \
			"effective='$(cat /sys/fs/cgroup/$cg/cpuset.mems.effective 2>/dev/null)'"
	done
}

mkdir -p /sys/fs/cgroup/system.slice /sys/fs/cgroup/user.slice

step "What the kernel shows: device memory hot-added on node 1, waiting offline"
show_node1

step "cdmd --oneshot --dry-run: what cdmd sees and would change"
cdmd -c /dev/null --oneshot --dry-run || fail "dry run failed"

step "cdmd --oneshot: apply"
cdmd -c /dev/null --oneshot >/dev/null || fail "apply failed"

step "After: node 1 online as movable memory only, every slice fenced to node 0"
show_node1
show_cgroups
echo "recorded for --restore:"
sed 's/^/  /' /var/lib/cdmd/settings

step "cdmd --restore: every setting back"
cdmd -c /dev/null --restore || fail "restore failed"
show_node1
show_cgroups
pass "demo finished"
