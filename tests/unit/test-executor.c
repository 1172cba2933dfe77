/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The page-move executor (daemon/core/executor.c) with one worker thread against the fake kernel
 * of fake-sys.h: a request's callback runs in the loop thread, never inside submit; the byte
 * budget stops a request; a cancel wakes a task that waits for the bandwidth cap and its
 * callback says so; a more urgent task takes the worker from one waiting for the cap;
 * progress is per owner; stopping the executor reports what was queued; a cgroup file is
 * written in a worker, and a move that waits for that write starts only after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ev.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "executor.h"
#include "fake-sys.h"
#include "util/time-util.h"

typedef struct seen {
        unsigned calls;
        ExecResult res;
        char owner[64];
        pthread_t thread;
        int write0; /* the first write's result (res->write_results lives as long as the call) */
} seen;

static void on_done(void *userdata, const char *owner, const ExecResult *res)
{
        seen *s = userdata;

        s->calls++;
        s->res = *res;
        snprintf(s->owner, sizeof(s->owner), "%s", owner);
        s->thread = pthread_self();
        s->write0 = res->n_writes ? res->write_results[0] : 1;
}

static void keep(void *userdata)
{
}

static void on_timeout(struct ev_loop *loop, ev_timer *t, int revents)
{
        *(bool *) t->data = true;
}

/* Run the loop until @s has been called back, at most @usec. */
static bool run_until(struct ev_loop *loop, const seen *s, uint64_t usec)
{
        bool timeout = false;
        ev_timer t;

        ev_timer_init(&t, on_timeout, (double) usec / 1e6, 0.);
        t.data = &timeout;
        ev_timer_start(loop, &t);
        while (s->calls == 0 && !timeout)
                ev_run(loop, EVRUN_ONCE);
        ev_timer_stop(loop, &t);
        return s->calls > 0;
}

static Executor *start(fake *f, struct ev_loop *loop)
{
        cdm_sys_ops ops = fake_ops(f);
        Executor *e = NULL;

        fake_write_proc(f);
        assert_int_equal(executor_new(loop, f->root, 1, 20000, &ops, &e), 0);
        assert_int_equal(executor_workers(e), 1);
        return e;
}

static ExecRequest request(const char *owner, const int *pid, uint64_t budget, seen *s)
{
        return (ExecRequest){ .owner = owner, .prio = CDM_MOVE_QUOTA, .pids = pid, .n_pids = pid ? 1 : 0,
                .from = fake_mask(1), .to = fake_mask(0), .budget = budget, .capped = true,
                .done = on_done, .userdata = s, .free_userdata = keep };
}

static void test_moves_and_reports_in_loop(void **state)
{
        fake *f = *state;
        struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
        int pid = PID;
        seen s = { 0 }, none = { 0 };
        ExecRequest req = request("job:a", &pid, UINT64_MAX, &s);
        Executor *e;

        fake_add_vma(f, 0x10000000, 3000, 4096, 1, 0);
        e = start(f, loop);
        assert_int_equal(executor_submit(e, &req), 0);
        /* no process: still reported from the loop, not from submit */
        req = request("job:b", NULL, UINT64_MAX, &none);
        assert_int_equal(executor_submit(e, &req), 0);
        assert_int_equal(none.calls, 0);
        assert_true(run_until(loop, &s, 5000000));
        assert_true(run_until(loop, &none, 5000000));
        assert_int_equal(s.calls, 1);
        assert_string_equal(s.owner, "job:a");
        assert_true(pthread_equal(s.thread, pthread_self()));
        assert_false(s.res.cancelled);
        assert_int_equal(s.res.error, 0);
        assert_int_equal(s.res.tasks, 1);
        assert_int_equal(s.res.stats.pages_moved, 3000);
        assert_int_equal(s.res.moved, 3000 * 4096);
        assert_int_equal(fake_count_on(f, 1), 0);
        assert_int_equal(none.calls, 1);
        assert_int_equal(none.res.tasks, 0);
        assert_false(executor_progress(e, "job:a", NULL));
        executor_free(e);
        ev_loop_destroy(loop);
}

