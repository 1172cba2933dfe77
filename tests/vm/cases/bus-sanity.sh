#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Guest case: the test VM's system bus is up (vm-test.sh --dbus) and answers
# over its socket; programs given with --bin run with their libraries.
. /test/lib.sh

[ -S /run/dbus/system_bus_socket ] || fail "no system bus socket"
pass "system bus socket exists"
pid=$(cat /run/dbus/pid) || fail "no /run/dbus/pid"
expect_eq "bus owner" "$(stat -c %U /proc/$pid)" messagebus
id=$(dbus-send --system --print-reply=literal --dest=org.freedesktop.DBus \
	/org/freedesktop/DBus org.freedesktop.DBus.GetId) || fail "GetId failed"
expect_match "bus id" "$id" '[0-9a-f]{32}'
names=$(dbus-send --system --print-reply --dest=org.freedesktop.DBus \
	/org/freedesktop/DBus org.freedesktop.DBus.ListNames) || fail "ListNames failed"
expect_match "bus names" "$names" 'org\.freedesktop\.DBus'
pass "system bus"
