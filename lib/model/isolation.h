/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The isolation plan (ISOLATION.md invariants 1, 2 and 4): a pure function of what was
 * collected to the kernel settings to write, in the order they must be written.
 */

#include "cgroup-tree.h"
#include "config.h"
#include "knobs.h"
#include "layout.h"
#include "plan.h"
#include "topology.h"

typedef struct cdm_grant {
        const char *id;
        const char *cgroup;
        const char *device;
} cdm_grant;

typedef struct cdm_isolation_input {
        const cdm_topology *topo;
        const cdm_layout *layout;
        const cdm_config *config;
        const cdm_cgroup_tree *cgroups;
        const cdm_knobs *knobs;
        const cdm_grant *grants;
        size_t n_grants;
        const cdm_nodemask *fenced; /* nodes of devices that are not online (draining, drained,
                                     * failed): opened to no job, never onlined; NULL = none */
        /* The daemon's own cgroup, or NULL. It is opened to every online device: the kernel
         * allocates the pages move_pages() moves within the caller's cpuset, so a daemon fenced
         * off a device cannot move anything onto it (its own memory is bound by its policy). */
        const char *self_cgroup;
        /* With a unit backend, the AllowedMemoryNodes= units get by default ("" none); NULL
         * without one. */
        const char *unit_default_mems;
} cdm_isolation_input;

/* What each cgroup of the tree is to isolation. */
typedef enum cdm_cgroup_role {
        CDM_CGROUP_ROOT,
        CDM_CGROUP_JOB,      /* granted: system nodes + its device */
        CDM_CGROUP_ANCESTOR, /* above granted jobs: system nodes + their devices */
        CDM_CGROUP_FRONTIER, /* child of the root or of an ancestor, no grant: system nodes */
        CDM_CGROUP_JOB_INNER, /* below a job: inherits, but an explicit value is the job's */
        CDM_CGROUP_SELF,     /* the daemon's own: system nodes + every online device */
        CDM_CGROUP_INNER,    /* below the frontier or missing: inherits, not managed */
} cdm_cgroup_role;

typedef struct cdm_cgroup_roles {
        cdm_cgroup_role *role;   /* per tree item */
        cdm_nodemask *mems;      /* per tree item: the cpuset.mems it should have */
        const cdm_grant **grant; /* per tree item: the grant of a job, else NULL */
} cdm_cgroup_roles;

int cdm_cgroup_roles_compute(const cdm_isolation_input *in, cdm_cgroup_roles *ret);
void cdm_cgroup_roles_done(cdm_cgroup_roles *r);

int cdm_isolation_plan(const cdm_isolation_input *in, cdm_plan *ret);
/*
 * Fence one cgroup to @nodes (a job's cgroup once its grant is gone: nothing else would
 * close what the grant opened when it now lies below a fence), through systemd for a unit.
 */
int cdm_isolation_plan_fence(const cdm_cgroup *cg, const cdm_nodemask *nodes, cdm_plan *ret);
