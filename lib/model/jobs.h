/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Jobs: cgroups granted a quota of one device's memory. The table, the checks a grant must
 * pass (pure), and the jobs file of the state directory.
 */

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "layout.h"

typedef enum cdm_job_state {
        CDM_JOB_ACTIVE,
        CDM_JOB_OVER_QUOTA,
        CDM_JOB_SUSPENDED,
        CDM_JOB_REVOKING,
        _CDM_JOB_STATE_MAX,
} cdm_job_state;

typedef struct cdm_job {
        char *id;
        char *cgroup;
        char *device;
        uint64_t quota;
        cdm_policy policy;
        cdm_job_state state;
        uint64_t created_usec; /* CLOCK_REALTIME */
        bool from_config;      /* a [job] section: reload may remove it */
        char *saved_memory_max; /* memcg limits before the grant raised them, or NULL */
        char *saved_memory_high;
        /* From the last audit. */
        uint64_t device_bytes;
        uint64_t system_bytes;
        uint64_t moved_to_device;
        uint64_t moved_to_system;
} cdm_job;

/* The items in the order they were added (or loaded); the three indexes hold item numbers
 * sorted by id, by cgroup and by (device, cgroup), so that a lookup or a grant's checks cost
 * O(log n) whatever the number of jobs. Only the functions below change them. */
typedef struct cdm_jobs {
        cdm_job *items;
        size_t n;
        size_t *by_id;
        size_t *by_cgroup;
        size_t *by_device;
        /* The sum of the quotas of each device's jobs (change a quota with cdm_jobs_set_quota()). */
        struct cdm_jobs_total {
                char *device;
                unsigned __int128 quota;
        } *totals;
        size_t n_totals;
} cdm_jobs;

typedef enum cdm_grant_error {
        CDM_GRANT_OK,
        CDM_GRANT_INVALID,
        CDM_GRANT_NO_DEVICE,
        CDM_GRANT_EXISTS,
        CDM_GRANT_NOT_ONLINE,
        CDM_GRANT_CAPACITY,
        CDM_GRANT_TOO_MANY,
        CDM_GRANT_NOT_SUPPORTED,
} cdm_grant_error;

const char *cdm_job_state_to_string(cdm_job_state s);
cdm_job *cdm_jobs_find(const cdm_jobs *j, const char *id);
cdm_job *cdm_jobs_find_cgroup(const cdm_jobs *j, const char *cgroup);
/* A job whose cgroup lies strictly inside or above @cgroup, or NULL. */
cdm_job *cdm_jobs_find_nested(const cdm_jobs *j, const char *cgroup);
/* Sum of the quotas granted on @device, except the job @except (may be NULL). */
/* Walk the devices that have a job strictly below @cgroup: one such job per call, *pos
 * (0 at first) keeps the place; NULL at the end. */
const cdm_job *cdm_jobs_next_below(const cdm_jobs *j, const char *cgroup, size_t *pos);
uint64_t cdm_jobs_granted(const cdm_jobs *j, const char *device, const cdm_job *except);
/* Whether any job (whatever its state or quota) is granted @device. */
bool cdm_jobs_on_device(const cdm_jobs *j, const char *device);
/* Pure checks of a grant; *ret_msg (static or heap, see ret_msg_free) says why. */
cdm_grant_error cdm_jobs_check_grant(const cdm_jobs *j, const cdm_layout *l, const cdm_config *c,
                const char *id, const char *cgroup, const char *device, uint64_t quota,
                const char *policy, char **ret_msg);
cdm_grant_error cdm_jobs_check_policy(const char *policy, cdm_policy *ret, char **ret_msg);
cdm_grant_error cdm_jobs_check_quota(const cdm_jobs *j, const cdm_layout *l, const cdm_job *job,
                uint64_t quota, char **ret_msg);
int cdm_jobs_add(cdm_jobs *j, const char *id, const char *cgroup, const char *device,
                uint64_t quota, cdm_policy policy, uint64_t created_usec, bool from_config,
                cdm_job **ret);
void cdm_jobs_remove(cdm_jobs *j, const char *id);
void cdm_jobs_set_quota(cdm_jobs *j, cdm_job *job, uint64_t quota);
void cdm_jobs_done(cdm_jobs *j);

/* A job as one record (record.h), the text of its file in the store (jobs-store.h). */
/* The items in the order of their creation time (as loaded: the order they were granted). */
void cdm_jobs_sort_created(cdm_jobs *j);
char *cdm_job_format(const cdm_job *job);
/* One record line (cdm_record_next()'s) into @j; *what says why not. Return: 0, -EBADMSG,
 * -ENOMEM. */
int cdm_job_parse_record(const char *line, size_t len, cdm_jobs *j, const char **what);
/* Exactly one record: the job is added to @j. Return: 0, -EBADMSG (*what says why), -ENOMEM. */
int cdm_job_parse(const char *text, size_t n, cdm_jobs *j, const char **what);
