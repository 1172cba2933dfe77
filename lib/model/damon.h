/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The tiered policy on DAMON (Linux 6.11+, CONFIG_DAMON_SYSFS, CONFIG_DAMON_PADDR): one
 * kdamond of physical-address monitoring, two schemes per tiered job, each restricted to the
 * job's memory cgroup. The cold scheme moves the job's memory outside the device range that
 * has not been accessed for cold_after onto the device node (migrate_cold); the hot scheme
 * moves the job's accessed memory inside the device range back to a system node
 * (migrate_hot).
 *
 * damon.c is pure: it turns the jobs into the list of writes under
 * /sys/kernel/mm/damon/admin/ and parses what the kernel reports. damon-fs.h does the I/O.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cdm/cdm.h"

#define CDM_DAMON_ADMIN "kernel/mm/damon/admin" /* below /sys */
#define CDM_DAMON_SAMPLE_USEC 5000ULL
#define CDM_DAMON_AGGR_USEC 100000ULL
#define CDM_DAMON_UPDATE_USEC 1000000ULL
#define CDM_DAMON_RESET_MSEC 1000ULL /* the quota interval */
#define CDM_DAMON_TIME_QUOTA_MSEC 500ULL /* kdamond time per interval, per scheme */
#define CDM_DAMON_SLACK (2ULL << 20)    /* the cold scheme stops this short of the quota */
/* A sweep walks every page of the device's range: it gets a small share of the kdamond's
 * time, so that the kdamond comes back to its callbacks (and cdmd's sysfs writes return) at
 * once. It has no byte quota: DAMOS charges a byte quota with every byte of the regions it
 * walks, moved or not, and resumes each interval where the last one stopped, so a byte quota
 * is a walking speed: at 16 MiB a second one pass over a 1 GiB device takes 64 s, longer than
 * a sweep may run, and pages that become movable behind the walk wait for the next pass. */
#define CDM_DAMON_SWEEP_MSEC 50ULL

typedef struct cdm_damon_range {
        uint64_t start, end; /* physical addresses, end exclusive */
} cdm_damon_range;

typedef struct cdm_damon_job {
        const char *cgroup;    /* memcg path, relative to the cgroup root ("/a/b"); NULL for a
                                * sweep of every page on the device */
        unsigned device_node;  /* migrate_cold's target */
        unsigned system_node;  /* migrate_hot's target */
        cdm_damon_range device; /* the device's physical range: cold pages outside, hot inside */
        /* A sweep of the whole device: the device's own ranges, within which the hot scheme
         * keeps the monitored regions that overlap one (another node's memory may lie
         * between two of them). */
        const cdm_damon_range *ranges;
        size_t n_ranges;
        uint64_t quota;
        uint64_t device_bytes; /* what the job has on the device now */
        bool sweep; /* not a job: every page of the memcg on the device goes back, hot or not
                     * (spill that no process of it maps); give quota 0 */
} cdm_damon_job;

typedef struct cdm_damon_params {
        const cdm_damon_range *regions; /* the monitoring target: system and device memory */
        size_t n_regions;
        uint64_t cold_after_usec;
        uint64_t bandwidth_mbps; /* 0: no cap */
} cdm_damon_params;

typedef struct cdm_damon_write {
        char *path; /* relative to CDM_DAMON_ADMIN */
        char *value;
} cdm_damon_write;

typedef struct cdm_damon_writes {
        cdm_damon_write *items;
        size_t n;
} cdm_damon_writes;

/* Byte quotas per CDM_DAMON_RESET_MSEC, 0 meaning none (as DAMOS reads it). The cold one is
 * also bounded by the room left under the job's quota; *ret_cold_stop is set when there is
 * none, and the cold scheme then only counts (action "stat"). */
uint64_t cdm_damon_bandwidth_bytes(uint64_t bandwidth_mbps);
uint64_t cdm_damon_cold_bytes(const cdm_damon_job *j, uint64_t bandwidth_mbps, bool *ret_cold_stop);

/* The writes that configure kdamond @kdamond for @jobs (schemes 2i: cold, 2i+1: hot), in
 * order, without the final write to its state file. Return: 0 or -ENOMEM, -EINVAL (no
 * region, or a region or range empty). */
int cdm_damon_build(const cdm_damon_params *p, const cdm_damon_job *jobs, size_t n_jobs,
                unsigned kdamond, cdm_damon_writes *ret);
void cdm_damon_writes_done(cdm_damon_writes *w);
/* Whether two lists are the same writes. */
bool cdm_damon_writes_equal(const cdm_damon_writes *a, const cdm_damon_writes *b);

/* Contiguous runs of memory blocks: @ids (ascending or not) of @block_size each. Appends to
 * *regions. Return: 0 or -ENOMEM. */
int cdm_damon_blocks_to_ranges(const unsigned *ids, size_t n, uint64_t block_size,
                cdm_damon_range **regions, size_t *n_regions);

/* A number file ("123\n"). Return: 0 or -EINVAL. */
int cdm_damon_parse_u64(const char *text, size_t len, uint64_t *ret);
/* Whether a kdamond's state file says it runs ("on\n"). */
bool cdm_damon_parse_running(const char *text, size_t len);
/* The bytes a scheme applied since the last baseline: the counter restarts when a kdamond
 * does (then all of @now is new). */
static inline uint64_t cdm_damon_delta(uint64_t before, uint64_t now)
{
        return now >= before ? now - before : now;
}

#define CDM_DAMON_NOT_SUPPORTED_MSG                                                                \
        "tiered needs DAMON with migrate_hot/migrate_cold on physical addresses (Linux 6.11+, "    \
        "CONFIG_DAMON_SYSFS, CONFIG_DAMON_PADDR)"
