/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The migration engine. A job moves one process's pages off the "from" nodes in phases,
 * one bounded piece of work per step:
 *
 *   START   read numa_maps; if nothing is on "from", done. Otherwise one whole-process
 *           migrate_pages(2) (it also reaches pages that move_pages cannot, e.g. those
 *           marked by NUMA balancing on 6.1), then read maps + numa_maps again.
 *   SCAN    for each VMA that still shows pages on "from", walk its pages in batches:
 *           query (move_pages with nodes == NULL), move the ones on "from" to the VMA's
 *           target (the "to" node already holding most of it), classify each status, and
 *           re-query the pages whose outcome is unknown. A VMA is left as soon as all the
 *           pages numa_maps counted there were found.
 *   RETRY   pages that stayed on "from" after a re-query (busy) get busy_rounds more tries,
 *           each round after busy_delay_usec.
 *   FINISH  read numa_maps once more: what is left on "from" is stats.bytes_left. If some
 *           VMA showed fewer pages than numa_maps counted (pages move_pages could not see),
 *           one more migrate_pages(2) first.
 *
 * Status handling (see lib/sys.h): the node of a "to" page = moved; -ENOMEM = failed, target
 * full; -EACCES = shared page, retried once with MPOL_MF_MOVE_ALL (needs CAP_SYS_NICE; on
 * EPERM counted failed); -ENOENT/-EFAULT = gone, skipped quietly; -EBUSY, an unwritten
 * status (move_pages returned a positive count and stopped) or any other node = unknown,
 * re-queried, because THP reports -EBUSY for pages that did move; anything else = failed.
 * Call errors: ESRCH = the process is gone, quiet success (stats.gone); anything else ends
 * the job with that error (EACCES: the target is outside the task's cpuset; EPERM: no
 * ptrace access, or migrate_pages to nodes outside the cpuset).
 *
 * A page is never lost: it is either on a "to" node or still where it was, and the counters
 * say which. The engine sleeps only in cdm_migrate_process().
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "migrate-job.h"
#include "proc-fs.h"

/* Pure controller and pacer. */

void cdm_batch_ctl_init(cdm_batch_ctl *b, unsigned initial, unsigned min, unsigned max,
                uint64_t max_stall_usec)
{
        min = MAX(min, 1u);
        max = MAX(max, min);
        *b = (cdm_batch_ctl) {
                .size = MIN(MAX(initial, min), max),
                .min = min,
                .max = max,
                .max_stall_usec = max_stall_usec,
        };
}

void cdm_batch_ctl_update(cdm_batch_ctl *b, unsigned pages, uint64_t call_usec)
{
        if (call_usec > b->max_stall_usec)
                b->size = MAX(b->size / 2, b->min);
        else if (call_usec < b->max_stall_usec / 4 && pages >= b->size / 2)
                b->size = (unsigned) MIN((uint64_t) b->size * 2, (uint64_t) b->max);
}

uint64_t cdm_pacer_after(cdm_pacer *p, uint64_t start_usec, uint64_t end_usec, uint64_t bytes)
{
        uint64_t cost;

        if (p->bytes_per_sec == 0)
                return 0;
        /* Microseconds that @bytes are worth, rounded up, without overflowing. */
        cost = bytes / p->bytes_per_sec * 1000000u +
                ((bytes % p->bytes_per_sec) * 1000000u + p->bytes_per_sec - 1) / p->bytes_per_sec;
        p->next_usec = MAX(p->next_usec, start_usec) + cost;
        return p->next_usec > end_usec ? p->next_usec - end_usec : 0;
}

static void params_defaults(cdm_migrate_params *p)
{
        if (p->max_stall_usec == 0)
                p->max_stall_usec = 20000;
        if (p->batch_initial == 0)
                p->batch_initial = 512;
        if (p->batch_min == 0)
                p->batch_min = 16;
        if (p->batch_max == 0)
                p->batch_max = 4096;
        if (p->busy_rounds == 0)
                p->busy_rounds = 3;
        if (p->busy_delay_usec == 0)
                p->busy_delay_usec = 10000;
}

