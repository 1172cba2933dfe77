/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Inside the migration engine: the job, shared by lib/kernel/migrate.c (phases, numa_maps, pacing)
 * and lib/kernel/migrate-batch.c (one batch of move_pages(2) calls and what each page became).
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migrate.h"
#include "numa-maps.h"

#define STATUS_UNSET INT_MIN /* a status the kernel never writes */
#define BUSY_MAX (1u << 20)  /* pages kept for later rounds; beyond that: failed */

typedef enum job_phase {
        PHASE_START,
        PHASE_SCAN,
        PHASE_RETRY,
        PHASE_FINISH,
        PHASE_DONE,
} job_phase;

typedef enum page_state {
        PAGE_QUERY,   /* to be queried */
        PAGE_ON_FROM, /* found on "from": to be moved */
        PAGE_SHARED,  /* -EACCES: to be moved with MPOL_MF_MOVE_ALL */
        PAGE_REQUERY, /* outcome unknown */
        PAGE_DONE,    /* counted */
} page_state;

typedef struct mig_page {
        uint64_t addr;
        uint64_t page_size;
        size_t vma;
        int target;
        page_state state;
} mig_page;

struct cdm_migrate_job {
        cdm_ctx *ctx;
        cdm_sys_ops ops;
        int pid;
        cdm_nodemask from, to, both;
        cdm_migrate_params params;
        cdm_batch_ctl batch;
        cdm_pacer pacer;
        job_phase phase;
        unsigned round;          /* 0: SCAN; 1..busy_rounds: RETRY */
        bool move_all_denied;

        cdm_vma_list *vmas;
        uint64_t *left;          /* per VMA: pages counted on "from" and not found yet */
        bool sweep;              /* a VMA had fewer pages on "from" than numa_maps counted */
        size_t vma_idx;          /* SCAN cursor: VMA, next address in it, its target node */
        bool in_vma;
        uint64_t addr;
        int target;

        mig_page *pages;         /* the current batch (batch.max entries) */
        size_t n_pages;
        void **addrs;            /* call arguments (batch.max entries each) */
        int *nodes, *status;
        size_t *idx;             /* call argument i is pages[idx[i]] */

        mig_page *busy, *retry;  /* for the next round; this round's */
        size_t n_busy, n_retry, retry_pos, busy_alloc;
        uint64_t step_bytes;     /* moved in this step, for the pacer */
        uint64_t step_limit;     /* the most bytes one batch may hold, 0: no limit */
};

uint64_t migrate_account_call(cdm_migrate_job *job, uint64_t t0, cdm_migrate_stats *stats);
bool migrate_fill_from_vmas(cdm_migrate_job *job);
bool migrate_fill_from_retry(cdm_migrate_job *job);
int migrate_run_batch(cdm_migrate_job *job, cdm_migrate_stats *stats);
