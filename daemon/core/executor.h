/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The page-move executor: a pool of worker threads that move pages, so that neither a bus
 * call nor an iteration of the loop waits for them. A request is a set of processes to move
 * from some nodes to others, with a priority (lib/model/move-queue.h), an owner ("job:ID",
 * "device:NAME", "cgroup:PATH"), a byte budget and whether the bandwidth cap applies; each
 * process is one task. When the last task of a request ends (done, budget reached, cancelled),
 * its callback runs in the loop thread, which alone touches the Manager.
 *
 * A request may instead write one cgroup file in a worker: a write of cpuset.mems that takes
 * nodes away from a cgroup returns only once the kernel has migrated the cgroup's pages off
 * them (cpuset_write_resmask() flushes cpuset_migrate_mm_wq), 2.1 s for 512 MiB in the test
 * VM, and the loop must not wait for that. A move may wait for such a write of its cgroup.
 * Besides the workers, one thread runs fence writes only, so that a fence never waits for a
 * worker to end a long step.
 *
 * Workers share nothing mutable with the loop but the executor's own state, under its mutex:
 * each running task has its own library context (cdm_ctx keeps a last-error buffer).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cdm/cdm.h"
#include "migrate.h"
#include "move-queue.h"
#include "sys.h"

struct ev_loop;
typedef struct Executor Executor;

typedef struct ExecResult {
        cdm_migrate_stats stats;
        uint64_t moved;  /* by memory.numa_stat when the request named a cgroup, else stats.bytes_moved */
        size_t tasks;    /* processes of the request */
        bool cancelled;  /* executor_cancel(), or the daemon stopping */
        int error;       /* the first error other than a vanished process */
        const char *error_text;
        uint64_t usec;   /* from submission to the end */
        const int *write_results; /* a write request's: one per write (not done: -ECANCELED) */
        size_t n_writes;
} ExecResult;

typedef void (*ExecDoneFn)(void *userdata, const char *owner, const ExecResult *res);

typedef struct ExecRequest {
        const char *owner;
        cdm_move_prio prio;
        const int *pids;
        size_t n_pids;
        cdm_nodemask from, to;
        uint64_t budget;    /* bytes; UINT64_MAX: everything */
        const char *cgroup; /* optional: what moved is measured on its memory.numa_stat */
        uint64_t cgroup_base; /* the cgroup's bytes on "to" now (manager_cgroup_bytes_on()) */
        bool capped;        /* the bandwidth cap applies */
        ExecDoneFn done;    /* in the loop thread; may submit again */
        void *userdata;     /* freed with free() after done unless free_userdata is given */
        void (*free_userdata)(void *userdata);
        /* Instead of moving processes: write each pair of @writes (@n_writes objects named as
         * in lib/model/plan.h, each followed by its value) in this order with cdm_apply_write(),
         * trying each up to @write_tries times while the kernel says EBUSY or EAGAIN (0: once).
         * The result has what each write returned, a vanished target included. */
        const char *const *writes;
        size_t n_writes;
        unsigned write_tries;
        /* Queue the processes only once no write of @cgroup is pending (a revoke's move after
         * its fence), or without @cgroup, once no fence write of any cgroup is (an evacuation
         * after the drain's fences: the kernel moves those cgroups' pages meanwhile). */
        bool after_write;
} ExecRequest;

typedef struct ExecProgress {
        uint64_t bytes_moved;
        size_t tasks_left; /* queued or running */
        size_t requests;
} ExecProgress;

/* @root: the roots each task's context opens; @workers >= 1; @ops: the system calls (NULL:
 * the real ones; the tests' fake kernel is for one worker only). */
int executor_new(struct ev_loop *loop, const char *root, unsigned workers, uint64_t max_stall_usec,
                const cdm_sys_ops *ops, Executor **ret);
/* Cancel everything, join the workers, run the callbacks still due (cancelled). */
Executor *executor_free(Executor *e);
void executor_set_bandwidth(Executor *e, uint64_t bytes_per_sec);
unsigned executor_workers(const Executor *e);
/* Return: 0, or -ENOMEM (then nothing was queued and @req's userdata is not taken). */
int executor_submit(Executor *e, const ExecRequest *req);
/* Cancel the requests of @owner: queued tasks are dropped, running ones stop after their
 * current step. Their callbacks still run, with res->cancelled. Return: requests cancelled. */
size_t executor_cancel(Executor *e, const char *owner);
/* Whether @owner has requests not yet reported, and how far they are. */
bool executor_progress(Executor *e, const char *owner, ExecProgress *ret);
/* Whether a request that counts @cgroup's memory (a revoke, a quota move) or writes one of
 * its files still runs. */
bool executor_moving_cgroup(Executor *e, const char *cgroup);
/* Whether a write request of @object is queued or running. */
bool executor_writing(Executor *e, const char *object);
/* Run the callbacks of requests that ended (the loop does it on its own; for tests). */
void executor_dispatch(Executor *e);

/* One write of a write request: EBUSY and EAGAIN tried again, up to @tries times in all (at
 * least once); -ECANCELED before a try once @cancelled (may be NULL) says so. The executor's
 * workers use it, and manager_write_submit() where there is none. */
struct cdm_ctx;
int executor_write(struct cdm_ctx *ctx, const char *object, const char *value, unsigned tries,
                bool (*cancelled)(void *userdata), void *userdata);
