/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Spill that moving processes cannot reach: page cache or shmem of a process that has exited,
 * pages an OOM victim took while the kernel ignored its cpuset, memory a revoked job left
 * behind without a mapping. The audit finds it again after the process repair has run; then
 * DAMON's migrate_hot, with a memcg filter, sweeps it back (lib/model/damon.h), for a bounded time.
 * This part only keeps the table and decides; daemon/manager-sweep.c does the rest.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"

#define CDM_SWEEP_AFTER_AUDITS 2          /* the audit that found it, then one after the repair */
#define CDM_SWEEP_MAX_USEC (60ULL * 1000000ULL) /* sweeping longer is not going to work */

typedef struct cdm_sweep {
        char *owner;
        char *device;
        uint64_t bytes;     /* on the device at the last audit */
        unsigned audits;    /* consecutive audits that found it */
        uint64_t run_usec;  /* when sweeping began, 0 before */
        bool told;          /* its sweep (or that there is none) was logged */
        bool gave_up;
        bool seen;          /* during an update */
} cdm_sweep;

typedef struct cdm_sweeps {
        cdm_sweep *items;
        size_t n;
} cdm_sweeps;

typedef enum cdm_sweep_verdict {
        CDM_SWEEP_WAIT,    /* too new, or its process repair still runs */
        CDM_SWEEP_RUN,     /* sweep it now */
        CDM_SWEEP_GIVE_UP, /* swept for CDM_SWEEP_MAX_USEC and still there: say so, once */
        CDM_SWEEP_IDLE,    /* given up earlier */
} cdm_sweep_verdict;

/* Takes the spill of one audit (items that are not granted): new ones start counting, those
 * the audit did not find are forgotten. Return: 0 or -ENOMEM. */
int cdm_sweeps_update(cdm_sweeps *s, const cdm_audit *a);
/* What to do with @sw at @now_usec; marks the start and the end of its sweep. */
cdm_sweep_verdict cdm_sweep_decide(cdm_sweep *sw, uint64_t now_usec, bool repair_running);
void cdm_sweeps_done(cdm_sweeps *s);
