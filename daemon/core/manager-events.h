/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What changed, as records. The daemon's own code (jobs, devices, the audit, DAMON, the
 * migrations) says here what happened; only the bus layer turns the records into signals and
 * PropertiesChanged (bus-signals.c), once per iteration of the loop, after the replies of the
 * calls that caused them. Nothing is kept while no one takes them (events.enabled is false:
 * no bus), and at most MANAGER_EVENTS_MAX are kept between two takes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ManagerEventKind {
        MANAGER_EVENT_JOB_ADDED,          /* id: the job */
        MANAGER_EVENT_JOB_REMOVED,        /* id, text: the reason */
        MANAGER_EVENT_JOB_CHANGED,        /* id */
        MANAGER_EVENT_QUOTA_EXCEEDED,     /* id, bytes: on the device, limit: the quota */
        MANAGER_EVENT_SPILL_DETECTED,     /* id: the owner cgroup, device, bytes */
        MANAGER_EVENT_SPILL_REPAIRED,     /* id: the owner cgroup, device, bytes */
        MANAGER_EVENT_AUDIT_DONE,         /* an audit's figures are published */
        MANAGER_EVENT_MANAGER_CHANGED,    /* id: the Manager property */
        MANAGER_EVENT_DEVICE_CHANGED,     /* device: its grants changed */
        MANAGER_EVENT_DEVICE_STATE,       /* device, text: the state, text2: why */
        MANAGER_EVENT_MIGRATION_ADDED,    /* number */
        MANAGER_EVENT_MIGRATION_CHANGED,  /* number: its progress */
        MANAGER_EVENT_MIGRATION_FINISHED, /* number, id: the job, bytes: moved, limit: failed, text: the state */
        MANAGER_EVENT_MIGRATION_REMOVED,  /* number */
        _MANAGER_EVENT_MAX,
} ManagerEventKind;

typedef struct ManagerEvent {
        ManagerEventKind kind;
        const char *id, *device, *text, *text2; /* copies, once recorded */
        uint64_t bytes, limit;
        unsigned number;
} ManagerEvent;

#define MANAGER_EVENTS_MAX 65536

typedef struct ManagerEvents {
        ManagerEvent *items;
        size_t n, cap;
        bool enabled;
        uint64_t dropped; /* over MANAGER_EVENTS_MAX or out of memory, since the start */
} ManagerEvents;

const char *manager_event_kind_to_string(ManagerEventKind k);
/* Record a copy of @ev (when enabled). */
void manager_events_add(ManagerEvents *e, const ManagerEvent *ev);
/* Hand the records over, oldest first; free them with manager_events_free(). */
size_t manager_events_take(ManagerEvents *e, ManagerEvent **ret);
void manager_events_free(ManagerEvent *items, size_t n);
void manager_events_done(ManagerEvents *e);
