/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How the daemon moves pages, for repair, quotas, device-first, revoke and drains (Migrate
 * steps the same engine from the loop). One rule lives here: below --root the processes are
 * not this system's, so nothing is ever moved there; callers just report.
 */

#include "cgroup-backend.h"
#include "cgroup-parse.h"
#include "ctx.h"
#include "log.h"
#include "manager-move.h"
#include "sys.h"

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

void manager_move_pids(Manager *m, const int *pids, size_t n, const cdm_nodemask *from,
                const cdm_nodemask *to, bool capped, cdm_migrate_stats *stats)
{
        cdm_migrate_params params = params_of(m, capped);

        if (!cdm_ctx_is_live(m->ctx) || m->dry_run)
                return;
        for (size_t i = 0; i < n; i++) {
                int r = cdm_migrate_process(m->ctx, &cdm_sys_ops_numa, pids[i], from, to, &params, stats);

                if (r < 0 && r != -ESRCH)
                        log_warning_errno(r, "Failed to move pages of process %d: %s", pids[i],
                                        cdm_ctx_last_error(m->ctx));
        }
}

/*
 * What moved is measured on the cgroup's memory.numa_stat, not from move_pages' per-page
 * statuses: moving one 4 KiB page of a transparent huge page moves all 2 MiB of it.
 */
uint64_t manager_move_cgroup(Manager *m, const char *cgroup, const cdm_nodemask *from,
                const cdm_nodemask *to, uint64_t budget)
{
        _cleanup_free_ int *pids = NULL;
        cdm_migrate_params params = params_of(m, true);
        cdm_migrate_stats stats = { 0 };
        uint64_t base, done = 0;
        size_t n = 0;

        if (!cdm_ctx_is_live(m->ctx) || m->dry_run ||
                        cdm_cgroup_pids_recursive(m->ctx, cgroup, &pids, &n) < 0)
                return 0;
        /* Whole processes with migrate_pages unless only part of them is to move. */
        params.no_migrate_pages = budget != UINT64_MAX;
        base = manager_cgroup_bytes_on(m, cgroup, to);
        for (size_t i = 0; i < n && done < budget; i++) {
                _cleanup_(cdm_migrate_job_freep) cdm_migrate_job *mj = NULL;
                uint64_t wait, now;
                int r;

                if (cdm_migrate_job_new(m->ctx, &cdm_sys_ops_numa, pids[i], from, to, &params, &mj) < 0)
                        continue;
                do {
                        r = cdm_migrate_job_step(mj, &stats, &wait);
                        now = manager_cgroup_bytes_on(m, cgroup, to);
                        done = now > base ? now - base : 0;
                } while (r == CDM_MIGRATE_AGAIN && done < budget);
        }
        return done;
}
