/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The settings half of a cycle: collect (topology, cgroup tree, knobs) → decide (layout,
 * isolation plan) → apply (unless dry-run), for the whole tree or for the part one grant,
 * sync or revoke changes. Each change is logged once, with its old value and its reason;
 * failures are classified (gone, transient, capacity, permanent) and logged once per cycle.
 * What this daemon wrote to each cgroup object is kept, to tell drift from a change of plan.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cgroup-backend.h"
#include "cgroup-tree-fs.h"
#include "cgroup-tree.h"
#include "ctx-roots.h"
#include "knobs-fs.h"
#include "knobs.h"
#include "log.h"
#include "manager-apply.h"
#include "manager-device-state.h"
#include "manager-move.h"

/* The input with @grants (taken, freed by manager_input_end()). */
static int input_begin(Manager *m, const cdm_cgroup_tree *cgroups, bool read_knobs, cdm_grant *grants,
                size_t n_grants, ManagerInput *ret)
{
        ManagerInput i = { .grants = grants };
        int r;

        if (read_knobs) {
                r = cdm_knobs_read(m->ctx, m->layout, &i.knobs);
                if (r < 0) {
                        free(i.grants);
                        return log_error_errno(r, "Failed to read kernel knobs: %m");
                }
        }
        manager_fenced_nodes(m, &i.fenced);
        if (cdm_ctx_get_unit_backend(m->ctx)) {
                const cdm_unit_backend *b = cdm_ctx_get_unit_backend(m->ctx);

                r = b->get_default_mems(b->userdata, &i.unit_default_mems);
                if (r < 0)
                        log_full_errno(LOG_DEBUG, r, "Cannot read systemd's default AllowedMemoryNodes=: %m");
        }
        *ret = i;
        ret->in = (cdm_isolation_input){ .topo = m->topo, .layout = m->layout, .config = m->config,
                .cgroups = cgroups, .knobs = &ret->knobs, .grants = ret->grants, .n_grants = n_grants,
                .fenced = &ret->fenced, .self_cgroup = m->self_cgroup,
                .unit_default_mems = ret->unit_default_mems };
        return 0;
}

int manager_input_begin(Manager *m, const cdm_cgroup_tree *cgroups, bool read_knobs,
                ManagerInput *ret)
{
        cdm_grant *grants = calloc(m->jobs.n ?: 1, sizeof(cdm_grant));

        if (!grants)
                return log_error_errno(-ENOMEM, "Out of memory.");
        for (size_t k = 0; k < m->jobs.n; k++)
                grants[k] = (cdm_grant){ .id = m->jobs.items[k].id, .cgroup = m->jobs.items[k].cgroup,
                        .device = m->jobs.items[k].device };
        return input_begin(m, cgroups, read_knobs, grants, m->jobs.n, ret);
}

static int push_grant(cdm_grant **grants, size_t *n, size_t *cap, const cdm_job *j)
{
        if (*n == *cap) {
                size_t c = *cap ? *cap * 2 : 16;
                cdm_grant *g = realloc(*grants, c * sizeof(cdm_grant));

                if (!g)
                        return -ENOMEM;
                *grants = g;
                *cap = c;
        }
        (*grants)[(*n)++] = (cdm_grant){ .id = j->id, .cgroup = j->cgroup, .device = j->device };
        return 0;
}

/*
 * The grants that decide the roles of the cgroups of @tree (a part of the tree): the jobs in
 * it and, below each of its cgroups, one job of each device (the nodes an ancestor opens).
 * Out of thousands of jobs that is a handful, so that a grant costs as much with 10,000 jobs
 * as with ten.
 */
static int input_begin_tree(Manager *m, const cdm_cgroup_tree *tree, ManagerInput *ret)
{
        _cleanup_free_ cdm_grant *grants = NULL;
        size_t n = 0, cap = 0;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < tree->n; i++) {
                const cdm_cgroup *cg = &tree->items[i];
                const cdm_job *j;
                size_t pos = 0;

                /* The root's role and that of a missing cgroup do not depend on the grants. */
                if (cg->parent < 0 || !cg->exists)
                        continue;
                if ((j = cdm_jobs_find_cgroup(&m->jobs, cg->path)))
                        r = push_grant(&grants, &n, &cap, j);
                while (r >= 0 && (j = cdm_jobs_next_below(&m->jobs, cg->path, &pos)))
                        r = push_grant(&grants, &n, &cap, j);
        }
        if (r >= 0 && !grants)
                grants = calloc(1, sizeof(cdm_grant));
        if (r < 0 || !grants)
                return log_error_errno(-ENOMEM, "Out of memory.");
        return input_begin(m, tree, /* read_knobs= */ false, TAKE_PTR(grants), n, ret);
}

