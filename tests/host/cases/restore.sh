#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# "cdmd --restore" puts the host back as it was before cdmd: systemd's AllowedMemoryNodes=
# of the slices, every cpuset.mems and cpuset.mems.effective under the root, the cgroup
# controllers enabled, and the kernel knobs (auto_online_blocks, demotion, KSM). This case
# takes the snapshot before the package is installed, so it installs the package itself:
# run it first in its boot.
. /host-case/lib.sh

if dpkg-query -W cdmd >/dev/null 2>&1; then
	fatal "cdmd is installed already: restore.sh must run before any other case of its boot"
fi

# snapshot FILE: everything cdmd may change, one "what = value" line each. A cgroup
# without cpuset.mems (the controller off above it) counts as an empty one, and its
# effective set is its parent's, as the kernel applies it.
snapshot() {
	local -A eff
	local d rel parent e
	{
		for u in $(systemctl list-units --type=slice,scope --all --plain --no-legend | awk '{ print $1 }' | sort); do
			echo "unit $u AllowedMemoryNodes = $(unit_prop "$u" AllowedMemoryNodes)"
			echo "unit $u StartupAllowedMemoryNodes = $(unit_prop "$u" StartupAllowedMemoryNodes)"
		done
		eff[/]=$(cat $CG/cpuset.mems.effective)
		while read -r d; do
			rel=${d#$CG}
			parent=${rel%/*}
			[ -n "$parent" ] || parent=/
			if [ -f "$d/cpuset.mems.effective" ]; then e=$(cat "$d/cpuset.mems.effective"); else e=${eff[$parent]}; fi
			eff[$rel]=$e
			echo "effective $rel = $e"
			echo "mems $rel = $(cat "$d/cpuset.mems" 2>/dev/null)"
			echo "controllers $rel = $(cat "$d/cgroup.subtree_control" 2>/dev/null)"
		done < <(find $CG -mindepth 1 -maxdepth 4 -type d | sort)
		echo "controllers / = $(cat $CG/cgroup.subtree_control)"
		for k in /sys/devices/system/memory/auto_online_blocks /sys/kernel/mm/numa/demotion_enabled \
			/sys/kernel/mm/ksm/merge_across_nodes; do
			echo "knob $k = $(cat "$k" 2>/dev/null)"
		done
		for b in /sys/devices/system/node/node1/memory[0-9]*; do
			echo "block ${b##*/} = $(cat "$b/state")"
		done
	} >"$1"
}

# compare WHAT-REGEX [info]: fails for each value of a key in both snapshots that differs
# (with "info": only lists them).
compare() {
	local what b a n=0 bad=0 info=${2:-}
	while read -r what; do
		b=$(grep -F -m1 "$what = " /tmp/before | sed "s/^.* = //")
		a=$(grep -F -m1 "$what = " /tmp/after | sed "s/^.* = //")
		n=$((n + 1))
		if [ "$a" != "$b" ]; then
			if [ -n "$info" ]; then echo "differs: $what: '$a' after the restore, '$b' before the package"
			else fail "$what: '$a' after the restore, '$b' before the package"; fi
			bad=$((bad + 1))
		fi
	done < <(comm -12 <(sed 's/ = .*//' /tmp/before | sort -u) <(sed 's/ = .*//' /tmp/after | sort -u) | grep -E "$1")
	if [ -n "$info" ]; then echo "$bad of $n values of /$1/ differ (listed, not failed)"
	elif [ "$bad" -eq 0 ]; then pass "all $n values of /$1/ as before the package"; fi
}

section "before the package"
# The autologin on ttyS1 makes user-0.slice and a session a few seconds into the case
# on a fast boot: let them come first, or they look like a change.
wait_for 60 systemctl is-active --quiet user@0.service || echo "no user@0.service after 60 s"
sleep 2
snapshot /tmp/before
grep -E '^(knob|unit (-|system|user|init))' /tmp/before
echo "$(grep -c '^effective' /tmp/before) cgroups, $(grep -c '^unit' /tmp/before) unit properties"

install_cdmd
dev=$(device_name)
systemd-run --unit=cdm-restore-job --quiet sleep 3600
cdmctl grant restore-job --cgroup "$(unit_cgroup cdm-restore-job.service)" --device "$dev" --size 128M >/dev/null &&
	pass "grant restore-job" || fail "grant restore-job"
sleep 2
systemctl daemon-reload
sleep 2
section "with cdmd running"
snapshot /tmp/during
diff /tmp/before /tmp/during | grep -E '^[<>] (knob|unit (-|system|user|init)|(effective|mems) /[^/]*$|controllers /[a-z.]* )' | head -n 40
changed=$(diff /tmp/before /tmp/during | grep -c '^>')
if [ "$changed" -gt 0 ]; then pass "cdmd changed $changed things (the restore has something to undo)"
else fail "cdmd changed nothing: the case proves nothing"; fi

section "systemctl stop cdmd; cdmd --restore"
systemctl stop cdm-restore-job.service
systemctl stop cdmd.service
cdmd --restore
st=$?
expect_eq "cdmd --restore exit status" "$st" 0
sleep 2
snapshot /tmp/after

section "after the restore: compared with before the package"
# Units and cgroups that came or went meanwhile (the case's own, a login) are listed,
# not compared.
only() { comm -"$1" <(sed 's/ = .*//' /tmp/before | sort -u) <(sed 's/ = .*//' /tmp/after | sort -u) | grep -v -E 'cdm-restore-job|cdmd\.service'; }
echo "only before: $(only 23 | tr '\n' ';')"
echo "only after:  $(only 13 | tr '\n' ';')"
compare '^unit '
compare '^effective '
# What a restore must give back is access: the effective sets above. A populated cgroup's
# cpuset.mems cannot be emptied again (the kernel refuses, ENOSPC), so where one inherited
# before it now holds its parent's nodes explicitly.
compare '^mems ' info
compare '^(knob|block) '
dropins=$(ls /run/systemd/system.control/*/*AllowedMemoryNodes* 2>/dev/null)
echo "runtime drop-ins left: $(echo "$dropins" | grep -c .)"
[ -z "$dropins" ] || head -n 5 "$(echo "$dropins" | head -n 1)"
set_left=$(grep -l -E '^(Startup)?AllowedMemoryNodes=.+' $dropins 2>/dev/null)
if [ -z "$set_left" ]; then pass "no runtime drop-in still sets AllowedMemoryNodes="
else fail "runtime drop-ins still set AllowedMemoryNodes=: $(grep -H -E 'AllowedMemoryNodes=.+' $set_left | tr '\n' ';')"; fi

section "controllers, once systemd has recomputed what its units need (daemon-reload)"
systemctl daemon-reload
sleep 2
snapshot /tmp/after
grep -E '^controllers (/|/system.slice|/user.slice) ' /tmp/before | sed 's/^/before: /'
grep -E '^controllers (/|/system.slice|/user.slice) ' /tmp/after | sed 's/^/after:  /'
# systemd decides which controllers stay on (it keeps cpuset where a child still has an
# explicit cpuset.mems); what they allow is checked by the effective sets.
compare '^controllers ' info
compare '^effective '
for k in auto_online_blocks demotion_enabled merge_across_nodes; do
	echo "$k: $(grep "$k" /tmp/before | sed 's/.* = //') before, $(grep "$k" /tmp/during | sed 's/.* = //') with cdmd, $(grep "$k" /tmp/after | sed 's/.* = //') after"
done
check_no_denials
finish
