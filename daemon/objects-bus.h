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
