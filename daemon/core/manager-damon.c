/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tiered policy: one kdamond of cdmd's own, physical-address monitoring of the system and
 * device memory, two schemes per tiered job (see lib/model/damon.h). The same kdamond sweeps spill
 * that no process maps (page cache of a process that exited, for instance) back to system
 * memory: two schemes per memcg that holds such spill, or per device that no job is granted. cdmd adds its kdamond only when
 * there is none (the kernel rebuilds every kdamond directory when nr_kdamonds is written, so
 * adding one would wipe another user's), and after a restart it takes back the last kdamond
 * when that one looks like its own. Other kdamonds are left alone.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "damon-fs.h"
#include "damon.h"
#include "jobs.h"
#include "log.h"
#include "manager-damon.h"
#include "manager-errors.h"
#include "manager-move.h"
#include "util/strv.h"

typedef struct ManagerDamon {
        int kdamond;        /* cdmd's, or -1 */
        int supported;      /* -1: not probed yet */
        bool warned;        /* the kdamond could not be set up: said once */
        bool looked;        /* a kdamond of an earlier cdmd was looked for (once) */
        cdm_damon_writes last; /* what the kdamond was last given */
        char **scheme_jobs; /* job id of schemes 2i and 2i+1, NULL for a sweep */
        char **scheme_owner; /* a sweep's spill owner (the audit's), NULL for a job */
        char **scheme_device; /* a sweep's device */
        uint64_t *baseline; /* sz_applied of each scheme at the last reading */
        size_t n_jobs;      /* scheme pairs, jobs and sweeps */
        ManagerSweepTarget *sweeps; /* what manager_damon_set_sweeps() was last given */
        size_t n_sweeps;
} ManagerDamon;

static ManagerDamon *get(Manager *m)
{
        if (!m->damon) {
                m->damon = calloc(1, sizeof(ManagerDamon));
                if (m->damon) {
                        m->damon->kdamond = -1;
                        m->damon->supported = -1;
                }
        }
        return m->damon;
}

static void forget_schemes(ManagerDamon *d)
{
        if (d->scheme_jobs)
                strv_free_n(d->scheme_jobs, d->n_jobs);
        if (d->scheme_owner)
                strv_free_n(d->scheme_owner, d->n_jobs);
        if (d->scheme_device)
                strv_free_n(d->scheme_device, d->n_jobs);
        d->scheme_jobs = d->scheme_owner = d->scheme_device = NULL;
        free(d->baseline);
        d->baseline = NULL;
        d->n_jobs = 0;
}

static void free_sweeps(ManagerDamon *d)
{
        for (size_t i = 0; i < d->n_sweeps; i++) {
                free((char *) d->sweeps[i].owner);
                free((char *) d->sweeps[i].holder);
                free((char *) d->sweeps[i].device);
        }
        free(d->sweeps);
        d->sweeps = NULL;
        d->n_sweeps = 0;
}

int manager_damon_set_sweeps(Manager *m, const ManagerSweepTarget *t, size_t n)
{
        ManagerDamon *d = get(m);

        if (!d)
                return -ENOMEM;
        free_sweeps(d);
        if (n == 0)
                return 0;
        d->sweeps = calloc(n, sizeof(*d->sweeps));
        if (!d->sweeps)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                ManagerSweepTarget *c = &d->sweeps[d->n_sweeps++];

                *c = (ManagerSweepTarget){ .owner = strdup(t[i].owner),
                        .holder = t[i].holder ? strdup(t[i].holder) : NULL, .device = strdup(t[i].device) };
                if (!c->owner || (t[i].holder && !c->holder) || !c->device) {
                        free_sweeps(d);
                        return -ENOMEM;
                }
        }
        return 0;
}

/* A sweep of a whole device that a job is now granted. */
static bool whole_granted(Manager *m, const ManagerSweepTarget *t)
{
        return !t->holder && cdm_jobs_on_device(&m->jobs, t->device);
}

