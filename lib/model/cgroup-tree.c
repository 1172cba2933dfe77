/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup tree as a table: items, a hash of their paths, lookups (see cgroup-tree.h). */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-tree.h"


void cdm_cgroup_done(cdm_cgroup *c)
{
        free(c->path);
        free(c->cpuset_mems);
        free(c->subtree_control);
        free(c->unit);
        free(c->unit_mems);
        *c = (cdm_cgroup){ .parent = -1 };
}

cdm_cgroup_tree *cdm_cgroup_tree_free(cdm_cgroup_tree *t)
{
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n; i++)
                cdm_cgroup_done(&t->items[i]);
        free(t->items);
        free(t->index);
        free(t);
        return NULL;
}

static size_t hash_path(const char *s)
{
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */

        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 1099511628211ULL;
        return (size_t) h;
}

ssize_t cdm_cgroup_tree_find(const cdm_cgroup_tree *t, const char *path)
{
        if (t->index_size == 0)
                return -1;
        for (size_t h = hash_path(path) & (t->index_size - 1);; h = (h + 1) & (t->index_size - 1)) {
                size_t v = t->index[h];

                if (v == 0)
                        return -1;
                if (streq(t->items[v - 1].path, path))
                        return (ssize_t) (v - 1);
        }
}

static void index_insert(cdm_cgroup_tree *t, size_t item)
{
        size_t h = hash_path(t->items[item].path) & (t->index_size - 1);

        while (t->index[h])
                h = (h + 1) & (t->index_size - 1);
        t->index[h] = item + 1;
}

/* Keep the table at most half full. */
static int index_reserve(cdm_cgroup_tree *t, size_t n)
{
        size_t size = t->index_size ?: 64;
        size_t *index;

        if (n * 2 <= t->index_size)
                return 0;
        while (n * 2 > size)
                size *= 2;
        index = calloc(size, sizeof(size_t));
        if (!index)
                return -ENOMEM;
        free(t->index);
        t->index = index;
        t->index_size = size;
        for (size_t i = 0; i < t->n; i++)
                index_insert(t, i);
        return 0;
}

bool cdm_cgroup_path_is_below(const char *path, const char *ancestor, bool or_self)
{
        size_t n = strlen(ancestor);

        if (streq(path, ancestor))
                return or_self;
        if (streq(ancestor, "/"))
                return path[0] == '/' && path[1] != 0;
        return strncmp(path, ancestor, n) == 0 && path[n] == '/';
}

ssize_t cdm_cgroup_tree_add(cdm_cgroup_tree *t, const cdm_cgroup *c)
{
        if (index_reserve(t, t->n + 1) < 0)
                return -ENOMEM;
        if (t->n == t->allocated) {
                size_t want = t->allocated ? t->allocated * 2 : 64;
                cdm_cgroup *ni = realloc(t->items, want * sizeof(*ni));

                if (!ni)
                        return -ENOMEM;
                t->items = ni;
                t->allocated = want;
        }
        t->items[t->n++] = *c;
        index_insert(t, t->n - 1);
        return (ssize_t) (t->n - 1);
}
