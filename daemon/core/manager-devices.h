/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager-device-state.h"
#include "manager-data.h"

/* Whether the processes' pages of a draining or failed device are still being moved. */
bool manager_device_evacuating(Manager *m, const char *name);
int manager_drain(Manager *m, const char *device, const char *reason, bool fault, char **ret_msg);
int manager_resume(Manager *m, const char *device, char **ret_msg);
/* Before planning: fault sources (memory_failure counters, blocks offline underneath). */
void manager_detect_faults(Manager *m);
/* After each audit: the evacuation of draining and failed devices. */
void manager_watch_devices(Manager *m);
