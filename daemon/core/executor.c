/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The page-move executor (see executor.h). Threads and system calls live here; the order of
 * the tasks and the bandwidth bucket are lib/model/move-queue.c's, called under the mutex.
 *
 * A worker takes the most urgent task and steps its migration engine (one bounded batch of
 * move_pages(2), under max_stall) with the mutex released; between steps, under the mutex, it
 * adds the step's counters to the request, charges the bytes to the shared bucket, stops when
 * the request is cancelled or its budget is reached, gives its worker up when a more urgent
 * task waits and no worker is idle, and otherwise waits what the bucket or the engine asks
 * (on a condition variable, so that a cancel or the daemon stopping wakes it). The last task
 * of a request moves it to the ended list and wakes the loop (ev_async); the loop runs its
 * callback. A worker never logs and never touches the Manager.
 */

#include <errno.h>
#include <ev.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup-backend.h"
#include "apply.h"
#include "cgroup-parse.h"
#include "executor.h"
#include "sys.h"
#include "util/macro.h"
#include "util/strv.h"
#include "util/time-util.h"

typedef struct ExecGroup {
        struct ExecGroup *next;
        char *owner;
        cdm_move_prio prio;
        cdm_nodemask from, to;
        uint64_t budget;
        char *cgroup;
        char **writes;      /* object, value pairs: a write, not a move */
        size_t n_writes;
        unsigned write_tries;
        int *write_results;
        cdm_move_item *parked;            /* tasks waiting for a write of the cgroup */
        bool capped;
        uint64_t base;     /* the cgroup's bytes on "to" when submitted */
        uint64_t measured; /* the cgroup's bytes on "to" since, at most */
        cdm_migrate_stats stats;
        size_t tasks, left;
        bool cancelled;
        int error;
        char *error_text;
        uint64_t start_usec, end_usec;
        ExecDoneFn done;
        void *userdata;
        void (*free_userdata)(void *userdata);
} ExecGroup;

/* The item is the task's first member. */
typedef struct ExecTask {
        cdm_move_item item; /* item.owner: the group */
        ExecGroup *g;
        int pid;
        cdm_ctx *ctx; /* this task's own, while it runs */
        cdm_migrate_job *job;
} ExecTask;

struct Executor {
        pthread_mutex_t lock;
        pthread_cond_t work; /* a task was queued, or stop */
        pthread_cond_t wake; /* a cancel, or stop: waiting workers look again */
        cdm_move_queue queue;
        cdm_bucket bucket;
        ExecGroup *groups; /* not ended */
        ExecGroup *ended;  /* ended, newest first; the loop runs their callbacks */
        unsigned n_workers, n_started, idle;
        pthread_t *threads;
        pthread_t fencer; /* runs fence writes only, so that they never wait behind a move */
        bool fencer_started;
        bool stop;
        char *root;
        uint64_t max_stall_usec;
        cdm_sys_ops ops;
        struct ev_loop *loop;
        ev_async async;
};

static uint64_t mono_usec(void)
{
        return now_usec(CLOCK_MONOTONIC);
}

static void stats_add(cdm_migrate_stats *a, const cdm_migrate_stats *b)
{
        a->pages_moved += b->pages_moved;
        a->bytes_moved += b->bytes_moved;
        a->pages_failed += b->pages_failed;
        a->bytes_failed += b->bytes_failed;
        a->pages_enomem += b->pages_enomem;
        a->pages_busy += b->pages_busy;
        a->pages_retried += b->pages_retried;
        a->pages_skipped += b->pages_skipped;
        a->bytes_left += b->bytes_left;
        a->gone += b->gone;
        a->calls += b->calls;
        a->call_usec_max = MAX(a->call_usec_max, b->call_usec_max);
        a->call_usec_total += b->call_usec_total;
}

/*
 * What a request moved: the cgroup's growth on "to" catches the huge pages that the engine's
 * per-page counters undercount, the engine's counters catch what someone else moved the other
 * way meanwhile (DAMON's schemes, a job's own allocations), which the net growth would hide:
 * with only the growth, a quota move next to a tiered job's migrate_cold never reached its
 * budget and moved the whole job off the device.
 */
