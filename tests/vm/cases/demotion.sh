#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Proof (f): demotion enabled at boot is disabled by cdmd and enabled again by
# `cdmd --restore`.
. /test/lib.sh

knob=/sys/kernel/mm/numa/demotion_enabled
[ -f $knob ] || fail "this kernel has no $knob"
echo true >$knob
expect_eq "demotion before cdmd" "$(cat $knob)" true
cdmd -c /dev/null --oneshot >/dev/null || fail "cdmd failed"
expect_eq "demotion after cdmd" "$(cat $knob)" false
cdmd -c /dev/null --restore || fail "restore failed"
expect_eq "demotion after --restore" "$(cat $knob)" true
