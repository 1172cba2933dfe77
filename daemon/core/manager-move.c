/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How the daemon moves pages, for repair, quotas, device-first, revoke and drains (Migrate
 * steps the same engine from the loop). Moves are queued on the executor (executor.c) and
 * their callback runs in the loop when they are done; without a loop (cdmd --oneshot) they
 * run right here and the callback is called before returning. One rule lives here: below
 * --root the processes are not this system's, so nothing is ever moved there; callers just
 * report (their callback runs all the same).
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "cgroup-backend.h"
#include "cgroup-parse.h"
#include "ctx-roots.h"
#include "executor.h"
#include "log.h"
#include "manager-move.h"
#include "sys.h"
#include "util/time-util.h"

#define WORKERS_AUTO_MAX 16

uint64_t manager_cgroup_bytes_on(Manager *m, const char *cgroup, const cdm_nodemask *nodes)
{
        _cleanup_free_ char *buf = NULL;
        cdm_numa_usage u = { 0 };
        const char *what;
        size_t len;

        if (cdm_cgroup_read(m->ctx, cgroup, "memory.numa_stat", &buf, &len) < 0 ||
                        cdm_parse_numa_stat(buf, len, nodes, &u, &what) < 0)
                return 0;
        return u.anon + u.file;
}

static cdm_migrate_params params_of(Manager *m, bool capped)
{
        return (cdm_migrate_params){ .max_stall_usec = m->config->max_stall_usec,
                .max_bytes_per_sec = capped ? m->config->bandwidth_mbps * 1000000ULL : 0 };
}

/* [migration] workers = auto: the CPUs of the system nodes, at most 16. */
static unsigned workers_of(Manager *m)
{
        unsigned n = 0;

        if (m->config->workers > 0)
                return (unsigned) m->config->workers;
        for (size_t i = 0; m->topo && m->layout && i < m->topo->n_nodes; i++)
                if (cdm_nodemask_test(&m->layout->system_nodes, m->topo->nodes[i].id))
                        n += m->topo->nodes[i].n_cpus;
        if (n == 0) {
                long c = sysconf(_SC_NPROCESSORS_ONLN);

                n = c > 0 ? (unsigned) c : 1;
        }
        return MIN(n, (unsigned) WORKERS_AUTO_MAX);
}

static Executor *executor_of(Manager *m)
{
        int r;

        if (!m->loop)
                return NULL;
        if (!m->executor) {
                unsigned n = workers_of(m);

                r = executor_new(m->loop, cdm_ctx_root(m->ctx), n, m->config->max_stall_usec, NULL, &m->executor);
                if (r < 0) {
                        log_warning_errno(r, "Cannot start the threads that move pages, moving them in the loop: %m");
                        return NULL;
                }
                log_info("Moving pages with %u worker threads.", executor_workers(m->executor));
        }
        executor_set_bandwidth(m->executor, m->config->bandwidth_mbps * 1000000ULL);
        return m->executor;
}

/* Without the executor: every process in turn, blocking. */
static void move_inline(Manager *m, const ExecRequest *req, ExecResult *res, char **error_text)
{
        cdm_migrate_params params = params_of(m, req->capped);
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);

        params.no_migrate_pages = req->budget != UINT64_MAX;
        for (size_t i = 0; i < req->n_pids && res->moved < req->budget; i++) {
                _cleanup_(cdm_migrate_job_freep) cdm_migrate_job *mj = NULL;
                uint64_t wait;
                int r;

                r = cdm_migrate_job_new(m->ctx, &cdm_sys_ops_numa, req->pids[i], &req->from, &req->to, &params, &mj);
                if (r < 0)
                        continue;
                do {
                        r = cdm_migrate_job_step(mj, &res->stats, &wait);
                        if (req->cgroup) {
                                uint64_t now = manager_cgroup_bytes_on(m, req->cgroup, &req->to);

                                res->moved = now > req->cgroup_base ? now - req->cgroup_base : 0;
                        } else
                                res->moved = res->stats.bytes_moved;
                        if (r == CDM_MIGRATE_AGAIN && wait > 0)
                                cdm_sys_ops_numa.sleep_usec(NULL, wait);
                } while (r == CDM_MIGRATE_AGAIN && res->moved < req->budget);
                if (r < 0 && r != -ESRCH && res->error == 0) {
                        res->error = r;
                        *error_text = strdup(cdm_ctx_last_error(m->ctx));
                        res->error_text = *error_text ?: "";
                }
        }
        res->tasks = req->n_pids;
        res->usec = now_usec(CLOCK_MONOTONIC) - t0;
}