static uint64_t group_moved(const ExecGroup *g)
{
        if (!g->cgroup)
                return g->stats.bytes_moved;
        return MAX(g->stats.bytes_moved, g->measured > g->base ? g->measured - g->base : 0);
}

static bool budget_reached(const ExecGroup *g)
{
        return g->budget != UINT64_MAX && group_moved(g) >= g->budget;
}

static void group_free(ExecGroup *g)
{
        if (!g)
                return;
        if (g->free_userdata)
                g->free_userdata(g->userdata);
        else
                free(g->userdata);
        free(g->owner);
        free(g->cgroup);
        strv_free_n(g->writes, 2 * g->n_writes);
        free(g->write_results);
        free(g->error_text);
        free(g);
}

/* Under the lock. */
static bool write_pending(Executor *e, const char *cgroup)
{
        for (ExecGroup *g = e->groups; g; g = g->next)
                if (g->writes && g->cgroup && streq(g->cgroup, cgroup))
                        return true;
        return false;
}

static void task_end(Executor *e, ExecTask *t);

/* Under the lock. */
static bool fence_pending(Executor *e)
{
        for (ExecGroup *g = e->groups; g; g = g->next)
                if (g->writes && g->prio == CDM_MOVE_FENCE)
                        return true;
        return false;
}

/* Under the lock: whether a move that waits for writes must wait now. */
static bool must_wait(Executor *e, const char *cgroup)
{
        return cgroup ? write_pending(e, cgroup) : fence_pending(e);
}

/* Under the lock: queue what waited for the writes that just ended, or end it if cancelled. */
static void release_parked(Executor *e)
{
        bool queued = false;

        for (ExecGroup *g = e->groups, *next; g; g = next) {
                next = g->next; /* the group may end below */
                if (!g->parked || must_wait(e, g->cgroup))
                        continue;
                for (cdm_move_item *l = TAKE_PTR(g->parked), *item; (item = l);) {
                        l = l->next;
                        if (g->cancelled || e->stop)
                                task_end(e, (ExecTask *) item);
                        else {
                                cdm_move_queue_push(&e->queue, item);
                                queued = true;
                        }
                }
        }
        if (queued) {
                pthread_cond_broadcast(&e->work);
                if (e->idle == 0)
                        pthread_cond_broadcast(&e->wake);
        }
}

/* Under the lock. */
static void group_end(Executor *e, ExecGroup *g)
{
        for (ExecGroup **p = &e->groups; *p; p = &(*p)->next)
                if (*p == g) {
                        *p = g->next;
                        break;
                }
        g->end_usec = mono_usec();
        g->next = e->ended;
        e->ended = g;
        ev_async_send(e->loop, &e->async);
        if (g->writes)
                release_parked(e);
}

/* Under the lock. */
static void task_end(Executor *e, ExecTask *t)
{
        ExecGroup *g = t->g;

        cdm_migrate_job_free(t->job);
        cdm_ctx_unref(t->ctx);
        free(t);
        if (--g->left == 0)
                group_end(e, g);
}

/* Under the lock: wait @usec at most, or until a cancel or stop. */
static void wait_locked(Executor *e, uint64_t usec)
{
        struct timespec ts;
        uint64_t ns;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        ns = (uint64_t) ts.tv_nsec + MIN(usec, (uint64_t) 3600 * 1000000u) * 1000u;
        ts.tv_sec += (time_t) (ns / 1000000000u);
        ts.tv_nsec = (long) (ns % 1000000000u);
        (void) pthread_cond_timedwait(&e->wake, &e->lock, &ts);
}