void manager_input_end(ManagerInput *i)
{
        cdm_knobs_done(&i->knobs);
        free(i->unit_default_mems);
        i->unit_default_mems = NULL;
        free(i->grants);
        i->grants = NULL;
}

int manager_reread_topology(Manager *m)
{
        cdm_topology *t = NULL;
        cdm_layout *l = NULL;
        int r;

        r = cdm_topology_read(m->ctx, &t);
        if (r < 0)
                return log_error_errno(r, "Failed to read the topology: %s", cdm_ctx_last_error(m->ctx));
        r = cdm_layout_build(t, m->config, &l);
        if (r < 0) {
                cdm_topology_free(t);
                return log_error_errno(r, "Failed to classify nodes: %m");
        }
        cdm_layout_free(m->layout);
        cdm_topology_free(m->topo);
        m->topo = t;
        m->layout = l;
        return 0;
}

/* m->written is sorted by object: thousands of jobs make thousands of entries. */
static size_t written_index(Manager *m, const char *object, bool *found)
{
        size_t lo = 0, hi = m->n_written;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(object, m->written[mid].object);

                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        *found = false;
        return lo;
}

static WrittenFence *find_written(Manager *m, const char *object)
{
        bool found;
        size_t i = written_index(m, object, &found);

        return found ? &m->written[i] : NULL;
}

static int remember_written(Manager *m, const char *object, const char *value)
{
        bool found;
        size_t i = written_index(m, object, &found);
        char *v = strdup(value);
        WrittenFence *nw;

        if (!v)
                return -ENOMEM;
        if (!found) {
                char *o = strdup(object);

                nw = o ? realloc(m->written, (m->n_written + 1) * sizeof(*nw)) : NULL;
                if (!nw) {
                        free(o);
                        free(v);
                        return -ENOMEM;
                }
                m->written = nw;
                memmove(&m->written[i + 1], &m->written[i], (m->n_written - i) * sizeof(*nw));
                m->written[i] = (WrittenFence){ .object = o };
                m->n_written++;
        }
        free(m->written[i].value);
        m->written[i].value = v;
        return 0;
}

/*
 * A cgroup object that this daemon set to exactly what the plan wants now, and that needs
 * writing again: someone else (systemd's realization, a resource manager, an operator)
 * changed it. Say which device nodes it let in.
 */
static void note_drift(Manager *m, const cdm_plan_item *it)
{
        const WrittenFence *w = cdm_plan_object_is_cgroup(it->object) ? find_written(m, it->object) : NULL;
        _cleanup_free_ char *cgroup = NULL, *reach = NULL;
        cdm_nodemask cur, open = m->layout ? m->layout->device_nodes : (cdm_nodemask){ 0 };

        if (!w || !streq(w->value, it->desired))
                return;
        /* An empty list inherits (every node of the parent); a subtree_control without cpuset
         * leaves every cgroup below without a cpuset at all. */
        if (strstr(it->object, "cpuset.mems") || strstr(it->object, "AllowedMemoryNodes")) {
                if (*it->current && cdm_nodemask_parse(it->current, strlen(it->current), &cur) >= 0)
                        for (size_t k = 0; k < ARRAY_SIZE(open.bits); k++)
                                open.bits[k] &= cur.bits[k];
                if (cdm_nodemask_parse(it->desired, strlen(it->desired), &cur) >= 0)
                        for (size_t k = 0; k < ARRAY_SIZE(open.bits); k++)
                                open.bits[k] &= ~cur.bits[k];
        }
        reach = cdm_nodemask_format(&open);
        cgroup = cdm_plan_object_cgroup(it->object);
        m->fence_drift_total++;
        log_event(LOG_WARNING, &(LogEvent){ .message_id = CDMD_MESSAGE_FENCE_DRIFT, .cgroup = cgroup },
                        "Fence drift: %s of %s is '%s' again, cdmd had set '%s'; device node(s) %s were "
                        "open to it. Putting it back.", strrchr(it->object, '/') + 1, cgroup ?: "?",
                        it->current, it->desired, reach && *reach ? reach : "none");
}

