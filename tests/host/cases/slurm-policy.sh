#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# --cdm-policy=device-first: a job that allocates 200 MiB of ordinary memory with a quota of
# 128 MiB gets its memory moved onto the device by cdmd, up to the quota and no further.
. /host-case/lib.sh
. /usr/local/lib/cdmd-host/slurm-lib.sh

quota=$((128 << 20))
rm -f /tmp/C.ready
C=$(s_sbatch --mem=600M -n1 --cdm-mem=128M --cdm-policy=device-first -o /tmp/C.out \
	--wrap 'cdm-probe hold 200 >/tmp/C.hold & touch /tmp/C.ready; wait') || fatal "sbatch C"
wait_for 240 test -e /tmp/C.ready || fatal "C does not start: $(job_state "$C") $(cat /tmp/C.out)"
wait_for 60 grep -q ready /tmp/C.hold || fail "C's cdm-probe is not ready"
cgC=$(job_cgroup "$C")
cdmctl job "slurm-$C"
start=$(ms_now)
max=0
for i in $(seq 1 120); do
	now=$(anon_bytes_in "$cgC")
	now=${now:-0}
	[ "$now" -gt "$max" ] && max=$now
	[ "$now" -ge $((quota - (8 << 20))) ] && break
	sleep 0.5
done
echo "C on node $DEV_NODE: $((now >> 20)) MiB after $(($(ms_now) - start)) ms (quota $((quota >> 20)) MiB); most seen $((max >> 20)) MiB"
[ "$now" -ge $((quota - (8 << 20))) ] && pass "device-first moved C's memory onto the device up to the quota" ||
	fail "C has $now bytes on node $DEV_NODE, want about $quota"
# A move ends on a whole batch (a huge page is 2 MiB), so it may overshoot the quota by a
# little; the quota is enforced at the next audits, which move the excess back.
over=0
for i in $(seq 1 40); do
	now=$(anon_bytes_in "$cgC")
	now=${now:-0}
	[ "$now" -gt "$quota" ] && [ $((now - quota)) -gt "$over" ] && over=$((now - quota))
	[ "$i" -ge 10 ] && [ "$now" -le "$quota" ] && break
	sleep 0.5
done
echo "C's most over its quota: $((over >> 10)) KiB; now $((now >> 20)) MiB"
[ "$now" -le "$quota" ] && pass "C stays within its quota once enforced ($((now >> 20)) MiB)" ||
	fail "C has ${now} bytes on node $DEV_NODE, over its quota $quota after 20 s"
expect_match "policy of slurm-$C" "$(cdmctl job "slurm-$C")" 'device-first'
s_scancel "$C"
wait_for 60 job_done "$C" || fail "C does not end"
finish
