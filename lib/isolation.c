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

static const cdm_grant *grant_of(const cdm_isolation_input *in, const char *path)
{
        for (size_t i = 0; i < in->n_grants; i++)
                if (streq(in->grants[i].cgroup, path))
                        return &in->grants[i];
        return NULL;
}

/* Is @path an ancestor (below the root) of a granted job? Add that job's device nodes. */
static bool ancestor_nodes(const cdm_isolation_input *in, const char *path, cdm_nodemask *nodes)
{
        bool found = false;

        for (size_t i = 0; i < in->n_grants; i++) {
                const cdm_device *d;

                if (!cdm_cgroup_path_is_below(in->grants[i].cgroup, path, false))
                        continue;
                found = true;
                d = cdm_layout_find_device(in->layout, in->grants[i].device);
                if (d)
                        for (int id = -1; (id = cdm_nodemask_next(&d->nodes, id)) >= 0;)
                                cdm_nodemask_set(nodes, (unsigned) id);
        }
        return found;
}

static int plan_mems(cdm_plan *p, const cdm_cgroup *cg, const cdm_nodemask *want, const char *reason)
{
        _cleanup_free_ char *object = NULL, *desired = NULL;
        cdm_nodemask cur;

        if (cg->cpuset_mems && cdm_nodemask_parse(cg->cpuset_mems, strlen(cg->cpuset_mems), &cur) >= 0 &&
                        memcmp(&cur, want, sizeof(cur)) == 0 && *cg->cpuset_mems)
                return 0;
        object = cg_object(cg->path, "cpuset.mems");
        desired = cdm_nodemask_format(want);
        if (!object || !desired)
                return -ENOMEM;
        return add(p, object, cg->cpuset_mems, desired, reason);
}

static int plan_subtree(cdm_plan *p, const cdm_cgroup *cg, const char *reason)
{
        _cleanup_free_ char *object = NULL;

        if (!cg->subtree_control || strstr(cg->subtree_control, "cpuset"))
                return 0;
        object = cg_object(cg->path, "cgroup.subtree_control");
        if (!object)
                return -ENOMEM;
        return add(p, object, cg->subtree_control, "+cpuset", reason);
}

static int plan_cgroups(const cdm_isolation_input *in, cdm_plan *p)
{
        const cdm_nodemask *S = &in->layout->system_nodes;
        const cdm_cgroup_tree *t = in->cgroups;
        int r;

        if (!t || t->n == 0 || cdm_nodemask_count(S) == 0)
                return 0;
        r = plan_subtree(p, &t->items[0], "let cpusets restrict the children of the root");
        if (r < 0)
                return r;

        /* The tree lists parents before children, so this walks top-down. */
        for (size_t i = 1; i < t->n; i++) {
                const cdm_cgroup *cg = &t->items[i];
                cdm_nodemask want = *S;
                const cdm_grant *g;
                ssize_t parent = cg->parent;
                bool parent_open;

                if (!cg->exists)
                        continue;
                g = grant_of(in, cg->path);
                if (g) {
                        const cdm_device *d = cdm_layout_find_device(in->layout, g->device);

                        if (!d)
                                continue; /* unknown device: the job stays fenced */
                        for (int id = -1; (id = cdm_nodemask_next(&d->nodes, id)) >= 0;)
                                cdm_nodemask_set(&want, (unsigned) id);
                        r = plan_mems(p, cg, &want, "granted job: system nodes and its device");
                        if (r < 0)
                                return r;
                        continue;
                }
                if (ancestor_nodes(in, cg->path, &want)) {
                        r = plan_subtree(p, cg, "let cpusets reach the granted jobs below");
                        if (r >= 0)
                                r = plan_mems(p, cg, &want, "ancestor of granted jobs: system nodes and their devices");
                        if (r < 0)
                                return r;
                        continue;
                }
                /* Frontier: a child of the root or of an ancestor of a job. */
                parent_open = parent == 0 || (parent > 0 && ancestor_nodes(in, t->items[parent].path, &(cdm_nodemask){ { 0 } }));
                if (!parent_open)
                        continue;
                r = plan_mems(p, cg, S, "no grant: system nodes only");
                if (r < 0)
                        return r;
        }
        return 0;
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

                if (!n)
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
        if (r >= 0)
                r = plan_cgroups(in, ret);
        if (r >= 0)
                r = plan_knobs(in, ret);
        if (r >= 0)
                r = plan_blocks(in, ret);
        return r;
}