/*
 * A cpuset.mems write that takes device nodes away from a cgroup holding at least this much
 * there goes to a worker: the kernel migrates the cgroup's pages off the nodes before the
 * write returns (cpuset_write_resmask() flushes cpuset_migrate_mm_wq; 512 MiB took 2.1 s in
 * the test VM), and the loop must not wait for that. Less than this takes a few milliseconds.
 */
#define FENCE_WRITE_DEFER_BYTES (8ULL << 20)

typedef enum WriteWhere {
        WRITE_HERE,    /* in the loop, now */
        WRITE_WORKER,  /* in a worker: the write moves pages */
        WRITE_PENDING, /* a worker writes it already */
} WriteWhere;

static WriteWhere write_where(Manager *m, const cdm_plan_item *it)
{
        static const char suffix[] = "/cpuset.mems";
        _cleanup_free_ char *cgroup = NULL;
        cdm_nodemask cur, want, gone;
        size_t n = strlen(it->object);
        bool any = false;

        if (!m->loop || m->dry_run || !m->layout || !cdm_ctx_is_live(m->ctx) ||
                        strncmp(it->object, "sys/fs/cgroup/", strlen("sys/fs/cgroup/")) != 0 ||
                        n < sizeof(suffix) || !streq(it->object + n - (sizeof(suffix) - 1), suffix))
                return WRITE_HERE;
        if (manager_writing(m, it->object))
                return WRITE_PENDING;
        /* Only a cgroup that was opened to the device (a grant revoked, a device drained) is
         * fenced on a worker. One that inherits (a new cgroup, one cdmd never restricted) is
         * fenced here and now: isolation first, and whatever it got meanwhile is the audit's. */
        cgroup = cdm_plan_object_cgroup(it->object);
        if (!cgroup || !*it->desired || !*it->current ||
                        cdm_nodemask_parse(it->desired, strlen(it->desired), &want) < 0 ||
                        cdm_nodemask_parse(it->current, strlen(it->current), &cur) < 0)
                return WRITE_HERE;
        for (size_t k = 0; k < ARRAY_SIZE(gone.bits); k++) {
                gone.bits[k] = cur.bits[k] & ~want.bits[k] & m->layout->device_nodes.bits[k];
                any = any || gone.bits[k];
        }
        if (!any || manager_cgroup_bytes_on(m, cgroup, &gone) < FENCE_WRITE_DEFER_BYTES)
                return WRITE_HERE;
        return WRITE_WORKER;
}

static void log_result(const cdm_plan_item *it, int r)
{
        cdm_apply_class c = cdm_apply_classify(r);

        if (c == CDM_APPLY_OK)
                log_info("Set %s to '%s' (was '%s'): %s.", it->object, it->desired, it->current, it->reason);
        else if (c == CDM_APPLY_GONE)
                log_debug("%s is gone, skipping.", it->object);
        else
                log_full_errno(c == CDM_APPLY_TRANSIENT ? LOG_WARNING : LOG_ERR, r,
                                "Failed to set %s to '%s' (%s), %s: %m", it->object, it->desired,
                                cdm_apply_class_to_string(c),
                                c == CDM_APPLY_TRANSIENT ? "retrying next cycle" : "giving up");
}

typedef struct FenceWrite {
        Manager *m;
        cdm_plan one; /* the item, copied by cdm_plan_add() */
} FenceWrite;

static void fence_write_free(void *userdata)
{
        FenceWrite *w = userdata;

        if (!w)
                return;
        cdm_plan_done(&w->one);
        free(w);
}

static void fence_written(void *userdata, const char *owner, const ExecResult *res)
{
        FenceWrite *w = userdata;

        if (res->cancelled)
                return;
        log_result(&w->one.items[0], res->error);
        if (res->error >= 0) {
                log_info("%s: the kernel moved the cgroup's pages off the fenced nodes in %llu ms.",
                                w->one.items[0].object, (unsigned long long) (res->usec / 1000));
                if (remember_written(w->m, w->one.items[0].object, w->one.items[0].desired) < 0)
                        log_error_errno(-ENOMEM, "Out of memory.");
        }
        w->m->generation++;
        manager_request_cycle(w->m); /* audit what is there now */
}

