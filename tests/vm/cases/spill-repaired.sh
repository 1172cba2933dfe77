#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Proof (b): pages spilled onto the device before cdmd started, in a service cgroup and in
# the root cgroup, are back on system memory within two audit intervals of the running
# daemon, with their contents intact.
. /test/lib.sh

setup_cgroups svc.service
spawn_in_cgroup svc.service /tmp/svc.out cdm-probe hold 64 1
svc=$SPAWNED
spawn_in_cgroup . /tmp/root.out cdm-probe hold 64 1
root=$SPAWNED
wait_ready /tmp/svc.out
wait_ready /tmp/root.out
for p in "svc $svc /tmp/svc.out" "root $root /tmp/root.out"; do
	set -- $p
	line=$(probe_report "$2" "$3")
	echo "$1 before: $line"
	expect_eq "$1 pages on node 1 before cdmd" "$(node_pages "$line" 1)" 16384
done

printf '[daemon]\naudit_interval = 1s\nstate_dir = /run/cdmd\n' >/tmp/cdmd.conf
cdmd -c /tmp/cdmd.conf 2>/tmp/cdmd.log &
cdmd=$!

# Placement, not time: poll until both are back (the audit runs every second), bounded.
for p in "svc $svc /tmp/svc.out" "root $root /tmp/root.out"; do
	set -- $p
	i=0
	while :; do
		line=$(probe_report "$2" "$3")
		[ "$(node_pages "$line" 1)" = 0 ] && break
		[ $i -lt 120 ] || fail "$1 still has pages on node 1: $line"
		sleep 1
		i=$((i + 1))
	done
	echo "$1 after: $line"
	expect_eq "$1 pages on node 0" "$(node_pages "$line" 0)" 16384
	expect_match "$1 contents" "$line" 'checksum ok'
done
kill -TERM "$cdmd"
wait "$cdmd" || true
cat /tmp/cdmd.log
expect_match "cdmd reported the root cgroup's spill" "$(cat /tmp/cdmd.log)" 'Spill: / has [0-9]+ bytes on cdm1'
expect_match "cdmd repaired it" "$(cat /tmp/cdmd.log)" 'Repaired spill of / on cdm1: [0-9]+ bytes moved'
kill -TERM "$svc" "$root"
pass "spilled pages are back on node 0, contents intact"