/**
 * cdm_migrate_job_new() - prepare moving a process's pages off some nodes
 * @ctx: context; /proc/PID is read below its proc root (a reference is taken)
 * @ops: system calls (copied)
 * @pid: the process
 * @from: nodes to empty
 * @to: nodes to move to; must not intersect @from
 * @params: parameters (copied; NULL: defaults)
 * @ret: the job, owned by the caller (cdm_migrate_job_free())
 *
 * Return: 0, -EINVAL for empty or overlapping node sets or a batch_max above 1 << 20, -ENOMEM.
 */
int cdm_migrate_job_new(cdm_ctx *ctx, const cdm_sys_ops *ops, int pid, const cdm_nodemask *from,
                const cdm_nodemask *to, const cdm_migrate_params *params, cdm_migrate_job **ret)
{
        _cleanup_(cdm_migrate_job_freep) cdm_migrate_job *job = NULL;
        size_t n;

        if (pid <= 0 || cdm_nodemask_count(from) == 0 || cdm_nodemask_count(to) == 0)
                return -EINVAL;
        for (size_t i = 0; i < ARRAY_SIZE(from->bits); i++)
                if (from->bits[i] & to->bits[i])
                        return -EINVAL;
        job = calloc(1, sizeof(*job));
        if (!job)
                return -ENOMEM;
        job->ctx = cdm_ctx_ref(ctx);
        job->ops = *ops;
        job->pid = pid;
        job->from = *from;
        job->to = *to;
        for (size_t i = 0; i < ARRAY_SIZE(from->bits); i++)
                job->both.bits[i] = from->bits[i] | to->bits[i];
        if (params)
                job->params = *params;
        params_defaults(&job->params);
        if (job->params.batch_max > (1u << 20))
                return -EINVAL;
        cdm_batch_ctl_init(&job->batch, job->params.batch_initial, job->params.batch_min,
                        job->params.batch_max, job->params.max_stall_usec);
        job->pacer.bytes_per_sec = job->params.max_bytes_per_sec;

        n = job->batch.max;
        job->pages = calloc(n, sizeof(*job->pages));
        job->addrs = calloc(n, sizeof(*job->addrs));
        job->nodes = calloc(n, sizeof(*job->nodes));
        job->status = calloc(n, sizeof(*job->status));
        job->idx = calloc(n, sizeof(*job->idx));
        if (!job->pages || !job->addrs || !job->nodes || !job->status || !job->idx)
                return -ENOMEM;
        *ret = TAKE_PTR(job);
        return 0;
}

cdm_migrate_job *cdm_migrate_job_free(cdm_migrate_job *job)
{
        if (!job)
                return NULL;
        cdm_ctx_unref(job->ctx);
        cdm_vma_list_free(job->vmas);
        free(job->left);
        free(job->pages);
        free(job->addrs);
        free(job->nodes);
        free(job->status);
        free(job->idx);
        free(job->busy);
        free(job->retry);
        free(job);
        return NULL;
}

/* The current batch size, for progress reports and tests. */
unsigned cdm_migrate_job_batch_size(const cdm_migrate_job *job)
{
        return job->batch.size;
}

void cdm_migrate_job_limit_step(cdm_migrate_job *job, uint64_t bytes)
{
        job->step_limit = bytes;
}

/* An error ends the job; a vanished process (ESRCH) ends it quietly. */
static int job_fail(cdm_migrate_job *job, int r, cdm_migrate_stats *stats)
{
        job->phase = PHASE_DONE;
        if (r == -ESRCH) {
                stats->gone++;
                return 0;
        }
        return r;
}

static uint64_t pages_on(const cdm_vma_list *l, const cdm_nodemask *nodes)
{
        uint64_t sum = 0;

        for (size_t i = 0; i < l->n_vmas; i++)
                sum += cdm_vma_pages_on(l, &l->vmas[i], nodes);
        return sum;
}

/* Read and parse maps and numa_maps; -ESRCH when the process is gone. */
static int read_vmas(cdm_migrate_job *job, cdm_vma_list **ret)
{
        return cdm_proc_vmas_read(job->ctx, job->pid, &job->both, ret);
}

