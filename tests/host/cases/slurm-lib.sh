# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# Slurm in the host-tier guest, for the slurm-*.sh cases (". /usr/local/lib/cdmd-host/slurm-lib.sh"
# after /host-case/lib.sh): one node running slurmctld and slurmd on a dummy interface,
# proctrack/cgroup, task/cgroup on cgroup v2, cdmd_spank.so from the package in the plugin
# stack (required), cdmd-epilog as the Epilog. Every Slurm command has a timeout.

NODE=$(hostname)
SLURM_LOG=/var/log/slurm/slurmd.log
SCOPE_GLOB="/sys/fs/cgroup/system.slice/*slurmstepd.scope"
SPANK_SO=/usr/lib/x86_64-linux-gnu/slurm-wlm/cdmd_spank.so

s_srun() { timeout 120 srun "$@"; }
s_sbatch() { timeout 30 sbatch --parsable "$@"; }
s_scontrol() { timeout 20 scontrol "$@"; }
s_scancel() { timeout 20 scancel "$@"; }

# job_state ID: RUNNING, PENDING, COMPLETED, CANCELLED, FAILED... ("" when Slurm forgot it).
job_state() {
	s_scontrol show job -o "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2
}
job_running() { [ "$(job_state "$1")" = RUNNING ]; }
job_done() {
	case $(job_state "$1") in RUNNING | PENDING | CONFIGURING | COMPLETING | SUSPENDED) return 1 ;; esac
	return 0
}
# job_cgroup ID: the job's cgroup directory (absolute, in /sys/fs/cgroup), or "".
job_cgroup() {
	ls -d $SCOPE_GLOB/job_"$1" 2>/dev/null | head -n 1
}
# node_bytes_in CGDIR [NODE]: bytes of every kind on NODE (default DEV_NODE) in memory.numa_stat.
node_bytes_in() {
	awk -v n="N${2:-$DEV_NODE}" '{ for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == n) s += a[2] } }
		END { print s + 0 }' "$1/memory.numa_stat" 2>/dev/null || echo 0
}
anon_bytes_in() {
	awk -v n="N${2:-$DEV_NODE}" '$1 == "anon" { for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == n) print a[2] } }' \
		"$1/memory.numa_stat" 2>/dev/null
}
# node1_anon_kb: AnonPages of the device node, kB.
node_anon_kb() {
	awk '$3 == "AnonPages:" { print $4 }' "$NODE_SYS/node${1:-$DEV_NODE}/meminfo"
}
grant_of() {
	cdmctl --json jobs | jq -r --arg id "$1" '.[] | select(.id == $id) | .id'
}
ms_now() { date +%s%3N; }

slurm_up() {
	local dev=$1 key=/etc/munge/munge.key
	if systemctl is-active -q slurmd && systemctl is-active -q slurmctld; then
		return 0
	fi
	section "Slurm on one node ($NODE, 10.99.0.1)"
	ip link add cdm0 type dummy 2>/dev/null
	ip addr add 10.99.0.1/24 dev cdm0 2>/dev/null
	ip link set cdm0 up
	sed -i "/[[:space:]]$NODE\$/d" /etc/hosts
	printf '10.99.0.1\t%s\n' "$NODE" >>/etc/hosts
	if [ ! -s "$key" ]; then
		mungekey -c -k "$key" 2>/dev/null || dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
	fi
	chown munge:munge "$key"
	chmod 0400 "$key"
	systemctl start munge || fatal "munge does not start"

	mkdir -p /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm /etc/slurm
	chown -R slurm:slurm /var/lib/slurm /var/log/slurm
	cat >/etc/slurm/slurm.conf <<CONF
ClusterName=cdm
SlurmctldHost=$NODE(10.99.0.1)
SlurmUser=slurm
AuthType=auth/munge
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup,task/affinity
PrologFlags=Contain
Epilog=/usr/libexec/cdmd/cdmd-epilog
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=600
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=$SLURM_LOG
SlurmdDebug=info
SlurmctldDebug=info
NodeName=$NODE NodeAddr=10.99.0.1 CPUs=2 RealMemory=1800 State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
	cat >/etc/slurm/cgroup.conf <<CONF
CgroupPlugin=cgroup/v2
ConstrainCores=yes
ConstrainRAMSpace=yes
CONF
	echo "required $SPANK_SO default_device=$dev default_policy=manual" >/etc/slurm/plugstack.conf
	cat /etc/slurm/plugstack.conf
	[ -f "$SPANK_SO" ] || fatal "the package has no $SPANK_SO"
	systemctl start slurmctld || fatal "slurmctld does not start: $(tail -n 20 /var/log/slurm/slurmctld.log)"
	systemctl start slurmd || fatal "slurmd does not start: $(tail -n 20 $SLURM_LOG)"
	if ! wait_for 60 sh -c "timeout 5 sinfo -h -n $NODE -o %T | grep -Eq '^(idle|mixed|allocated)'"; then
		s_scontrol update nodename="$NODE" state=resume
		wait_for 30 sh -c "timeout 5 sinfo -h -n $NODE -o %T | grep -q '^idle'" ||
			fatal "the node is not idle: $(timeout 5 sinfo -N -l; tail -n 20 $SLURM_LOG)"
	fi
	timeout 5 sinfo -N -l
	pass "slurmctld and slurmd up, node $NODE idle"
}

# The plugin's lines of slurmstepd in slurmd's log, for the figures.
spank_log() {
	grep -a 'cdmd: ' "$SLURM_LOG" | sed 's/^/  slurmd.log: /'
}
