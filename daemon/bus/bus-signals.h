/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

/* Take the records of manager-events.h once per iteration of the loop and announce them. */
int bus_signals_start(Manager *m);
/* Announce what is left, and stop taking records. */
void bus_signals_stop(Manager *m);
/* Announce the records now. */
void bus_signals_flush(Manager *m);