static void test_budget_stops(void **state)
{
        fake *f = *state;
        struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
        int pid = PID;
        seen s = { 0 };
        ExecRequest req = request("job:a", &pid, 1000 * 4096, &s);
        Executor *e;

        fake_add_vma(f, 0x10000000, 20000, 4096, 1, 0);
        e = start(f, loop);
        assert_int_equal(executor_submit(e, &req), 0);
        assert_true(run_until(loop, &s, 5000000));
        assert_false(s.res.cancelled);
        /* page batches only (a budget), stopped on the first one at or above it */
        assert_int_equal(f->n_migrates, 0);
        assert_true(s.res.stats.pages_moved >= 1000);
        assert_true(s.res.stats.pages_moved <= 1000 + 4096);
        assert_int_equal(fake_count_on(f, 1), 20000 - s.res.stats.pages_moved);
        executor_free(e);
        ev_loop_destroy(loop);
}

static void test_cancel_wakes_capped_task(void **state)
{
        fake *f = *state;
        struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
        int pid = PID;
        seen s = { 0 };
        ExecRequest req = request("job:a", &pid, UINT64_MAX - 1, &s);
        ExecProgress p = { 0 };
        uint64_t t0;
        Executor *e;

        fake_add_vma(f, 0x10000000, 20000, 4096, 1, 0);
        e = start(f, loop);
        /* 1 MB/s: after its first 2 MiB the task owes about two seconds */
        executor_set_bandwidth(e, 1000000);
        assert_int_equal(executor_submit(e, &req), 0);
        t0 = now_usec(CLOCK_MONOTONIC);
        while ((!executor_progress(e, "job:a", &p) || p.bytes_moved == 0) &&
               now_usec(CLOCK_MONOTONIC) - t0 < 2000000) {
                struct timespec ts = { 0, 1000000 };

                nanosleep(&ts, NULL);
        }
        assert_true(p.bytes_moved > 0);
        assert_int_equal(p.tasks_left, 1);
        assert_int_equal(p.requests, 1);
        assert_false(executor_progress(e, "job:other", NULL));
        t0 = now_usec(CLOCK_MONOTONIC);
        assert_int_equal(executor_cancel(e, "job:other"), 0);
        assert_int_equal(executor_cancel(e, "job:a"), 1);
        assert_true(run_until(loop, &s, 5000000));
        /* woken at once, not after the bucket's wait */
        assert_true(now_usec(CLOCK_MONOTONIC) - t0 < 1000000);
        assert_true(s.res.cancelled);
        assert_true(s.res.stats.pages_moved > 0);
        assert_true(fake_count_on(f, 1) > 0);
        assert_int_equal(fake_count_on(f, 1), 20000 - s.res.stats.pages_moved);
        executor_free(e);
        ev_loop_destroy(loop);
}

