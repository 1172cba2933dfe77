/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "manager.h"

extern const sd_bus_vtable migration_vtable[];
int bus_add_migration_vtable(Manager *m);
/* The id in a migration object path, CDM_BUS_MIGRATION_PREFIX "/N"; -EINVAL for any other path. */
int bus_migration_path_id(const char *path, unsigned *ret);
/* Its property changes, MigrationFinished, the object's arrival and departure. */
void bus_emit_migration(Manager *m, unsigned id);
void bus_emit_migration_finished(Manager *m, unsigned id, const char *job, uint64_t moved, uint64_t failed,
                const char *state);
void bus_emit_migration_added(Manager *m, unsigned id);
void bus_emit_migration_removed(Manager *m, unsigned id);
