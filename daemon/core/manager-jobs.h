/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager-errors.h"
#include "manager-data.h"

/* Each returns JOB_OK, a JobError with *ret_msg (heap, may be NULL), or a negative errno. */
int manager_grant(Manager *m, const char *id, const char *cgroup, const char *device,
                uint64_t quota, const char *policy, char **ret_msg);
int manager_revoke(Manager *m, const char *id, const char *reason, char **ret_msg);
/* Fence or open one cgroup at once, as its grant (or the lack of one) says. */
int manager_sync(Manager *m, const char *cgroup, char **ret_msg);
int manager_set_quota(Manager *m, const char *id, uint64_t quota, char **ret_msg);
int manager_set_policy(Manager *m, const char *id, const char *policy, char **ret_msg);
/* Drop jobs whose cgroup is gone (after a restart, or found by the audit). */
void manager_drop_vanished_jobs(Manager *m);
/* Forget a job without moving anything (no layout yet): its record, its memcg limits. */
int manager_drop_job(Manager *m, const char *id, const char *reason);
/* Raise the memcg limits of [job] sections whose cgroup exists, once. */
void manager_raise_static_jobs(Manager *m);
/* Per-job usage, quota enforcement and device-first placement, after each audit. */
void manager_enforce_jobs(Manager *m);