/* The old value is recorded first, as cdm_apply_plan() does; Return: 0 or a negative errno. */
static int write_in_worker(Manager *m, const cdm_plan_item *it)
{
        _cleanup_free_ char *cgroup = cdm_plan_object_cgroup(it->object), *owner = NULL;
        FenceWrite *w;
        int r;

        r = cdm_state_record(&m->state, it->object, it->current);
        if (r < 0)
                return log_error_errno(r, "%s/settings: cannot record the old value of %s: %m",
                                m->state.dir, it->object);
        if (!cgroup || asprintf(&owner, "fence:%s", cgroup) < 0)
                owner = NULL;
        w = calloc(1, sizeof(*w));
        if (!owner || !w) {
                free(w);
                return log_error_errno(-ENOMEM, "Out of memory.");
        }
        *w = (FenceWrite){ .m = m };
        if (cdm_plan_add(&w->one, it->object, it->current, it->desired, it->reason) < 0) {
                fence_write_free(w);
                return log_error_errno(-ENOMEM, "Out of memory.");
        }
        log_debug("Writing %s in a worker: the kernel moves the cgroup's pages first.", it->object);
        return manager_write_submit(m, &(ExecRequest){ .owner = owner, .prio = CDM_MOVE_FENCE, .cgroup = cgroup,
                        .writes = (const char *const[]){ it->object, it->desired }, .n_writes = 1,
                        .done = fence_written, .userdata = w, .free_userdata = fence_write_free });
}

int manager_apply_plan(Manager *m, const cdm_plan *plan, size_t *ret_failed)
{
        _cleanup_free_ cdm_plan_item *here = NULL;
        _cleanup_free_ int *results = NULL;
        cdm_plan now = CDM_PLAN_NULL;
        bool queued = false;
        int r;

        *ret_failed = 0;
        if (m->dry_run || plan->n_items == 0)
                return 0;
        results = calloc(plan->n_items, sizeof(int));
        here = calloc(plan->n_items, sizeof(*here));
        if (!results || !here)
                return log_error_errno(-ENOMEM, "Out of memory.");
        /* The items written here, in their order; the plan keeps their strings. */
        now.items = here;
        for (size_t i = 0; i < plan->n_items; i++) {
                const cdm_plan_item *it = &plan->items[i];
                WriteWhere where = write_where(m, it);

                if (where == WRITE_PENDING)
                        continue;
                note_drift(m, it);
                if (where == WRITE_WORKER && write_in_worker(m, it) == 0) {
                        queued = true;
                        continue;
                }
                here[now.n_items++] = *it;
        }
        r = cdm_apply_plan(m->ctx, &now, &m->state, results, ret_failed);
        for (size_t i = 0; r >= 0 && i < now.n_items; i++)
                if (results[i] >= 0 && cdm_plan_object_is_cgroup(now.items[i].object) &&
                                remember_written(m, now.items[i].object, now.items[i].desired) < 0)
                        return log_error_errno(-ENOMEM, "Out of memory.");
        for (size_t i = 0; i < now.n_items; i++)
                log_result(&now.items[i], results[i]);
        if (r < 0)
                return log_error_errno(r, "%s; nothing more is changed.", cdm_ctx_last_error(m->ctx));
        if (now.n_items > 0 || queued)
                m->generation++;
        return now.n_items > 0 || queued;
}

/* Plan and apply what @tree holds (a part of the cgroup tree), without the knobs. */
static int apply_tree(Manager *m, const cdm_cgroup_tree *tree)
{
        cdm_plan plan = CDM_PLAN_NULL;
        ManagerInput i;
        size_t failed;
        int r;

        r = input_begin_tree(m, tree, &i);
        if (r < 0)
                return r;
        r = cdm_isolation_plan(&i.in, &plan);
        manager_input_end(&i);
        if (r >= 0)
                r = manager_apply_plan(m, &plan, &failed);
        cdm_plan_done(&plan);
        return r < 0 ? r : 0;
}

/*
 * What a new grant changes: the job's cgroup and its ancestors, and the children of the
 * ancestors it opens (cdm_cgroup_tree_read_path()). Reading just that keeps a grant cheap
 * when thousands of jobs exist; the next full cycle checks everything anyway.
 */
