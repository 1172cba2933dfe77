#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Fences hold while systemd does what it does all day: a sampler reads every cgroup down to
# depth 3 every 10 ms for the whole case and records each window during which the device
# node is in cpuset.mems.effective of a cgroup without a grant (a granted cgroup, what is
# below it and its ancestors may hold it). Meanwhile: daemon-reload x3, daemon-reexec x2, a
# transient unit with AllowedCPUs=0 that starts and exits, set-property on user.slice, a
# unit in a new slice, restarts of journald and logind. Goal: no window at all.
. /host-case/lib.sh

metrics_dropin
install_cdmd
dev=$(device_name)
expect_match "device on node $DEV_NODE" "$dev" '.'

section "a granted job: system.slice must open, its other children stay fenced"
systemd-run --unit=cdm-fence-job --quiet sleep 3600
cdmctl grant fence-job --cgroup "$(unit_cgroup cdm-fence-job.service)" --device "$dev" --size 128M >/dev/null &&
	pass "grant fence-job" || fail "grant fence-job"
GRANTS=/run/cdm-fence-grants
# cdmd's own cgroup is open too (it allocates the pages it moves onto a device; its own
# memory is bound to the system nodes): it counts as granted.
{
	job_cgroups
	unit_cgroup cdmd.service
} >"$GRANTS"
echo "granted: $(tr '\n' ' ' <"$GRANTS")"
cdmctl audit >/dev/null
sleep 2
drift0=$(metric cdmd_fence_drift_total)
echo "cdmd_fence_drift_total before: $drift0"

section "sampler"
cdm-fence-sampler "$DEV_NODE" "$GRANTS" 10 3 >/tmp/sampler.log 2>&1 &
sampler=$!
t0=$(date +%s%3N)
STEPS=/tmp/steps
: >"$STEPS"
# step NAME CMD...: runs a disturbance, notes when it began (seconds since the sampler
# started), then gives cdmd 3 s to react before the next one.
step() {
	local name=$1
	shift
	printf '%s %s\n' "$(awk -v ms=$(($(date +%s%3N) - t0)) 'BEGIN { printf "%.3f", ms / 1000 }')" "$name" >>"$STEPS"
	echo "--- $name: $*"
	"$@" || fail "$name: '$*' failed"
	sleep 3
	cdmd_active || fail "cdmd.service is $(systemctl is-active cdmd.service) after $name"
}
sleep 2
step baseline true
for i in 1 2 3; do step "daemon-reload-$i" systemctl daemon-reload; done
for i in 1 2; do step "daemon-reexec-$i" systemctl daemon-reexec; done
step transient-AllowedCPUs systemd-run --wait --quiet -p AllowedCPUs=0 true
step set-property-user.slice systemctl set-property --runtime user.slice CPUQuota=50%
step new-slice systemd-run --quiet --slice=foo.slice sleep 2
step restart-journald-logind systemctl restart systemd-journald systemd-logind
step end true
kill -TERM "$sampler"
wait "$sampler"
cat /tmp/sampler.log

section "windows by step"
# Each window is attributed to the step that was running when it opened.
awk 'NR == FNR { t[n] = $1; s[n++] = $2; next }
	/^window / { start = $7 + 0; k = -1; for (i = 0; i < n; i++) if (t[i] <= start) k = i
		printf "  %-26s %s\n", (k < 0 ? "before-steps" : s[k]), $0 }' "$STEPS" /tmp/sampler.log
windows=$(grep -c '^window ' /tmp/sampler.log)
populated=$(grep -c '^window .*(populated)$' /tmp/sampler.log)
longest=$(sed -n 's/^sampler: [0-9]* windows; longest //p' /tmp/sampler.log)
echo "windows: $windows ($populated with a process in the cgroup); longest: ${longest:-none}"
# A cgroup with no process in it allocates nothing: systemd makes a unit's cgroup, then
# writes its cpuset, then moves the first process in. Such a window is listed, not failed.
if [ "$windows" -eq 0 ]; then
	pass "no cgroup without a grant had node $DEV_NODE in cpuset.mems.effective, at any sample"
elif [ "$populated" -eq 0 ]; then
	pass "no cgroup without a grant and with a process in it had node $DEV_NODE in cpuset.mems.effective ($windows windows of empty cgroups)"
else
	fail "$populated windows with node $DEV_NODE open to a populated cgroup without a grant; longest $longest"
fi

section "systemd's view"
systemctl show -p Id,AllowedMemoryNodes,EffectiveMemoryNodes system.slice user.slice init.scope
echo "cdmd.service: cgroup $(unit_cgroup cdmd.service), AllowedMemoryNodes='$(unit_prop cdmd.service AllowedMemoryNodes)'"
for u in user.slice init.scope systemd-journald.service systemd-logind.service dbus.service; do
	expect_allowed "$u" fenced
done
expect_allowed cdm-fence-job.service open
if has_node "$(unit_prop system.slice EffectiveMemoryNodes)"; then
	pass "system.slice EffectiveMemoryNodes holds node $DEV_NODE (ancestor of a granted job)"
else
	fail "system.slice EffectiveMemoryNodes='$(unit_prop system.slice EffectiveMemoryNodes)': the granted job cannot reach node $DEV_NODE"
fi
expect_bind cdm-fence-job.service yes
expect_bind systemd-journald.service no

section "cdmd's view"
cdmctl status | head -n 8
expect_isolated
drift1=$(metric cdmd_fence_drift_total)
echo "cdmd_fence_drift_total: $drift0 before the steps, $drift1 after"
expect_match "metric cdmd_fence_drift_total" "$drift1" '^[0-9]+$'
journalctl -b -u cdmd --no-pager -o cat | grep -i -E 'drift|reload|changed by' | tail -n 20

section "the journal's fields: a fence widened by hand (the sampler has stopped)"
# cdmd puts it back and logs the drift with MESSAGE_ID and CDMD_CGROUP, so that
# journalctl MESSAGE_ID=... finds every one.
drift_id=44b85eacc221485ca0dd1ac27e4b38ef
systemctl set-property --runtime user.slice "AllowedMemoryNodes=0-$DEV_NODE"
ev=
for _ in $(seq 50); do
	ev=$(journalctl -b -u cdmd --no-pager -o json "MESSAGE_ID=$drift_id" | grep '"CDMD_CGROUP":"/user.slice"' | tail -n 1)
	[ -n "$ev" ] && break
	sleep 0.2
done
expect_match "journalctl MESSAGE_ID=$drift_id has the drift of user.slice" "$ev" '"MESSAGE":"Fence drift: AllowedMemoryNodes of /user.slice'
expect_match "the event has PRIORITY 4 (warning)" "$ev" '"PRIORITY":"4"'
allowed=$(unit_prop user.slice AllowedMemoryNodes)
for _ in $(seq 50); do
	in_nodelist "$allowed" "$DEV_NODE" || break
	sleep 0.2
	allowed=$(unit_prop user.slice AllowedMemoryNodes)
done
expect_eq "user.slice AllowedMemoryNodes after cdmd put it back" "$allowed" 0

cdmctl revoke fence-job >/dev/null
systemctl stop cdm-fence-job.service
check_no_denials
finish