/*
 * Whole-process migrate_pages(2). It reports only how many pages it could not move, so what
 * it moved is estimated from numa_maps before (@before) and after (*ret_after): the process
 * may map and unmap meanwhile.
 */
static int whole_process(cdm_migrate_job *job, const cdm_vma_list *before,
                cdm_vma_list **ret_after, cdm_migrate_stats *stats)
{
        uint64_t t0 = job->ops.now_usec(job->ops.userdata), b0, b1, p0, p1;
        _cleanup_(cdm_vma_list_freep) cdm_vma_list *after = NULL;
        long n;
        int r;

        n = job->ops.migrate_pages(job->ops.userdata, job->pid, &job->from, &job->to);
        (void) migrate_account_call(job, t0, stats);
        if (n == -ESRCH)
                return -ESRCH;
        if (n < 0)
                return cdm_error(job->ctx, (int) n, "pid %d: migrate_pages: %m", job->pid);
        r = read_vmas(job, &after);
        if (r < 0)
                return r;
        b0 = cdm_vma_list_bytes_on(before, &job->from);
        b1 = cdm_vma_list_bytes_on(after, &job->from);
        p0 = pages_on(before, &job->from);
        p1 = pages_on(after, &job->from);
        if (b0 > b1) {
                stats->bytes_moved += b0 - b1;
                stats->pages_moved += p0 > p1 ? p0 - p1 : 0;
                job->step_bytes += b0 - b1;
        }
        *ret_after = TAKE_PTR(after);
        return 0;
}

static int phase_start(cdm_migrate_job *job, cdm_migrate_stats *stats)
{
        _cleanup_(cdm_vma_list_freep) cdm_vma_list *l = NULL;
        uint64_t before;
        int r;

        r = read_vmas(job, &l);
        if (r < 0)
                return r;
        before = cdm_vma_list_bytes_on(l, &job->from);
        if (before == 0) {
                job->phase = PHASE_DONE;
                return 0;
        }
        if (!job->params.no_migrate_pages) {
                _cleanup_(cdm_vma_list_freep) cdm_vma_list *before_list = TAKE_PTR(l);

                r = whole_process(job, before_list, &l, stats);
                if (r < 0)
                        return r;
        }
        job->left = calloc(MAX(l->n_vmas, (size_t) 1), sizeof(*job->left));
        if (!job->left)
                return -ENOMEM;
        for (size_t i = 0; i < l->n_vmas; i++)
                if (l->vmas[i].page_size > 0)
                        job->left[i] = cdm_vma_pages_on(l, &l->vmas[i], &job->from);
        job->vmas = TAKE_PTR(l);
        job->vma_idx = 0;
        job->in_vma = false;
        job->phase = PHASE_SCAN;
        return 0;
}

/* The current list is done: start a retry round for the busy pages, or finish. */
static void next_round(cdm_migrate_job *job, uint64_t *wait_usec)
{
        if (job->n_busy == 0) {
                job->phase = PHASE_FINISH;
                return;
        }
        free(job->retry);
        job->retry = TAKE_PTR(job->busy);
        job->n_retry = job->n_busy;
        job->n_busy = job->busy_alloc = job->retry_pos = 0;
        job->round++;
        job->phase = PHASE_RETRY;
        *wait_usec = job->params.busy_delay_usec;
}

static int phase_finish(cdm_migrate_job *job, cdm_migrate_stats *stats)
{
        _cleanup_(cdm_vma_list_freep) cdm_vma_list *l = NULL;
        int r;

        r = read_vmas(job, &l);
        if (r < 0)
                return r;
        if (job->sweep && !job->params.no_migrate_pages &&
            cdm_vma_list_bytes_on(l, &job->from) > 0) {
                _cleanup_(cdm_vma_list_freep) cdm_vma_list *before = TAKE_PTR(l);

                r = whole_process(job, before, &l, stats);
                if (r < 0)
                        return r;
        }
        stats->bytes_left += cdm_vma_list_bytes_on(l, &job->from);
        job->phase = PHASE_DONE;
        return 0;
}

