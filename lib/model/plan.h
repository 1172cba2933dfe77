/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A plan: the kernel settings to write, each with its current and desired value and why, and
 * the cgroups to create. */

#include <stdbool.h>
#include <stddef.h>

#include "util/macro.h"

typedef struct cdm_plan_item {
        char *object;  /* a file below the root ("sys/fs/cgroup/system.slice/cpuset.mems"), or a
                        * unit property ("systemd/system.slice/AllowedMemoryNodes") */
        char *current; /* its value now */
        char *desired; /* the value to write */
        char *reason;
        bool create;   /* not a setting: the cgroup @object ("sys/fs/cgroup/a") is created if it
                        * does not exist (current "(none)", desired "(created)") */
} cdm_plan_item;

typedef struct cdm_plan {
        cdm_plan_item *items;
        size_t n_items;
} cdm_plan;

#define CDM_PLAN_NULL ((cdm_plan){ 0 })

int cdm_plan_add(cdm_plan *p, const char *object, const char *current, const char *desired,
                const char *reason);
/* A cgroup to create, before the items after it. */
int cdm_plan_add_create(cdm_plan *p, const char *object, const char *reason);
void cdm_plan_done(cdm_plan *p);
/* Who writes @object: "systemd", "cgroupfs", "sysfs" or "procfs". */
const char *cdm_plan_object_backend(const char *object);
bool cdm_plan_object_is_cgroup(const char *object);
/* The cgroup path of a cgroup or unit object ("/system.slice"), NULL for other objects. */
char *cdm_plan_object_cgroup(const char *object);
