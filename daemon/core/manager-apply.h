/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager-data.h"

/* The isolation input of the moment: its grants are the jobs, in the jobs' order (the
 * audit's per-job figures are indexed by it). */
typedef struct ManagerInput {
        cdm_isolation_input in;
        cdm_grant *grants;
        cdm_knobs knobs;
        cdm_nodemask fenced;
        char *unit_default_mems;
} ManagerInput;

int manager_input_begin(Manager *m, const struct cdm_cgroup_tree *cgroups, bool read_knobs,
                ManagerInput *ret);
void manager_input_end(ManagerInput *i);
int manager_reread_topology(Manager *m);
/* Apply @plan (old values recorded first) and log each result once. A cpuset.mems write that
 * makes the kernel move pages goes to a worker and is logged when done. Return: 1 when
 * something was written or queued, 0, or a negative errno. */
int manager_apply_plan(Manager *m, const cdm_plan *plan, size_t *ret_failed);
/* The settings of the whole tree now: topology, @before_plan (NULL, or what the cycle does
 * with a fresh topology: fault detection), the cgroup tree, the plan (m->plan), its writes. */
int manager_apply_settings(Manager *m, void (*before_plan)(Manager *m));
/* One job's cgroup as its grant says, at once (a cycle is asked for when there is no
 * topology yet). */
int manager_apply_job(Manager *m, const char *cgroup);
/* One cgroup: its ancestors, their children, and what is below it, right now. */
int manager_sync_cgroup(Manager *m, const char *cgroup);
/* Close what a grant opened on @cgroup, wherever it lies now. */
int manager_fence_cgroup(Manager *m, const char *cgroup);
