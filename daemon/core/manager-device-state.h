/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager-data.h"

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
/* @name's record; with @create, a new one (online) when there is none. NULL: none, or ENOMEM. */
DeviceState *manager_find_device_state(Manager *m, const char *name, bool create);
DevState manager_device_state(Manager *m, const char *name);
/* Nodes of devices that are not online: fenced off every cpuset, never onlined. */
void manager_fenced_nodes(Manager *m, cdm_nodemask *ret);
/* With @must_save, the change is undone unless it is on disk (a caller's request); a change of
 * the daemon's own (an evacuation step, a fault) stays and is saved again each cycle. Return: 0
 * or a negative errno. */
int manager_set_device_state(Manager *m, DeviceState *s, DevState state, const char *reason, bool must_save);
int manager_load_device_states(Manager *m);
/* Save the device states again if the last save failed. */
void manager_save_device_states(Manager *m);
void manager_device_states_free(Manager *m);
