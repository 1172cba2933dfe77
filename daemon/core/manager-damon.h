/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager-data.h"

/* Whether the kernel can run the tiered policy: JOB_OK, or JOB_NOT_SUPPORTED with *ret_msg. */
int manager_damon_check(Manager *m, char **ret_msg);
/* Bring cdmd's kdamond in line with the tiered jobs: count what DAMON moved since the last
 * call, then create, update online (commit) or remove it. Called after every change of a
 * job and after each audit. */
void manager_damon_sync(Manager *m);
void manager_damon_free(Manager *m);

/* A memcg whose every page on a device DAMON moves back to system memory. */
typedef struct ManagerSweepTarget {
        const char *owner;  /* the spill's owner as the audit names it */
        const char *holder; /* the memcg: the owner or one below it; NULL: every page of the
                             * device, which no job is granted (one such target per device) */
        const char *device;
} ManagerSweepTarget;
/* The sweeps from now on (copied, replacing the last set); manager_damon_sync() applies them. */
int manager_damon_set_sweeps(Manager *m, const ManagerSweepTarget *t, size_t n);
/* Before a device is opened to a job: a sweep of that whole device stops at once. */
void manager_damon_drop_granted(Manager *m);
