/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.cdmd.cdmd1.Migration objects below /org/cdmd/cdmd1/migration/<n>. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "bus-names.h"
#include "manager-migrate.h"
#include "migration-bus.h"
#include "util/parse-util.h"

int bus_migration_path_id(const char *path, unsigned *ret)
{
        static const char prefix[] = CDM_BUS_MIGRATION_PREFIX "/";
        uint32_t id;

        /* Exactly PREFIX/N, N as the daemon writes it: no sign, leading zero, wrap-around or tail. */
        if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 ||
                        parse_decimal_u32(path + sizeof(prefix) - 1, &id) < 0 || id == 0)
                return -EINVAL;
        *ret = id;
        return 0;
}

static Migration *migration_of(Manager *m, const char *path)
{
        unsigned id;

        if (bus_migration_path_id(path, &id) < 0)
                return NULL;
        return manager_find_migration(m, id);
}

static int find_migration(sd_bus *bus, const char *path, const char *interface, void *userdata,
                void **ret, sd_bus_error *error)
{
        if (!migration_of(userdata, path))
                return 0;
        *ret = userdata;
        return 1;
}

static int enumerate_migrations(sd_bus *bus, const char *prefix, void *userdata, char ***nodes,
                sd_bus_error *error)
{
        Manager *m = userdata;
        char **v = calloc(m->n_migrations + 1, sizeof(char *));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_migrations; i++)
                if (asprintf(&v[i], CDM_BUS_MIGRATION_PREFIX "/%u", migration_id(m->migrations[i])) < 0) {
                        for (size_t k = 0; k < i; k++)
                                free(v[k]);
                        free(v);
                        return -ENOMEM;
                }
        *nodes = v;
        return 1;
}

static int migration_property(sd_bus *bus, const char *path, const char *interface, const char *property,
                sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        const Migration *g = migration_of(userdata, path);

        if (!g)
                return sd_bus_error_setf(error, CDM_BUS_ERROR("NoSuchMigration"), "migration is gone");
        if (streq(property, "Job"))
                return sd_bus_message_append(reply, "s", migration_job(g));
        if (streq(property, "Target"))
                return sd_bus_message_append(reply, "s", migration_target(g));
        if (streq(property, "TotalBytes"))
                return sd_bus_message_append(reply, "t", migration_total(g));
        if (streq(property, "MovedBytes"))
                return sd_bus_message_append(reply, "t", migration_moved(g));
        if (streq(property, "FailedBytes"))
                return sd_bus_message_append(reply, "t", migration_failed(g));
        if (streq(property, "State"))
                return sd_bus_message_append(reply, "s", migration_state_to_string(migration_state(g)));
        if (streq(property, "StartedUSec"))
                return sd_bus_message_append(reply, "t", migration_started_usec(g));
        if (streq(property, "FinishedUSec"))
                return sd_bus_message_append(reply, "t", migration_finished_usec(g));
        return -EINVAL;
}

#define MP(name, sig) SD_BUS_PROPERTY(name, sig, migration_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

const sd_bus_vtable migration_vtable[] = {
        SD_BUS_VTABLE_START(0),
        MP("Job", "s"), MP("Target", "s"), MP("TotalBytes", "t"), MP("MovedBytes", "t"),
        MP("FailedBytes", "t"), MP("State", "s"), MP("StartedUSec", "t"), MP("FinishedUSec", "t"),
        SD_BUS_VTABLE_END,
};

int bus_add_migration_vtable(Manager *m)
{
        int r = sd_bus_add_fallback_vtable(m->bus, NULL, CDM_BUS_MIGRATION_PREFIX, CDM_BUS_MIGRATION,
                        migration_vtable, find_migration, m);

        return r < 0 ? r : sd_bus_add_node_enumerator(m->bus, NULL, CDM_BUS_MIGRATION_PREFIX, enumerate_migrations, m);
}

void bus_emit_migration(Manager *m, unsigned id)
{
        char path[64];

        if (!m->bus)
                return;
        (void) snprintf(path, sizeof(path), CDM_BUS_MIGRATION_PREFIX "/%u", id);
        (void) sd_bus_emit_properties_changed(m->bus, path, CDM_BUS_MIGRATION, "MovedBytes", "FailedBytes",
                        "State", "FinishedUSec", NULL);
}

void bus_emit_migration_finished(Manager *m, unsigned id, const char *job, uint64_t moved, uint64_t failed,
                const char *state)
{
        char path[64];

        if (!m->bus)
                return;
        (void) snprintf(path, sizeof(path), CDM_BUS_MIGRATION_PREFIX "/%u", id);
        (void) sd_bus_emit_signal(m->bus, CDM_BUS_PATH, CDM_BUS_MANAGER, "MigrationFinished", "ostts", path, job,
                        moved, failed, state);
}

void bus_emit_migration_added(Manager *m, unsigned id)
{
        char path[64];

        if (!m->bus)
                return;
        (void) snprintf(path, sizeof(path), CDM_BUS_MIGRATION_PREFIX "/%u", id);
        (void) sd_bus_emit_object_added(m->bus, path);
}

void bus_emit_migration_removed(Manager *m, unsigned id)
{
        char path[64];

        if (!m->bus)
                return;
        (void) snprintf(path, sizeof(path), CDM_BUS_MIGRATION_PREFIX "/%u", id);
        (void) sd_bus_emit_object_removed(m->bus, path);
}
