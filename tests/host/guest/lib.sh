# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Helpers for cdmd's host-tier cases: ". /host-case/lib.sh" in a bash script
# that runs as root as /host-case/run in the Debian guest, systemd being PID 1.
# Every check prints what it saw. A failed check is counted and the case goes
# on, so one run reports every check; "finish" ends the case, failed when any
# check failed.

# shellcheck disable=SC2034 # the variables are for the cases
TOPOLOGY=$(cat /host-case/topology 2>/dev/null || echo unknown)
CG=/sys/fs/cgroup
NODE_SYS=/sys/devices/system/node
DEV_NODE=1 # the CPU-less node of every topology
FAILED=0
PASSED=0
FAILED_CHECKS=

pass() {
	echo "PASS: $*"
	PASSED=$((PASSED + 1))
}
fail() {
	echo "FAIL: $*"
	FAILED=$((FAILED + 1))
	FAILED_CHECKS="$FAILED_CHECKS
  - $*"
}
# fatal MSG: a failure after which the case cannot go on.
fatal() {
	fail "$*"
	finish
}
# section TITLE: a heading in the case log, with the time since the case began.
section() {
	echo
	echo "=== [$(awk -v t="$SECONDS" 'BEGIN { printf "%4ds", t }')] $*"
}
finish() {
	echo
	if [ "$FAILED" -gt 0 ]; then
		echo "RESULT: $FAILED of $((PASSED + FAILED)) checks failed:$FAILED_CHECKS"
		exit 1
	fi
	echo "RESULT: all $PASSED checks passed"
	exit 0
}

# check WHAT CMD...: passes when CMD succeeds.
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what (command: $*)"; fi
}
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1 = '$3'"; else fail "$1: got '$2', want '$3'"; fi
}
expect_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		pass "$1 matches /$3/ ('$(printf '%s' "$2" | head -c 200)')"
	else
		fail "$1: '$(printf '%s' "$2" | head -c 2000)' does not match /$3/"
	fi
}
expect_no_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		fail "$1: '$(printf '%s' "$2" | grep -E -- "$3" | head -c 2000)' matches /$3/"
	else
		pass "$1 does not match /$3/"
	fi
}

# in_nodelist LIST N: true when node N is in a kernel node list such as "0-1,3".
in_nodelist() {
	echo "$1" | tr ',' '\n' | awk -F- -v n="$2" '
		$0 == "" { next }
		NF == 1 && $1 == n { hit = 1 }
		NF == 2 && n >= $1 && n <= $2 { hit = 1 }
		END { exit !hit }'
}
# unit_prop UNIT PROP: the value of a unit property (systemctl show --value).
unit_prop() {
	systemctl show -p "$2" --value "$1" 2>/dev/null
}
# unit_cgroup UNIT: the unit's cgroup path below the cgroup2 root.
unit_cgroup() {
	unit_prop "$1" ControlGroup
}
# wait_for SECONDS CMD...: polls CMD every 0.2 s until it succeeds or time runs out.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

cdmd_active() { [ "$(systemctl is-active cdmd.service 2>/dev/null)" = active ]; }

# install_cdmd: the package from the payload disk, with apt (offline: every
# dependency is in the image), dpkg -i when apt refuses; then cdmd.service running.
install_cdmd() {
	local deb
	if dpkg-query -W -f='${Status}' cdmd 2>/dev/null | grep -q 'install ok installed' && cdmd_active; then
		CDMD_STARTED_BY_PACKAGE=earlier
		return 0
	fi
	deb=$(ls /host-case/deb/*.deb | head -n 1)
	cp "$deb" /tmp/ || fatal "cannot copy $deb"
	deb=/tmp/${deb##*/}
	section "install ${deb##*/}"
	if DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb" >/tmp/apt.log 2>&1; then
		tail -n 5 /tmp/apt.log
		pass "apt-get install ./${deb##*/}"
	else
		cat /tmp/apt.log
		fail "apt-get install ./${deb##*/} failed; trying dpkg -i"
		dpkg -i "$deb" || fatal "dpkg -i ${deb##*/} failed"
	fi
	dpkg-query -W cdmd || fatal "the package is not installed"
	CDMD_STARTED_BY_PACKAGE=no
	cdmd_active && CDMD_STARTED_BY_PACKAGE=yes
	echo "cdmd.service after the install: $(systemctl is-active cdmd.service), $(systemctl is-enabled cdmd.service 2>&1)"
	systemctl daemon-reload
	if ! cdmd_active; then
		echo "cdmd.service is $(systemctl is-active cdmd.service) after the install; starting it"
		systemctl enable cdmd.service 2>&1 || true
		systemctl start cdmd.service || true
	fi
	if cdmd_active; then
		pass "cdmd.service is active"
	else
		systemctl status --no-pager cdmd.service
		journalctl -b -u cdmd --no-pager | tail -n 30
		fatal "cdmd.service does not start"
	fi
	wait_for 30 busctl --system status org.cdmd.cdmd1 >/dev/null 2>&1 || fail "org.cdmd.cdmd1 is not on the bus"
}