int manager_move_submit(Manager *m, const ExecRequest *req_in)
{
        _cleanup_free_ char *error_text = NULL;
        ExecRequest req = *req_in;
        ExecResult res = { .error_text = "" };
        Executor *e;
        int r;

        if (!cdm_ctx_is_live(m->ctx) || m->dry_run)
                req.n_pids = 0;
        if (req.cgroup && req.n_pids > 0)
                req.cgroup_base = manager_cgroup_bytes_on(m, req.cgroup, &req.to);
        e = executor_of(m);
        if (e) {
                r = executor_submit(e, &req);
                if (r >= 0)
                        return 0;
                log_warning_errno(r, "Cannot queue the move of %s's pages, moving them now: %m", req.owner);
        }
        move_inline(m, &req, &res, &error_text);
        if (req.done)
                req.done(req.userdata, req.owner, &res);
        if (req.free_userdata)
                req.free_userdata(req.userdata);
        else
                free(req.userdata);
        return 0;
}

int manager_move_cgroup_submit(Manager *m, const ExecRequest *req_in)
{
        _cleanup_free_ int *pids = NULL;
        ExecRequest req = *req_in;
        size_t n = 0;

        if (req.cgroup && cdm_ctx_is_live(m->ctx) && !m->dry_run &&
                        cdm_cgroup_pids_recursive(m->ctx, req.cgroup, &pids, &n) < 0)
                n = 0;
        req.pids = pids;
        req.n_pids = n;
        return manager_move_submit(m, &req);
}

int manager_write_submit(Manager *m, const ExecRequest *req)
{
        /* Below --root the files are plain files: nothing moves, and a worker writing one
         * while the loop reads it (truncated, not yet written) would only make noise. */
        Executor *e = m->dry_run || !cdm_ctx_is_live(m->ctx) ? NULL : executor_of(m);
        _cleanup_free_ int *results = NULL;
        ExecResult res = { .error_text = "" };
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);

        if (e && executor_submit(e, req) >= 0)
                return 0;
        /* Without the executor (cdmd --oneshot, below --root): here and now. */
        results = calloc(req->n_writes ?: 1, sizeof(int));
        for (size_t i = 0; results && i < req->n_writes; i++) {
                results[i] = m->dry_run ? -ECANCELED : executor_write(m->ctx, req->writes[2 * i], req->writes[2 * i + 1],
                                                          req->write_tries, NULL, NULL);
                if (results[i] < 0 && results[i] != -ECANCELED && res.error == 0)
                        res.error = results[i];
        }
        res.write_results = results;
        res.n_writes = results ? req->n_writes : 0;
        res.cancelled = m->dry_run;
        res.usec = now_usec(CLOCK_MONOTONIC) - t0;
        if (req->done)
                req->done(req->userdata, req->owner, &res);
        if (req->free_userdata)
                req->free_userdata(req->userdata);
        else
                free(req->userdata);
        return results ? 0 : -ENOMEM;
}

bool manager_writing(Manager *m, const char *object)
{
        return m->executor && executor_writing(m->executor, object);
}

bool manager_moving(Manager *m, const char *owner)
{
        return m->executor && executor_progress(m->executor, owner, NULL);
}

bool manager_moving_cgroup(Manager *m, const char *cgroup)
{
        return m->executor && executor_moving_cgroup(m->executor, cgroup);
}

void manager_move_cancel(Manager *m, const char *owner)
{
        if (m->executor && executor_cancel(m->executor, owner) > 0)
                log_debug("Cancelled the page moves of %s.", owner);
}

void manager_spill_repaired(Manager *m, const char *owner, const char *device, uint64_t bytes)
{
        m->repaired_bytes += bytes;
        /* The audit that found it, unless a newer one replaced it meanwhile. */
        for (size_t i = 0; i < m->audit.n_items; i++)
                if (streq(m->audit.items[i].owner, owner) && streq(m->audit.items[i].device, device))
                        m->audit.items[i].repaired += bytes;
        if (bytes)
                manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_SPILL_REPAIRED, .id = owner, .device = device, .bytes = bytes });
}
