/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Decide the isolation settings. With S the system nodes, G the granted job cgroups and A
 * their ancestors below the root:
 *   - cpuset is enabled in cgroup.subtree_control of the root and of every cgroup in A;
 *   - a job gets cpuset.mems = S + its device's nodes; a cgroup in A gets S + the device
 *     nodes of the jobs below it;
 *   - every other child of the root or of a cgroup in A (the frontier) gets S, and the
 *     cgroups below it inherit that (an effective set never exceeds the parent's);
 *   - global knobs: auto_online_blocks = offline, demotion off, no huge page pools on
 *     device nodes, KSM merge_across_nodes = 0 when it can change;
 *   - offline device memory blocks are onlined as movable, last, once every frontier
 *     cpuset is explicit: an empty cpuset.mems means "every node" and follows hot-plug.
 * The order of the plan is the order of writing. Nothing here reads the clock or a file.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-parse.h"
#include "isolation.h"

static int add(cdm_plan *p, const char *object, const char *current, const char *desired,
                const char *reason)
{
        return cdm_plan_add(p, object, current ?: "", desired, reason);
}

static char *cg_object(const char *cgroup, const char *attr)
{
        char *s;

        if (asprintf(&s, "sys/fs/cgroup%s%s%s", streq(cgroup, "/") ? "" : cgroup, "/", attr) < 0)
                return NULL;
        return s;
}

/* Sorted views of the grants and of their ancestors, for lookups by path. */
typedef struct path_mask {
        const char *path;
        cdm_nodemask nodes;
        const cdm_grant *grant;
} path_mask;

static int cmp_path_mask(const void *a, const void *b)
{
        return strcmp(((const path_mask *) a)->path, ((const path_mask *) b)->path);
}

static int cmp_path_mask_ptr(const void *a, const void *b)
{
        return cmp_path_mask(*(const path_mask *const *) a, *(const path_mask *const *) b);
}

/* Sort pointers, not the 136-byte entries: an audit may sort tens of thousands of them. */
static path_mask **sorted_view(path_mask *v, size_t n)
{
        path_mask **p = calloc(n ?: 1, sizeof(path_mask *));

        if (!p)
                return NULL;
        for (size_t i = 0; i < n; i++)
                p[i] = &v[i];
        qsort(p, n, sizeof(path_mask *), cmp_path_mask_ptr);
        return p;
}

static const path_mask *lookup(path_mask *const *v, size_t n, const char *path)
{
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(path, v[mid]->path);

                if (c == 0)
                        return v[mid];
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return NULL;
}

static void add_device_nodes(const cdm_isolation_input *in, const char *device, cdm_nodemask *nodes)
{
        const cdm_device *d = cdm_layout_find_device(in->layout, device);

        if (d)
                for (int id = -1; (id = cdm_nodemask_next(&d->nodes, id)) >= 0;)
                        if (!in->fenced || !cdm_nodemask_test(in->fenced, (unsigned) id))
                                cdm_nodemask_set(nodes, (unsigned) id);
}

static void add_all_devices(const cdm_isolation_input *in, cdm_nodemask *nodes)
{
        for (size_t i = 0; i < in->layout->n_devices; i++)
                add_device_nodes(in, in->layout->devices[i].name, nodes);
}

/* Every proper ancestor (below the root) of every granted cgroup (and of the daemon's own),
 * with their devices. */
static int build_ancestors(const cdm_isolation_input *in, char ***ret_paths, path_mask **ret,
                path_mask ***ret_view, size_t *ret_n)
{
        path_mask *v = NULL, **view = NULL;
        char **paths = NULL;
        size_t n = 0, k = 0;

        for (size_t i = 0; i < in->n_grants; i++)
                for (const char *p = in->grants[i].cgroup + 1; (p = strchr(p, '/')); p++)
                        n++;
        for (const char *p = in->self_cgroup ? in->self_cgroup + 1 : NULL; p && (p = strchr(p, '/')); p++)
                n++;
        v = calloc(n ?: 1, sizeof(path_mask));
        paths = calloc(n ?: 1, sizeof(char *));
        if (!v || !paths)
                goto oom;
        for (size_t i = 0; i < in->n_grants; i++)
                for (const char *p = in->grants[i].cgroup + 1; (p = strchr(p, '/')); p++) {
                        paths[k] = strndup(in->grants[i].cgroup, (size_t) (p - in->grants[i].cgroup));
                        if (!paths[k])
                                goto oom;
                        v[k].path = paths[k];
                        add_device_nodes(in, in->grants[i].device, &v[k].nodes);
                        k++;
                }
        for (const char *p = in->self_cgroup ? in->self_cgroup + 1 : NULL; p && (p = strchr(p, '/')); p++) {
                paths[k] = strndup(in->self_cgroup, (size_t) (p - in->self_cgroup));
                if (!paths[k])
                        goto oom;
                v[k].path = paths[k];
                add_all_devices(in, &v[k].nodes);
                k++;
        }
        view = sorted_view(v, k);
        if (!view)
                goto oom;
        /* Merge duplicates into the first of each run, OR-ing their device nodes. */
        n = 0;
        for (size_t i = 0; i < k; i++) {
                if (n > 0 && streq(view[n - 1]->path, view[i]->path)) {
                        for (size_t w = 0; w < ARRAY_SIZE(view[i]->nodes.bits); w++)
                                view[n - 1]->nodes.bits[w] |= view[i]->nodes.bits[w];
                        continue;
                }
                view[n++] = view[i];
        }
        *ret_paths = paths;
        *ret = v;
        *ret_view = view;
        *ret_n = n;
        return (int) k;
oom:
        for (size_t i = 0; paths && i < k; i++)
                free(paths[i]);
        free(paths);
        free(v);
        return -ENOMEM;
}

void cdm_cgroup_roles_done(cdm_cgroup_roles *r)
{
        free(r->role);
        free(r->mems);
        free(r->grant);
        *r = (cdm_cgroup_roles){ 0 };
}

/**
 * cdm_cgroup_roles_compute() - classify every cgroup of the tree and give its cpuset.mems
 * @in: the collected input
 * @ret: per tree item, its role, desired mems and grant
 *
 * Return: 0 or -ENOMEM. O((cgroups + grants) log grants).
 */
int cdm_cgroup_roles_compute(const cdm_isolation_input *in, cdm_cgroup_roles *ret)
{
        const cdm_cgroup_tree *t = in->cgroups;
        cdm_cgroup_roles r = { 0 };
        path_mask *jobs = NULL, *anc = NULL, **jobs_view = NULL, **anc_view = NULL;
        char **anc_paths = NULL;
        size_t n_anc = 0;
        int k, result = -ENOMEM;

        r.role = calloc(t->n ?: 1, sizeof(*r.role));
        r.mems = calloc(t->n ?: 1, sizeof(*r.mems));
        r.grant = calloc(t->n ?: 1, sizeof(*r.grant));
        jobs = calloc(in->n_grants ?: 1, sizeof(path_mask));
        if (!r.role || !r.mems || !r.grant || !jobs)
                goto out;
        for (size_t i = 0; i < in->n_grants; i++) {
                jobs[i] = (path_mask){ .path = in->grants[i].cgroup, .grant = &in->grants[i],
                        .nodes = in->layout->system_nodes };
                add_device_nodes(in, in->grants[i].device, &jobs[i].nodes);
        }
        jobs_view = sorted_view(jobs, in->n_grants);
        if (!jobs_view)
                goto out;
        k = build_ancestors(in, &anc_paths, &anc, &anc_view, &n_anc);
        if (k < 0)
                goto out;

        for (size_t i = 0; i < t->n; i++) {
                const cdm_cgroup *cg = &t->items[i];
                const path_mask *m;

                r.mems[i] = in->layout->system_nodes;
                if (cg->parent < 0) {
                        r.role[i] = CDM_CGROUP_ROOT;
                } else if (!cg->exists) {
                        r.role[i] = CDM_CGROUP_INNER;
                } else if (in->self_cgroup && streq(cg->path, in->self_cgroup)) {
                        r.role[i] = CDM_CGROUP_SELF;
                        add_all_devices(in, &r.mems[i]);
                } else if ((m = lookup(jobs_view, in->n_grants, cg->path)) &&
                                cdm_layout_find_device(in->layout, m->grant->device)) {
                        r.role[i] = CDM_CGROUP_JOB;
                        r.mems[i] = m->nodes;
                        r.grant[i] = m->grant;
                } else if ((m = lookup(anc_view, n_anc, cg->path))) {
                        r.role[i] = CDM_CGROUP_ANCESTOR;
                        for (size_t w = 0; w < ARRAY_SIZE(m->nodes.bits); w++)
                                r.mems[i].bits[w] |= m->nodes.bits[w];
                } else if (r.role[cg->parent] == CDM_CGROUP_JOB ||
                                r.role[cg->parent] == CDM_CGROUP_JOB_INNER) {
                        r.role[i] = CDM_CGROUP_JOB_INNER;
                        r.mems[i] = r.mems[cg->parent];
                        r.grant[i] = r.grant[cg->parent];
                } else if (r.role[cg->parent] == CDM_CGROUP_ROOT ||
                                r.role[cg->parent] == CDM_CGROUP_ANCESTOR) {
                        r.role[i] = CDM_CGROUP_FRONTIER;
                } else {
                        r.role[i] = CDM_CGROUP_INNER;
                }
        }
        *ret = r;
        r = (cdm_cgroup_roles){ 0 };
        result = 0;
out:
        for (int i = 0; anc_paths && i < k; i++)
                free(anc_paths[i]);
        free(anc_paths);
        free(anc);
        free(anc_view);
        free(jobs);
        free(jobs_view);
        cdm_cgroup_roles_done(&r);
        return result;
}

static bool mems_equal(const char *list, const cdm_nodemask *want)
{
        cdm_nodemask cur;

        return list && *list && cdm_nodemask_parse(list, strlen(list), &cur) >= 0 &&
                        memcmp(&cur, want, sizeof(cur)) == 0;
}

/*
 * A systemd unit's own cgroup gets AllowedMemoryNodes= through systemd, which then writes the
 * cgroup itself and keeps it so across reloads. Only when the property is right and the cgroup
 * still is not (systemd did not apply it, or someone wrote the file since) is the file written.
 */
static int plan_mems(cdm_plan *p, const cdm_cgroup *cg, const cdm_nodemask *want, const char *reason)
{
        _cleanup_free_ char *object = NULL, *desired = NULL, *why = NULL;
        bool by_unit = cg->unit && cg->unit_mems && !mems_equal(cg->unit_mems, want);

        if (!by_unit && mems_equal(cg->cpuset_mems, want))
                return 0;
        desired = cdm_nodemask_format(want);
        if (by_unit) {
                if (asprintf(&object, "systemd%s/AllowedMemoryNodes", cg->path) < 0)
                        object = NULL;
        } else {
                object = cg_object(cg->path, "cpuset.mems");
                if (cg->unit && asprintf(&why, "%s; systemd has not applied it to the cgroup", reason) < 0)
                        return -ENOMEM;
        }
        if (!object || !desired)
                return -ENOMEM;
        return add(p, object, by_unit ? cg->unit_mems : cg->cpuset_mems, desired, why ?: reason);
}

int cdm_isolation_plan_fence(const cdm_cgroup *cg, const cdm_nodemask *nodes, cdm_plan *ret)
{
        if (!cg->exists || cg->parent < 0)
                return 0;
        return plan_mems(ret, cg, nodes, "no grant any more: system nodes only");
}

static int plan_subtree(cdm_plan *p, const cdm_cgroup *cg, const char *reason)
{
        _cleanup_free_ char *object = NULL;

        if (!cg->subtree_control || cdm_word_list_contains(cg->subtree_control, "cpuset"))
                return 0;
        /* systemd enables controllers in its slices (and the root) from its own model. */
        if (cg->unit && cdm_unit_is_slice(cg->unit))
                return 0;
        object = cg_object(cg->path, "cgroup.subtree_control");
        if (!object)
                return -ENOMEM;
        return add(p, object, cg->subtree_control, "+cpuset", reason);
}

/*
 * The writing order closes every window: controllers first (top-down, so each cpuset file
 * exists), then the fences that narrow, then the ancestors that widen (top-down), then the jobs.
 * An effective set is the intersection with the parent's, so a sibling fenced before its
 * parent opens never sees the device.
 */
static int plan_cgroups(const cdm_isolation_input *in, cdm_plan *p)
{
        static const cdm_cgroup_role order[] = { CDM_CGROUP_ROOT, CDM_CGROUP_FRONTIER,
                CDM_CGROUP_ANCESTOR, CDM_CGROUP_JOB, CDM_CGROUP_JOB_INNER, CDM_CGROUP_SELF };
        const cdm_cgroup_tree *t = in->cgroups;
        cdm_cgroup_roles roles;
        int r = 0;

        if (!t || t->n == 0 || cdm_nodemask_count(&in->layout->system_nodes) == 0)
                return 0;
        r = cdm_cgroup_roles_compute(in, &roles);
        if (r < 0)
                return r;
        /* The tree lists parents before children, so each pass walks top-down. */
        for (size_t i = 0; r >= 0 && i < t->n; i++) {
                if (roles.role[i] == CDM_CGROUP_ROOT)
                        r = plan_subtree(p, &t->items[i], "let cpusets restrict the children of the root");
                else if (roles.role[i] == CDM_CGROUP_ANCESTOR)
                        r = plan_subtree(p, &t->items[i], "let cpusets reach the granted jobs below");
        }
        for (size_t pass = 1; r >= 0 && pass < ARRAY_SIZE(order); pass++)
                for (size_t i = 0; r >= 0 && i < t->n; i++) {
                        const cdm_cgroup *cg = &t->items[i];

                        if (roles.role[i] != order[pass])
                                continue;
                        /* Below a job only what someone set explicitly (Slurm's copies of its
                         * scope's value into job_N and step_N/user) needs opening. */
                        if (order[pass] == CDM_CGROUP_JOB_INNER && (!cg->cpuset_mems || !*cg->cpuset_mems))
                                continue;
                        r = plan_mems(p, cg, &roles.mems[i],
                                        order[pass] == CDM_CGROUP_FRONTIER ? "no grant: system nodes only" :
                                        order[pass] == CDM_CGROUP_ANCESTOR ?
                                                "ancestor of granted jobs: system nodes and their devices" :
                                        order[pass] == CDM_CGROUP_JOB ? "granted job: system nodes and its device" :
                                        order[pass] == CDM_CGROUP_JOB_INNER ?
                                                "inside a granted job, set explicitly: the job's nodes" :
                                                "cdmd itself: it allocates the pages it moves onto devices");
                }
        cdm_cgroup_roles_done(&roles);
        return r;
}

static bool is_true(const char *v)
{
        return v && (streq(v, "true") || streq(v, "1"));
}

static int plan_knobs(const cdm_isolation_input *in, cdm_plan *p)
{
        const cdm_knobs *k = in->knobs;
        int r = 0;

        if (!k || in->layout->n_devices == 0)
                return 0;
        if (in->config->demotion_disable && is_true(k->demotion_enabled))
                r = add(p, "sys/kernel/mm/numa/demotion_enabled", k->demotion_enabled, "false",
                                "demotion may move pages onto a device node");
        for (size_t i = 0; r >= 0 && i < k->n_hugepages; i++)
                if (!streq(k->hugepages[i].value, "0"))
                        r = add(p, k->hugepages[i].object, k->hugepages[i].value, "0",
                                        "no huge page pool on a device node");
        if (r >= 0 && k->ksm_merge_across_nodes && streq(k->ksm_merge_across_nodes, "1") &&
                        k->ksm_pages_shared == 0)
                r = add(p, "sys/kernel/mm/ksm/merge_across_nodes", "1", "0",
                                "KSM must not merge pages across system and device nodes");
        return r;
}

static int plan_blocks(const cdm_isolation_input *in, cdm_plan *p)
{
        const cdm_topology *t = in->topo;

        if (in->config->online != CDM_ONLINE_MOVABLE || t->block_size == 0)
                return 0;
        for (int id = -1; (id = cdm_nodemask_next(&in->layout->device_nodes, id)) >= 0;) {
                const cdm_node *n = cdm_topology_find_node(t, (unsigned) id);

                if (!n || (in->fenced && cdm_nodemask_test(in->fenced, (unsigned) id)))
                        continue;
                /* Highest block first, so that ZONE_MOVABLE can grow downwards. */
                for (size_t i = n->n_blocks; i-- > 0;) {
                        char object[96];
                        int r;

                        if (n->blocks[i].state != CDM_BLOCK_OFFLINE)
                                continue;
                        (void) snprintf(object, sizeof(object), "sys/devices/system/memory/memory%u/state",
                                        n->blocks[i].id);
                        r = add(p, object, "offline", "online_movable",
                                        "device memory is onlined as movable, never as kernel memory");
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/**
 * cdm_isolation_plan() - the settings that make the device nodes isolated
 * @in: everything collected
 * @ret: the plan, appended to (in writing order)
 *
 * Return: 0 or -ENOMEM.
 */
int cdm_isolation_plan(const cdm_isolation_input *in, cdm_plan *ret)
{
        const cdm_topology *t = in->topo;
        int r = 0;

        if (in->layout->n_devices == 0)
                return 0; /* nothing to isolate */
        if (in->config->online == CDM_ONLINE_MOVABLE && t->auto_online_blocks &&
                        !streq(t->auto_online_blocks, "offline"))
                r = add(ret, "sys/devices/system/memory/auto_online_blocks", t->auto_online_blocks,
                                "offline", "hot-added memory waits for cdmd to online it as movable");
        /* Before any fence: a unit created from now on is fenced by systemd before it runs. */
        if (r >= 0 && in->unit_default_mems && cdm_nodemask_count(&in->layout->system_nodes) &&
                        !mems_equal(in->unit_default_mems, &in->layout->system_nodes)) {
                _cleanup_free_ char *s = cdm_nodemask_format(&in->layout->system_nodes);

                r = s ? add(ret, "systemd-default/AllowedMemoryNodes", in->unit_default_mems, s,
                                    "every unit systemd creates is fenced by systemd, before its first process") :
                        -ENOMEM;
        }
        if (r >= 0)
                r = plan_cgroups(in, ret);
        if (r >= 0)
                r = plan_knobs(in, ret);
        if (r >= 0)
                r = plan_blocks(in, ret);
        return r;
}
