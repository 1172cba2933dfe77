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
