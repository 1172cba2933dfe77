/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Spill that the process repair could not move (no process of the owner maps it) is handed
 * to cdmd's kdamond: every memcg at and below the owner that holds memory on the device gets
 * a migrate_hot scheme over the device's range with no access threshold (manager-damon.c).
 * On a device that no job is granted every page is spill: one scheme with no memcg filter
 * sweeps the whole device, page cache of removed cgroups too, which no filter can name.
 * The decisions are lib/model/sweep.c's; here are the reads, the logs and the hand-over.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit-fs.h"
#include "audit.h"
#include "ctx-roots.h"
#include "damon.h"
#include "log.h"
#include "manager-damon.h"
#include "manager-jobs.h"
#include "manager-move.h"
#include "manager-sweep.h"
#include "move-plan.h"
#include "sweep.h"
#include "util/strv.h"
#include "util/time-util.h"

#define HOLDERS_MAX 8 /* memcgs swept per spill */
#define TARGETS_MAX 8 /* memcgs swept at once: each is a scheme that walks the device */

static bool repairing(Manager *m, const cdm_sweep *sw)
{
        _cleanup_free_ char *owner = cdm_move_owner_spill(sw->device, sw->owner);

        /* Its repair, or the revoke that made it spill (a job's pages still on their way
         * back), moves it already. */
        return (owner && manager_moving(m, owner)) || manager_moving_cgroup(m, sw->owner);
}

/* Whether the kernel can sweep; said once per spill when it cannot. */
static bool can_sweep(Manager *m, cdm_sweep *sw)
{
        _cleanup_free_ char *msg = NULL;

        const char *why;

        if (manager_damon_check(m, &msg) == JOB_OK)
                return true;
        why = msg ?: CDM_DAMON_NOT_SUPPORTED_MSG;
        if (strncmp(why, "tiered needs ", 13) == 0)
                why += strlen("tiered ");
        if (!sw->told)
                log_warning("Spill of %s on %s: %llu bytes that no process of it maps, which cdmd cannot "
                            "move on this kernel (a sweep %s).",
                                sw->owner, sw->device, (unsigned long long) sw->bytes, why);
        sw->told = true;
        return false;
}

static bool sweeps_device(const ManagerSweepTarget *t, size_t n, const char *device)
{
        for (size_t i = 0; i < n; i++)
                if (!t[i].holder && streq(t[i].device, device))
                        return true;
        return false;
}

/* @t with @add appended, or @t as it was when there is no memory. */
static ManagerSweepTarget *add_target(ManagerSweepTarget *t, size_t *n, const ManagerSweepTarget *add)
{
        ManagerSweepTarget *nt = realloc(t, (*n + 1) * sizeof(*t));

        if (!nt)
                return t;
        nt[(*n)++] = *add;
        return nt;
}

void manager_sweep(Manager *m)
{
        ManagerSweepTarget *t = NULL;
        char **holders = NULL;
        size_t n = 0, n_holders = 0;
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        if (!m->config->repair_migrate || m->dry_run || !cdm_ctx_is_live(m->ctx) || !m->layout) {
                (void) manager_damon_set_sweeps(m, NULL, 0);
                return;
        }
        if (cdm_sweeps_update(&m->sweeps, &m->audit) < 0) {
                log_error("Out of memory.");
                return;
        }
        for (size_t i = 0; i < m->sweeps.n; i++) {
                cdm_sweep *sw = &m->sweeps.items[i];
                const cdm_device *d = cdm_layout_find_device(m->layout, sw->device);
                /* Those past the first TARGETS_MAX memcgs wait for their turn, their clock not
                 * started. */
                cdm_sweep_verdict v = n < TARGETS_MAX
                                              ? cdm_sweep_decide(sw, now, repairing(m, sw))
                                              : CDM_SWEEP_IDLE;
                bool whole = !cdm_jobs_on_device(&m->jobs, sw->device);
                char **h = NULL;
                size_t k = 0;

                if (v == CDM_SWEEP_GIVE_UP)
                        log_warning("Spill of %s on %s: %llu bytes still there after %llu s of sweeping (%s).",
                                        sw->owner, sw->device, (unsigned long long) sw->bytes,
                                        (unsigned long long) (CDM_SWEEP_MAX_USEC / 1000000ULL),
                                        whole ? "pinned pages" : "pinned pages, or held by a cgroup that was removed");
                if (v != CDM_SWEEP_RUN || !d)
                        continue;
                if (!can_sweep(m, sw)) {
                        sw->gave_up = true;
                        continue;
                }
                if (whole) {
                        if (!sweeps_device(t, n, sw->device))
                                t = add_target(t, &n, &(ManagerSweepTarget){ .owner = sw->owner, .device = sw->device });
                        if (!sw->told)
                                log_info("Sweeping the spill of %s on %s (%llu bytes that no process of it maps) back "
                                         "to system memory with DAMON: every page of the device, which no job is granted.",
                                                sw->owner, sw->device, (unsigned long long) sw->bytes);
                        sw->told = true;
                        continue;
                }
                if (cdm_audit_holders(m->ctx, sw->owner, &d->nodes, MIN((size_t) HOLDERS_MAX, TARGETS_MAX - n),
                                    &h, &k) < 0 || k == 0) {
                        strv_free_n(h, k);
                        continue;
                }
                for (size_t j = 0; j < k; j++) {
                        size_t before = n;

                        if (strv_append_printf(&holders, &n_holders, "%s", h[j]) < 0)
                                break;
                        t = add_target(t, &n, &(ManagerSweepTarget){ .owner = sw->owner,
                                                      .holder = holders[n_holders - 1], .device = sw->device });
                        if (n == before) /* out of memory */
                                break;
                }
                strv_free_n(h, k);
                if (!sw->told)
                        log_info("Sweeping the spill of %s on %s (%llu bytes that no process of it maps) back "
                                 "to system memory with DAMON, %zu cgroup(s).",
                                        sw->owner, sw->device, (unsigned long long) sw->bytes, k);
                sw->told = true;
        }
        (void) manager_damon_set_sweeps(m, t, n);
        free(t);
        strv_free_n(holders, n_holders);
}
