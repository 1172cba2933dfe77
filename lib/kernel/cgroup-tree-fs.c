/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reads the isolation-relevant part of the cgroup2 tree (see cgroup-tree-fs.h). Cgroups
 * vanish at any moment: a child that disappears between readdir() and the read of its files
 * is dropped quietly; only the root is required.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-backend.h"
#include "cgroup-parse.h"
#include "cgroup-tree-fs.h"
#include "ctx.h"
#include "util/strv.h"

#define CGROUP_CHILDREN_MAX 100000
/* Below a job: Slurm's step_N/user/task_N is three levels; a bound keeps a runaway tree cheap. */
#define SUBTREE_DEPTH_MAX 4
#define SUBTREE_ITEMS_MAX 4096

static char *trimmed(char *s)
{
        size_t n = strlen(s);

        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
                s[--n] = 0;
        return s;
}

/*
 * Which unit's own cgroup @c is, and what the service manager has for its memory nodes. A
 * cgroup whose unit the manager does not know is treated as not the manager's.
 */
static int read_unit(cdm_ctx *ctx, cdm_cgroup *c)
{
        _cleanup_free_ char *unit = NULL;
        char *mems = NULL;
        int r;

        r = cdm_cgroup_systemd_unit(c->path, &unit);
        if (r <= 0)
                return r;
        if (c->parent >= 0) {
                r = ctx->unit_backend->get_mems(ctx->unit_backend->userdata, unit, &mems);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        cdm_debug(ctx, "%s: unit %s not known to %s, writing its cgroup directly: %s",
                                        c->path, unit, ctx->unit_backend->name, strerror(-r));
                        return 0;
                }
        }
        c->unit = TAKE_PTR(unit);
        c->unit_mems = mems;
        return 0;
}

/* Add @path (if new) and read its files. Return its index, or -1 when it does not exist. */
static ssize_t add_cgroup(cdm_ctx *ctx, cdm_cgroup_tree *t, const char *path, ssize_t parent,
                bool keep_missing)
{
        ssize_t i = cdm_cgroup_tree_find(t, path);
        char *buf = NULL;
        cdm_cgroup c;
        int r;

        if (i >= 0)
                return i;
        r = cdm_cgroup_read(ctx, path, "cgroup.subtree_control", &buf, NULL);
        if (r < 0 && !keep_missing)
                return -1;
        c = (cdm_cgroup){ .path = strdup(path), .parent = parent, .exists = r >= 0 };
        if (!c.path) {
                free(buf);
                return -ENOMEM;
        }
        c.subtree_control = r >= 0 ? trimmed(buf) : NULL;
        if (r >= 0 && cdm_cgroup_read(ctx, path, "cpuset.mems", &buf, NULL) >= 0)
                c.cpuset_mems = trimmed(buf);
        if (r >= 0 && ctx->unit_backend) {
                r = read_unit(ctx, &c);
                if (r < 0) {
                        cdm_cgroup_done(&c);
                        return r;
                }
        }
        i = cdm_cgroup_tree_add(t, &c);
        if (i < 0)
                cdm_cgroup_done(&c);
        return i;
}

static int add_children(cdm_ctx *ctx, cdm_cgroup_tree *t, ssize_t parent)
{
        _cleanup_free_ char *path = NULL;
        char **children = NULL;
        size_t n = 0;
        int r;

        if (t->items[parent].children_read)
                return 0;
        t->items[parent].children_read = true;
        /* add_cgroup() may move the items: keep the parent's path. */
        path = strdup(t->items[parent].path);
        if (!path)
                return -ENOMEM;
        r = cdm_cgroup_list_children(ctx, path, CGROUP_CHILDREN_MAX, &children, &n);
        for (size_t i = 0; r >= 0 && i < n; i++)
                if (add_cgroup(ctx, t, children[i], parent, false) == -ENOMEM)
                        r = -ENOMEM;
        strv_free_n(children, n);
        return r;
}

/* The root and its children: the first frontier, read whatever the jobs. */
static int read_root(cdm_ctx *ctx, cdm_cgroup_tree *t)
{
        ssize_t root;

        if (ctx->cgroup_fd < 0)
                return cdm_error(ctx, -ENOENT, "%s/sys/fs/cgroup: no cgroup2 tree", ctx->root);
        root = add_cgroup(ctx, t, "/", -1, false);
        if (root < 0)
                return cdm_error(ctx, root == -ENOMEM ? -ENOMEM : -ENOENT,
                                "%s/sys/fs/cgroup/cgroup.subtree_control: cannot read", ctx->root);
        return add_children(ctx, t, root);
}

