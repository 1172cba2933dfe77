/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "manager.h"

extern const sd_bus_vtable manager_vtable[];
extern const sd_bus_vtable device_vtable[];
extern const sd_bus_vtable job_vtable[];

int bus_add_object_vtables(Manager *m);
int bus_append_device_row(sd_bus_message *reply, Manager *m, const cdm_device *d);
int bus_append_job_row(sd_bus_message *reply, const cdm_job *j);
int bus_append_audit(sd_bus_message *reply, Manager *m);

/* The signals and property changes of the Manager, its devices and jobs (bus-signals.c calls
 * them for the records of manager-events.h); no-ops without a bus. */
void bus_emit_job_added(Manager *m, const char *id);
void bus_emit_job_removed(Manager *m, const char *id, const char *reason);
void bus_emit_job_changed(Manager *m, const char *id);
void bus_emit_quota_exceeded(Manager *m, const char *id, uint64_t bytes, uint64_t quota);
void bus_emit_spill(Manager *m, const char *signal, const char *owner, const char *device, uint64_t bytes);
void bus_emit_audit_done(Manager *m);
void bus_emit_manager_changed(Manager *m, const char *property);
void bus_emit_device_changed(Manager *m, const char *device);
void bus_emit_device_state(Manager *m, const char *device, const char *state, const char *reason);