void manager_damon_drop_granted(Manager *m)
{
        ManagerDamon *d = m->damon;

        for (size_t i = 0; d && i < d->n_sweeps; i++)
                if (whole_granted(m, &d->sweeps[i])) {
                        log_info("Stopping the sweep of every page of %s: a job is granted it.",
                                        d->sweeps[i].device);
                        manager_damon_sync(m);
                        return;
                }
}

void manager_damon_free(Manager *m)
{
        if (!m->damon)
                return;
        forget_schemes(m->damon);
        free_sweeps(m->damon);
        cdm_damon_writes_done(&m->damon->last);
        free(m->damon);
        m->damon = NULL;
}

int manager_damon_check(Manager *m, char **ret_msg)
{
        ManagerDamon *d = get(m);
        uint64_t nr;
        int r;

        if (!d)
                return -ENOMEM;
        if (d->kdamond >= 0 || d->supported == 1)
                return JOB_OK;
        if (d->supported == 0 || cdm_damon_fs_read_u64(m->ctx, "kdamonds/nr_kdamonds", &nr) < 0)
                return msg_printf(ret_msg, JOB_NOT_SUPPORTED, CDM_DAMON_NOT_SUPPORTED_MSG);
        if (nr > 0) {
                if (cdm_damon_fs_is_ours(m->ctx, (unsigned) nr - 1))
                        return JOB_OK;
                return msg_printf(ret_msg, JOB_NOT_SUPPORTED,
                                "tiered needs a kdamond of cdmd's own, and DAMON has %llu kdamonds of another user",
                                (unsigned long long) nr);
        }
        /* Try the actions on a kdamond of our own, then remove it again. */
        r = cdm_damon_fs_write(m->ctx, "kdamonds/nr_kdamonds", "1");
        if (r >= 0) {
                r = cdm_damon_fs_probe(m->ctx, 0);
                (void) cdm_damon_fs_write(m->ctx, "kdamonds/nr_kdamonds", "0");
        }
        if (r < 0) {
                log_warning_errno(r, "Cannot probe DAMON in %s: %m", CDM_DAMON_ADMIN);
                return msg_printf(ret_msg, JOB_NOT_SUPPORTED, CDM_DAMON_NOT_SUPPORTED_MSG);
        }
        d->supported = r > 0;
        if (!r)
                return msg_printf(ret_msg, JOB_NOT_SUPPORTED, CDM_DAMON_NOT_SUPPORTED_MSG);
        return JOB_OK;
}

static void swept(Manager *m, const char *owner, const char *device, uint64_t bytes)
{
        manager_spill_repaired(m, owner, device, bytes);
        log_event(LOG_NOTICE, &(LogEvent){ .message_id = CDMD_MESSAGE_REPAIR, .device = device, .cgroup = owner,
                                  .bytes = bytes, .has_bytes = true },
                        "Repaired spill of %s on %s: %llu bytes that no process of it maps moved back to "
                        "system memory by DAMON.",
                        owner, device, (unsigned long long) bytes);
}

/* What DAMON applied since the last reading: added to the jobs' moved bytes, and for a
 * sweep to what was repaired. */
static void collect(Manager *m, ManagerDamon *d)
{
        if (d->kdamond < 0 || d->n_jobs == 0 || !cdm_damon_fs_running(m->ctx, (unsigned) d->kdamond))
                return;
        if (cdm_damon_fs_state(m->ctx, (unsigned) d->kdamond, "update_schemes_stats") < 0)
                return;
        for (size_t i = 0; i < d->n_jobs; i++) {
                cdm_job *j = d->scheme_jobs[i] ? cdm_jobs_find(&m->jobs, d->scheme_jobs[i]) : NULL;
                bool changed = false;

                for (size_t k = 0; k < 2; k++) {
                        uint64_t now, delta;

                        if (cdm_damon_fs_applied(m->ctx, (unsigned) d->kdamond, 2 * i + k, &now) < 0)
                                continue;
                        delta = cdm_damon_delta(d->baseline[2 * i + k], now);
                        d->baseline[2 * i + k] = now;
                        if (d->scheme_owner[i] && k == 1 && delta > 0)
                                swept(m, d->scheme_owner[i], d->scheme_device[i], delta);
                        if (!j || delta == 0)
                                continue;
                        if (k == 0)
                                j->moved_to_device += delta;
                        else
                                j->moved_to_system += delta;
                        changed = true;
                }
                if (changed)
                        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_JOB_CHANGED, .id = j->id });
        }
}