/*
 * The cgroups below @i (a job, or a cgroup asked about), SUBTREE_DEPTH_MAX levels deep: a
 * resource manager may have written explicit values there (Slurm copies its scope's
 * cpuset.mems into every job and step) that a grant must open. @budget bounds the total.
 */
static int add_subtree(cdm_ctx *ctx, cdm_cgroup_tree *t, size_t i, unsigned depth, size_t *budget)
{
        size_t first = t->n, last;
        int r;

        if (depth == 0 || !t->items[i].exists || t->items[i].children_read)
                return 0;
        r = add_children(ctx, t, (ssize_t) i);
        if (r < 0)
                return r;
        last = t->n;
        for (size_t k = first; k < last; k++) {
                if (*budget == 0)
                        return 0;
                (*budget)--;
                r = add_subtree(ctx, t, k, depth - 1, budget);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool holds_nodes(const cdm_cgroup *c, const cdm_nodemask *nodes)
{
        cdm_nodemask cur;

        if (!c->cpuset_mems || !*c->cpuset_mems ||
                        cdm_nodemask_parse(c->cpuset_mems, strlen(c->cpuset_mems), &cur) < 0)
                return false;
        for (size_t w = 0; w < ARRAY_SIZE(cur.bits); w++)
                if ((nodes->bits[w] & cur.bits[w]) != nodes->bits[w])
                        return false;
        return true;
}

/*
 * Walk down from the root to @job (/a, /a/b, ... /a/b/job), adding each cgroup and the
 * children of each ancestor (the frontier candidates below it). With @nodes, only the
 * children of ancestors that do not hold those nodes yet are read.
 */
static int add_chain(cdm_ctx *ctx, cdm_cgroup_tree *t, const char *job, const cdm_nodemask *nodes,
                bool subtree)
{
        _cleanup_free_ char *path = strdup(job);
        ssize_t parent = 0;
        size_t budget = SUBTREE_ITEMS_MAX;

        if (!path)
                return -ENOMEM;
        for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
                if (slash)
                        *slash = 0;
                parent = add_cgroup(ctx, t, path, parent, /* keep_missing= */ true);
                if (parent < 0)
                        return (int) parent;
                if (!slash)
                        return subtree ? add_subtree(ctx, t, (size_t) parent, SUBTREE_DEPTH_MAX, &budget) : 0;
                if (t->items[parent].exists && (!nodes || !holds_nodes(&t->items[parent], nodes))) {
                        int r = add_children(ctx, t, parent);
                        if (r < 0)
                                return r;
                }
                *slash = '/';
        }
}

/**
 * cdm_cgroup_tree_read() - read the root, the jobs' ancestors and their children
 * @ctx: context (its cgroup root)
 * @jobs: cgroup paths of the granted jobs
 * @n_jobs: their number
 * @ret: the tree, in an order where every parent comes before its children
 *
 * Return: 0, -ENOENT when the cgroup2 root is not there, or a negative errno.
 */
int cdm_cgroup_tree_read(cdm_ctx *ctx, const char *const *jobs, size_t n_jobs, cdm_cgroup_tree **ret)
{
        _cleanup_(cdm_cgroup_tree_freep) cdm_cgroup_tree *t = calloc(1, sizeof(*t));
        int r;

        if (!t)
                return -ENOMEM;
        r = read_root(ctx, t);
        for (size_t j = 0; r >= 0 && j < n_jobs; j++)
                r = add_chain(ctx, t, jobs[j], NULL, /* subtree= */ false);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(t);
        return 0;
}

int cdm_cgroup_tree_read_path(cdm_ctx *ctx, const char *job, const cdm_nodemask *nodes,
                cdm_cgroup_tree **ret)
{
        _cleanup_(cdm_cgroup_tree_freep) cdm_cgroup_tree *t = calloc(1, sizeof(*t));
        int r;

        if (!t)
                return -ENOMEM;
        r = read_root(ctx, t);
        if (r >= 0)
                r = add_chain(ctx, t, job, nodes, /* subtree= */ true);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(t);
        return 0;
}
