/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Migrate: move a job's pages to its device or to system memory, on demand, on the executor's
 * threads (executor.c) like every other move, under the shared bandwidth cap, so the loop
 * never waits for it. Progress is on a Migration object (the executor's count polled every
 * 100 ms, PropertiesChanged when it changed), MigrationFinished at the end. At most
 * MIGRATIONS_MAX objects exist; finished ones are dropped oldest first.
 */

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup-backend.h"
#include "ctx-roots.h"
#include "log.h"
#include "manager-device-state.h"
#include "manager-errors.h"
#include "manager-migrate.h"
#include "manager-move.h"
#include "migrate.h"
#include "sys.h"
#include "util/strv.h"
#include "util/text.h"
#include "util/time-util.h"
#include "audit.h"
#include "executor.h"

struct Migration {
        Manager *m;
        unsigned id;
        char *job;
        char *target;
        char *owner; /* on the executor: "migration:ID" */
        uint64_t total;
        MigrationState state;
        cdm_migrate_stats stats;
        uint64_t started_usec, finished_usec;
        uint64_t moved; /* measured on memory.numa_stat (a THP moves 2 MiB at once) */
        ev_timer timer; /* progress, every 100 ms */
};

const char *migration_state_to_string(MigrationState s)
{
        static const char *const names[] = { "running", "done", "cancelled", "failed" };
        return s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

const char *migration_job(const Migration *g) { return g->job; }
const char *migration_target(const Migration *g) { return g->target; }
uint64_t migration_total(const Migration *g) { return g->total; }
uint64_t migration_moved(const Migration *g) { return g->moved; }
uint64_t migration_failed(const Migration *g) { return g->stats.bytes_failed; }
MigrationState migration_state(const Migration *g) { return g->state; }
uint64_t migration_started_usec(const Migration *g) { return g->started_usec; }
uint64_t migration_finished_usec(const Migration *g) { return g->finished_usec; }
unsigned migration_id(const Migration *g) { return g->id; }

static void migration_free(Migration *g)
{
        if (!g)
                return;
        if (g->m && g->m->loop)
                ev_timer_stop(g->m->loop, &g->timer);
        free(g->job);
        free(g->target);
        free(g->owner);
        free(g);
}

Migration *manager_find_migration(Manager *m, unsigned id)
{
        for (size_t i = 0; i < m->n_migrations; i++)
                if (m->migrations[i]->id == id)
                        return m->migrations[i];
        return NULL;
}

void manager_migrations_free(Manager *m)
{
        for (size_t i = 0; i < m->n_migrations; i++)
                migration_free(m->migrations[i]);
        free(m->migrations);
        m->migrations = NULL;
        m->n_migrations = 0;
}

static void finish(Migration *g, MigrationState state)
{
        Manager *m = g->m;
        cdm_job *j = cdm_jobs_find(&m->jobs, g->job);

        ev_timer_stop(m->loop, &g->timer);
        g->state = state;
        g->finished_usec = now_usec(CLOCK_MONOTONIC);
        if (j) {
                if (streq(g->target, "system"))
                        j->moved_to_system += g->moved;
                else
                        j->moved_to_device += g->moved;
        }
        log_info("Migration %u of job %s to %s %s: %llu bytes moved, %llu failed, in %llu ms; %llu move_pages calls, longest %llu us.",
                        g->id, g->job, g->target, migration_state_to_string(state),
                        (unsigned long long) g->moved, (unsigned long long) g->stats.bytes_failed,
                        (unsigned long long) ((g->finished_usec - g->started_usec) / 1000),
                        (unsigned long long) g->stats.calls, (unsigned long long) g->stats.call_usec_max);
        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_MIGRATION_CHANGED, .number = g->id });
        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_MIGRATION_FINISHED, .number = g->id, .id = g->job,
                                        .bytes = g->moved, .limit = g->stats.bytes_failed,
                                        .text = migration_state_to_string(state) });
}

static void on_progress(struct ev_loop *loop, ev_timer *t, int revents)
{
        Migration *g = t->data;
        ExecProgress p;

        /* A device drained or failed under a migration onto it: stop, the evacuation wins. */
        if (!streq(g->target, "system") && manager_device_state(g->m, g->target) != DEV_ONLINE)
                manager_move_cancel(g->m, g->owner);
        if (g->m->executor && executor_progress(g->m->executor, g->owner, &p) && p.bytes_moved != g->moved) {
                g->moved = p.bytes_moved;
                manager_event(g->m, &(ManagerEvent){ .kind = MANAGER_EVENT_MIGRATION_CHANGED, .number = g->id });
        }
}

/* The executor is done with it (in the loop). */
static void on_moved(void *userdata, const char *owner, const ExecResult *res)
{
        Migration *g = userdata;

        g->stats = res->stats;
        g->moved = res->moved;
        if (res->error && res->error != -ECANCELED)
                log_warning_errno(res->error, "Migration %u: %s", g->id, res->error_text);
        if (res->cancelled)
                finish(g, MIGRATION_CANCELLED);
        else if (res->error == -EACCES || res->error == -EPERM || res->error == -ENODEV)
                finish(g, MIGRATION_FAILED);
        else
                finish(g, MIGRATION_DONE);
}

