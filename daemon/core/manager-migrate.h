/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager-data.h"

#define MIGRATIONS_MAX 64

typedef enum MigrationState {
        MIGRATION_RUNNING,
        MIGRATION_DONE,
        MIGRATION_CANCELLED,
        MIGRATION_FAILED,
} MigrationState;

typedef struct Migration Migration;

const char *migration_state_to_string(MigrationState s);
/* Start moving a job's pages; returns JOB_OK with *ret_id, a JobError, or -errno. */
int manager_migrate(Manager *m, const char *job, const char *target, uint64_t bytes, unsigned *ret_id,
                char **ret_msg);
int manager_cancel_migration(Manager *m, unsigned id);
Migration *manager_find_migration(Manager *m, unsigned id);
void manager_migrations_free(Manager *m);
/* Cancel the running migrations of a job (it is being revoked). */
void manager_cancel_job_migrations(Manager *m, const char *job);
/* Accessors for the bus. */
const char *migration_job(const Migration *g);
const char *migration_target(const Migration *g);
uint64_t migration_total(const Migration *g);
uint64_t migration_moved(const Migration *g);
uint64_t migration_failed(const Migration *g);
MigrationState migration_state(const Migration *g);
uint64_t migration_started_usec(const Migration *g);
uint64_t migration_finished_usec(const Migration *g);
unsigned migration_id(const Migration *g);