# device_name: the name cdmd gives to the device on node DEV_NODE.
device_name() {
	cdmctl --json devices | jq -r --argjson n "$DEV_NODE" \
		'(if type == "array" then . else (.devices // .) end)[] | select((.nodes // []) | index($n)) | .name' |
		head -n 1
}

# node_pages_of_probe LOG NODE: pages on NODE in cdm-probe fill's last chunk lines (sum).
probe_pages_on() {
	awk -v n="$2" '{ for (i = 1; i <= NF; i++) if ($i ~ "^" n "=") { split($i, a, "="); s += a[2] } } END { print s + 0 }' "$1"
}

# check_no_denials: nothing in this boot's journal says cdmd was refused something
# (seccomp, capabilities, read-only paths, the bus policy).
check_no_denials() {
	local hits
	section "denials in the journal"
	# cdmd's own lines, systemd's about cdmd.service, and kernel audit records of comm "cdmd".
	hits=$(journalctl -b --no-pager -o short-monotonic |
		grep -E ' cdmd\[[0-9]+\]: |cdmd\.service|comm="cdmd"' |
		grep -i -E 'denied|audit.*seccomp|seccomp.*cdmd|Operation not permitted|Permission denied|Read-only file system')
	if [ -n "$hits" ]; then
		fail "denials for cdmd in the journal: $hits"
	else
		pass "no denial, seccomp record or EPERM for cdmd in the journal"
	fi
}

# in_cgroup CGROUP CMD...: runs CMD inside CGROUP (a path below the cgroup2 root), in a
# child shell that moves itself there first.
in_cgroup() {
	local cg=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG$cg" "$@"
}

# fill_mb: MiB that certainly do not fit in node 0's free memory.
fill_mb() {
	echo $(($(awk '$3 == "MemFree:" { print $4 }' $NODE_SYS/node0/meminfo) / 1024 + 256))
}

# job_cgroups: the cgroup of every job cdmd lists, one per line.
job_cgroups() {
	cdmctl --json jobs | jq -r '.[].cgroup'
}

# has_node LIST [N]: node N (default DEV_NODE) is in LIST ("0-1", "0 1", "1").
has_node() {
	in_nodelist "$(echo "$1" | tr ' ' ',')" "${2:-$DEV_NODE}"
}

# expect_allowed UNIT open|fenced: systemd's AllowedMemoryNodes= of UNIT holds the
# device node (open) or does not (fenced: system nodes only, or empty, inheriting its
# parent's); the cgroup's cpuset.mems.effective must say the same.
expect_allowed() {
	local unit=$1 want=$2 allowed eff cg
	allowed=$(unit_prop "$unit" AllowedMemoryNodes)
	cg=$(unit_cgroup "$unit")
	eff=$(cat "$CG$cg/cpuset.mems.effective" 2>/dev/null || echo "(no file)")
	if [ "$want" = open ]; then
		if has_node "$allowed"; then pass "$unit: AllowedMemoryNodes='$allowed' holds node $DEV_NODE"
		else fail "$unit: AllowedMemoryNodes='$allowed' lacks node $DEV_NODE"; fi
		if has_node "$eff"; then pass "$cg: cpuset.mems.effective='$eff' holds node $DEV_NODE"
		else fail "$cg: cpuset.mems.effective='$eff' lacks node $DEV_NODE"; fi
	else
		# Empty inherits the parent's set (checked through the effective set below); a set
		# holding the device is a fence that only the parent makes up for.
		if ! has_node "$allowed"; then pass "$unit: AllowedMemoryNodes='$allowed' ($([ -n "$allowed" ] && echo fenced || echo "empty: fenced through its parent"))"
		else fail "$unit: AllowedMemoryNodes='$allowed' holds node $DEV_NODE, want system nodes only"; fi
		if [ "$eff" != "(no file)" ] && ! has_node "$eff"; then pass "$cg: cpuset.mems.effective='$eff' (fenced)"
		else fail "$cg: cpuset.mems.effective='$eff', want system nodes only"; fi
	fi
}