static void test_urgent_task_takes_the_worker(void **state)
{
        fake *f = *state;
        struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
        int pid = PID;
        seen low = { 0 }, fault = { 0 };
        ExecRequest req = request("job:a", &pid, UINT64_MAX - 1, &low);
        ExecProgress p = { 0 };
        uint64_t t0;
        Executor *e;

        fake_add_vma(f, 0x10000000, 20000, 4096, 1, 0);
        e = start(f, loop);
        executor_set_bandwidth(e, 1000000);
        /* A capped policy move takes the only worker and waits for the bucket... */
        req.prio = CDM_MOVE_POLICY;
        assert_int_equal(executor_submit(e, &req), 0);
        t0 = now_usec(CLOCK_MONOTONIC);
        while ((!executor_progress(e, "job:a", &p) || p.bytes_moved == 0) &&
               now_usec(CLOCK_MONOTONIC) - t0 < 2000000) {
                struct timespec ts = { 0, 1000000 };

                nanosleep(&ts, NULL);
        }
        assert_true(p.bytes_moved > 0);
        /* ...and gives it up to a fault evacuation (no cap) of what is left on node 1. */
        req = request("device:d", &pid, UINT64_MAX - 1, &fault);
        req.prio = CDM_MOVE_FAULT;
        req.capped = false;
        req.to = fake_mask(2);
        t0 = now_usec(CLOCK_MONOTONIC);
        assert_int_equal(executor_submit(e, &req), 0);
        assert_true(run_until(loop, &fault, 5000000));
        assert_true(now_usec(CLOCK_MONOTONIC) - t0 < 1000000);
        assert_false(fault.res.cancelled);
        assert_int_equal(fault.res.stats.pages_moved, fake_count_on(f, 2));
        assert_int_equal(fake_count_on(f, 1), 0);
        assert_int_equal(low.calls, 0);
        executor_free(e);
        assert_int_equal(low.calls, 1);
        assert_true(low.res.cancelled);
        ev_loop_destroy(loop);
}

static void test_free_reports_queued(void **state)
{
        fake *f = *state;
        struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
        int pid = PID;
        seen a = { 0 }, b = { 0 };
        ExecRequest req = request("job:a", &pid, UINT64_MAX - 1, &a);
        Executor *e;

        fake_add_vma(f, 0x10000000, 20000, 4096, 1, 0);
        e = start(f, loop);
        executor_set_bandwidth(e, 1000000);
        assert_int_equal(executor_submit(e, &req), 0);
        req = request("job:b", &pid, UINT64_MAX - 1, &b);
        req.prio = CDM_MOVE_POLICY;
        assert_int_equal(executor_submit(e, &req), 0);
        executor_free(e);
        assert_int_equal(a.calls, 1);
        assert_int_equal(b.calls, 1);
        assert_true(a.res.cancelled);
        assert_true(b.res.cancelled);
        ev_loop_destroy(loop);
}

/* Run the loop for @usec. */
static void run_for(struct ev_loop *loop, uint64_t usec)
{
        bool timeout = false;
        ev_timer t;

        ev_timer_init(&t, on_timeout, (double) usec / 1e6, 0.);
        t.data = &timeout;
        ev_timer_start(loop, &t);
        while (!timeout)
                ev_run(loop, EVRUN_ONCE);
        ev_timer_stop(loop, &t);
}

/* The cgroup file is a FIFO: the write blocks in its worker until the test reads it, as a
 * cpuset.mems write blocks while the kernel migrates. */
static char *make_fifo_cgroup(fake *f)
{
        char path[1200];

        snprintf(path, sizeof(path), "%s/sys/fs", f->root);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/sys/fs/cgroup", f->root);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/sys/fs/cgroup/job", f->root);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/sys/fs/cgroup/job/cpuset.mems", f->root);
        assert_int_equal(mkfifo(path, 0600), 0);
        return strdup(path);
}

static void read_fifo(const char *path, char *buf, size_t size)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        assert_true(fd >= 0);
        n = read(fd, buf, size - 1);
        assert_true(n >= 0);
        buf[n] = 0;
        close(fd);
}

#define FENCE_OBJECT "sys/fs/cgroup/job/cpuset.mems"