/* Without the lock: one engine step of @t (the engine and the context are the task's). */
static int step(Executor *e, ExecTask *t, uint64_t limit, cdm_migrate_stats *st, uint64_t *wait,
                uint64_t *measured, bool *has_measure)
{
        const ExecGroup *g = t->g; /* its nodes, budget and cgroup do not change after submit */
        int r;

        *has_measure = false;
        if (!t->ctx) {
                r = cdm_ctx_new(e->root, &t->ctx);
                if (r < 0)
                        return r;
        }
        if (!t->job) {
                cdm_migrate_params params = {
                        .max_stall_usec = e->max_stall_usec,
                        /* Whole processes with migrate_pages unless only part of them is to move. */
                        .no_migrate_pages = g->budget != UINT64_MAX,
                };

                r = cdm_migrate_job_new(t->ctx, &e->ops, t->pid, &g->from, &g->to, &params, &t->job);
                if (r < 0)
                        return r;
        }
        cdm_migrate_job_limit_step(t->job, limit);
        r = cdm_migrate_job_step(t->job, st, wait);
        if (g->cgroup) {
                _cleanup_free_ char *buf = NULL;
                cdm_numa_usage u = { 0 };
                const char *what;
                size_t len;

                if (cdm_cgroup_read(t->ctx, g->cgroup, "memory.numa_stat", &buf, &len) >= 0 &&
                                cdm_parse_numa_stat(buf, len, &g->to, &u, &what) >= 0) {
                        *measured = u.anon + u.file;
                        *has_measure = true;
                }
        }
        return r;
}

int executor_write(struct cdm_ctx *ctx, const char *object, const char *value, unsigned tries,
                bool (*cancelled)(void *userdata), void *userdata)
{
        int w = 0;

        for (unsigned k = 0; k == 0 || k < tries; k++) {
                if (cancelled && cancelled(userdata))
                        return -ECANCELED;
                w = cdm_apply_write(ctx, object, value);
                if (w != -EBUSY && w != -EAGAIN)
                        break;
        }
        return w;
}

typedef struct WritesOf {
        Executor *e;
        ExecGroup *g;
} WritesOf;

static bool writes_cancelled(void *userdata)
{
        WritesOf *w = userdata;

        return w->e->stop || w->g->cancelled; /* read unlocked: at worst one write more */
}

/* Under the lock; returns with it held, the writes done. */
static void run_writes(Executor *e, ExecTask *t)
{
        ExecGroup *g = t->g;
        int r = 0;

        pthread_mutex_unlock(&e->lock);
        r = cdm_ctx_new(e->root, &t->ctx);
        for (size_t i = 0; i < g->n_writes; i++)
                g->write_results[i] = r < 0 ? r
                                            : executor_write(t->ctx, g->writes[2 * i], g->writes[2 * i + 1],
                                                      g->write_tries, writes_cancelled,
                                                      &(WritesOf){ .e = e, .g = g });
        pthread_mutex_lock(&e->lock);
        for (size_t i = 0; i < g->n_writes && g->error == 0; i++)
                if (g->write_results[i] < 0 && g->write_results[i] != -ECANCELED) {
                        g->error = g->write_results[i];
                        g->error_text = strdup(t->ctx ? cdm_ctx_last_error(t->ctx) : "");
                }
        task_end(e, t);
}

/* Under the lock; returns with it held, the task ended or queued again. */
static void run_task(Executor *e, ExecTask *t)
{
        ExecGroup *g = t->g;

        if (g->writes) {
                if (e->stop || g->cancelled)
                        task_end(e, t);
                else
                        run_writes(e, t);
                return;
        }
        for (;;) {
                cdm_migrate_stats st = { 0 };
                uint64_t wait = 0, measured = 0, before, limit;
                bool has_measure;
                int r;

                if (e->stop || g->cancelled || budget_reached(g)) {
                        task_end(e, t);
                        return;
                }
                /* Also after a wait: a more urgent task may have come meanwhile. */
                if (cdm_move_queue_should_yield(&e->queue, g->prio, e->idle)) {
                        cdm_move_queue_push_front(&e->queue, &t->item);
                        return;
                }
                if (g->capped) {
                        uint64_t w = cdm_bucket_wait(&e->bucket, mono_usec());

                        if (w > 0) {
                                wait_locked(e, w);
                                continue;
                        }
                }
                /* No batch bigger than what is left of the budget (shared by the tasks of
                 * the request: each may take it whole, the first to end stops the others). */
                limit = g->budget != UINT64_MAX ? g->budget - group_moved(g) : 0;
                pthread_mutex_unlock(&e->lock);
                r = step(e, t, limit, &st, &wait, &measured, &has_measure);
                pthread_mutex_lock(&e->lock);

                before = group_moved(g);
                stats_add(&g->stats, &st);
                if (has_measure)
                        g->measured = MAX(g->measured, measured);
                /* What moved by the cgroup's count when there is one: moving one base page
                 * of a transparent huge page moves all 2 MiB of it. */
                if (g->capped)
                        cdm_bucket_charge(&e->bucket, mono_usec(),
                                        g->cgroup ? group_moved(g) - before : st.bytes_moved);
                if (r < 0 && r != -ESRCH && r != -ECANCELED && g->error == 0) {
                        g->error = r;
                        g->error_text = strdup(t->ctx ? cdm_ctx_last_error(t->ctx) : "");
                }
                if (r != CDM_MIGRATE_AGAIN) {
                        task_end(e, t);
                        return;
                }
                if (wait > 0)
                        wait_locked(e, wait);
        }
}

