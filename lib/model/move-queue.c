/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The page-move executor's queue and bandwidth bucket (see move-queue.h). No locking here:
 * the executor calls these under its mutex.
 */

#include "move-queue.h"
#include "util/macro.h"

const char *cdm_move_prio_to_string(cdm_move_prio p)
{
        static const char *const names[] = { "fence", "fault", "drain", "revoke", "quota", "repair", "policy" };
        return p < ARRAY_SIZE(names) ? names[p] : "unknown";
}

void cdm_move_queue_push(cdm_move_queue *q, cdm_move_item *t)
{
        cdm_move_prio p = MIN(t->prio, (cdm_move_prio) (_CDM_MOVE_PRIO_MAX - 1));

        t->prio = p;
        t->next = NULL;
        if (q->tail[p])
                q->tail[p]->next = t;
        else
                q->head[p] = t;
        q->tail[p] = t;
        q->n++;
}

void cdm_move_queue_push_front(cdm_move_queue *q, cdm_move_item *t)
{
        cdm_move_prio p = MIN(t->prio, (cdm_move_prio) (_CDM_MOVE_PRIO_MAX - 1));

        t->prio = p;
        t->next = q->head[p];
        q->head[p] = t;
        if (!q->tail[p])
                q->tail[p] = t;
        q->n++;
}

cdm_move_prio cdm_move_queue_best(const cdm_move_queue *q)
{
        for (unsigned p = 0; p < _CDM_MOVE_PRIO_MAX; p++)
                if (q->head[p])
                        return (cdm_move_prio) p;
        return _CDM_MOVE_PRIO_MAX;
}

cdm_move_item *cdm_move_queue_pop(cdm_move_queue *q)
{
        cdm_move_prio p = cdm_move_queue_best(q);
        cdm_move_item *t;

        if (p == _CDM_MOVE_PRIO_MAX)
                return NULL;
        t = q->head[p];
        q->head[p] = t->next;
        if (!q->head[p])
                q->tail[p] = NULL;
        t->next = NULL;
        q->n--;
        return t;
}

cdm_move_item *cdm_move_queue_remove_owner(cdm_move_queue *q, const void *owner, size_t *ret_n)
{
        cdm_move_item *out = NULL, **out_tail = &out;
        size_t n = 0;

        for (unsigned p = 0; p < _CDM_MOVE_PRIO_MAX; p++) {
                cdm_move_item **link = &q->head[p], *last = NULL;

                while (*link) {
                        cdm_move_item *t = *link;

                        if (t->owner != owner) {
                                last = t;
                                link = &t->next;
                                continue;
                        }
                        *link = t->next;
                        t->next = NULL;
                        *out_tail = t;
                        out_tail = &t->next;
                        n++;
                }
                q->tail[p] = last;
        }
        q->n -= n;
        if (ret_n)
                *ret_n = n;
        return out;
}

bool cdm_move_queue_should_yield(const cdm_move_queue *q, cdm_move_prio running, unsigned idle_workers)
{
        return idle_workers == 0 && cdm_move_queue_best(q) < running;
}

/* @usec worth of @rate bytes per second, without overflow for any rate up to 10^12 and any
 * duration: the duration is bounded by what could ever be saved up anyway. */
static uint64_t bytes_in(uint64_t rate, uint64_t usec)
{
        usec = MIN(usec, (uint64_t) 1000 * 1000000u);
        return usec / 1000000u * rate + (usec % 1000000u) * rate / 1000000u;
}

static void refill(cdm_bucket *b, uint64_t now_usec)
{
        uint64_t add;

        if (now_usec <= b->last_usec)
                return;
        add = bytes_in(b->rate, now_usec - b->last_usec);
        b->last_usec = now_usec;
        if (add >= (uint64_t) INT64_MAX || b->level + (int64_t) add > (int64_t) b->burst)
                b->level = (int64_t) b->burst;
        else
                b->level += (int64_t) add;
}

void cdm_bucket_init(cdm_bucket *b, uint64_t rate, uint64_t burst, uint64_t now_usec)
{
        *b = (cdm_bucket){ .rate = rate, .burst = MIN(burst, (uint64_t) INT64_MAX / 2), .level = 0,
                .last_usec = now_usec };
}

void cdm_bucket_set_rate(cdm_bucket *b, uint64_t rate, uint64_t burst, uint64_t now_usec)
{
        if (b->rate == rate)
                return;
        refill(b, now_usec);
        b->rate = rate;
        b->burst = MIN(burst, (uint64_t) INT64_MAX / 2);
        b->level = MIN(b->level, (int64_t) b->burst);
}

void cdm_bucket_charge(cdm_bucket *b, uint64_t now_usec, uint64_t bytes)
{
        if (b->rate == 0)
                return;
        refill(b, now_usec);
        bytes = MIN(bytes, (uint64_t) INT64_MAX / 4);
        /* Never owe more than the int64 range can say. */
        if (b->level < INT64_MIN / 4 + (int64_t) bytes)
                b->level = INT64_MIN / 4;
        else
                b->level -= (int64_t) bytes;
}

uint64_t cdm_bucket_wait(cdm_bucket *b, uint64_t now_usec)
{
        uint64_t owed;

        if (b->rate == 0)
                return 0;
        refill(b, now_usec);
        if (b->level >= 0)
                return 0;
        owed = (uint64_t) -b->level;
        /* Rounded up: after that long the level is back at zero. */
        return owed / b->rate * 1000000u + ((owed % b->rate) * 1000000u + b->rate - 1) / b->rate;
}
