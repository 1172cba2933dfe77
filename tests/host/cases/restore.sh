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

# snapshot FILE: everything cdmd may change, one "what = value" line each.
snapshot() {
	{
		for u in $(systemctl list-units --type=slice,scope --all --plain --no-legend | awk '{ print $1 }' | sort); do
			echo "unit $u AllowedMemoryNodes = $(unit_prop "$u" AllowedMemoryNodes)"
			echo "unit $u StartupAllowedMemoryNodes = $(unit_prop "$u" StartupAllowedMemoryNodes)"
		done
		find $CG -maxdepth 4 \( -name cpuset.mems -o -name cpuset.mems.effective -o -name cgroup.subtree_control \) |
			sort | while read -r f; do echo "file ${f#$CG/} = $(cat "$f" 2>/dev/null)"; done
		for k in /sys/devices/system/memory/auto_online_blocks /sys/kernel/mm/numa/demotion_enabled \
			/sys/kernel/mm/ksm/merge_across_nodes; do
			echo "knob $k = $(cat "$k" 2>/dev/null)"
		done
		for b in /sys/devices/system/node/node1/memory[0-9]*; do
			echo "block ${b##*/} = $(cat "$b/state")"
		done
		ls /run/systemd/system.control/*/*AllowedMemoryNodes* 2>/dev/null | sed 's/^/control drop-in /; s/$/ = present/'
	} >"$1"
}

section "before the package"
snapshot /tmp/before
grep -E '^(knob|unit (-|system|user|init))' /tmp/before
echo "$(grep -c '^file' /tmp/before) cgroup files, $(grep -c '^unit' /tmp/before) unit properties"

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
diff /tmp/before /tmp/during | grep -E '^[<>] (knob|unit (-|system|user|init)|file [^/]*$|file (system|user).slice/cpuset)' | head -n 40
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
# Units and cgroups that came or went with the case's own units are listed, not compared.
only() { comm -"$1" <(sed 's/ = .*//' /tmp/before | sort -u) <(sed 's/ = .*//' /tmp/after | sort -u); }
echo "only before: $(only 23 | grep -v -E 'cdm-restore-job|cdmd\.service' | tr '\n' ';')"
echo "only after:  $(only 13 | grep -v -E 'cdm-restore-job|cdmd\.service' | tr '\n' ';')"
common=$(comm -12 <(sed 's/ = .*//' /tmp/before | sort -u) <(sed 's/ = .*//' /tmp/after | sort -u))
differ=0
while read -r what; do
	b=$(grep -F -m1 "$what = " /tmp/before | sed "s/^.* = //")
	a=$(grep -F -m1 "$what = " /tmp/after | sed "s/^.* = //")
	if [ "$a" != "$b" ]; then
		fail "$what: '$a' after the restore, '$b' before the package"
		differ=$((differ + 1))
	fi
done <<<"$common"
[ "$differ" -eq 0 ] && pass "all $(echo "$common" | wc -l) values as before the package"
extra=$(only 13 | grep -v -E 'cdm-restore-job|cdmd\.service')
if [ -z "$extra" ]; then pass "no cgroup file, unit property or drop-in that was not there before"
else fail "present only after the restore: $(echo "$extra" | tr '\n' ';')"; fi
missing=$(only 23 | grep -v -E 'cdm-restore-job|cdmd\.service')
if [ -z "$missing" ]; then pass "nothing that was there before is gone"
else fail "gone after the restore: $(echo "$missing" | tr '\n' ';')"; fi
for k in auto_online_blocks demotion_enabled merge_across_nodes; do
	echo "$k: $(grep "$k" /tmp/before | sed 's/.* = //') before, $(grep "$k" /tmp/during | sed 's/.* = //') with cdmd, $(grep "$k" /tmp/after | sed 's/.* = //') after"
done
check_no_denials
finish