static void stop(Manager *m, ManagerDamon *d)
{
        uint64_t nr = 0;

        /* Called after every audit without a tiered job: sysfs is read only when there is a
         * kdamond of ours to stop, or once after start for one an earlier cdmd left. */
        if (d->kdamond < 0 && d->looked)
                return;
        d->looked = true;
        (void) cdm_damon_fs_read_u64(m->ctx, "kdamonds/nr_kdamonds", &nr);
        if (d->kdamond < 0 && nr > 0 && cdm_damon_fs_is_ours(m->ctx, (unsigned) nr - 1))
                d->kdamond = (int) nr - 1;
        if (d->kdamond < 0)
                return;
        if (cdm_damon_fs_running(m->ctx, (unsigned) d->kdamond)) {
                int r = cdm_damon_fs_state(m->ctx, (unsigned) d->kdamond, "off");

                /* Kept: the next call (after the next audit at the latest) tries again. */
                if (r < 0) {
                        if (!d->warned)
                                log_warning_errno(r, "Failed to stop kdamond %d, trying again later: %m", d->kdamond);
                        d->warned = true;
                        return;
                }
        }
        if (nr == (uint64_t) d->kdamond + 1) {
                char v[24];
                int r;

                snprintf(v, sizeof(v), "%d", d->kdamond);
                r = cdm_damon_fs_write(m->ctx, "kdamonds/nr_kdamonds", v);
                if (r < 0) {
                        if (!d->warned)
                                log_warning_errno(r, "Failed to remove kdamond %d, trying again later: %m", d->kdamond);
                        d->warned = true;
                        return;
                }
        }
        d->warned = false;
        log_info("Stopped kdamond %d: no tiered job and no spill to sweep left.", d->kdamond);
        d->kdamond = -1;
        forget_schemes(d);
        cdm_damon_writes_done(&d->last);
}

static int acquire(Manager *m, ManagerDamon *d)
{
        uint64_t nr;
        int r;

        if (d->kdamond >= 0)
                return 0;
        r = cdm_damon_fs_read_u64(m->ctx, "kdamonds/nr_kdamonds", &nr);
        if (r < 0)
                return r;
        if (nr > 0 && cdm_damon_fs_is_ours(m->ctx, (unsigned) nr - 1)) {
                d->kdamond = (int) nr - 1;
                log_info("Taking back kdamond %d, configured by an earlier cdmd.", d->kdamond);
                return 0;
        }
        if (nr > 0)
                return -EBUSY;
        r = cdm_damon_fs_write(m->ctx, "kdamonds/nr_kdamonds", "1");
        if (r < 0)
                return r;
        d->kdamond = 0;
        return 0;
}

/* The physical ranges of the memory blocks of the nodes in @mask, appended. */
static int node_ranges(Manager *m, const cdm_nodemask *mask, cdm_damon_range **r, size_t *n)
{
        for (int id = -1; (id = cdm_nodemask_next(mask, id)) >= 0;) {
                _cleanup_free_ unsigned *ids = NULL;
                size_t k = 0;
                int q;

                if (cdm_damon_fs_node_blocks(m->ctx, (unsigned) id, &ids, &k) < 0)
                        continue;
                q = cdm_damon_blocks_to_ranges(ids, k, m->topo->block_size, r, n);
                if (q < 0)
                        return q;
        }
        return 0;
}

