/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

#define CDM_BUS_NAME "org.cdmd.cdmd1"
#define CDM_BUS_PATH "/org/cdmd/cdmd1"
#define CDM_BUS_MANAGER "org.cdmd.cdmd1.Manager"
#define CDM_BUS_DEVICE "org.cdmd.cdmd1.Device"
#define CDM_BUS_JOB "org.cdmd.cdmd1.Job"
#define CDM_BUS_DEVICE_PREFIX "/org/cdmd/cdmd1/device"
#define CDM_BUS_JOB_PREFIX "/org/cdmd/cdmd1/job"

/* Connect, register the objects, take the name, attach to the loop. */
int manager_bus_start(Manager *m);
void manager_bus_stop(Manager *m);
/* Print the introspection XML of every interface. */
int bus_introspect(void);

/* Signals and property changes; no-ops without a bus. */
void bus_emit_job_added(Manager *m, const char *id);
void bus_emit_job_removed(Manager *m, const char *id, const char *reason);
void bus_emit_job_changed(Manager *m, const struct cdm_job *j);
void bus_emit_quota_exceeded(Manager *m, const struct cdm_job *j);
void bus_emit_spill(Manager *m, const char *signal, const char *owner, const char *device,
                uint64_t bytes);
void bus_emit_audit_done(Manager *m);
void bus_emit_manager_changed(Manager *m, const char *property);
void bus_emit_device_changed(Manager *m, const char *device);
struct Migration;
void bus_emit_migration(Manager *m, const struct Migration *g, bool finished);
void bus_emit_migration_added(Manager *m, const struct Migration *g);
void bus_emit_migration_removed(Manager *m, const struct Migration *g);
#define CDM_BUS_MIGRATION "org.cdmd.cdmd1.Migration"
#define CDM_BUS_MIGRATION_PREFIX "/org/cdmd/cdmd1/migration"
void bus_emit_device_state(Manager *m, const char *device, const char *state, const char *reason);