int manager_apply_job(Manager *m, const char *cgroup)
{
        _cleanup_(cdm_cgroup_tree_freep) cdm_cgroup_tree *tree = NULL;
        const cdm_job *j = cdm_jobs_find_cgroup(&m->jobs, cgroup);
        const cdm_device *d;
        int r;

        if (!m->topo || !m->layout || !j || !(d = cdm_layout_find_device(m->layout, j->device))) {
                manager_request_cycle(m);
                return 0;
        }
        r = cdm_cgroup_tree_read_path(m->ctx, cgroup, &d->nodes, &tree);
        if (r < 0)
                return log_error_errno(r, "Failed to read the cgroups of %s: %m", cgroup);
        return apply_tree(m, tree);
}

/*
 * Put one cgroup right now: its ancestors, their children, and what is below it. For a
 * resource manager that has just written a cgroup's cpuset itself (Slurm at each step start)
 * and must not let its tasks run before cdmd has had its say.
 */
int manager_sync_cgroup(Manager *m, const char *cgroup)
{
        _cleanup_(cdm_cgroup_tree_freep) cdm_cgroup_tree *tree = NULL;
        int r;

        if (!m->topo || !m->layout) {
                manager_request_cycle(m);
                return 0;
        }
        r = cdm_cgroup_tree_read_path(m->ctx, cgroup, NULL, &tree);
        if (r < 0)
                return log_error_errno(r, "Failed to read the cgroups of %s: %m", cgroup);
        return apply_tree(m, tree);
}

/* Close what a grant opened on @cgroup, wherever it lies now (manager_revoke()). */
int manager_fence_cgroup(Manager *m, const char *cgroup)
{
        _cleanup_(cdm_cgroup_tree_freep) cdm_cgroup_tree *tree = NULL;
        cdm_plan plan = CDM_PLAN_NULL;
        size_t failed;
        ssize_t i;
        int r;

        if (!m->layout)
                return 0;
        r = cdm_cgroup_tree_read_path(m->ctx, cgroup, &m->layout->system_nodes, &tree);
        if (r < 0)
                return r;
        i = cdm_cgroup_tree_find(tree, cgroup);
        if (i < 0)
                return 0;
        r = cdm_isolation_plan_fence(&tree->items[i], &m->layout->system_nodes, &plan);
        if (r >= 0)
                r = manager_apply_plan(m, &plan, &failed);
        cdm_plan_done(&plan);
        return r < 0 ? r : 0;
}

int manager_apply_settings(Manager *m, void (*before_plan)(Manager *m))
{
        _cleanup_free_ const char **paths = NULL;
        ManagerInput i;
        int r;

        cdm_plan_done(&m->plan);
        m->cgroups = cdm_cgroup_tree_free(m->cgroups);
        r = manager_reread_topology(m);
        if (r < 0)
                return r;
        if (before_plan)
                before_plan(m);

        /* The jobs' cgroups and the daemon's own, with their ancestors. */
        paths = calloc(m->jobs.n + 1, sizeof(char *));
        if (!paths)
                return log_error_errno(-ENOMEM, "Out of memory.");
        for (size_t k = 0; k < m->jobs.n; k++)
                paths[k] = m->jobs.items[k].cgroup;
        if (m->self_cgroup)
                paths[m->jobs.n] = m->self_cgroup;
        r = cdm_cgroup_tree_read(m->ctx, paths, m->jobs.n + !!m->self_cgroup, &m->cgroups);
        if (r == -ENOENT)
                log_debug("No cgroup2 tree below the root, cpusets are not planned.");
        else if (r < 0)
                return log_error_errno(r, "Failed to read the cgroup tree: %s", cdm_ctx_last_error(m->ctx));

        r = manager_input_begin(m, m->cgroups, /* read_knobs= */ true, &i);
        if (r < 0)
                return r;
        r = cdm_isolation_plan(&i.in, &m->plan);
        manager_input_end(&i);
        if (r < 0)
                return log_error_errno(r, "Failed to plan: %m");
        r = manager_apply_plan(m, &m->plan, &m->plan_failures);
        /* Writing cpuset.mems moves pages and onlining adds memory: audit what is now. */
        if (r > 0)
                r = manager_reread_topology(m);
        return r < 0 ? r : 0;
}

