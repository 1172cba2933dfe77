/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Grants with their side effects. A grant is checked as a whole first (lib/model/jobs.c), then
 * recorded in state_dir, then the job's memcg limits are raised by its quota (device pages
 * are charged like any page), then its cgroup's part of the plan opens its cpuset at once.
 * Revoking forgets the job and fences its cgroup at once, on a worker when the kernel has its
 * pages to move inside that write (cgroup v2); what is left is moved on the executor after the
 * fence, and when it is back the memcg limits are restored (never below current use) and
 * JobRemoved is recorded.
 * Quotas are enforced after each audit: the excess goes back to system memory; with the
 * device-first policy anonymous memory is moved onto the device up to the quota. Both run on
 * the executor, one move per job at a time.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit.h"
#include "cgroup-backend.h"
#include "cgroup-parse.h"
#include "log.h"
#include "manager-apply.h"
#include "manager-damon.h"
#include "manager-device-state.h"
#include "manager-jobs.h"
#include "manager-migrate.h"
#include "manager-move.h"
#include "manager-store.h"
#include "migrate.h"
#include "move-plan.h"
#include "sys.h"
#include "util/parse-util.h"
#include "util/strv.h"
#include "util/time-util.h"

static JobError from_grant_error(cdm_grant_error e)
{
        static const JobError map[] = {
                [CDM_GRANT_OK] = JOB_OK,
                [CDM_GRANT_INVALID] = JOB_INVALID,
                [CDM_GRANT_NO_DEVICE] = JOB_NO_DEVICE,
                [CDM_GRANT_EXISTS] = JOB_EXISTS,
                [CDM_GRANT_NOT_ONLINE] = JOB_NOT_ONLINE,
                [CDM_GRANT_CAPACITY] = JOB_CAPACITY,
                [CDM_GRANT_TOO_MANY] = JOB_TOO_MANY,
                [CDM_GRANT_NOT_SUPPORTED] = JOB_NOT_SUPPORTED,
        };
        return e < ARRAY_SIZE(map) ? map[e] : JOB_INVALID;
}

/* The owner of a job's page moves on the executor. */
static bool cgroup_exists(Manager *m, const char *cgroup)
{
        return cdm_cgroup_exists(m->ctx, cgroup);
}

static uint64_t read_u64_attr(Manager *m, const char *cgroup, const char *attr, bool *is_max)
{
        _cleanup_free_ char *buf = NULL;
        uint64_t v = 0;

        *is_max = true;
        if (cdm_cgroup_read(m->ctx, cgroup, attr, &buf, NULL) < 0)
                return 0;
        buf[strcspn(buf, "\n")] = 0;
        if (streq(buf, "max"))
                return UINT64_MAX;
        if (safe_atou64(buf, &v) >= 0)
                *is_max = false;
        return v;
}

static const char *const memcg_attrs[] = { "memory.max", "memory.high" };

static char **saved_limit(cdm_job *j, size_t i)
{
        return i == 0 ? &j->saved_memory_max : &j->saved_memory_high;
}

/* A finite memory.max/memory.high will be raised by the quota (device pages are charged
 * too): remember its value before, in the job (saved before anything is written). */
static int save_memcg(Manager *m, cdm_job *j)
{
        for (size_t i = 0; i < ARRAY_SIZE(memcg_attrs); i++) {
                char value[32];
                bool is_max;
                uint64_t v = read_u64_attr(m, j->cgroup, memcg_attrs[i], &is_max);

                if (is_max || *saved_limit(j, i))
                        continue;
                (void) snprintf(value, sizeof(value), "%llu", (unsigned long long) v);
                *saved_limit(j, i) = strdup(value);
                if (!*saved_limit(j, i))
                        return -ENOMEM;
        }
        return 0;
}

/* Write the saved limits plus the quota. */
static void raise_memcg(Manager *m, cdm_job *j)
{
        for (size_t i = 0; i < ARRAY_SIZE(memcg_attrs); i++) {
                const char *saved = *saved_limit(j, i);
                char value[32];
                uint64_t v;
                int r;

                if (!saved || safe_atou64(saved, &v) < 0)
                        continue;
                (void) snprintf(value, sizeof(value), "%llu",
                                (unsigned long long) (v > UINT64_MAX - j->quota ? UINT64_MAX : v + j->quota));
                r = cdm_cgroup_write(m->ctx, j->cgroup, memcg_attrs[i], value);
                if (r < 0)
                        log_warning_errno(r, "Failed to raise %s of %s by the quota: %m", memcg_attrs[i], j->cgroup);
                else
                        log_info("Raised %s of %s from %s to %s for job %s.", memcg_attrs[i], j->cgroup, saved,
                                        value, j->id);
        }
}