/* manager_damon_sync() with @sweep_ranges, one slot per sweep, for the caller to free. */
static void sync_kdamond(Manager *m, ManagerDamon *d, cdm_damon_range **sweep_ranges)
{
        _cleanup_free_ cdm_damon_job *jobs = NULL;
        _cleanup_free_ cdm_damon_range *regions = NULL;
        _cleanup_free_ const char **pair_job = NULL;
        _cleanup_free_ const ManagerSweepTarget **pair_sweep = NULL;
        cdm_damon_writes w = { 0 };
        size_t n = 0, n_regions = 0, failed = 0;
        int system_node, r;
        bool running;

        if (m->dry_run || !m->layout || !m->topo)
                return;
        collect(m, d);

        /* Called at every grant: with thousands of jobs and no tiered one, only this loop. */
        for (size_t i = 0; i < m->jobs.n; i++)
                n += m->jobs.items[i].policy == CDM_POLICY_TIERED;
        jobs = calloc(n + d->n_sweeps + 1, sizeof(*jobs));
        pair_job = calloc(n + d->n_sweeps + 1, sizeof(*pair_job));
        pair_sweep = calloc(n + d->n_sweeps + 1, sizeof(*pair_sweep));
        if (!jobs || !pair_job || !pair_sweep)
                return;
        n = 0;
        system_node = cdm_nodemask_next(&m->layout->system_nodes, -1);
        for (size_t i = 0; system_node >= 0 && i < m->jobs.n; i++) {
                const cdm_job *j = &m->jobs.items[i];
                const cdm_device *dev;
                _cleanup_free_ cdm_damon_range *dr = NULL;
                size_t n_dr = 0;

                if (j->policy != CDM_POLICY_TIERED || j->state == CDM_JOB_SUSPENDED ||
                                !(dev = cdm_layout_find_device(m->layout, j->device)))
                        continue;
                if (node_ranges(m, &dev->nodes, &dr, &n_dr) < 0 || n_dr == 0)
                        continue;
                pair_job[n] = j->id;
                jobs[n++] = (cdm_damon_job){ .cgroup = j->cgroup,
                        .device_node = (unsigned) cdm_nodemask_next(&dev->nodes, -1),
                        .system_node = (unsigned) system_node,
                        .device = { dr[0].start, dr[n_dr - 1].end },
                        .quota = j->quota, .device_bytes = j->device_bytes };
        }
        for (size_t i = 0; system_node >= 0 && i < d->n_sweeps; i++) {
                const ManagerSweepTarget *t = &d->sweeps[i];
                const cdm_device *dev = cdm_layout_find_device(m->layout, t->device);
                cdm_damon_range *dr = NULL;
                size_t n_dr = 0;

                if (!dev || whole_granted(m, t) || node_ranges(m, &dev->nodes, &dr, &n_dr) < 0 || n_dr == 0) {
                        free(dr);
                        continue;
                }
                pair_sweep[n] = t;
                sweep_ranges[i] = dr;
                jobs[n++] = (cdm_damon_job){ .cgroup = t->holder,
                        .device_node = (unsigned) cdm_nodemask_next(&dev->nodes, -1),
                        .system_node = (unsigned) system_node,
                        .device = { dr[0].start, dr[n_dr - 1].end }, .sweep = true,
                        .ranges = t->holder ? NULL : dr, .n_ranges = n_dr };
        }
        if (n == 0) {
                stop(m, d);
                return;
        }
        if (node_ranges(m, &m->layout->system_nodes, &regions, &n_regions) < 0 ||
                        node_ranges(m, &m->layout->device_nodes, &regions, &n_regions) < 0)
                return;
        r = acquire(m, d);
        if (r < 0) {
                if (!d->warned)
                        log_warning_errno(r, "Cannot get a kdamond for the tiered jobs: %m");
                d->warned = true;
                return;
        }
        r = cdm_damon_build(&(cdm_damon_params){ .regions = regions, .n_regions = n_regions,
                                    .cold_after_usec = m->config->cold_after_usec,
                                    .bandwidth_mbps = m->config->bandwidth_mbps },
                        jobs, n, (unsigned) d->kdamond, &w);
        if (r < 0) {
                log_warning_errno(r, "Cannot build the DAMON configuration of the tiered jobs: %m");
                return;
        }
        running = cdm_damon_fs_running(m->ctx, (unsigned) d->kdamond);
        if (running && cdm_damon_writes_equal(&w, &d->last)) {
                cdm_damon_writes_done(&w);
                return;
        }
        r = cdm_damon_fs_apply(m->ctx, &w, &failed);
        if (r >= 0)
                r = cdm_damon_fs_state(m->ctx, (unsigned) d->kdamond, running ? "commit" : "on");
        if (r < 0) {
                if (!d->warned)
                        log_warning_errno(r, "Failed to configure kdamond %d (%s%s%s): %m", d->kdamond,
                                        failed < w.n ? w.items[failed].path : "state",
                                        failed < w.n ? " = " : "", failed < w.n ? w.items[failed].value : "");
                d->warned = true;
                cdm_damon_writes_done(&w);
                cdm_damon_writes_done(&d->last); /* tried in full again next time */
                /* A sweep's memcg that vanished fails the whole commit: the next audit says
                 * again which are left. */
                free_sweeps(d);
                return;
        }
        if (!running)
                log_info("Started kdamond %d for %zu tiered job(s) and %zu spill sweep(s).", d->kdamond,
                                n - d->n_sweeps, d->n_sweeps);
        d->warned = false;
        cdm_damon_writes_done(&d->last);
        d->last = w;

        /* The schemes as they are now, and their counters as the baseline. */
        forget_schemes(d);
        d->scheme_jobs = calloc(n, sizeof(char *));
        d->scheme_owner = calloc(n, sizeof(char *));
        d->scheme_device = calloc(n, sizeof(char *));
        d->baseline = calloc(2 * n, sizeof(uint64_t));
        if (!d->scheme_jobs || !d->scheme_owner || !d->scheme_device || !d->baseline) {
                free(d->scheme_jobs);
                free(d->scheme_owner);
                free(d->scheme_device);
                d->scheme_jobs = d->scheme_owner = d->scheme_device = NULL;
                forget_schemes(d);
                return;
        }
        d->n_jobs = n;
        for (size_t k = 0; k < n; k++) {
                /* A failed strdup leaves a pair uncounted, nothing worse. */
                if (pair_job[k])
                        d->scheme_jobs[k] = strdup(pair_job[k]);
                if (pair_sweep[k]) {
                        d->scheme_owner[k] = strdup(pair_sweep[k]->owner);
                        d->scheme_device[k] = strdup(pair_sweep[k]->device);
                        if (!d->scheme_owner[k] || !d->scheme_device[k]) {
                                free(d->scheme_owner[k]);
                                free(d->scheme_device[k]);
                                d->scheme_owner[k] = d->scheme_device[k] = NULL;
                        }
                }
        }
        if (running && cdm_damon_fs_state(m->ctx, (unsigned) d->kdamond, "update_schemes_stats") >= 0)
                for (size_t s = 0; s < 2 * d->n_jobs; s++)
                        (void) cdm_damon_fs_applied(m->ctx, (unsigned) d->kdamond, s, &d->baseline[s]);
}

void manager_damon_sync(Manager *m)
{
        ManagerDamon *d = get(m);
        cdm_damon_range **sweep_ranges;
        size_t n;

        if (!d)
                return;
        n = d->n_sweeps; /* a failed commit forgets the sweeps */
        sweep_ranges = calloc(n + 1, sizeof(*sweep_ranges));
        if (!sweep_ranges)
                return;
        sync_kdamond(m, d, sweep_ranges);
        for (size_t i = 0; i < n; i++)
                free(sweep_ranges[i]);
        free(sweep_ranges);
}