static int job_step(cdm_migrate_job *job, cdm_migrate_stats *stats, uint64_t *wait_usec)
{
        switch (job->phase) {
        case PHASE_START:
                return phase_start(job, stats);
        case PHASE_SCAN:
                if (!migrate_fill_from_vmas(job)) {
                        next_round(job, wait_usec);
                        return 0;
                }
                return migrate_run_batch(job, stats);
        case PHASE_RETRY:
                if (!migrate_fill_from_retry(job)) {
                        next_round(job, wait_usec);
                        return 0;
                }
                return migrate_run_batch(job, stats);
        case PHASE_FINISH:
                return phase_finish(job, stats);
        case PHASE_DONE:
                break;
        }
        return 0;
}

/**
 * cdm_migrate_job_step() - do one bounded piece of a job
 * @job: the job
 * @stats: counters, added to (also when the step fails: they say what moved before)
 * @ret_wait_usec: on success, how long to wait before the next step (bandwidth cap, or the
 *                 pause before a retry round); 0 when the job is done
 *
 * A step is at most one migrate_pages(2) or one batch of move_pages(2) calls (query, move,
 * shared-page retry, re-query), plus reading numa_maps at the start and the end.
 *
 * Return: CDM_MIGRATE_AGAIN, CDM_MIGRATE_DONE (also when the process exited: stats.gone),
 * -ECANCELED when params.cancel was set, or the error that ended the job (-EACCES: a "to"
 * node is outside the task's cpuset; -EPERM; -EBADMSG: unreadable numa_maps; -ENOMEM).
 * After DONE or an error, further steps return CDM_MIGRATE_DONE.
 */
int cdm_migrate_job_step(cdm_migrate_job *job, cdm_migrate_stats *stats, uint64_t *ret_wait_usec)
{
        uint64_t t0, wait = 0, pace;
        int r;

        if (job->phase == PHASE_DONE) {
                *ret_wait_usec = 0;
                return CDM_MIGRATE_DONE;
        }
        if (job->params.cancel && *job->params.cancel) {
                job->phase = PHASE_DONE;
                return -ECANCELED;
        }
        t0 = job->ops.now_usec(job->ops.userdata);
        job->step_bytes = 0;
        r = job_step(job, stats, &wait);
        if (r < 0) {
                r = job_fail(job, r, stats);
                if (r < 0)
                        return r;
        }
        if (job->phase == PHASE_DONE) {
                *ret_wait_usec = 0;
                return CDM_MIGRATE_DONE;
        }
        /* MIN() and MAX() evaluate their arguments twice: the pacer has a side effect. */
        pace = cdm_pacer_after(&job->pacer, t0, job->ops.now_usec(job->ops.userdata),
                        job->step_bytes);
        *ret_wait_usec = MAX(wait, pace);
        return CDM_MIGRATE_AGAIN;
}

/**
 * cdm_migrate_process() - move a process's pages off @from, blocking
 * @ctx, @ops, @pid, @from, @to, @params: as for cdm_migrate_job_new()
 * @stats: counters, added to
 *
 * Runs a job to its end, sleeping through @ops->sleep_usec between steps. For one-shot
 * callers only: the daemon drives a job from its event loop instead.
 *
 * Return: 0 (pages that could not be moved are in @stats), or as cdm_migrate_job_step().
 */
int cdm_migrate_process(cdm_ctx *ctx, const cdm_sys_ops *ops, int pid, const cdm_nodemask *from,
                const cdm_nodemask *to, const cdm_migrate_params *params,
                cdm_migrate_stats *stats)
{
        _cleanup_(cdm_migrate_job_freep) cdm_migrate_job *job = NULL;
        int r;

        r = cdm_migrate_job_new(ctx, ops, pid, from, to, params, &job);
        if (r < 0)
                return r;
        for (;;) {
                uint64_t wait = 0;

                r = cdm_migrate_job_step(job, stats, &wait);
                if (r <= 0)
                        return r;
                if (wait > 0)
                        ops->sleep_usec(ops->userdata, wait);
        }
}
