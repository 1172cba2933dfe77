/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Migrate: move a job's pages to its device or to system memory, on demand, without
 * stalling the loop: one engine step (one move_pages batch, sized by the engine to stay under
 * max_stall) per timer tick, the bandwidth cap applied as the wait between steps. Progress is
 * on a Migration object (PropertiesChanged at most every 100 ms), MigrationFinished at the
 * end. At most MIGRATIONS_MAX objects exist; finished ones are dropped oldest first.
 */

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup-backend.h"
#include "ctx.h"
#include "log.h"
#include "manager-bus.h"
#include "manager-devices.h"
#include "manager-jobs.h"
#include "manager-migrate.h"
#include "manager-move.h"
#include "migrate.h"
#include "sys.h"
#include "util/strv.h"
#include "util/text.h"
#include "util/time-util.h"
#include "audit.h"

struct Migration {
        Manager *m;
        unsigned id;
        char *job;
        char *target;
        cdm_nodemask from, to;
        uint64_t total;
        MigrationState state;
        bool cancel;
        int *pids;
        size_t n_pids, next_pid;
        cdm_migrate_job *engine;
        cdm_migrate_params params;
        cdm_migrate_stats stats;
        uint64_t started_usec, finished_usec, last_emit_usec;
        char *cgroup;
        uint64_t base_on_to; /* the job's bytes on the target nodes when it started */
        uint64_t moved;      /* measured on memory.numa_stat (a THP moves 2 MiB at once) */
        ev_timer timer;
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
        cdm_migrate_job_free(g->engine);
        free(g->pids);
        free(g->job);
        free(g->target);
        free(g->cgroup);
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
        g->engine = cdm_migrate_job_free(g->engine);
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
        bus_emit_migration(m, g, true);
}

static void on_step(struct ev_loop *loop, ev_timer *t, int revents)
{
        Migration *g = t->data;
        uint64_t wait = 0;
        int r;

        if (g->cancel) {
                finish(g, MIGRATION_CANCELLED);
                return;
        }
        /* A device drained or failed under a migration onto it: stop, the evacuation wins. */
        if (!streq(g->target, "system") && manager_device_state(g->m, g->target) != DEV_ONLINE) {
                finish(g, MIGRATION_CANCELLED);
                return;
        }
        while (!g->engine) {
                if (g->next_pid >= g->n_pids || g->moved >= g->total) {
                        finish(g, MIGRATION_DONE);
                        return;
                }
                if (cdm_migrate_job_new(g->m->ctx, &cdm_sys_ops_numa, g->pids[g->next_pid++], &g->from,
                                    &g->to, &g->params, &g->engine) < 0)
                        g->engine = NULL;
        }
        r = cdm_migrate_job_step(g->engine, &g->stats, &wait);
        {
                uint64_t on_to = manager_cgroup_bytes_on(g->m, g->cgroup, &g->to), cap, due;

                g->moved = on_to > g->base_on_to ? on_to - g->base_on_to : 0;
                /* The bandwidth cap, paced on what really moved since the start. */
                cap = g->m->config->bandwidth_mbps * 1000000ULL;
                if (cap) {
                        due = g->started_usec + g->moved * 1000000ULL / cap;
                        wait = due > now_usec(CLOCK_MONOTONIC) ? due - now_usec(CLOCK_MONOTONIC) : 0;
                }
        }
        if (r != CDM_MIGRATE_AGAIN || g->moved >= g->total) {
                g->engine = cdm_migrate_job_free(g->engine);
                if (r < 0 && r != -ESRCH && r != -ECANCELED) {
                        log_warning_errno(r, "Migration %u: %s", g->id, cdm_ctx_last_error(g->m->ctx));
                        if (r == -EACCES || r == -EPERM || r == -ENODEV) {
                                finish(g, MIGRATION_FAILED);
                                return;
                        }
                }
        }
        if (now_usec(CLOCK_MONOTONIC) - g->last_emit_usec >= 100000) {
                g->last_emit_usec = now_usec(CLOCK_MONOTONIC);
                bus_emit_migration(g->m, g, false);
        }
        ev_timer_set(t, (double) wait / 1e6, 0.);
        ev_timer_start(loop, t);
}

/* Drop the oldest finished migration when the table is full. */
static int make_room(Manager *m)
{
        Migration **v;

        if (m->n_migrations >= MIGRATIONS_MAX) {
                for (size_t i = 0; i < m->n_migrations; i++)
                        if (m->migrations[i]->state != MIGRATION_RUNNING) {
                                bus_emit_migration_removed(m, m->migrations[i]);
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
                .state = MIGRATION_RUNNING, .started_usec = now_usec(CLOCK_MONOTONIC),
                .params = { .max_stall_usec = m->config->max_stall_usec,
                        .no_migrate_pages = true, .cancel = &g->cancel } };
        g->from = streq(target, "system") ? d->nodes : m->layout->system_nodes;
        g->to = streq(target, "system") ? m->layout->system_nodes : d->nodes;
        /* 0 = all that fits: to the device, up to the quota; to system memory, everything. */
        g->total = streq(target, "system") ? (bytes ?: j->device_bytes ?: UINT64_MAX)
                                           : MIN(bytes ?: UINT64_MAX, j->quota > j->device_bytes ? j->quota - j->device_bytes : 0);
        g->cgroup = strdup(j->cgroup);
        if (!g->job || !g->target || !g->cgroup ||
                        cdm_cgroup_pids_recursive(m->ctx, j->cgroup, &g->pids, &g->n_pids) < 0) {
                migration_free(g);
                return -ENOMEM;
        }
        g->base_on_to = manager_cgroup_bytes_on(m, j->cgroup, &g->to);
        ev_timer_init(&g->timer, on_step, 0., 0.);
        g->timer.data = g;
        ev_timer_start(m->loop, &g->timer);
        m->migrations[m->n_migrations++] = g;
        bus_emit_migration_added(m, g);
        *ret_id = g->id;
        return JOB_OK;
}

int manager_cancel_migration(Manager *m, unsigned id)
{
        Migration *g = manager_find_migration(m, id);

        if (!g)
                return -ENOENT;
        g->cancel = true;
        return 0;
}
