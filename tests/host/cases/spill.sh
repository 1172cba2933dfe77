#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# No spill from a systemd service or a user session: a service (systemd-run --unit) and a
# process in user.slice each allocate more than node 0 holds; they fail or are OOM-killed,
# and never get a page of the device node.
. /host-case/lib.sh

install_cdmd
sleep 2
echo "node 1 before: $(grep -E 'MemFree|FilePages|AnonPages' $NODE_SYS/node1/meminfo | awk '{ printf "%s %s kB  ", $3, $4 }')"

# spilled LOG: device pages in a cdm-probe fill log.
spilled() { probe_pages_on "$1" "$DEV_NODE"; }

section "a service: systemd-run --unit=cdm-spill-svc cdm-probe fill"
mb=$(fill_mb)
echo "filling $mb MiB (node 0 MemFree $(awk '$3 == "MemFree:" { print $4 }' $NODE_SYS/node0/meminfo) kB)"
rm -f /tmp/spill-svc.log
st=0
systemd-run --wait --quiet --unit=cdm-spill-svc -p PrivateTmp=no /usr/local/bin/cdm-probe fill "$mb" /tmp/spill-svc.log || st=$?
tail -n 3 /tmp/spill-svc.log
result=$(unit_prop cdm-spill-svc.service Result)
echo "systemd-run status $st, unit Result '$result'"
systemctl reset-failed cdm-spill-svc.service 2>/dev/null || true
if [ "$st" -ne 0 ]; then
	pass "the service did not fit and ended with status $st (Result=$result)"
else
	fail "the service fitted $mb MiB: node 0 had more room than measured, the check proves nothing"
fi
pages=$(spilled /tmp/spill-svc.log)
expect_eq "service pages on node $DEV_NODE" "$pages" 0
chunks=$(grep -c '^chunk' /tmp/spill-svc.log)
echo "the service touched $chunks chunks of 16 MiB before it ended"

section "a process in user.slice"
session=$(find $CG/user.slice -mindepth 2 -maxdepth 2 -name 'session-*.scope' | head -n 1)
rm -f /tmp/spill-user.log
st=0
mb=$(fill_mb)
if [ -n "$session" ]; then
	cg=${session#$CG}
	echo "in the login session $cg (cpuset.mems.effective $(cat "$session/cpuset.mems.effective" 2>/dev/null || echo 'no file'))"
	in_cgroup "$cg" /usr/local/bin/cdm-probe fill "$mb" /tmp/spill-user.log || st=$?
else
	echo "no login session; a scope in user.slice"
	systemd-run --scope --quiet --slice=user.slice /usr/local/bin/cdm-probe fill "$mb" /tmp/spill-user.log || st=$?
fi
tail -n 3 /tmp/spill-user.log
if [ "$st" -ne 0 ]; then
	pass "the user process did not fit and ended with status $st"
else
	fail "the user process fitted $mb MiB: the check proves nothing"
fi
expect_eq "user process pages on node $DEV_NODE" "$(spilled /tmp/spill-user.log)" 0

section "afterwards"
journalctl -b -k --no-pager -o cat | grep -E 'oom-kill:|Out of memory|Killed process' | tail -n 6
echo "node 1 after: $(grep -E 'MemFree|FilePages|AnonPages' $NODE_SYS/node1/meminfo | awk '{ printf "%s %s kB  ", $3, $4 }')"
expect_eq "cdmd.service" "$(systemctl is-active cdmd.service)" active
cdmctl audit
expect_isolated
check_no_denials
finish
