/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

typedef enum JobError {
        JOB_OK = 0,
        JOB_INVALID,
        JOB_NO_DEVICE,
        JOB_NO_CGROUP,
        JOB_EXISTS,
        JOB_NOT_ONLINE,
        JOB_CAPACITY,
        JOB_TOO_MANY,
        JOB_NOT_SUPPORTED,
        JOB_NO_JOB,
        JOB_STATE, /* the change cannot be saved in state_dir: nothing was changed */
        _JOB_ERROR_MAX,
} JobError;

/* JOB_STATE with a message naming the cause @r of a failed save, for any change's caller. */
int manager_state_error(Manager *m, int r, char **ret_msg);
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