static void test_write_then_move(void **state)
{
        fake *f = *state;
        struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
        _cleanup_free_ char *fifo = make_fifo_cgroup(f);
        cdm_sys_ops ops = fake_ops(f);
        int pid = PID;
        seen w = { 0 }, mv = { 0 };
        ExecRequest req = { .owner = "fence:/job", .prio = CDM_MOVE_FENCE, .cgroup = "/job",
                .writes = (const char *const[]){ FENCE_OBJECT, "0\n" }, .n_writes = 1, .done = on_done, .userdata = &w,
                .free_userdata = keep };
        char buf[64];
        Executor *e = NULL;

        fake_add_vma(f, 0x10000000, 3000, 4096, 1, 0);
        fake_write_proc(f);
        /* Two workers: the write takes one and touches nothing of the fake kernel. */
        assert_int_equal(executor_new(loop, f->root, 2, 20000, &ops, &e), 0);
        assert_int_equal(executor_submit(e, &req), 0);
        req = request("job:a", &pid, UINT64_MAX, &mv);
        req.prio = CDM_MOVE_REVOKE;
        req.cgroup = "/job";
        req.after_write = true;
        assert_int_equal(executor_submit(e, &req), 0);
        /* The write blocks; the move waits for it although a worker is free. */
        run_for(loop, 300000);
        assert_int_equal(w.calls, 0);
        assert_int_equal(mv.calls, 0);
        assert_true(executor_writing(e, FENCE_OBJECT));
        assert_true(executor_moving_cgroup(e, "/job"));
        assert_int_equal(fake_count_on(f, 1), 3000);
        read_fifo(fifo, buf, sizeof(buf));
        assert_string_equal(buf, "0\n");
        assert_true(run_until(loop, &w, 5000000));
        assert_int_equal(w.res.error, 0);
        assert_string_equal(w.owner, "fence:/job");
        assert_true(run_until(loop, &mv, 5000000));
        assert_false(mv.res.cancelled);
        assert_int_equal(mv.res.stats.pages_moved, 3000);
        assert_false(executor_writing(e, FENCE_OBJECT));
        executor_free(e);
        ev_loop_destroy(loop);
}

/* A fence write runs while the only worker is stuck in a long step (here a write to a FIFO
 * nobody reads yet, as a migrate_pages of a big process): the fence thread takes it. */
static void test_fence_does_not_wait_for_workers(void **state)
{
        fake *f = *state;
        struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
        _cleanup_free_ char *fifo = make_fifo_cgroup(f);
        char path[1200], buf[64];
        seen slow = { 0 }, fence = { 0 };
        ExecRequest req = { .owner = "device:cdm1", .prio = CDM_MOVE_DRAIN, .writes = (const char *const[]){ FENCE_OBJECT, "0\n" },
                .n_writes = 1, .done = on_done, .userdata = &slow, .free_userdata = keep };
        Executor *e = start(f, loop);
        FILE *file;

        snprintf(path, sizeof(path), "%s/sys/fs/cgroup/other", f->root);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/sys/fs/cgroup/other/cpuset.mems", f->root);
        file = fopen(path, "we");
        assert_non_null(file);
        fclose(file);
        assert_int_equal(executor_submit(e, &req), 0);
        run_for(loop, 100000); /* the worker is in the FIFO write now */
        req = (ExecRequest){ .owner = "fence:/other", .prio = CDM_MOVE_FENCE, .cgroup = "/other",
                .writes = (const char *const[]){ "sys/fs/cgroup/other/cpuset.mems", "0\n" }, .n_writes = 1,
                .done = on_done, .userdata = &fence, .free_userdata = keep };
        assert_int_equal(executor_submit(e, &req), 0);
        assert_true(run_until(loop, &fence, 5000000));
        assert_int_equal(fence.res.error, 0);
        assert_int_equal(slow.calls, 0);
        read_fifo(fifo, buf, sizeof(buf));
        assert_true(run_until(loop, &slow, 5000000));
        assert_int_equal(slow.res.error, 0);
        executor_free(e);
        ev_loop_destroy(loop);
}

