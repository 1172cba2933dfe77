/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One batch of the migration engine: the pages of the batch are queried (move_pages(2) with
 * nodes == NULL), those on "from" are moved, shared ones (-EACCES) are moved again with
 * MPOL_MF_MOVE_ALL, and those whose outcome is unknown (-EBUSY, which THP reports for pages
 * that did move; a status left unwritten when the call stopped early and returned a positive
 * count) are queried again. Each page of the batch ends in exactly one counter, or, still on
 * "from" after the re-query, on the busy list for a later round (lib/kernel/migrate.c).
 */

#include <errno.h>
#include <stdlib.h>

#include "ctx.h"
#include "migrate-job.h"

/* Count a call that started at @t0; return its duration. */
uint64_t migrate_account_call(cdm_migrate_job *job, uint64_t t0, cdm_migrate_stats *stats)
{
        uint64_t t1 = job->ops.now_usec(job->ops.userdata), d = t1 > t0 ? t1 - t0 : 0;

        stats->calls++;
        stats->call_usec_total += d;
        stats->call_usec_max = MAX(stats->call_usec_max, d);
        return d;
}

/* The "to" node already holding most of the VMA; the first "to" node on a tie. */
static int vma_target(const cdm_migrate_job *job, const cdm_vma *v)
{
        int best = cdm_nodemask_next(&job->to, -1);
        uint64_t best_pages = 0;

        for (size_t i = 0; i < v->n_nodes; i++) {
                const cdm_node_pages *np = &job->vmas->node_pages[v->first_node + i];

                if (cdm_nodemask_test(&job->to, np->node) && np->pages > best_pages) {
                        best = (int) np->node;
                        best_pages = np->pages;
                }
        }
        return best;
}

/* Fill the batch from the VMA cursor; false when the scan is complete. */
bool migrate_fill_from_vmas(cdm_migrate_job *job)
{
        uint64_t bytes = 0;

        job->n_pages = 0;
        while (job->vma_idx < job->vmas->n_vmas && job->n_pages < job->batch.size &&
                        (job->step_limit == 0 || bytes < job->step_limit)) {
                const cdm_vma *v = &job->vmas->vmas[job->vma_idx];

                if (job->left[job->vma_idx] == 0 || (job->in_vma && job->addr >= v->end)) {
                        if (job->left[job->vma_idx] > 0)
                                job->sweep = true; /* pages move_pages did not see */
                        job->vma_idx++;
                        job->in_vma = false;
                        continue;
                }
                if (!job->in_vma) {
                        job->in_vma = true;
                        job->addr = v->start;
                        job->target = vma_target(job, v);
                }
                job->pages[job->n_pages++] = (mig_page) {
                        .addr = job->addr,
                        .page_size = v->page_size,
                        .vma = job->vma_idx,
                        .target = job->target,
                        .state = PAGE_QUERY,
                };
                bytes += v->page_size;
                job->addr += v->page_size;
        }
        return job->n_pages > 0;
}

/* Fill the batch from this round's retry list; false when the round is complete. */
bool migrate_fill_from_retry(cdm_migrate_job *job)
{
        size_t n = MIN((size_t) job->batch.size, job->n_retry - job->retry_pos);
        uint64_t bytes = 0;

        job->n_pages = 0;
        for (size_t i = 0; i < n && (job->step_limit == 0 || bytes < job->step_limit); i++) {
                job->pages[i] = job->retry[job->retry_pos + i];
                job->pages[i].state = PAGE_QUERY;
                bytes += job->pages[i].page_size;
                job->n_pages++;
        }
        job->retry_pos += job->n_pages;
        return job->n_pages > 0;
}


/* Outcomes of one page. */

static void page_moved(cdm_migrate_job *job, mig_page *p, cdm_migrate_stats *stats)
{
        p->state = PAGE_DONE;
        stats->pages_moved++;
        stats->bytes_moved += p->page_size;
        job->step_bytes += p->page_size;
}

static void page_failed(mig_page *p, bool enomem, cdm_migrate_stats *stats)
{
        p->state = PAGE_DONE;
        stats->pages_failed++;
        stats->bytes_failed += p->page_size;
        stats->pages_enomem += enomem;
}

static void page_skipped(mig_page *p, cdm_migrate_stats *stats)
{
        p->state = PAGE_DONE;
        stats->pages_skipped++;
}

/* Still on "from" after a move and a re-query: keep it for a later round while there is one. */
static int page_busy(cdm_migrate_job *job, mig_page *p, cdm_migrate_stats *stats)
{
        if (job->round >= job->params.busy_rounds || job->n_busy >= BUSY_MAX) {
                page_failed(p, false, stats);
                return 0;
        }
        if (job->n_busy == job->busy_alloc) {
                size_t na = MAX(job->busy_alloc * 2, (size_t) 256);
                mig_page *nb = realloc(job->busy, na * sizeof(*nb));

                if (!nb)
                        return -ENOMEM;
                job->busy = nb;
                job->busy_alloc = na;
        }
        job->busy[job->n_busy++] = *p;
        p->state = PAGE_DONE;
        stats->pages_retried++;
        return 0;
}

