/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The migration engine: move every page of a process that sits on a set of nodes ("from")
 * to another set ("to"), in steps short enough for a single-threaded event loop, with the
 * same counters whatever asked for the move (quota, spill repair, drain, D-Bus Migrate).
 *
 * Two ways to drive it:
 *   - a job: cdm_migrate_job_new(), then cdm_migrate_job_step() until it returns
 *     CDM_MIGRATE_DONE or an error, waiting *ret_wait_usec between steps (a timer in the
 *     daemon's loop); the engine never sleeps in a step. Stopping is simply not calling
 *     step again (or setting params.cancel) and freeing the job.
 *   - cdm_migrate_process(): the same loop, blocking, sleeping through ops->sleep_usec;
 *     for one-shot callers (cdmd --oneshot, tests).
 */

#include <stdbool.h>
#include <stdint.h>

#include "cdm/cdm.h"
#include "sys.h"
#include "util/macro.h"

/*
 * Counters. The engine only adds to them (never resets), so one struct may sum many jobs.
 * Pages are in each VMA's page size (base pages, or hugetlb pages).
 */
typedef struct cdm_migrate_stats {
        uint64_t pages_moved, bytes_moved; /* now on a "to" node through us; the migrate_pages
                                              share is estimated from numa_maps before/after */
        uint64_t pages_failed, bytes_failed; /* tried, and still on a "from" node */
        uint64_t pages_enomem;   /* of pages_failed: the target node was full (-ENOMEM) */
        uint64_t pages_busy;     /* -EBUSY statuses seen; each is re-queried (THP: spurious) */
        uint64_t pages_retried;  /* pages put back for a later round after a re-query */
        uint64_t pages_skipped;  /* vanished meanwhile: unmapped, not present, moved by others */
        uint64_t bytes_left;     /* on "from" per numa_maps when the job finished */
        uint64_t gone;           /* processes that exited before or during the move */
        uint64_t calls;          /* move_pages(2) and migrate_pages(2) calls */
        uint64_t call_usec_max;  /* longest single call */
        uint64_t call_usec_total;
} cdm_migrate_stats;

/*
 * Batch-size controller (pure). One move_pages(2) call stalls the target process for its
 * whole duration, so the batch halves when a call took longer than max_stall_usec, and
 * doubles (up to max) when a near-full call took under a quarter of it: after doubling,
 * the next call stays under half the limit, so the size does not oscillate.
 */
typedef struct cdm_batch_ctl {
        unsigned size, min, max;
        uint64_t max_stall_usec;
} cdm_batch_ctl;

void cdm_batch_ctl_init(cdm_batch_ctl *b, unsigned initial, unsigned min, unsigned max,
                uint64_t max_stall_usec);
void cdm_batch_ctl_update(cdm_batch_ctl *b, unsigned pages, uint64_t call_usec);

/*
 * Bandwidth pacer (pure): after a step that moved @bytes between @start_usec and @end_usec,
 * how long to wait before the next step so that the average stays under bytes_per_sec.
 * Idle time is not banked beyond one step, so a job resumed after a pause does not burst.
 */
typedef struct cdm_pacer {
        uint64_t bytes_per_sec; /* 0: no cap */
        uint64_t next_usec;     /* earliest start of the next step */
} cdm_pacer;

uint64_t cdm_pacer_after(cdm_pacer *p, uint64_t start_usec, uint64_t end_usec, uint64_t bytes);

/* Parameters; zero means the default given. */
typedef struct cdm_migrate_params {
        uint64_t max_stall_usec;    /* 20000: longest wanted move_pages(2) call */
        unsigned batch_initial;     /* 512 pages */
        unsigned batch_min;         /* 16 */
        unsigned batch_max;         /* 4096 */
        uint64_t max_bytes_per_sec; /* 0: no bandwidth cap */
        unsigned busy_rounds;       /* 3: later rounds for pages that stayed busy */
        uint64_t busy_delay_usec;   /* 10000: wait before each such round */
        bool no_migrate_pages;      /* page batches only: no whole-process migrate_pages(2) */
        bool no_move_all;           /* never retry shared pages with MPOL_MF_MOVE_ALL */
        const volatile bool *cancel; /* when set, the next step returns -ECANCELED */
} cdm_migrate_params;

#define CDM_MIGRATE_DONE 0
#define CDM_MIGRATE_AGAIN 1

typedef struct cdm_migrate_job cdm_migrate_job;

int cdm_migrate_job_new(cdm_ctx *ctx, const cdm_sys_ops *ops, int pid, const cdm_nodemask *from,
                const cdm_nodemask *to, const cdm_migrate_params *params, cdm_migrate_job **ret);
int cdm_migrate_job_step(cdm_migrate_job *job, cdm_migrate_stats *stats, uint64_t *ret_wait_usec);
unsigned cdm_migrate_job_batch_size(const cdm_migrate_job *job);
/* The most bytes of pages the next steps put in one batch (0: no limit), so that a move with a
 * budget ends near it: a batch stops once it holds that much (a transparent huge page that
 * begins in it still moves whole). */
void cdm_migrate_job_limit_step(cdm_migrate_job *job, uint64_t bytes);
cdm_migrate_job *cdm_migrate_job_free(cdm_migrate_job *job);
DEFINE_TRIVIAL_CLEANUP_FUNC(cdm_migrate_job *, cdm_migrate_job_free);

int cdm_migrate_process(cdm_ctx *ctx, const cdm_sys_ops *ops, int pid, const cdm_nodemask *from,
                const cdm_nodemask *to, const cdm_migrate_params *params,
                cdm_migrate_stats *stats);
