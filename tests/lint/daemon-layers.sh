#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# daemon-layers.sh DIR...: the daemon's own files (daemon/core, daemon/bus, daemon/cdmd)
# include each other in one direction only. Each module (a .c and its .h) has a layer below; a file may include the headers of
# lower layers and its own, never one of its layer or above, so there is no import circle.
# A file of no layer fails too: a new module is placed here on purpose.
set -eu
[ $# -gt 0 ] || { echo "usage: daemon-layers.sh DIR..."; exit 2; }

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
# Whether a header is the daemon's (not the library's, cdm/ or util/).
ours() {
	for d in $dirs; do [ -e "$d/$1.h" ] && return 0; done
	return 1
}

dirs="$*"
for f in $(for d in $dirs; do ls "$d"/*.c "$d"/*.h; done); do
	base=$(basename "$f")
	mod=${base%.*}
	own=$(rank "$mod")
	if [ -z "$own" ]; then
		echo "$base: module '$mod' is in no layer (tests/lint/daemon-layers.sh)"
		status=1
		continue
	fi
	for inc in $(sed -n 's/^#include "\([^"/]*\)\.h"$/\1/p' "$f"); do
		ours "$inc" || continue
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
[ "$checked" -gt 0 ] || { echo "no include checked in $dirs"; exit 1; }
[ $status -eq 0 ] && echo "daemon layers: $checked includes, all downward"
exit $status