/* Put the saved limits back (never below current use); the job forgets them. */
static void restore_memcg(Manager *m, cdm_job *j)
{
        bool is_max;
        uint64_t current = read_u64_attr(m, j->cgroup, "memory.current", &is_max);

        for (size_t i = 0; i < ARRAY_SIZE(memcg_attrs); i++) {
                char **saved = saved_limit(j, i);
                uint64_t v;
                char value[32];

                if (!*saved || safe_atou64(*saved, &v) < 0)
                        continue;
                (void) snprintf(value, sizeof(value), "%llu", (unsigned long long) MAX(v, is_max ? 0 : current));
                (void) cdm_cgroup_write(m->ctx, j->cgroup, memcg_attrs[i], value);
                free(*saved);
                *saved = NULL;
        }
}

/* A static job ([job] section) whose cgroup exists gets its memcg limits raised like a granted
 * one: the values before are saved in its record first, once; the limits follow the quota. */
void manager_raise_static_jobs(Manager *m)
{
        for (size_t i = 0; !m->dry_run && i < m->jobs.n; i++) {
                cdm_job *j = &m->jobs.items[i];

                if (!j->from_config || !cgroup_exists(m, j->cgroup))
                        continue;
                if (!j->saved_memory_max && !j->saved_memory_high) {
                        if (save_memcg(m, j) < 0 || (!j->saved_memory_max && !j->saved_memory_high))
                                continue;
                        if (manager_save_job(m, j) < 0) {
                                /* Not on disk: not raised, so there is nothing to put back. */
                                free(TAKE_PTR(j->saved_memory_max));
                                free(TAKE_PTR(j->saved_memory_high));
                                continue;
                        }
                }
                raise_memcg(m, j);
        }
}

int manager_grant(Manager *m, const char *id, const char *cgroup, const char *device,
                uint64_t quota, const char *policy, char **ret_msg)
{
        cdm_grant_error e;
        cdm_policy p;
        cdm_job *j;
        int r;

        *ret_msg = NULL;
        if (!m->layout)
                return msg_printf(ret_msg, JOB_NO_DEVICE, "no device known yet");
        e = cdm_jobs_check_grant(&m->jobs, m->layout, m->config, id, cgroup, device, quota, policy, ret_msg);
        if (e != CDM_GRANT_OK)
                return from_grant_error(e);
        {
                _cleanup_free_ char *owner = cdm_move_owner_job(id);

                /* The pages of a revoked job with that id are still on their way back. */
                if (!owner)
                        return -ENOMEM;
                if (manager_moving(m, owner))
                        return msg_printf(ret_msg, JOB_EXISTS, "job '%s' is being revoked", id);
        }
        if (manager_device_state(m, device) != DEV_ONLINE)
                return msg_printf(ret_msg, JOB_NOT_ONLINE, "device '%s' is being drained, drained or failed", device);
        if (!cgroup_exists(m, cgroup))
                return msg_printf(ret_msg, JOB_NO_CGROUP, "no cgroup '%s'", cgroup);
        (void) cdm_policy_from_string(policy, &p);
        if (p == CDM_POLICY_TIERED && (r = manager_damon_check(m, ret_msg)) != JOB_OK)
                return r;
        r = cdm_jobs_add(&m->jobs, id, cgroup, device, quota, p, now_usec(CLOCK_REALTIME), false, &j);
        if (r < 0)
                return r;
        /* On disk first, with the limits to put back; then the limits are raised. */
        r = save_memcg(m, j);
        if (r >= 0)
                r = manager_save_job(m, j);
        if (r < 0) {
                cdm_jobs_remove(&m->jobs, id);
                return manager_state_error(m, r, ret_msg);
        }
        raise_memcg(m, j);
        log_info("Granted job %s (%s) up to %llu bytes of %s, policy %s.", id, cgroup,
                        (unsigned long long) quota, device, policy);
        manager_damon_drop_granted(m);
        (void) manager_apply_job(m, cgroup);
        /* Only the tiered jobs make the DAMON configuration. */
        if (p == CDM_POLICY_TIERED)
                manager_damon_sync(m);
        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_JOB_ADDED, .id = id });
        return JOB_OK;
}

