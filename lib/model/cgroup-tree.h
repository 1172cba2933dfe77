/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The part of the cgroup tree isolation needs: the root, every ancestor of a job cgroup, the
 * job cgroups, and the children of the root and of every ancestor (the frontier candidates).
 * Deeper cgroups inherit their restriction and are not read.
 */

#include <stdbool.h>
#include <stddef.h>

#include "cdm/cdm.h"
#include "util/macro.h"

typedef struct cdm_cgroup {
        char *path;            /* "/" or "/system.slice" */
        ssize_t parent;        /* index of the parent, -1 for the root */
        bool exists;           /* false for a job cgroup that is gone */
        char *cpuset_mems;     /* NULL: no cpuset.mems file (cpuset not enabled above it) */
        char *subtree_control; /* NULL: unreadable */
        bool children_read;    /* its children are in the tree */
        char *unit;            /* with a unit backend: the systemd unit this is the cgroup of */
        char *unit_mems;       /* that unit's AllowedMemoryNodes= ("" unset), NULL for the root */
} cdm_cgroup;

typedef struct cdm_cgroup_tree {
        cdm_cgroup *items;
        size_t n;
        size_t allocated;
        size_t *index; /* open-addressing hash of paths: item index + 1, 0 = free */
        size_t index_size;
} cdm_cgroup_tree;

/* Frees the strings of @c. */
void cdm_cgroup_done(cdm_cgroup *c);
/* Appends @c, whose strings the tree takes, and indexes its path (which must be new).
 * Return: its index or -ENOMEM (then @c is still the caller's). */
ssize_t cdm_cgroup_tree_add(cdm_cgroup_tree *t, const cdm_cgroup *c);
cdm_cgroup_tree *cdm_cgroup_tree_free(cdm_cgroup_tree *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(cdm_cgroup_tree *, cdm_cgroup_tree_free);
ssize_t cdm_cgroup_tree_find(const cdm_cgroup_tree *t, const char *path);
/* Is @ancestor a proper ancestor of (or, with or_self, equal to) @path? Pure string test. */
bool cdm_cgroup_path_is_below(const char *path, const char *ancestor, bool or_self);