/* Gather the batch's pages in @state as call arguments; return their number. */
static size_t gather(cdm_migrate_job *job, page_state state)
{
        size_t n = 0;

        for (size_t i = 0; i < job->n_pages; i++) {
                if (job->pages[i].state != state)
                        continue;
                job->idx[n] = i;
                job->addrs[n] = (void *) (uintptr_t) job->pages[i].addr;
                job->nodes[n] = job->pages[i].target;
                job->status[n] = STATUS_UNSET;
                n++;
        }
        return n;
}

/* move_pages(2) on the gathered pages; a query when @move is false. */
static long call_move_pages(cdm_migrate_job *job, size_t n, bool move, int flags,
                cdm_migrate_stats *stats)
{
        uint64_t t0 = job->ops.now_usec(job->ops.userdata), d;
        long r;

        r = job->ops.move_pages(job->ops.userdata, job->pid, n, job->addrs,
                        move ? job->nodes : NULL, job->status, flags);
        d = migrate_account_call(job, t0, stats);
        if (move && r >= 0)
                cdm_batch_ctl_update(&job->batch, (unsigned) n, d);
        return r;
}

static int call_error(cdm_migrate_job *job, long r)
{
        if (r == -ESRCH)
                return -ESRCH;
        return cdm_error(job->ctx, (int) r, "pid %d: move_pages: %m", job->pid);
}

/*
 * Query the pages in @state (PAGE_QUERY before a move, PAGE_REQUERY after one). While
 * scanning, pages found elsewhere than "from" are simply not ours; in a re-query or a retry
 * round they were ours, and their new place says what became of them.
 */
static int query(cdm_migrate_job *job, page_state state, cdm_migrate_stats *stats)
{
        size_t n = gather(job, state);
        long r;

        if (n == 0)
                return 0;
        r = call_move_pages(job, n, /* move= */ false, 0, stats);
        if (r < 0)
                return call_error(job, r);
        for (size_t i = 0; i < n; i++) {
                mig_page *p = &job->pages[job->idx[i]];
                int s = job->status[i];
                bool on_from = s >= 0 && cdm_nodemask_test(&job->from, (unsigned) s);
                bool on_to = s >= 0 && cdm_nodemask_test(&job->to, (unsigned) s);

                if (state == PAGE_QUERY && job->round == 0) {
                        p->state = on_from ? PAGE_ON_FROM : PAGE_DONE;
                        if (on_from && job->left[p->vma] > 0)
                                job->left[p->vma]--;
                } else if (on_from && state == PAGE_QUERY)
                        p->state = PAGE_ON_FROM;
                else if (on_from) {
                        int k = page_busy(job, p, stats);
                        if (k < 0)
                                return k;
                } else if (on_to)
                        page_moved(job, p, stats);
                else
                        page_skipped(p, stats);
        }
        return 0;
}

static void classify_move(cdm_migrate_job *job, mig_page *p, int s, int flags,
                cdm_migrate_stats *stats)
{
        if (s >= 0 && cdm_nodemask_test(&job->to, (unsigned) s))
                page_moved(job, p, stats);
        else if (s == -ENOMEM)
                page_failed(p, /* enomem= */ true, stats);
        else if (s == -EACCES && !(flags & CDM_MF_MOVE_ALL) && !job->params.no_move_all &&
                 !job->move_all_denied)
                p->state = PAGE_SHARED;
        else if (s == -ENOENT || s == -EFAULT)
                page_skipped(p, stats);
        else if (s == -EBUSY) {
                stats->pages_busy++;
                p->state = PAGE_REQUERY;
        } else if (s == STATUS_UNSET || s >= 0)
                p->state = PAGE_REQUERY;
        else
                page_failed(p, /* enomem= */ false, stats);
}

/* Move the pages in @state to their targets. */
static int move(cdm_migrate_job *job, page_state state, int flags, cdm_migrate_stats *stats)
{
        size_t n = gather(job, state);
        long r;

        if (n == 0)
                return 0;
        r = call_move_pages(job, n, /* move= */ true, flags, stats);
        if (r == -EPERM && (flags & CDM_MF_MOVE_ALL)) {
                /* No CAP_SYS_NICE: shared pages stay; do not ask again. */
                job->move_all_denied = true;
                for (size_t i = 0; i < n; i++)
                        page_failed(&job->pages[job->idx[i]], false, stats);
                return 0;
        }
        if (r < 0)
                return call_error(job, r);
        for (size_t i = 0; i < n; i++)
                classify_move(job, &job->pages[job->idx[i]], job->status[i], flags, stats);
        return 0;
}

int migrate_run_batch(cdm_migrate_job *job, cdm_migrate_stats *stats)
{
        int r;

        r = query(job, PAGE_QUERY, stats);
        if (r >= 0)
                r = move(job, PAGE_ON_FROM, CDM_MF_MOVE, stats);
        if (r >= 0)
                r = move(job, PAGE_SHARED, CDM_MF_MOVE_ALL, stats);
        if (r >= 0)
                r = query(job, PAGE_REQUERY, stats);
        return r;
}