int manager_sync(Manager *m, const char *cgroup, char **ret_msg)
{
        int r;

        *ret_msg = NULL;
        if (!cdm_cgroup_path_valid(cgroup) || streq(cgroup, "/"))
                return msg_printf(ret_msg, JOB_INVALID,
                                "cgroup is not an absolute path below the cgroup root without '.' or '..'");
        if (!cgroup_exists(m, cgroup))
                return msg_printf(ret_msg, JOB_NO_CGROUP, "no cgroup '%s'", cgroup);
        r = manager_sync_cgroup(m, cgroup);
        return r < 0 ? r : JOB_OK;
}

/* What a revoke needs once the job's pages are back, after the job left the table. */
typedef struct RevokeDone {
        Manager *m;
        cdm_job gone;
        char *reason;
} RevokeDone;

static void revoke_done_free(void *userdata)
{
        RevokeDone *d = userdata;

        if (!d)
                return;
        free(d->gone.id);
        free(d->gone.cgroup);
        free(d->gone.device);
        free(d->gone.saved_memory_max);
        free(d->gone.saved_memory_high);
        free(d->reason);
        free(d);
}

static void revoke_finish(void *userdata, const char *owner, const ExecResult *res)
{
        RevokeDone *d = userdata;
        Manager *m = d->m;

        if (cgroup_exists(m, d->gone.cgroup)) {
                (void) manager_fence_cgroup(m, d->gone.cgroup);
                restore_memcg(m, &d->gone);
        }
        log_info("Revoked job %s (%s): %s; %llu bytes moved back after fencing%s.", d->gone.id, d->gone.cgroup,
                        d->reason, (unsigned long long) res->moved, res->cancelled ? " (stopped early)" : "");
        if (res->error)
                log_warning_errno(res->error, "Job %s: not every page could be moved back: %s", d->gone.id,
                                res->error_text);
        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_JOB_REMOVED, .id = d->gone.id, .text = d->reason });
}

int manager_revoke(Manager *m, const char *id, const char *reason, char **ret_msg)
{
        cdm_job *j = cdm_jobs_find(&m->jobs, id);
        _cleanup_free_ char *owner = NULL;
        RevokeDone *done;
        const cdm_device *d;
        int r;

        *ret_msg = NULL;
        if (!j)
                return msg_printf(ret_msg, JOB_NO_JOB, "no job '%s'", id);
        owner = cdm_move_owner_job(id);
        done = calloc(1, sizeof(*done));
        if (!owner || !done) {
                free(done);
                return -ENOMEM;
        }
        r = manager_forget_job(m, id);
        if (r < 0) {
                free(done);
                return manager_state_error(m, r, ret_msg);
        }
        /* Keep what is needed after the job is out of the table. */
        *done = (RevokeDone){ .m = m, .reason = strdup(reason),
                .gone = { .id = strdup(j->id), .cgroup = strdup(j->cgroup), .device = strdup(j->device),
                        .saved_memory_max = TAKE_PTR(j->saved_memory_max),
                        .saved_memory_high = TAKE_PTR(j->saved_memory_high) } };
        if (!done->gone.id || !done->gone.cgroup || !done->gone.device || !done->reason) {
                revoke_done_free(done);
                return -ENOMEM;
        }
        /* Fence at once: without its grant, the cycle restricts the cgroup to the system nodes,
         * which in cgroup v2 also moves its pages. A quota or device-first move of the job stops. */
        cdm_jobs_remove(&m->jobs, id);
        manager_move_cancel(m, owner);
        manager_cancel_job_migrations(m, id);
        manager_damon_sync(m); /* DAMON stops moving its pages first */
        /* The fence is written now, or in a worker when the kernel has the job's pages to
         * move first; the next cycle closes what the grant opened above the job. */
        (void) manager_fence_cgroup(m, done->gone.cgroup);
        manager_request_cycle(m);
        /* Whatever the cpuset move left behind goes back too, in the executor, after the fence;
         * JobRemoved follows when it is back. */
        d = m->layout ? cdm_layout_find_device(m->layout, done->gone.device) : NULL;
        (void) manager_move_cgroup_submit(m, &(ExecRequest){ .owner = owner, .prio = CDM_MOVE_REVOKE,
                        .from = d ? d->nodes : (cdm_nodemask){ { 0 } }, .to = m->layout ? m->layout->system_nodes : (cdm_nodemask){ { 0 } },
                        .budget = UINT64_MAX, .cgroup = d && cgroup_exists(m, done->gone.cgroup) ? done->gone.cgroup : NULL,
                        .capped = true, .after_write = true, .done = revoke_finish, .userdata = done,
                        .free_userdata = revoke_done_free });
        return JOB_OK;
}

