#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Proofs (e) and (g): a granted job cgroup can put pages on its device with mbind and
# move_pages, its sibling without a grant cannot (EACCES); with two devices each job reaches
# only its own.
. /test/lib.sh

setup_cgroups jobs.slice
echo +cpuset +memory >$CG/jobs.slice/cgroup.subtree_control 2>/dev/null || true
mkdir -p $CG/jobs.slice/j1 $CG/jobs.slice/j2
if [ "$TOPOLOGY" = twodev ]; then
	printf '[job j1]\ncgroup = /jobs.slice/j1\ndevice = cdm1\nquota = 256M\n[job j2]\ncgroup = /jobs.slice/j2\ndevice = cdm2\nquota = 256M\n' >/tmp/cdmd.conf
else
	printf '[job j1]\ncgroup = /jobs.slice/j1\ndevice = cdm1\nquota = 256M\n' >/tmp/cdmd.conf
fi
printf '[daemon]\nstate_dir = /run/cdmd\n' >>/tmp/cdmd.conf
cdmd -c /tmp/cdmd.conf --oneshot >/dev/null 2>/tmp/cdmd.log || { cat /tmp/cdmd.log; fail "cdmd failed"; }
cat /tmp/cdmd.log

# expect_move JOB NODE STATUS
expect_move() {
	status=0
	out=$(in_cgroup "jobs.slice/$1" cdm-probe move 64 "$2") || status=$?
	echo "$1 -> node $2: $out"
	expect_eq "$1 move_pages to node $2 exit status" "$status" "$3"
}

expect_eq "j1 cpuset.mems.effective" "$(cat $CG/jobs.slice/j1/cpuset.mems.effective)" 0-1
expect_move j1 1 0
status=0
in_cgroup jobs.slice/j1 cdm-probe bind 64 1 || status=$?
expect_eq "j1 mbind to node 1" "$status" 0
if [ "$TOPOLOGY" = twodev ]; then
	expect_eq "j2 cpuset.mems.effective" "$(cat $CG/jobs.slice/j2/cpuset.mems.effective)" 0,2
	expect_move j1 2 13
	expect_move j2 2 0
	expect_move j2 1 13
	pass "each job reaches only its own device"
else
	expect_eq "j2 cpuset.mems.effective" "$(cat $CG/jobs.slice/j2/cpuset.mems.effective)" 0
	expect_move j2 1 13
	pass "the granted job reaches the device, its sibling gets EACCES"
fi
