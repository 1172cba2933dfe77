#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The demo: a VM whose node 1 is 1 GiB of hot-added device memory, still offline, and a
# cgroup tree with two slices, as a service manager would have it. cdmd finds the device,
# shows its plan, applies it (slices fenced first, then the memory onlined as movable
# only); a service that allocates more than node 0 holds is OOM-killed inside its cpuset
# instead of spilling; a process in the root cgroup (which no cpuset restricts) that put
# pages on the device has them moved back by the audit, contents intact; --restore puts
# every setting back.
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

setup_cgroups system.slice user.slice

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

step "Spill prevented: a service in system.slice allocates more than node 0 holds"
mb=$(fill_mb)
status=0
in_cgroup system.slice cdm-probe fill "$mb" /tmp/fill.log || status=$?
echo "cdm-probe exited with status $status after $(wc -l </tmp/fill.log) chunks of 16 MiB;" \
	"pages on node 1: $(grep -c ' 1=' /tmp/fill.log) chunks"
grep -E '^oom_kill' $CG/system.slice/memory.events

step "Spill repaired: a process in the root cgroup puts 64 MiB on the device"
spawn_in_cgroup . /tmp/root.out cdm-probe hold 64 1
root=$SPAWNED
wait_ready /tmp/root.out
echo "before: $(probe_report $root /tmp/root.out)"
printf '[daemon]\nstate_dir = /var/lib/cdmd\n' >/tmp/cdmd.conf
cdmd -c /tmp/cdmd.conf --oneshot >/dev/null || fail "audit failed"
echo "after:  $(probe_report $root /tmp/root.out)"
kill -TERM $root

step "A scheduler's prolog grants a job 256 MiB of the device over D-Bus"
mkdir -p $CG/system.slice/job_7
printf '[daemon]\nstate_dir = /var/lib/cdmd\n' >/tmp/cdmd.conf
start_cdmd /tmp/cdmd.conf
daemon=$CDMD
cdmctl grant slurm-7 --cgroup /system.slice/job_7 --device cdm1 --size 256M
in_cgroup system.slice/job_7 cdm-probe bind 128 1 && echo "the job bound 128 MiB to the device"
cdmctl status
echo "the epilog revokes it:"
cdmctl revoke slurm-7
cdmctl jobs
kill -TERM $daemon
wait $daemon || true

step "cdmd --restore: every setting back"
cdmd -c /dev/null --restore || fail "restore failed"
show_node1
show_cgroups
pass "demo finished"