int manager_set_quota(Manager *m, const char *id, uint64_t quota, char **ret_msg)
{
        cdm_job *j = cdm_jobs_find(&m->jobs, id);
        cdm_grant_error e;

        *ret_msg = NULL;
        if (!j)
                return msg_printf(ret_msg, JOB_NO_JOB, "no job '%s'", id);
        if (quota == 0)
                return msg_printf(ret_msg, JOB_INVALID, "a quota of 0 bytes grants nothing; revoke the job");
        e = cdm_jobs_check_quota(&m->jobs, m->layout, j, quota, ret_msg);
        if (e != CDM_GRANT_OK)
                return from_grant_error(e);
        {
                uint64_t old = j->quota;
                int r;

                cdm_jobs_set_quota(&m->jobs, j, quota);
                r = manager_save_job(m, j);
                if (r < 0) {
                        cdm_jobs_set_quota(&m->jobs, j, old);
                        return manager_state_error(m, r, ret_msg);
                }
        }
        /* The memcg limits: their saved values plus the new quota. */
        raise_memcg(m, j);
        log_info("Quota of job %s set to %llu bytes.", id, (unsigned long long) quota);
        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_JOB_CHANGED, .id = j->id });
        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_DEVICE_CHANGED, .device = j->device });
        manager_damon_sync(m);
        manager_request_cycle(m); /* its audit moves any excess back */
        return JOB_OK;
}

int manager_set_policy(Manager *m, const char *id, const char *policy, char **ret_msg)
{
        cdm_job *j = cdm_jobs_find(&m->jobs, id);
        cdm_grant_error e;
        cdm_policy p;

        *ret_msg = NULL;
        if (!j)
                return msg_printf(ret_msg, JOB_NO_JOB, "no job '%s'", id);
        e = cdm_jobs_check_policy(policy, &p, ret_msg);
        if (e != CDM_GRANT_OK)
                return from_grant_error(e);
        if (p == CDM_POLICY_TIERED) {
                int r = manager_damon_check(m, ret_msg);

                if (r != JOB_OK)
                        return r;
        }
        {
                cdm_policy old = j->policy;
                int r;

                j->policy = p;
                r = manager_save_job(m, j);
                if (r < 0) {
                        j->policy = old;
                        return manager_state_error(m, r, ret_msg);
                }
        }
        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_JOB_CHANGED, .id = j->id });
        manager_damon_sync(m);
        manager_request_cycle(m);
        return JOB_OK;
}

int manager_drop_job(Manager *m, const char *id, const char *reason)
{
        _cleanup_free_ char *copy = strdup(id);
        cdm_job *j = cdm_jobs_find(&m->jobs, id);
        int r;

        if (!j || !copy)
                return j ? -ENOMEM : 0;
        r = manager_forget_job(m, id);
        if (r < 0)
                return r;
        if (cgroup_exists(m, j->cgroup))
                restore_memcg(m, j);
        log_info("Job %s (%s) dropped: %s.", j->id, j->cgroup, reason);
        {
                _cleanup_free_ char *owner = cdm_move_owner_job(id);

                if (owner)
                        manager_move_cancel(m, owner);
        }
        cdm_jobs_remove(&m->jobs, id);
        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_JOB_REMOVED, .id = copy, .text = reason });
        return 0;
}

void manager_drop_vanished_jobs(Manager *m)
{
        for (size_t i = m->jobs.n; i-- > 0;) {
                cdm_job *j = &m->jobs.items[i];
                _cleanup_free_ char *id = NULL;

                if (cgroup_exists(m, j->cgroup))
                        continue;
                if (manager_forget_job(m, j->id) < 0)
                        continue; /* tried again next cycle */
                id = strdup(j->id);
                log_info("Job %s: cgroup %s is gone, dropping the job.", j->id, j->cgroup);
                cdm_jobs_remove(&m->jobs, j->id);
                if (id)
                        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_JOB_REMOVED, .id = id, .text = "cgroup-gone" });
        }
}

static void job_usage(Manager *m, cdm_job *j, const cdm_device *d)
{
        _cleanup_free_ char *buf = NULL;
        cdm_numa_usage dev = { 0 }, sys = { 0 };
        const char *what;
        size_t len;

        if (cdm_cgroup_read(m->ctx, j->cgroup, "memory.numa_stat", &buf, &len) < 0)
                return;
        (void) cdm_parse_numa_stat(buf, len, &d->nodes, &dev, &what);
        (void) cdm_parse_numa_stat(buf, len, &m->layout->system_nodes, &sys, &what);
        j->device_bytes = dev.anon + dev.file;
        j->system_bytes = sys.anon + sys.file;
}

