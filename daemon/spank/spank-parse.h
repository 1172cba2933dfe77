/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pure half of cdmd's Slurm plugin: the --cdm-mem and --cdm-policy values, the plugin's
 * arguments, and the job and step cgroups found in a /proc/PID/cgroup text. No Slurm, no
 * sd-bus, no files: unit-tested on its own.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest device name and job id of cdmd's API, without the NUL. */
#define CDM_SPANK_NAME_MAX 64
/* The longest cgroup path the plugin handles, with the NUL. */
#define CDM_SPANK_PATH_MAX 4096

typedef struct cdm_spank_mem {
        uint64_t bytes;
        char device[CDM_SPANK_NAME_MAX + 1]; /* "" when the value names none */
} cdm_spank_mem;

/*
 * cdm_spank_parse_size() - "256M" → bytes. Digits with an optional K, M, G or T (powers of
 * 1024, either case), as cdmctl reads sizes; 0 and overflow are refused.
 * Return: 0, or -EINVAL/-ERANGE with a reason in *ret_why.
 */
int cdm_spank_parse_size(const char *s, uint64_t *ret_bytes, const char **ret_why);

/* cdm_spank_valid_name() - a device name cdmd accepts: 1–64 of [A-Za-z0-9_.-]. */
bool cdm_spank_valid_name(const char *s);

/*
 * cdm_spank_parse_mem() - the value of --cdm-mem: SIZE[:DEVICE].
 * Return: 0, or negative errno with a reason in *ret_why.
 */
int cdm_spank_parse_mem(const char *arg, cdm_spank_mem *ret, const char **ret_why);

/* cdm_spank_valid_policy() - "manual" or "device-first". */
bool cdm_spank_valid_policy(const char *s);

/*
 * cdm_spank_unified_path() - the path of the "0::" line of a /proc/PID/cgroup text.
 * Return: 0; -ENOENT without such a line (no cgroup v2), -ENAMETOOLONG, -EINVAL.
 */
int cdm_spank_unified_path(const char *text, char *ret, size_t size);

/*
 * cdm_spank_split_cgroup() - the job's and the step's cgroup in the cgroup of a process of
 * a Slurm step ("/system.slice/n1_slurmstepd.scope/job_7/step_0/user/task_0").
 * @path: the process's cgroup, absolute.
 * @jobid: the Slurm job id; a "job_<N>" component must carry it.
 * @ret_job: the path up to and including the job component.
 * @ret_step: the path up to and including the "step_*" component below it; may be NULL.
 *
 * The job component is the one directly below the "*slurmstepd.scope" ancestor nearest to
 * the process (it holds the job whatever its name: "job_7" up to 25.11, a SLUID later), or,
 * without such a scope (IgnoreSystemd=yes), the component "job_<jobid>". A "step_*"
 * component must follow it: slurmstepd's own "system" cgroup below the scope is no job.
 * Return: 0; -ENOENT when @path is not in a job of a step (-ESRCH: in another job's),
 * -ENAMETOOLONG, -EINVAL.
 */
int cdm_spank_split_cgroup(const char *path, uint32_t jobid, char *ret_job, size_t job_size,
                           char *ret_step, size_t step_size);
