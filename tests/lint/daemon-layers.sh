#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# daemon-layers.sh DAEMON-DIR: the daemon's own files include each other in one direction
# only. Each module (a .c and its .h) has a layer below; a file may include the headers of
# lower layers and its own, never one of its layer or above, so there is no import circle.
# A file of no layer fails too: a new module is placed here on purpose.
set -eu
dir=${1:?usage: daemon-layers.sh DAEMON-DIR}

layers='
0 log
1 manager-events manager-errors
2 manager-data
3 executor systemd-backend manager-self manager-numa manager-store ev-sdbus
4 manager-move manager-device-state
5 manager-apply manager-damon
6 manager-devices manager-migrate
7 manager-jobs
8 manager-sweep manager-metrics
9 manager-audit
10 manager
11 bus-names
12 bus-util
13 objects-bus migration-bus
14 bus-signals
15 manager-bus
16 bus-introspect
17 manager-loop
18 main
'

rank() {
	printf '%s\n' "$layers" | awk -v m="$1" '{ for (i = 2; i <= NF; i++) if ($i == m) print $1 }'
}

status=0
checked=0
for f in "$dir"/*.c "$dir"/*.h; do
	base=$(basename "$f")
	mod=${base%.*}
	own=$(rank "$mod")
	if [ -z "$own" ]; then
		echo "$base: module '$mod' is in no layer (tests/lint/daemon-layers.sh)"
		status=1
		continue
	fi
	for inc in $(sed -n 's/^#include "\([^"/]*\)\.h"$/\1/p' "$f"); do
		[ -e "$dir/$inc.h" ] || continue # the library's, or cdm/, util/
		[ "$inc" = "$mod" ] && continue
		r=$(rank "$inc")
		if [ -z "$r" ]; then
			echo "$base: includes $inc.h, whose module is in no layer"
			status=1
		elif [ "$r" -ge "$own" ]; then
			echo "$base (layer $own): includes $inc.h (layer $r): only lower layers may be included"
			status=1
		fi
		checked=$((checked + 1))
	done
done
[ "$checked" -gt 0 ] || { echo "no include checked in $dir"; exit 1; }
[ $status -eq 0 ] && echo "daemon layers: $checked includes, all downward"
exit $status
