# SPDX-License-Identifier: LGPL-2.1-or-later
#
# /host-case/driver: run by the image's cdmd-host-case as root once the guest has
# reached multi-user.target. Prints how long the boot took, runs each case of
# /host-case/cases/ in order (each in its own bash, its own RESULT line), and exits
# with 0 when all passed, 1 otherwise. After a failed case it prints the tail of
# cdmd's journal.

us() { systemctl show -p "$1" --value ${2:+"$2"}; }
secs() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000000 }'; }
initrd=$(us InitRDTimestampMonotonic)
userspace=$(us UserspaceTimestampMonotonic)
multi_user=$(us ActiveEnterTimestampMonotonic multi-user.target)
echo "cdmd-host-case: multi-user.target reached after $(secs "$multi_user") s (kernel to initrd $(secs "$initrd") s, systemd in the root filesystem from $(secs "$userspace") s)"
echo "cdmd-host-case: kernel $(uname -r), systemd $(systemctl --version | head -n 1 | cut -d' ' -f2), topology $(cat /host-case/topology)"
echo "cdmd-host-case: node 1: $(grep MemTotal /sys/devices/system/node/node1/meminfo | awk '{ print $4 " kB" }'), has_memory $(cat /sys/devices/system/node/has_memory), has_normal_memory $(cat /sys/devices/system/node/has_normal_memory)"

status=0
summary=
for c in /host-case/cases/*; do
	name=${c##*/}
	name=${name#[0-9][0-9]-}
	echo
	echo "##### case ${name%.sh}"
	start=$(date +%s%3N)
	bash "$c"
	st=$?
	ms=$(($(date +%s%3N) - start))
	took="$((ms / 1000)).$((ms % 1000 / 100)) s"
	echo "##### case ${name%.sh}: exit status $st after $took"
	summary="$summary
  ${name%.sh}: $([ "$st" -eq 0 ] && echo passed || echo "FAILED ($st)") in $took"
	if [ "$st" -ne 0 ]; then
		status=1
		echo "--- journal of cdmd (last 40 lines)"
		journalctl -b -u cdmd --no-pager -n 40 2>&1
	fi
done
echo
echo "cdmd-host-case: cases:$summary"
exit "$status"
