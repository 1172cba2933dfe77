# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Helpers for cdmd's guest test cases: ". /test/lib.sh" in a busybox sh
# script that runs as /test/run inside the test VM.
#
# TOPOLOGY is the name of the VM topology (hotplug, offline, boot, boot-hmat,
# twodev),
# KERNEL the kernel series (6.1, 6.12), when the runner wrote them.

# shellcheck disable=SC2034 # the variables are for the cases
TOPOLOGY=$(cat /test/topology 2>/dev/null || echo unknown)
# shellcheck disable=SC2034
KERNEL=$(cat /test/kernel 2>/dev/null || echo unknown)
NODE_SYS=/sys/devices/system/node
# shellcheck disable=SC2034
MEMORY_SYS=/sys/devices/system/memory

# The case's shell and the system bus are not the OOM killer's to take: several cases fill
# node 0 on purpose, and the killer, while a victim's memory is still being reaped, picked
# dbus-daemon and the case itself. What a case starts with in_cgroup or spawn_in_cgroup is
# killable again (oom_score_adj 0); start_cdmd gives cdmd the unit's -900.
echo -1000 >/proc/$$/oom_score_adj 2>/dev/null
for _p in $(pidof dbus-daemon 2>/dev/null); do
	echo -1000 >/proc/$_p/oom_score_adj 2>/dev/null
done

# fail MSG: report a failed check and end the case.
fail() {
	echo "FAIL: $*"
	exit 1
}

# pass MSG: report a passed check.
pass() {
	echo "PASS: $*"
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	pass "$1 = '$3'"
}

# expect_match WHAT STRING PATTERN (an extended regular expression)
expect_match() {
	printf '%s\n' "$2" | grep -Eq -- "$3" ||
		fail "$1: '$(printf '%s' "$2" | head -c 2000)' does not match /$3/"
	pass "$1 matches /$3/"
}

# node_meminfo N FIELD: prints FIELD of nodeN/meminfo in kB (MemTotal, MemFree, ...).
node_meminfo() {
	awk -v f="$2:" '$3 == f { print $4; found = 1 } END { exit !found }' \
		"$NODE_SYS/node$1/meminfo" || fail "no $2 in node$1/meminfo"
}

# in_nodelist LIST N: true when node N is in a kernel node list such as "0-1,3".
in_nodelist() {
	echo "$1" | tr ',' '\n' | awk -F- -v n="$2" '
		$0 == "" { next }
		NF == 1 && $1 == n { hit = 1 }
		NF == 2 && n >= $1 && n <= $2 { hit = 1 }
		END { exit !hit }'
}

# node_state STATE: prints the node list of STATE (online, has_memory, has_cpu, ...).
node_state() {
	cat "$NODE_SYS/$1"
}

# node_blocks N: prints the names of the memory blocks linked from nodeN, in order.
node_blocks() {
	for b in "$NODE_SYS/node$1"/memory[0-9]*; do
		[ -e "$b" ] && echo "${b##*/memory}"
	done | sort -n | sed 's/^/memory/'
}

# --- cgroup and probe helpers for cdmd's isolation cases ---
CG=/sys/fs/cgroup

# setup_cgroups NAME...: enable memory (as a service manager does) and create cgroups.
setup_cgroups() {
	echo +memory >$CG/cgroup.subtree_control || fail "cannot enable the memory controller"
	for cg in "$@"; do
		mkdir -p "$CG/$cg" || fail "cannot create cgroup $cg"
	done
}

# in_cgroup CG CMD...: run CMD inside cgroup CG (in a child shell that moves itself there).
in_cgroup() {
	cg=$1
	shift
	sh -c 'echo 0 >/proc/self/oom_score_adj && echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG/$cg" "$@"
}

# node_pages LINE NODE: the page count of NODE in a probe line "nodes 0=12 1=34 ..."
node_pages() {
	printf '%s\n' "$1" | tr ' ' '\n' | awk -F= -v n="$2" '$1 == n { print $2; found = 1 } END { if (!found) print 0 }'
}

# probe_report PID OUT: ask a "cdm-probe hold" for its placement and print its newest line.
probe_report() {
	before=$(wc -l <"$2")
	kill -USR1 "$1"
	i=0
	while [ "$(wc -l <"$2")" -le "$before" ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	tail -n 1 "$2"
}

# wait_ready OUT: wait until a "cdm-probe hold" printed "ready".
wait_ready() {
	i=0
	while ! grep -q ready "$1" 2>/dev/null; do
		[ $i -lt 1200 ] || fail "probe writing $1 never got ready"
		sleep 0.1
		i=$((i + 1))
	done
}

# fill_mb: MiB that certainly do not fit in node 0's free memory.
fill_mb() {
	echo $(($(node_meminfo 0 MemFree) / 1024 + 256))
}

# spawn_in_cgroup CG OUT CMD...: start CMD in cgroup CG in the background, stdout to OUT;
# its PID (the command's own, not a subshell's) is left in SPAWNED.
spawn_in_cgroup() {
	cg=$1
	out=$2
	shift 2
	sh -c 'echo 0 >/proc/self/oom_score_adj && echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG/$cg" "$@" >"$out" &
	SPAWNED=$!
}

# wait_log REGEX SECONDS WHAT: wait until /tmp/cdmd.log has a line matching REGEX (grep -E),
# polling every half second; after SECONDS print the log and fail with WHAT.
wait_log() {
	i=0
	until grep -Eq "$1" /tmp/cdmd.log; do
		[ $i -lt $(($2 * 2)) ] || { cat /tmp/cdmd.log; fail "$3"; }
		sleep 0.5
		i=$((i + 1))
	done
}

# start_cdmd CONF: start the daemon in the background (PID in CDMD, stderr appended to
# /tmp/cdmd.log) and wait until it answers on the bus. Like the unit (OOMScoreAdjust=-900),
# it is the OOM killer's last choice: the cases that spill fill node 0 on purpose.
start_cdmd() {
	cdmd -c "$1" 2>>/tmp/cdmd.log &
	CDMD=$!
	echo -900 >/proc/$CDMD/oom_score_adj
	i=0
	until cdmctl devices >/dev/null 2>&1; do
		[ $i -lt 300 ] || { cat /tmp/cdmd.log; fail "cdmd did not come up on the bus"; }
		sleep 0.1
		i=$((i + 1))
	done
}
