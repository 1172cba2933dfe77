/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The scheduling half of the daemon's page-move executor (daemon/core/executor.c), pure so that it
 * is unit-tested without threads, clocks or root:
 *   - a queue of move tasks by priority (fence > fault > drain > revoke > quota > repair > policy),
 *     first in, first out within a priority, with the removal of an owner's tasks;
 *   - when a running task should give its worker up to a more urgent one;
 *   - a token bucket for the bandwidth cap that every worker draws from.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cdm_move_prio {
        CDM_MOVE_FENCE,  /* a fence write that makes the kernel move the cgroup's pages */
        CDM_MOVE_FAULT,  /* evacuation of a failed device: no bandwidth cap */
        CDM_MOVE_DRAIN,  /* evacuation of a draining device */
        CDM_MOVE_REVOKE, /* a revoked job's pages back to system memory */
        CDM_MOVE_QUOTA,  /* the excess over a quota back to system memory */
        CDM_MOVE_REPAIR, /* spill of a cgroup without a grant */
        CDM_MOVE_POLICY, /* device-first, Migrate */
        _CDM_MOVE_PRIO_MAX,
} cdm_move_prio;

const char *cdm_move_prio_to_string(cdm_move_prio p);

/* A queued task; embedded in the caller's task. @owner is only compared. */
typedef struct cdm_move_item {
        struct cdm_move_item *next;
        cdm_move_prio prio;
        const void *owner;
} cdm_move_item;

typedef struct cdm_move_queue {
        cdm_move_item *head[_CDM_MOVE_PRIO_MAX], *tail[_CDM_MOVE_PRIO_MAX];
        size_t n;
} cdm_move_queue;

/* At the end of its priority; or at the front (a task that gave its worker up resumes first). */
void cdm_move_queue_push(cdm_move_queue *q, cdm_move_item *t);
void cdm_move_queue_push_front(cdm_move_queue *q, cdm_move_item *t);
/* The most urgent task, removed; NULL when empty. */
cdm_move_item *cdm_move_queue_pop(cdm_move_queue *q);
/* The priority of the most urgent task, or _CDM_MOVE_PRIO_MAX when empty. */
cdm_move_prio cdm_move_queue_best(const cdm_move_queue *q);
/* Remove every task of @owner; return them as a list (through ->next), in queue order. */
cdm_move_item *cdm_move_queue_remove_owner(cdm_move_queue *q, const void *owner, size_t *ret_n);
/* Whether a worker running a task of @running should put it back for a more urgent queued
 * one: only when no worker is idle to take that one. */
bool cdm_move_queue_should_yield(const cdm_move_queue *q, cdm_move_prio running, unsigned idle_workers);

/*
 * Token bucket: @rate bytes per second, at most @burst bytes saved up. Workers charge what a
 * step moved after the fact (a step's size is not known before), so the level may go below
 * zero; the next capped step waits until it is back at zero. rate 0: no cap.
 */
typedef struct cdm_bucket {
        uint64_t rate;  /* bytes per second */
        uint64_t burst; /* bytes */
        int64_t level;  /* bytes; negative: owed */
        uint64_t last_usec;
} cdm_bucket;

void cdm_bucket_init(cdm_bucket *b, uint64_t rate, uint64_t burst, uint64_t now_usec);
/* Change the rate (a reload); what is owed is kept, bounded by the new burst. */
void cdm_bucket_set_rate(cdm_bucket *b, uint64_t rate, uint64_t burst, uint64_t now_usec);
void cdm_bucket_charge(cdm_bucket *b, uint64_t now_usec, uint64_t bytes);
/* Microseconds to wait before the next capped step; 0: go. */
uint64_t cdm_bucket_wait(cdm_bucket *b, uint64_t now_usec);