static void *worker(void *userdata)
{
        Executor *e = userdata;

        pthread_mutex_lock(&e->lock);
        for (;;) {
                cdm_move_item *item;

                while (!e->stop && e->queue.n == 0)
                        pthread_cond_wait(&e->work, &e->lock);
                if (e->stop)
                        break;
                item = cdm_move_queue_pop(&e->queue);
                e->idle--;
                run_task(e, (ExecTask *) (item));
                e->idle++;
        }
        pthread_mutex_unlock(&e->lock);
        return NULL;
}

/*
 * The fence thread: a fence write is the start of an isolation (a revoked job, a drained
 * device) and must not wait for a worker to finish a step, which for a whole process's
 * migrate_pages takes as long as its pages take. Workers take fence writes too.
 */
static void *fencer(void *userdata)
{
        Executor *e = userdata;

        pthread_mutex_lock(&e->lock);
        for (;;) {
                while (!e->stop && cdm_move_queue_best(&e->queue) != CDM_MOVE_FENCE)
                        pthread_cond_wait(&e->work, &e->lock);
                if (e->stop)
                        break;
                run_task(e, (ExecTask *) cdm_move_queue_pop(&e->queue));
        }
        pthread_mutex_unlock(&e->lock);
        return NULL;
}

void executor_dispatch(Executor *e)
{
        ExecGroup *list, *fifo = NULL;

        pthread_mutex_lock(&e->lock);
        list = TAKE_PTR(e->ended);
        pthread_mutex_unlock(&e->lock);
        /* Oldest first. */
        while (list) {
                ExecGroup *g = list;

                list = g->next;
                g->next = fifo;
                fifo = g;
        }
        while (fifo) {
                ExecGroup *g = fifo;
                ExecResult res = {
                        .stats = g->stats,
                        .moved = group_moved(g),
                        .tasks = g->tasks,
                        .cancelled = g->cancelled,
                        .error = g->error,
                        .error_text = g->error_text ?: "",
                        .usec = g->end_usec - g->start_usec,
                        .write_results = g->write_results,
                        .n_writes = g->n_writes,
                };

                fifo = g->next;
                if (g->done)
                        g->done(g->userdata, g->owner, &res);
                group_free(g);
        }
}

static void on_async(struct ev_loop *loop, ev_async *w, int revents)
{
        executor_dispatch(w->data);
}

