#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs in the host tier's guest (systemd as PID 1): how long a fence stays open after
# someone else widens it, until cdmd has put it back. Three writers, 10 times each:
#   - a direct write of every node into a fenced cgroup below a Delegate=yes unit (what
#     Slurm does at a step start), found by inotify on the file cdmd wrote;
#   - "systemctl set-property --runtime UNIT AllowedMemoryNodes=" of every node on a
#     fenced slice (an operator), which systemd applies and cdmd undoes through systemd;
#   - systemctl daemon-reload, for reference (systemd re-applies cdmd's own values).
# The reference is the same read loop with nobody writing: the time one poll of
# cpuset.mems.effective takes here.
. /host-case/lib.sh

install_cdmd
dev=$(device_name)
all=$(cat /sys/fs/cgroup/cpuset.mems.effective)
systemd-run --unit=cdm-grantee --quiet sleep 3600
cdmctl grant bench --cgroup "$(unit_cgroup cdm-grantee.service)" --device "$dev" --size 64M >/dev/null ||
	fatal "grant"
systemd-run --unit=cdm-deleg --quiet -p Delegate=yes sleep 3600
sleep 3
d=/sys/fs/cgroup/system.slice/cdm-deleg.service
mkdir -p "$d/leaf" "$d/job_1" "$d/job_2"
echo "$(cat "$d/cgroup.procs")" >"$d/leaf/cgroup.procs"
echo +cpuset >"$d/cgroup.subtree_control"
# A grant of job_2 opens the delegated unit; its sibling job_1 gets a fence cdmd writes itself.
cdmctl grant bench2 --cgroup /system.slice/cdm-deleg.service/job_2 --device "$dev" --size 64M >/dev/null ||
	fatal "grant job_2"
wait_for 20 grep -qx 0 "$d/job_1/cpuset.mems" || fatal "job_1 not fenced: '$(cat "$d/job_1/cpuset.mems")'"
sleep 2

ns() { date +%s%N; }
# open_for FILE: nanoseconds until FILE (a cpuset.mems.effective) no longer holds DEV_NODE.
open_for() {
	local start=$1 file=$2
	while has_node "$(cat "$file")" "$DEV_NODE"; do :; done
	echo $(($(ns) - start))
}
report() { # NAME VALUES...
	local name=$1
	shift
	printf '%s\n' "$@" | sort -n | awk -v n="$name" '{ v[NR] = $1 } END {
		printf "%-44s n=%d median %.1f ms, max %.1f ms\n", n, NR, v[int((NR + 1) / 2)] / 1e6, v[NR] / 1e6 }'
}

poll=()
for i in $(seq 10); do
	s=$(ns)
	for k in $(seq 20); do cat "$d/job_1/cpuset.mems.effective" >/dev/null; done
	poll+=($((($(ns) - s) / 20)))
done

direct=()
for i in $(seq 10); do
	has_node "$(cat "$d/job_1/cpuset.mems.effective")" "$DEV_NODE" && fatal "job_1 is open before the write"
	s=$(ns)
	echo "$all" >"$d/job_1/cpuset.mems"
	direct+=("$(open_for "$s" "$d/job_1/cpuset.mems.effective")")
	sleep 0.5
done

prop=()
for i in $(seq 10); do
	s=$(ns)
	systemctl set-property --runtime user.slice AllowedMemoryNodes="$all"
	prop+=("$(open_for "$s" /sys/fs/cgroup/user.slice/cpuset.mems.effective)")
	sleep 0.5
done

reload=()
for i in $(seq 5); do
	s=$(ns)
	systemctl daemon-reload
	reload+=($(($(ns) - s)))
	has_node "$(cat /sys/fs/cgroup/user.slice/cpuset.mems.effective)" "$DEV_NODE" &&
		fail "user.slice open after daemon-reload"
done

grep -c "Fence drift" <(journalctl -b -u cdmd --no-pager) | sed 's/^/Fence drift lines in the journal: /'
report "one poll of cpuset.mems.effective (reference)" "${poll[@]}"
report "re-fence after a direct write (delegated)" "${direct[@]}"
report "re-fence after set-property (user.slice)" "${prop[@]}"
report "daemon-reload (user.slice never opened)" "${reload[@]}"
finish
