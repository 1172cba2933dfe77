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
} cdm_isolation_input;

int cdm_isolation_plan(const cdm_isolation_input *in, cdm_plan *ret);
