/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A plan: the kernel settings to write, each with its current and desired value and why. */

#include <stddef.h>

#include "util/macro.h"

typedef struct cdm_plan_item {
        char *object;  /* a file below the root ("sys/fs/cgroup/system.slice/cpuset.mems") */
        char *current; /* its value now */
        char *desired; /* the value to write */
        char *reason;
} cdm_plan_item;

typedef struct cdm_plan {
        cdm_plan_item *items;
        size_t n_items;
} cdm_plan;

#define CDM_PLAN_NULL ((cdm_plan){ 0 })

int cdm_plan_add(cdm_plan *p, const char *object, const char *current, const char *desired,
                const char *reason);
void cdm_plan_done(cdm_plan *p);
