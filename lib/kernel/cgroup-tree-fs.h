/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The cgroup tree read from cgroupfs (and, with a unit backend, the units' properties). */

#include "cgroup-tree.h"

int cdm_cgroup_tree_read(cdm_ctx *ctx, const char *const *jobs, size_t n_jobs, cdm_cgroup_tree **ret);
/*
 * What granting @job changes: the root, its ancestors and itself (with what lies below it, a
 * few levels deep), plus the children of every ancestor whose cpuset.mems does not hold @nodes
 * yet (every ancestor's, with @nodes NULL): opening such an ancestor would let its
 * other children, which inherit, reach the device, so they must be fenced in the same step.
 */
int cdm_cgroup_tree_read_path(cdm_ctx *ctx, const char *job, const cdm_nodemask *nodes,
                cdm_cgroup_tree **ret);
