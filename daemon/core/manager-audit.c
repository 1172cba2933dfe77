/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Audit and repair. Findings are logged when they change, not every second. Spill of a
 * cgroup without a grant is moved back to the system nodes, process by process
 * (migrate_pages for the whole process, then move_pages for what is left); the root cgroup's
 * share is repaired through the user processes found in it. What no process maps (page cache
 * of an exited process, kernel threads' page cache) cannot be moved this way: it is swept by
 * DAMON where the kernel can (manager-sweep.c), and reported where it cannot.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "apply.h"
#include "audit-fs.h"
#include "audit.h"
#include "cgroup-backend.h"
#include "cgroup-tree.h"
#include "ctx-roots.h"
#include "log.h"
#include "manager-apply.h"
#include "manager-audit.h"
#include "manager-device-state.h"
#include "manager-jobs.h"
#include "manager-metrics.h"
#include "manager-move.h"
#include "manager-numa.h"
#include "manager-sweep.h"
#include "migrate.h"
#include "move-plan.h"
#include "sys.h"
#include "util/time-util.h"

typedef struct RepairDone {
        Manager *m;
        char *cgroup;
        char *device;
} RepairDone;

static void repair_done_free(void *userdata)
{
        RepairDone *d = userdata;

        if (!d)
                return;
        free(d->cgroup);
        free(d->device);
        free(d);
}

static void repair_finish(void *userdata, const char *owner, const ExecResult *res)
{
        RepairDone *d = userdata;
        Manager *m = d->m;

        manager_spill_repaired(m, d->cgroup, d->device, res->stats.bytes_moved);
        if (res->stats.bytes_moved || res->stats.pages_failed)
                log_event(LOG_NOTICE, &(LogEvent){ .message_id = CDMD_MESSAGE_REPAIR, .device = d->device,
                                          .cgroup = d->cgroup, .bytes = res->stats.bytes_moved, .has_bytes = true },
                                "Repaired spill of %s on %s: %llu bytes moved back to system memory, %llu pages not moved.",
                                d->cgroup, d->device, (unsigned long long) res->stats.bytes_moved,
                                (unsigned long long) res->stats.pages_failed);
}

/* Queue moving the spill back, unless the repair of the last audit still runs. */
static void repair_item(Manager *m, cdm_audit_item *it)
{
        const cdm_device *d = cdm_layout_find_device(m->layout, it->device);
        _cleanup_free_ char *owner = NULL;
        _cleanup_free_ int *pids = NULL;
        RepairDone *done;
        size_t n = 0;
        int r;

        if (!d || !(owner = cdm_move_owner_spill(it->device, it->owner)))
                return;
        if (!cdm_decide_repair(it, m->config->repair_migrate, manager_moving(m, owner)))
                return;
        (void) cdm_plan_repair(it, &m->moves);
        if (!streq(it->owner, "/") && cdm_ctx_is_live(m->ctx) && !m->dry_run) {
                r = cdm_cgroup_pids_recursive(m->ctx, it->owner, &pids, &n);
                if (r < 0) {
                        log_debug("Cannot list the processes of %s: %s", it->owner, strerror(-r));
                        return;
                }
        }
        done = calloc(1, sizeof(*done));
        if (!done)
                return;
        *done = (RepairDone){ .m = m, .cgroup = strdup(it->owner), .device = strdup(it->device) };
        if (!done->cgroup || !done->device) {
                repair_done_free(done);
                return;
        }
        (void) manager_move_submit(m, &(ExecRequest){ .owner = owner, .prio = CDM_MOVE_REPAIR,
                        .pids = streq(it->owner, "/") ? m->audit.root_pids : pids,
                        .n_pids = streq(it->owner, "/") ? m->audit.n_root_pids : n, .from = d->nodes,
                        .to = m->layout->system_nodes, .budget = UINT64_MAX, .capped = true,
                        .done = repair_finish, .userdata = done, .free_userdata = repair_done_free });
}

typedef struct RootMoveDone {
        Manager *m;
        int *pids;
        size_t n;
} RootMoveDone;

static void root_move_done_free(void *userdata)
{
        RootMoveDone *d = userdata;

        if (d)
                free(d->pids);
        free(d);
}

static void root_move_finish(void *userdata, const char *owner, const ExecResult *res)
{
        RootMoveDone *d = userdata;

        for (size_t i = 0; i < d->n && i < res->n_writes; i++)
                if (res->write_results[i] < 0)
                        log_debug("Cannot move process %d out of the root cgroup: %s", d->pids[i],
                                        strerror(-res->write_results[i]));
                else
                        log_notice("Moved process %d from the root cgroup to %s.", d->pids[i], CDM_ROOT_MOVE_CGROUP);
}

/*
 * [isolation] root_cgroup = move: user processes found in the root cgroup, which no cpuset
 * can restrict, are moved into CDM_ROOT_MOVE_CGROUP below it, a frontier cgroup fenced to the
 * system nodes like any other. cgroup v2 moves their pages along on attach, inside the write
 * of cgroup.procs (cpuset_post_attach() waits for the migration), so those writes are one
 * request on a worker.
 */
void manager_repair_root(Manager *m)
{
        _cleanup_free_ char *sys = NULL;
        cdm_move_plan rm = { 0 };
        const char **writes = NULL;
        RootMoveDone *d = NULL;
        size_t failed = 0;

        if (!cdm_ctx_is_live(m->ctx) ||
                        !cdm_decide_root_move(&m->audit, m->config->root_cgroup_move, manager_moving(m, CDM_MOVE_OWNER_ROOT)))
                return;
        sys = cdm_nodemask_format(&m->layout->system_nodes);
        if (!sys || cdm_plan_root_move(&m->audit, sys, &rm) < 0 || cdm_move_plan_append(&m->moves, &rm) < 0)
                goto oom;
        if (m->dry_run || !cdm_cgroup_exists(m->ctx, "/"))
                goto out;
        /* Small writes to a cgroup of cdmd's own that holds nothing yet: here and now. */
        if (cdm_apply_plan(m->ctx, &rm.prepare, NULL, NULL, &failed) < 0 || failed > 0) {
                log_warning("Cannot prepare %s for the root cgroup's processes: %s", CDM_ROOT_MOVE_CGROUP,
                                cdm_ctx_last_error(m->ctx));
                goto out;
        }
        d = calloc(1, sizeof(*d));
        writes = calloc(2 * m->audit.n_root_pids, sizeof(char *));
        if (!d || !writes || !(d->pids = calloc(m->audit.n_root_pids, sizeof(int))))
                goto oom;
        d->m = m;
        for (size_t i = 0; i < m->audit.n_root_pids; i++) {
                char *v = NULL;

                if (asprintf(&v, "%d", m->audit.root_pids[i]) < 0)
                        goto oom;
                writes[2 * i] = "sys/fs/cgroup" CDM_ROOT_MOVE_CGROUP "/cgroup.procs";
                writes[2 * i + 1] = v;
                d->pids[d->n++] = m->audit.root_pids[i];
        }
        (void) manager_write_submit(m, &(ExecRequest){ .owner = CDM_MOVE_OWNER_ROOT, .prio = CDM_MOVE_REPAIR,
                        .writes = writes, .n_writes = d->n, .done = root_move_finish, .userdata = d,
                        .free_userdata = root_move_done_free });
        d = NULL;
        goto out;
oom:
        log_error_errno(-ENOMEM, "Out of memory.");
out:
        for (size_t i = 0; writes && i < m->audit.n_root_pids; i++)
                free((char *) writes[2 * i + 1]);
        free(writes);
        root_move_done_free(d);
        cdm_move_plan_done(&rm);
}

int manager_audit(Manager *m)
{
        ManagerInput input;
        int r;

        cdm_audit_done(&m->audit);
        cdm_move_plan_done(&m->moves);
        if (!m->layout || m->layout->n_devices == 0)
                return 0;
        r = manager_input_begin(m, m->cgroups, /* read_knobs= */ false, &input);
        if (r < 0)
                return r;
        r = cdm_audit_run(m->ctx, &input.in, &m->audit);
        manager_input_end(&input);
        if (r < 0)
                return log_error_errno(r, "Audit failed: %s", cdm_ctx_last_error(m->ctx));

        if (m->audit.n_alarms != m->last_alarms)
                for (size_t i = 0; i < m->audit.n_alarms; i++)
                        log_error("Alarm: %s.", m->audit.alarms[i]);
        m->last_alarms = m->audit.n_alarms;
        return 1;
}

void manager_repair(Manager *m)
{
        for (size_t i = 0; i < m->audit.n_root_pids && m->audit.spilled_bytes != m->last_spilled; i++)
                log_warning("User process %d runs in the root cgroup, which no cpuset can restrict.",
                                m->audit.root_pids[i]);

        /* Before this audit's repairs are queued: a sweep waits for the last one to end. The
         * cycle's DAMON phase hands the sweeps to the kdamond. */
        manager_sweep(m);
        for (size_t i = 0; i < m->audit.n_items; i++) {
                cdm_audit_item *it = &m->audit.items[i];

                if (it->granted)
                        continue;
                if (m->audit.spilled_bytes != m->last_spilled) {
                        log_event(LOG_WARNING, &(LogEvent){ .message_id = CDMD_MESSAGE_SPILL, .device = it->device,
                                                  .cgroup = it->owner, .bytes = it->anon + it->file, .has_bytes = true },
                                        "Spill: %s has %llu bytes on %s (anon %llu, file %llu) without a grant.",
                                        it->owner, (unsigned long long) (it->anon + it->file), it->device,
                                        (unsigned long long) it->anon, (unsigned long long) it->file);
                        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_SPILL_DETECTED, .id = it->owner,
                                                         .device = it->device, .bytes = it->anon + it->file });
                }
                repair_item(m, it);
        }
        m->last_spilled = m->audit.spilled_bytes;
}

void manager_publish_audit(Manager *m)
{
        m->isolated = m->audit.spilled_bytes == 0 && m->audit.n_alarms == 0 && m->plan_failures == 0;
        m->last_audit_usec = now_usec(CLOCK_MONOTONIC);
        m->audits_total++;
        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_AUDIT_DONE });
        manager_write_metrics(m);
}
