/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The unit backend for systemd: where systemd (PID 1) owns the cgroup tree, fences and grants
 * of its units are AllowedMemoryNodes= properties set through org.freedesktop.systemd1
 * (SetUnitProperties, runtime), which systemd writes into the cgroups and re-applies itself
 * on every reload. Cgroups systemd does not manage are written directly, as without it.
 */

#include <stdbool.h>

#include "cdm/cdm.h"

struct sd_bus;

typedef struct SystemdBackend SystemdBackend;

/*
 * Connect when systemd manages this system (/run/systemd/system exists and the bus has
 * org.freedesktop.systemd1): 1 with *ret set, 0 when it does not (*ret = NULL).
 */
int systemd_backend_new(SystemdBackend **ret);
SystemdBackend *systemd_backend_free(SystemdBackend *b);
const struct cdm_unit_backend *systemd_backend_ops(SystemdBackend *b);

/*
 * Call @callback(@userdata) after each systemd reload, new unit or finished job, which is when
 * systemd re-realizes cgroups (and may rewrite files others wrote). @bus is the caller's
 * event-loop connection; the subscription lives as long as it does.
 */
int systemd_backend_subscribe(struct sd_bus *bus, void (*callback)(void *userdata), void *userdata);