/* The Migration outlives its request: a running one is never dropped (make_room), and the
 * executor is stopped before the migrations are freed. */
static void keep_migration(void *userdata)
{
}

/* Drop the oldest finished migration when the table is full. */
static int make_room(Manager *m)
{
        Migration **v;

        if (m->n_migrations >= MIGRATIONS_MAX) {
                for (size_t i = 0; i < m->n_migrations; i++)
                        if (m->migrations[i]->state != MIGRATION_RUNNING) {
                                manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_MIGRATION_REMOVED,
                                                                  .number = m->migrations[i]->id });
                                migration_free(m->migrations[i]);
                                memmove(&m->migrations[i], &m->migrations[i + 1],
                                                (m->n_migrations - i - 1) * sizeof(Migration *));
                                m->n_migrations--;
                                break;
                        }
                if (m->n_migrations >= MIGRATIONS_MAX)
                        return -EBUSY;
        }
        v = realloc(m->migrations, (m->n_migrations + 1) * sizeof(Migration *));
        if (!v)
                return -ENOMEM;
        m->migrations = v;
        return 0;
}

int manager_migrate(Manager *m, const char *job, const char *target, uint64_t bytes, unsigned *ret_id,
                char **ret_msg)
{
        cdm_job *j = cdm_jobs_find(&m->jobs, job);
        const cdm_device *d;
        Migration *g;
        int r;

        *ret_msg = NULL;
        if (!j)
                return msg_printf(ret_msg, JOB_NO_JOB, "no job '%.*s'", UTF8_CUT(job, 64));
        d = m->layout ? cdm_layout_find_device(m->layout, j->device) : NULL;
        if (!d)
                return msg_printf(ret_msg, JOB_NO_DEVICE, "no device '%s'", j->device);
        if (!streq(target, "system") && !streq(target, d->name))
                return msg_printf(ret_msg, JOB_INVALID, "target must be the job's device '%s' or 'system'", d->name);
        if (!streq(target, "system") && manager_device_state(m, d->name) != DEV_ONLINE)
                return msg_printf(ret_msg, JOB_NOT_ONLINE, "device '%s' is not online", d->name);
        if (!m->loop || !cdm_ctx_is_live(m->ctx))
                return msg_printf(ret_msg, JOB_NOT_SUPPORTED, "migrations need the running daemon on the live system");
        r = make_room(m);
        if (r == -EBUSY)
                return msg_printf(ret_msg, JOB_TOO_MANY, "%d migrations are running", MIGRATIONS_MAX);
        if (r < 0)
                return r;
        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        *g = (Migration){ .m = m, .id = ++m->last_migration_id, .job = strdup(job), .target = strdup(target),
                .state = MIGRATION_RUNNING, .started_usec = now_usec(CLOCK_MONOTONIC) };
        /* 0 = all that fits: to the device, up to the quota; to system memory, everything. */
        g->total = streq(target, "system") ? (bytes ?: j->device_bytes ?: UINT64_MAX)
                                           : MIN(bytes ?: UINT64_MAX, j->quota > j->device_bytes ? j->quota - j->device_bytes : 0);
        if (!g->job || !g->target || asprintf(&g->owner, "migration:%u", g->id) < 0) {
                g->owner = NULL;
                migration_free(g);
                return -ENOMEM;
        }
        ev_timer_init(&g->timer, on_progress, 0.1, 0.1);
        g->timer.data = g;
        ev_timer_start(m->loop, &g->timer);
        m->migrations[m->n_migrations++] = g;
        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_MIGRATION_ADDED, .number = g->id });
        *ret_id = g->id;
        /* Its callback may run before this returns (no executor threads): after the object. */
        (void) manager_move_cgroup_submit(m, &(ExecRequest){ .owner = g->owner, .prio = CDM_MOVE_POLICY,
                        .from = streq(target, "system") ? d->nodes : m->layout->system_nodes,
                        .to = streq(target, "system") ? m->layout->system_nodes : d->nodes,
                        .budget = g->total, .cgroup = j->cgroup, .capped = true, .done = on_moved,
                        .userdata = g, .free_userdata = keep_migration });
        return JOB_OK;
}

int manager_cancel_migration(Manager *m, unsigned id)
{
        Migration *g = manager_find_migration(m, id);

        if (!g)
                return -ENOENT;
        if (g->state == MIGRATION_RUNNING)
                manager_move_cancel(m, g->owner);
        return 0;
}

void manager_cancel_job_migrations(Manager *m, const char *job)
{
        for (size_t i = 0; i < m->n_migrations; i++)
                if (m->migrations[i]->state == MIGRATION_RUNNING && streq(m->migrations[i]->job, job))
                        manager_move_cancel(m, m->migrations[i]->owner);
}