int executor_new(struct ev_loop *loop, const char *root, unsigned workers, uint64_t max_stall_usec,
                const cdm_sys_ops *ops, Executor **ret)
{
        Executor *e;
        sigset_t all, old;
        int r = 0;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->n_workers = MAX(workers, 1u);
        e->root = strdup(root ?: "/");
        e->threads = calloc(e->n_workers, sizeof(pthread_t));
        if (!e->root || !e->threads) {
                free(e->root);
                free(e->threads);
                free(e);
                return -ENOMEM;
        }
        e->loop = loop;
        e->max_stall_usec = max_stall_usec;
        e->ops = ops ? *ops : cdm_sys_ops_numa;
        cdm_bucket_init(&e->bucket, 0, 0, mono_usec());
        pthread_mutex_init(&e->lock, NULL);
        pthread_cond_init(&e->work, NULL);
        {
                pthread_condattr_t a;

                pthread_condattr_init(&a);
                pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
                pthread_cond_init(&e->wake, &a);
                pthread_condattr_destroy(&a);
        }
        ev_async_init(&e->async, on_async);
        e->async.data = e;
        ev_async_start(loop, &e->async);

        /* Signals are the loop's: the workers block them all. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        pthread_mutex_lock(&e->lock);
        e->idle = e->n_workers;
        for (; e->n_started < e->n_workers; e->n_started++) {
                r = -pthread_create(&e->threads[e->n_started], NULL, worker, e);
                if (r < 0)
                        break;
        }
        /* Fewer threads than asked is still an executor; none is not. */
        e->idle = e->n_workers = e->n_started;
        e->fencer_started = e->n_started > 0 && pthread_create(&e->fencer, NULL, fencer, e) == 0;
        pthread_mutex_unlock(&e->lock);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (e->n_started == 0) {
                executor_free(e);
                return r < 0 ? r : -EAGAIN;
        }
        *ret = e;
        return 0;
}

Executor *executor_free(Executor *e)
{
        if (!e)
                return NULL;
        pthread_mutex_lock(&e->lock);
        e->stop = true;
        for (ExecGroup *g = e->groups; g; g = g->next)
                g->cancelled = true;
        pthread_cond_broadcast(&e->work);
        pthread_cond_broadcast(&e->wake);
        pthread_mutex_unlock(&e->lock);
        for (unsigned i = 0; i < e->n_started; i++)
                pthread_join(e->threads[i], NULL);
        if (e->fencer_started)
                pthread_join(e->fencer, NULL);
        pthread_mutex_lock(&e->lock);
        for (cdm_move_item *item; (item = cdm_move_queue_pop(&e->queue));)
                task_end(e, (ExecTask *) (item));
        for (ExecGroup *g = e->groups, *next; g; g = next) {
                next = g->next;
                for (cdm_move_item *item; (item = g->parked);) {
                        g->parked = item->next;
                        task_end(e, (ExecTask *) item);
                }
        }
        pthread_mutex_unlock(&e->lock);
        executor_dispatch(e);
        ev_async_stop(e->loop, &e->async);
        pthread_cond_destroy(&e->work);
        pthread_cond_destroy(&e->wake);
        pthread_mutex_destroy(&e->lock);
        free(e->threads);
        free(e->root);
        free(e);
        return NULL;
}

unsigned executor_workers(const Executor *e)
{
        return e->n_workers;
}

void executor_set_bandwidth(Executor *e, uint64_t bytes_per_sec)
{
        pthread_mutex_lock(&e->lock);
        /* Up to 100 ms worth saved up, and at least one huge page. */
        cdm_bucket_set_rate(&e->bucket, bytes_per_sec, MAX(bytes_per_sec / 10, (uint64_t) 2 << 20), mono_usec());
        pthread_mutex_unlock(&e->lock);
}

static char **copy_strings(const char *const *v, size_t n)
{
        char **c = calloc(n, sizeof(char *));

        for (size_t i = 0; c && i < n; i++)
                if (!(c[i] = strdup(v[i] ?: ""))) {
                        strv_free_n(c, i);
                        return NULL;
                }
        return c;
}

