/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The page moves a cycle decides, as pure functions of the last audit, the jobs, the devices'
 * states and what moves already: a job over its quota has the excess moved back, a
 * device-first job under it has its system memory moved onto the device, spill of a cgroup
 * without a grant is repaired, a revoked job's pages and a drained or failed device's go
 * back to the system nodes. The daemon hands each move to its executor; Plan and
 * `cdmd --dry-run` list them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "jobs.h"
#include "move-queue.h"
#include "plan.h"

/* A device-first move ends on a whole batch (a huge page is 2 MiB): it stops that much short
 * of the quota, or each audit would move the overshoot back and the next one forth again. */
#define CDM_DEVICE_FIRST_SLACK (2ULL << 20)
#define CDM_MOVE_ALL UINT64_MAX

typedef struct cdm_move_plan_item {
        cdm_move_prio prio; /* also what it is for */
        char *owner;        /* the executor's key: "job:ID", "spill:DEVICE:CGROUP", "device:NAME" */
        char *cgroup;       /* whose pages: a cgroup, "/" for the root cgroup's user processes,
                             * NULL for every process (an evacuation) */
        char *device;
        bool to_system;     /* from the device to the system nodes, or the other way */
        uint64_t bytes;     /* at most; CDM_MOVE_ALL: whatever is there */
        char *reason;
} cdm_move_plan_item;

typedef struct cdm_move_plan {
        cdm_move_plan_item *items;
        size_t n;
        cdm_plan prepare; /* the cgroups to create and the settings to write before the moves */
} cdm_move_plan;

/* Copies the item's strings. Return: 0 or -ENOMEM. */
int cdm_move_plan_add(cdm_move_plan *p, const cdm_move_plan_item *it);
/* @src's items and preparations appended to @dst's, copied. Return: 0 or -ENOMEM. */
int cdm_move_plan_append(cdm_move_plan *dst, const cdm_move_plan *src);
void cdm_move_plan_done(cdm_move_plan *p);

char *cdm_move_owner_job(const char *id);
char *cdm_move_owner_spill(const char *device, const char *cgroup);
char *cdm_move_owner_device(const char *device);

/* What to do with one job after an audit (its device_bytes and system_bytes are the audit's). */
typedef struct cdm_job_verdict {
        cdm_job_state state;
        bool over_quota_now; /* it has just gone over: announce it */
        bool cancel;         /* stop the job's running move */
        bool move;           /* queue a move of @bytes, @to_system or onto the device */
        bool to_system;
        uint64_t bytes;
} cdm_job_verdict;

cdm_job_verdict cdm_decide_job(const cdm_job *j, bool device_online, bool moving);
/* Whether an audit item is spill to move back now. */
bool cdm_decide_repair(const cdm_audit_item *it, bool repair_enabled, bool moving);

/* [isolation] root_cgroup = move: user processes in the root cgroup, which no cpuset can
 * restrict, go into this cgroup, fenced like any other (the kernel moves their pages along). */
#define CDM_ROOT_MOVE_CGROUP "/cdmd-root-processes"
#define CDM_MOVE_OWNER_ROOT "root"
/* Whether the audit's root-cgroup processes are to be moved now. */
bool cdm_decide_root_move(const cdm_audit *a, bool root_cgroup_move, bool moving);

typedef struct cdm_move_plan_input {
        const cdm_audit *audit;
        const cdm_jobs *jobs;
        bool repair; /* [isolation] repair = migrate */
        bool root_move; /* [isolation] root_cgroup = move */
        const char *system_mems; /* the system nodes, for the root move's cgroup */
        /* Whether @device is online (not draining, failed or offline). */
        bool (*device_online)(const char *device, void *userdata);
        /* Whether a move of @owner is queued or running. */
        bool (*moving)(const char *owner, void *userdata);
        void *userdata;
} cdm_move_plan_input;

/* The move of a verdict with @move set, and the repair of a spill item: appended to @p. */
int cdm_plan_job_move(const cdm_job *j, const cdm_job_verdict *v, cdm_move_plan *p);
int cdm_plan_repair(const cdm_audit_item *it, cdm_move_plan *p);
/* The root cgroup's user processes into CDM_ROOT_MOVE_CGROUP, which is created first with
 * cpuset.mems @system_mems (the system nodes, "0-1"). */
int cdm_plan_root_move(const cdm_audit *a, const char *system_mems, cdm_move_plan *p);
/* Every move the jobs and the audit call for now: appended to @p. Return: 0 or -ENOMEM. */
int cdm_plan_moves(const cdm_move_plan_input *in, cdm_move_plan *p);
/* A revoked job: all its pages on its device back. */
int cdm_plan_revoke(const cdm_job *j, cdm_move_plan *p);
/* A drained or failed device: every process's pages on it back. */
int cdm_plan_evacuation(const char *device, bool fault, cdm_move_plan *p);
