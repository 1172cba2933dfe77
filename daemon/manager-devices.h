/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

typedef enum DevState {
        DEV_ONLINE,
        DEV_DRAINING,
        DEV_DRAINED,
        DEV_FAILED,
        _DEV_STATE_MAX,
} DevState;

typedef struct DeviceState {
        char *name;
        DevState state;
        char *reason;
        bool evacuation_pending;
        bool fault;
        bool watching;               /* the two figures below are known */
        unsigned blocks_online_seen; /* to notice blocks going offline underneath */
        uint64_t memory_failures_seen;
} DeviceState;

const char *dev_state_to_string(DevState s);
DevState manager_device_state(Manager *m, const char *name);
/* Whether the processes' pages of a draining or failed device are still being moved. */
bool manager_device_evacuating(Manager *m, const char *name);
/* Nodes of devices that are not online: fenced off every cpuset, never onlined. */
void manager_fenced_nodes(Manager *m, cdm_nodemask *ret);
int manager_drain(Manager *m, const char *device, const char *reason, bool fault, char **ret_msg);
int manager_resume(Manager *m, const char *device, char **ret_msg);
/* Before planning: fault sources (memory_failure counters, blocks offline underneath). */
void manager_detect_faults(Manager *m);
/* After each audit: the evacuation of draining and failed devices. */
void manager_watch_devices(Manager *m);
int manager_load_device_states(Manager *m);
/* Save the device states again if the last save failed. */
void manager_save_device_states(Manager *m);
void manager_device_states_free(Manager *m);
