#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A fault source besides ReportFault: memory blocks of the device going offline underneath
# cdmd (a driver or an operator offlining them) put the device in failed, and the rest of
# its memory is evacuated; resume brings it back.
. /test/lib.sh

setup_cgroups system.slice
printf '[daemon]\naudit_interval = 1s\nstate_dir = /run/cdmd\n' >/tmp/cdmd.conf
cdmd -c /tmp/cdmd.conf --no-bus 2>/tmp/cdmd.log &
cdmd=$!
sleep 3
echo offline >$MEMORY_SYS/memory39/state || fail "cannot offline memory39"
i=0
until grep -q 'Device cdm1 is now failed' /tmp/cdmd.log; do
	[ $i -lt 100 ] || { cat /tmp/cdmd.log; fail "no fault seen"; }
	sleep 0.5
	i=$((i + 1))
done
i=0
until [ "$(cat $MEMORY_SYS/memory32/state)" = offline ]; do
	[ $i -lt 100 ] || { cat /tmp/cdmd.log; fail "not evacuated"; }
	sleep 0.5
	i=$((i + 1))
done
grep 'Device cdm1' /tmp/cdmd.log
expect_match "reason" "$(cat /tmp/cdmd.log)" 'failed: 1 memory blocks went offline underneath cdmd'
kill -TERM $cdmd
wait $cdmd || true
pass "blocks offlined underneath cdmd made the device failed"
