/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a caller of a change (a bus method) is told, besides a negative errno; bus-util.c maps
 * each to its org.cdmd.cdmd1.Error name. */
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