int executor_submit(Executor *e, const ExecRequest *req)
{
        size_t n = req->n_writes ? 1 : req->n_pids;
        ExecTask **tasks = NULL;
        bool park;
        ExecGroup *g;

        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        *g = (ExecGroup){ .owner = strdup(req->owner ?: ""), .prio = req->prio, .from = req->from,
                .to = req->to, .budget = req->budget, .cgroup = req->cgroup ? strdup(req->cgroup) : NULL,
                .capped = req->capped, .base = req->cgroup_base, .measured = req->cgroup_base,
                .tasks = n, .left = n, .start_usec = mono_usec(), .done = req->done };
        if (req->n_writes) {
                g->writes = copy_strings(req->writes, 2 * req->n_writes);
                g->write_results = calloc(req->n_writes, sizeof(int));
                g->n_writes = req->n_writes;
                g->write_tries = req->write_tries;
                for (size_t i = 0; g->write_results && i < req->n_writes; i++)
                        g->write_results[i] = -ECANCELED;
        }
        tasks = calloc(MAX(n, (size_t) 1), sizeof(*tasks));
        if (!g->owner || (req->cgroup && !g->cgroup) || !tasks ||
                        (req->n_writes && (!g->writes || !g->write_results)))
                goto oom;
        for (size_t i = 0; i < n; i++) {
                tasks[i] = calloc(1, sizeof(ExecTask));
                if (!tasks[i])
                        goto oom;
                *tasks[i] = (ExecTask){ .item = { .prio = req->prio, .owner = g }, .g = g,
                        .pid = req->n_writes ? 0 : req->pids[i] };
        }
        g->userdata = req->userdata;
        g->free_userdata = req->free_userdata;

        pthread_mutex_lock(&e->lock);
        park = req->after_write && !g->writes && n > 0 && must_wait(e, g->cgroup);
        g->next = e->groups;
        e->groups = g;
        for (size_t i = n; park && i-- > 0;) {
                tasks[i]->item.next = g->parked;
                g->parked = &tasks[i]->item;
        }
        for (size_t i = 0; !park && i < n; i++)
                cdm_move_queue_push(&e->queue, &tasks[i]->item);
        if (n == 0)
                group_end(e, g);
        else if (park)
                ;
        else /* broadcast: the fence thread waits on it too, for fence writes only */
                pthread_cond_broadcast(&e->work);
        /* Workers waiting between steps look whether they should give way. */
        if (n > 0 && !park && e->idle == 0)
                pthread_cond_broadcast(&e->wake);
        pthread_mutex_unlock(&e->lock);
        free(tasks);
        return 0;
oom:
        for (size_t i = 0; tasks && i < n; i++)
                free(tasks[i]);
        free(tasks);
        free(g->owner);
        free(g->cgroup);
        strv_free_n(g->writes, 2 * g->n_writes);
        free(g->write_results);
        free(g);
        return -ENOMEM;
}

size_t executor_cancel(Executor *e, const char *owner)
{
        size_t n = 0;

        pthread_mutex_lock(&e->lock);
        for (ExecGroup *g = e->groups, *next; g; g = next) {
                cdm_move_item *l;

                next = g->next; /* the group may end below */
                if (g->cancelled || !streq(g->owner, owner))
                        continue;
                g->cancelled = true;
                n++;
                l = cdm_move_queue_remove_owner(&e->queue, g, NULL);
                for (cdm_move_item *item; (item = g->parked);) {
                        g->parked = item->next;
                        item->next = l;
                        l = item;
                }
                while (l) {
                        cdm_move_item *item = l;

                        l = l->next;
                        task_end(e, (ExecTask *) (item));
                }
        }
        if (n > 0)
                pthread_cond_broadcast(&e->wake);
        pthread_mutex_unlock(&e->lock);
        return n;
}

bool executor_progress(Executor *e, const char *owner, ExecProgress *ret)
{
        ExecProgress p = { 0 };

        pthread_mutex_lock(&e->lock);
        for (int pass = 0; pass < 2; pass++)
                for (ExecGroup *g = pass == 0 ? e->groups : e->ended; g; g = g->next)
                        if (streq(g->owner, owner)) {
                                p.bytes_moved += group_moved(g);
                                p.tasks_left += g->left;
                                p.requests++;
                        }
        pthread_mutex_unlock(&e->lock);
        if (ret)
                *ret = p;
        return p.requests > 0;
}

bool executor_moving_cgroup(Executor *e, const char *cgroup)
{
        bool found = false;

        pthread_mutex_lock(&e->lock);
        for (ExecGroup *g = e->groups; g && !found; g = g->next)
                found = g->cgroup && streq(g->cgroup, cgroup);
        pthread_mutex_unlock(&e->lock);
        return found;
}

bool executor_writing(Executor *e, const char *object)
{
        bool found = false;

        pthread_mutex_lock(&e->lock);
        for (ExecGroup *g = e->groups; g && !found; g = g->next)
                for (size_t i = 0; g->writes && i < g->n_writes && !found; i++)
                        found = streq(g->writes[2 * i], object);
        pthread_mutex_unlock(&e->lock);
        return found;
}