/* A move without a cgroup that waits for writes (an evacuation) waits for every fence. */
static void test_evacuation_after_fences(void **state)
{
        fake *f = *state;
        struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
        _cleanup_free_ char *fifo = make_fifo_cgroup(f);
        cdm_sys_ops ops = fake_ops(f);
        int pid = PID;
        seen w = { 0 }, ev = { 0 };
        ExecRequest req = { .owner = "fence:/job", .prio = CDM_MOVE_FENCE, .cgroup = "/job",
                .writes = (const char *const[]){ FENCE_OBJECT, "0\n" }, .n_writes = 1, .done = on_done,
                .userdata = &w, .free_userdata = keep };
        char buf[64];
        Executor *e = NULL;

        fake_add_vma(f, 0x10000000, 3000, 4096, 1, 0);
        fake_write_proc(f);
        assert_int_equal(executor_new(loop, f->root, 2, 20000, &ops, &e), 0);
        assert_int_equal(executor_submit(e, &req), 0);
        req = request("device:cdm1", &pid, UINT64_MAX, &ev);
        req.prio = CDM_MOVE_DRAIN;
        req.after_write = true;
        assert_int_equal(executor_submit(e, &req), 0);
        run_for(loop, 300000);
        assert_int_equal(ev.calls, 0);
        assert_int_equal(fake_count_on(f, 1), 3000);
        read_fifo(fifo, buf, sizeof(buf));
        assert_true(run_until(loop, &w, 5000000));
        assert_true(run_until(loop, &ev, 5000000));
        assert_false(ev.res.cancelled);
        assert_int_equal(ev.res.stats.pages_moved, 3000);
        executor_free(e);
        ev_loop_destroy(loop);
}

static void test_cancel_waiting_move(void **state)
{
        fake *f = *state;
        struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
        _cleanup_free_ char *fifo = make_fifo_cgroup(f);
        cdm_sys_ops ops = fake_ops(f);
        int pid = PID;
        seen w = { 0 }, mv = { 0 }, gone = { 0 };
        ExecRequest req = { .owner = "fence:/job", .prio = CDM_MOVE_FENCE, .cgroup = "/job",
                .writes = (const char *const[]){ FENCE_OBJECT, "0\n" }, .n_writes = 1, .done = on_done, .userdata = &w,
                .free_userdata = keep };
        char buf[64];
        Executor *e = NULL;

        fake_add_vma(f, 0x10000000, 3000, 4096, 1, 0);
        fake_write_proc(f);
        assert_int_equal(executor_new(loop, f->root, 2, 20000, &ops, &e), 0);
        assert_int_equal(executor_submit(e, &req), 0);
        req = request("job:a", &pid, UINT64_MAX, &mv);
        req.cgroup = "/job";
        req.after_write = true;
        assert_int_equal(executor_submit(e, &req), 0);
        assert_int_equal(executor_cancel(e, "job:a"), 1);
        assert_true(run_until(loop, &mv, 5000000));
        assert_true(mv.res.cancelled);
        assert_int_equal(mv.res.stats.pages_moved, 0);
        read_fifo(fifo, buf, sizeof(buf));
        assert_true(run_until(loop, &w, 5000000));
        assert_int_equal(w.res.error, 0);
        /* A write of a cgroup that is gone says so. */
        req = (ExecRequest){ .owner = "fence:/gone", .prio = CDM_MOVE_FENCE, .cgroup = "/gone",
                .writes = (const char *const[]){ "sys/fs/cgroup/gone/cpuset.mems", "0\n" }, .n_writes = 1, .done = on_done,
                .userdata = &gone, .free_userdata = keep };
        assert_int_equal(executor_submit(e, &req), 0);
        assert_true(run_until(loop, &gone, 5000000));
        assert_int_equal(gone.res.error, -ENOENT);
        assert_int_equal(gone.res.n_writes, 1);
        assert_int_equal(gone.write0, -ENOENT);
        assert_int_equal(fake_count_on(f, 1), 3000);
        executor_free(e);
        ev_loop_destroy(loop);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_moves_and_reports_in_loop, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_budget_stops, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_cancel_wakes_capped_task, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_urgent_task_takes_the_worker, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_free_reports_queued, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_write_then_move, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_fence_does_not_wait_for_workers, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_evacuation_after_fences, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_cancel_waiting_move, fake_setup, fake_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