typedef struct JobMoveDone {
        Manager *m;
        char *id;
        bool to_system; /* the excess over the quota; else device-first onto the device */
} JobMoveDone;

static void job_move_done_free(void *userdata)
{
        JobMoveDone *d = userdata;

        if (d)
                free(d->id);
        free(d);
}

static void job_move_finish(void *userdata, const char *owner, const ExecResult *res)
{
        JobMoveDone *md = userdata;
        Manager *m = md->m;
        cdm_job *j = cdm_jobs_find(&m->jobs, md->id);
        const cdm_device *d = j && m->layout ? cdm_layout_find_device(m->layout, j->device) : NULL;
        cdm_job_state old;

        if (!j || !d)
                return; /* revoked or dropped meanwhile */
        old = j->state;
        if (md->to_system)
                j->moved_to_system += res->moved;
        else
                j->moved_to_device += res->moved;
        job_usage(m, j, d);
        if (j->state == CDM_JOB_OVER_QUOTA && j->device_bytes <= j->quota)
                j->state = CDM_JOB_ACTIVE;
        if (res->moved || j->state != old)
                manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_JOB_CHANGED, .id = j->id });
}

/* Queue moving up to @budget bytes of the job's pages off the device (@to_system) or onto it. */
static int job_move(Manager *m, cdm_job *j, const cdm_device *d, bool to_system, uint64_t budget)
{
        _cleanup_free_ char *owner = cdm_move_owner_job(j->id);
        JobMoveDone *md = calloc(1, sizeof(*md));

        if (!owner || !md || !(md->id = strdup(j->id))) {
                job_move_done_free(md);
                return -ENOMEM;
        }
        md->m = m;
        md->to_system = to_system;
        return manager_move_cgroup_submit(m, &(ExecRequest){ .owner = owner,
                        .prio = to_system ? CDM_MOVE_QUOTA : CDM_MOVE_POLICY,
                        .from = to_system ? d->nodes : m->layout->system_nodes,
                        .to = to_system ? m->layout->system_nodes : d->nodes, .budget = budget,
                        .cgroup = j->cgroup, .capped = true, .done = job_move_finish, .userdata = md,
                        .free_userdata = job_move_done_free });
}

void manager_enforce_jobs(Manager *m)
{
        for (size_t i = 0; m->layout && i < m->jobs.n; i++) {
                cdm_job *j = &m->jobs.items[i];
                const cdm_device *d = cdm_layout_find_device(m->layout, j->device);
                cdm_job_state old = j->state;
                _cleanup_free_ char *owner = cdm_move_owner_job(j->id);
                uint64_t before_dev = j->device_bytes, before_sys = j->system_bytes;
                cdm_job_verdict v;

                if (!d || !owner)
                        continue;
                /* The audit has just read the job's memory.numa_stat (its grants are the jobs,
                 * in order); read it again only after moving pages. */
                if (manager_device_state(m, d->name) == DEV_ONLINE && i < m->audit.n_jobs &&
                                m->audit.jobs[i].measured) {
                        j->device_bytes = m->audit.jobs[i].device_bytes;
                        j->system_bytes = m->audit.jobs[i].system_bytes;
                }
                /* A move of the job's still running: the next audit looks again. */
                v = cdm_decide_job(j, manager_device_state(m, d->name) == DEV_ONLINE, manager_moving(m, owner));
                j->state = v.state;
                if (v.over_quota_now) {
                        log_event(LOG_WARNING, &(LogEvent){ .message_id = CDMD_MESSAGE_QUOTA, .device = j->device,
                                                  .job = j->id, .cgroup = j->cgroup, .bytes = j->device_bytes,
                                                  .has_bytes = true },
                                        "Job %s uses %llu bytes of %s, over its quota of %llu: moving the excess back.",
                                        j->id, (unsigned long long) j->device_bytes, j->device,
                                        (unsigned long long) j->quota);
                        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_QUOTA_EXCEEDED, .id = j->id,
                                                         .bytes = j->device_bytes, .limit = j->quota });
                }
                if (v.cancel)
                        manager_move_cancel(m, owner);
                if (v.move) {
                        (void) cdm_plan_job_move(j, &v, &m->moves);
                        (void) job_move(m, j, d, v.to_system, v.bytes);
                }
                if (j->state != old || j->device_bytes != before_dev || j->system_bytes != before_sys)
                        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_JOB_CHANGED, .id = j->id });
        }
}
