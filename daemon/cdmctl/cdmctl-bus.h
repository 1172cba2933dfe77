/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The bus half of cdmctl, shared by its verb files: names of cdmd's objects, reading
 * properties and replies into the plain structs of cdmctl-format.h, and turning failures
 * into messages and exit codes. Verbs return an exit status (CDMCTL_EXIT_*), not an errno:
 * four classes of failure are the command's contract, and each verb reports its own error
 * exactly once through cdmctl_fail() or cdmctl_usage().
 */

#include <systemd/sd-bus.h>

#include "cdmctl-args.h"
#include "cdmctl-format.h"
#include "util/macro.h"

#define CDMD_BUS_NAME "org.cdmd.cdmd1"
#define CDMD_PATH "/org/cdmd/cdmd1"
#define CDMD_MANAGER "org.cdmd.cdmd1.Manager"
#define CDMD_DEVICE "org.cdmd.cdmd1.Device"
#define CDMD_JOB "org.cdmd.cdmd1.Job"
#define CDMD_MIGRATION "org.cdmd.cdmd1.Migration"
#define CDMD_DEVICE_PREFIX "/org/cdmd/cdmd1/device"
#define CDMD_JOB_PREFIX "/org/cdmd/cdmd1/job"
#define DBUS_PROPERTIES "org.freedesktop.DBus.Properties"

/* sd-bus.h defines sd_bus_message_unrefp(), sd_bus_flush_close_unrefp() and friends. */
#define _cleanup_bus_message_ _cleanup_(sd_bus_message_unrefp)
#define _cleanup_bus_error_ _cleanup_(sd_bus_error_free)
#define _cleanup_props_ _cleanup_(cdmctl_props_done)
#define _cleanup_strbuf_ _cleanup_(strbuf_done)

_printf_(1, 2) int cdmctl_usage(const char *fmt, ...);
int cdmctl_fail(const sd_bus_error *error, int r, const char *what);
int cdmctl_output(strbuf *b);
void cdmctl_now_get(cdmctl_now *ret);

int cdmctl_read_value(sd_bus_message *m, cdmctl_props *props, const char *name);
int cdmctl_read_props(sd_bus_message *m, cdmctl_props *props);
int cdmctl_get_all(sd_bus *bus, const char *path, const char *interface, cdmctl_props *ret,
                   sd_bus_error *error);
int cdmctl_manager_call(sd_bus *bus, const char *method, sd_bus_error *error,
                        sd_bus_message **ret_reply, const char *types, ...);

int cdmctl_quit_signals_install(void);
unsigned cdmctl_quit_requested(void);
int cdmctl_dispatch(sd_bus *bus, uint64_t usec);

int verb_status(void *userdata, const cdmctl_args *args);
int verb_devices(void *userdata, const cdmctl_args *args);
int verb_device(void *userdata, const cdmctl_args *args);
int verb_jobs(void *userdata, const cdmctl_args *args);
int verb_job(void *userdata, const cdmctl_args *args);
int verb_audit(void *userdata, const cdmctl_args *args);
int verb_plan(void *userdata, const cdmctl_args *args);
int verb_moves(void *userdata, const cdmctl_args *args);
int verb_monitor(void *userdata, const cdmctl_args *args);
int verb_migrate(void *userdata, const cdmctl_args *args);
