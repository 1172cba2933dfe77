/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "bus-names.h"
#include "util/macro.h"
#include "manager-jobs.h"

#define CDM_BUS_ERROR(name) "org.cdmd.cdmd1.Error." name

/* sd_bus_error_setf() whose message is always valid UTF-8 (invalid bytes become U+FFFD), so
 * that sd-bus can send it. Return: a negative errno, as sd_bus_error_set(). */
_printf_(3, 4) int bus_error_setf(sd_bus_error *error, const char *name, const char *fmt, ...);
/* Fill @error from a JobError (or negative errno) and a message; returns a negative value. */
int bus_job_error(sd_bus_error *error, int e, const char *msg);
/* 1 if the sender may change things, 0 (with AccessDenied in @error) if not, or -errno. */
int bus_check_admin(Manager *m, sd_bus_message *msg, sd_bus_error *error);
char *bus_device_path(const char *name);
char *bus_job_path(const char *id);