# expect_bind UNIT yes|no: cdm-probe run in UNIT's cgroup can (or cannot) bind 32 MiB to
# the device node.
expect_bind() {
	local cg st=0
	cg=$(unit_cgroup "$1")
	in_cgroup "$cg" cdm-probe bind 32 "$DEV_NODE" >/tmp/bind.out 2>&1 || st=$?
	if [ "$2" = yes ]; then
		if [ "$st" -eq 0 ]; then pass "cdm-probe in $1 binds 32 MiB to node $DEV_NODE"
		else fail "cdm-probe in $1 cannot bind to node $DEV_NODE (status $st: $(tr '\n' ' ' </tmp/bind.out))"; fi
	else
		if [ "$st" -ne 0 ]; then pass "cdm-probe in $1 cannot bind to node $DEV_NODE (status $st: $(tr '\n' ' ' </tmp/bind.out | head -c 200))"
		else fail "cdm-probe in $1 bound 32 MiB to node $DEV_NODE without a grant"; fi
	fi
}

# metric NAME: a value from cdmd's metrics file (set by metrics_dropin), or "none".
METRICS=/var/lib/cdmd/metrics.prom
metric() {
	awk -v n="$1" '$1 == n { print $2; found = 1 } END { if (!found) print "none" }' "$METRICS" 2>/dev/null || echo none
}
# metrics_dropin: cdmd writes its metrics to $METRICS (a drop-in, before cdmd starts).
metrics_dropin() {
	mkdir -p /etc/cdmd/cdmd.conf.d
	printf '[daemon]\nmetrics_file = %s\n' "$METRICS" >/etc/cdmd/cdmd.conf.d/10-host-metrics.conf
	if cdmd_active; then
		systemctl reload cdmd.service
	fi
}

# expect_isolated: cdmd reports no spill, or repairs what it found within 60 s (the kernel
# can still place a page on the device, e.g. for an OOM victim, which may allocate outside
# its cpuset: page cache of a process that has gone is swept back by DAMON a few audits
# later); and Isolated (which also needs every kernel setting as planned and no alarm) except
# on the boot topology, where node 1 has normal memory from the start and cdmd rightly
# raises an alarm for the kernel memory on it.
# unnamed_page_cache "t N": the spill left is N <= 64 KiB of file pages (the last Spill line
# says anon 0) that cdmd reported its sweep could not move.
unnamed_page_cache() {
	local n=${1#t } log i=0
	[ "$n" -gt 0 ] 2>/dev/null && [ "$n" -le 65536 ] || return 1
	while :; do # the sweep gives up 60 s after it started, a little after the wait above
		log=$(journalctl -b -u cdmd -o cat --no-pager)
		printf '%s\n' "$log" | grep -q 'still there after 60 s of sweeping' && break
		[ $i -lt 30 ] || return 1
		sleep 1
		i=$((i + 1))
	done
	printf '%s\n' "$log" | grep 'Spill: ' | tail -n 1 | grep -q '(anon 0, file '
}

expect_isolated() {
	local spilled isolated i=0
	while :; do
		spilled=$(busctl --system get-property org.cdmd.cdmd1 /org/cdmd/cdmd1 org.cdmd.cdmd1.Manager SpilledBytes 2>&1)
		[ "$spilled" != "t 0" ] && [ $i -lt 60 ] || break
		[ $i -gt 0 ] || echo "cdmd reports spill ($spilled); waiting for its repair"
		sleep 1
		i=$((i + 1))
	done
	[ $i -eq 0 ] || { echo "after $i s:"; cdmctl audit 2>&1 | head -n 5; journalctl -b -u cdmd -o cat --no-pager | grep -E 'Spill|Sweep|Repaired' | tail -n 5; }
	isolated=$(busctl --system get-property org.cdmd.cdmd1 /org/cdmd/cdmd1 org.cdmd.cdmd1.Manager Isolated 2>&1)
	if [ "$spilled" != "t 0" ] && [ "$TOPOLOGY" = boot ] && [ -n "$(job_cgroups)" ] && unnamed_page_cache "$spilled"; then
		# The README's limit: while a job is granted the device, page cache charged to a
		# cgroup that has been removed (an OOM victim's unit) cannot be named to DAMON's
		# memcg filter (with no grant, cdmd sweeps every page of the device). Only on the
		# boot topology, only file pages, at most 64 KiB, and only once cdmd has said so.
		echo "KNOWN LIMIT (README, Limits): $spilled of page cache that cdmd's sweep could not move while a job is granted; not counted"
	else
		expect_eq "SpilledBytes (last audit)" "$spilled" "t 0"
	fi
	if [ "$TOPOLOGY" = boot ]; then
		echo "Isolated: $isolated (boot topology: $(journalctl -b -u cdmd -o cat --no-pager | grep -m1 -o 'Alarm: device node .*memory[^.]*'))"
	else
		expect_eq "Isolated" "$isolated" "b true"
	fi
}
