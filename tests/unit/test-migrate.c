/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The migration engine against the fake kernel of fake-sys.h: placement at the end, counters,
 * retries, errors, cancellation, batch sizing and pacing, all on a fake clock.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake-sys.h"
#include "migrate.h"

static void test_batch_ctl(void **state)
{
        cdm_batch_ctl b;

        cdm_batch_ctl_init(&b, 512, 16, 4096, 20000);
        assert_int_equal(b.size, 512);
        cdm_batch_ctl_update(&b, 512, 25000); /* too slow: halve */
        assert_int_equal(b.size, 256);
        cdm_batch_ctl_update(&b, 256, 12000); /* under the limit but not well under: keep */
        assert_int_equal(b.size, 256);
        cdm_batch_ctl_update(&b, 100, 1000);  /* fast, but a small call says nothing: keep */
        assert_int_equal(b.size, 256);
        cdm_batch_ctl_update(&b, 256, 1000);  /* fast: double */
        assert_int_equal(b.size, 512);
        for (int i = 0; i < 10; i++)
                cdm_batch_ctl_update(&b, b.size, 10);
        assert_int_equal(b.size, 4096);
        for (int i = 0; i < 20; i++)
                cdm_batch_ctl_update(&b, b.size, 1000000);
        assert_int_equal(b.size, 16);
        cdm_batch_ctl_init(&b, 0, 0, 0, 20000); /* nonsense bounds are clamped */
        assert_int_equal(b.size, 1);
        cdm_batch_ctl_init(&b, 9000, 16, 4096, 20000);
        assert_int_equal(b.size, 4096);
}

static void test_pacer(void **state)
{
        cdm_pacer p = { .bytes_per_sec = 100000000 }; /* 100 MB/s */
        cdm_pacer none = { 0 };

        /* 2 MiB are worth 20971.52 us; the step took 1000 us */
        assert_int_equal(cdm_pacer_after(&p, 0, 1000, 2097152), 19972);
        /* the next step starts when told and takes 1000 us again */
        assert_int_equal(cdm_pacer_after(&p, 20972, 21972, 2097152), 19972);
        /* a slow step needs no wait */
        assert_int_equal(cdm_pacer_after(&p, 41944, 100000, 2097152), 0);
        /* after a pause, no burst: the cost counts from the step's start */
        assert_int_equal(cdm_pacer_after(&p, 1000000, 1000100, 1000000), 9900);
        assert_int_equal(cdm_pacer_after(&p, 2000000, 2000000, 0), 0);
        /* a huge step does not overflow */
        assert_int_equal(cdm_pacer_after(&p, 3000000, 3000000, UINT64_C(1) << 50),
                        ((UINT64_C(1) << 50) + 99) / 100);
        assert_int_equal(cdm_pacer_after(&none, 0, 1, 1u << 30), 0);
}

static void test_move_pages_only(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_params params = { .no_migrate_pages = true };
        cdm_migrate_stats stats = { 0 };

        fake_add_vma(f, 0x10000000, 3000, 4096, 1, 10);     /* 300 holes */
        fake_add_vma(f, 0x20000000, 100, 4096, 0, 0);       /* already on a system node */
        fake_add_vma(f, 0x30000000, 4, 2u << 20, 1, 0);     /* hugetlb */
        assert_int_equal(fake_run(f, &from, &to, &params, &stats), 0);
        assert_int_equal(fake_count_on(f, 1), 0);
        assert_int_equal(fake_count_on(f, 0), 2700 + 100 + 4);
        assert_int_equal(stats.pages_moved, 2704);
        assert_int_equal(stats.bytes_moved, 2700 * 4096ULL + 4 * (2ULL << 20));
        assert_int_equal(stats.pages_failed, 0);
        assert_int_equal(stats.bytes_left, 0);
        assert_int_equal(stats.gone, 0);
        assert_int_equal(f->n_migrates, 0);
        /* the VMA on node 0 was never queried: numa_maps showed nothing on "from" there */
        assert_int_equal(stats.calls, f->n_queries + f->n_moves);
        assert_true(stats.call_usec_max > 0);
        assert_true(stats.call_usec_total >= stats.call_usec_max);
}

static void test_migrate_pages_first(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_stats stats = { 0 };
        fake_page *p;

        p = fake_add_vma(f, 0x10000000, 1000, 4096, 1, 0);
        for (int i = 0; i < 10; i++)
                p[i * 50].sticky = true;
        assert_int_equal(fake_run(f, &from, &to, NULL, &stats), 0);
        assert_int_equal(fake_count_on(f, 0), 1000);
        assert_int_equal(f->n_migrates, 1);
        assert_int_equal(f->n_moves, 1);
        assert_int_equal(f->move_sizes[0], 10);
        assert_int_equal(stats.pages_moved, 1000);
        assert_int_equal(stats.bytes_moved, 1000 * 4096);
        assert_int_equal(stats.bytes_left, 0);
}

static void test_nothing_to_do(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_stats stats = { 0 };

        fake_add_vma(f, 0x10000000, 10, 4096, 0, 0);
        assert_int_equal(fake_run(f, &from, &to, NULL, &stats), 0);
        assert_int_equal(f->n_migrates + f->n_moves + f->n_queries, 0);
        assert_int_equal(stats.calls, 0);
}

static void test_busy(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_params params = { .no_migrate_pages = true, .busy_rounds = 3,
                                      .busy_delay_usec = 7000 };
        cdm_migrate_stats stats = { 0 };
        fake_page *p;

        p = fake_add_vma(f, 0x10000000, 600, 4096, 1, 0);
        p[3].busy = 1;
        p[4].busy = 3;
        p[5].busy = 100; /* never lets go */
        assert_int_equal(fake_run(f, &from, &to, &params, &stats), 0);
        assert_int_equal(fake_count_on(f, 0), 599);
        assert_int_equal(p[5].node, 1);
        assert_int_equal(stats.pages_moved, 599);
        assert_int_equal(stats.pages_failed, 1);
        assert_int_equal(stats.bytes_failed, 4096);
        assert_int_equal(stats.pages_enomem, 0);
        assert_int_equal(stats.bytes_left, 4096);
        /* rounds: 3 pages busy after the scan, 2 after rounds 1 and 2; p[5] fails after 3 */
        assert_int_equal(stats.pages_retried, 3 + 2 + 2);
        assert_int_equal(stats.pages_busy, 1 + 3 + 4);
        assert_int_equal(f->slept, 3 * 7000);
}

static void test_thp_spurious_busy(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_params params = { .no_migrate_pages = true };
        cdm_migrate_stats stats = { 0 };
        fake_page *p;

        p = fake_add_vma(f, 0x10000000, 2048, 4096, 1, 0);
        for (int i = 0; i < 4; i++)
                p[i * 512 + 7].spurious_busy = 1;
        assert_int_equal(fake_run(f, &from, &to, &params, &stats), 0);
        assert_int_equal(fake_count_on(f, 0), 2048);
        assert_int_equal(stats.pages_moved, 2048);
        assert_int_equal(stats.pages_busy, 4);
        assert_int_equal(stats.pages_retried, 0); /* the re-query saw them moved */
        assert_int_equal(stats.pages_failed, 0);
        assert_int_equal(f->slept, 0);
}

static void test_partial_return(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_params params = { .no_migrate_pages = true };
        cdm_migrate_stats stats = { 0 };

        fake_add_vma(f, 0x10000000, 512, 4096, 1, 0);
        f->partial_once = 100;
        assert_int_equal(fake_run(f, &from, &to, &params, &stats), 0);
        assert_int_equal(fake_count_on(f, 0), 512);
        assert_int_equal(stats.pages_moved, 512);
        assert_int_equal(stats.pages_retried, 412);
        assert_int_equal(stats.pages_failed, 0);
}

static void test_enomem(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_stats stats = { 0 };
        fake_page *p;

        p = fake_add_vma(f, 0x10000000, 100, 4096, 1, 0);
        for (int i = 0; i < 5; i++)
                p[i * 20].enomem = true;
        assert_int_equal(fake_run(f, &from, &to, NULL, &stats), 0);
        assert_int_equal(fake_count_on(f, 0), 95);
        assert_int_equal(fake_count_on(f, 1), 5);
        assert_int_equal(stats.pages_moved, 95);
        assert_int_equal(stats.pages_enomem, 5);
        assert_int_equal(stats.pages_failed, 5);
        assert_int_equal(stats.bytes_left, 5 * 4096);
}

static void test_shared(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_params params = { .no_migrate_pages = true, .batch_max = 64,
                                      .batch_initial = 64 };
        cdm_migrate_stats stats = { 0 };
        fake_page *p;

        p = fake_add_vma(f, 0x10000000, 256, 4096, 1, 0);
        for (int i = 0; i < 256; i += 32)
                p[i].shared = true;

        /* without CAP_SYS_NICE: one MOVE_ALL attempt, then shared pages fail */
        assert_int_equal(fake_run(f, &from, &to, &params, &stats), 0);
        assert_int_equal(f->n_move_all, 1);
        assert_int_equal(fake_count_on(f, 1), 8);
        assert_int_equal(stats.pages_failed, 8);
        assert_int_equal(stats.bytes_left, 8 * 4096);

        /* with it: moved */
        f->cap_sys_nice = true;
        f->n_move_all = 0;
        memset(&stats, 0, sizeof(stats));
        assert_int_equal(fake_run(f, &from, &to, &params, &stats), 0);
        assert_int_equal(fake_count_on(f, 1), 0);
        assert_int_equal(stats.pages_moved, 8);
        assert_int_equal(f->n_move_all, 4); /* each batch of 64 held two shared pages */
}

static void test_gone(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_params params = { .no_migrate_pages = true, .batch_max = 128 };
        cdm_migrate_stats stats = { 0 };
        char path[1100];

        fake_add_vma(f, 0x10000000, 1024, 4096, 1, 0);

        /* exits in the middle */
        f->gone_after_moves = 2;
        assert_int_equal(fake_run(f, &from, &to, &params, &stats), 0);
        assert_int_equal(stats.gone, 1);
        assert_int_equal(stats.pages_moved, 256);
        assert_int_equal(fake_count_on(f, 0), 256);

        /* gone before anything: ESRCH from migrate_pages */
        memset(&stats, 0, sizeof(stats));
        assert_int_equal(fake_run(f, &from, &to, NULL, &stats), 0);
        assert_int_equal(stats.gone, 1);

        /* no /proc/PID at all */
        memset(&stats, 0, sizeof(stats));
        f->gone = false;
        snprintf(path, sizeof(path), "rm -rf '%s/proc/%d'", f->root, PID);
        assert_int_equal(system(path), 0);
        {
                cdm_sys_ops ops = fake_ops(f);
                cdm_ctx *ctx = NULL;

                assert_int_equal(cdm_ctx_new(f->root, &ctx), 0);
                assert_int_equal(cdm_migrate_process(ctx, &ops, PID, &from, &to, NULL, &stats), 0);
                cdm_ctx_unref(ctx);
        }
        assert_int_equal(stats.gone, 1);
        assert_int_equal(stats.calls, 0);
}

static void test_call_errors(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_params params = { .no_migrate_pages = true };
        cdm_migrate_stats stats = { 0 };
        cdm_sys_ops ops = fake_ops(f);
        cdm_ctx *ctx = NULL;

        fake_add_vma(f, 0x10000000, 64, 4096, 1, 0);
        fake_write_proc(f);
        assert_int_equal(cdm_ctx_new(f->root, &ctx), 0);

        /* the target node is outside the task's cpuset */
        f->move_error = -EACCES;
        assert_int_equal(cdm_migrate_process(ctx, &ops, PID, &from, &to, &params, &stats), -EACCES);
        assert_non_null(strstr(cdm_ctx_last_error(ctx), "move_pages"));
        assert_int_equal(fake_count_on(f, 1), 64);

        f->move_error = -EPERM;
        assert_int_equal(cdm_migrate_process(ctx, &ops, PID, &from, &to, &params, &stats), -EPERM);

        f->move_error = 0;
        f->migrate_error = -EPERM;
        assert_int_equal(cdm_migrate_process(ctx, &ops, PID, &from, &to, NULL, &stats), -EPERM);
        assert_non_null(strstr(cdm_ctx_last_error(ctx), "migrate_pages"));
        assert_int_equal(fake_count_on(f, 1), 64);
        assert_int_equal(stats.pages_moved, 0);
        assert_int_equal(stats.gone, 0);
        cdm_ctx_unref(ctx);
}

static void test_bad_numa_maps(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_stats stats = { 0 };
        cdm_sys_ops ops = fake_ops(f);
        cdm_ctx *ctx = NULL;
        char path[1100];
        FILE *file;

        snprintf(path, sizeof(path), "%s/proc/%d/maps", f->root, PID);
        assert_non_null(file = fopen(path, "we"));
        fputs("1000-2000 rw-p 00000000 00:00 0\n", file);
        fclose(file);
        snprintf(path, sizeof(path), "%s/proc/%d/numa_maps", f->root, PID);
        assert_non_null(file = fopen(path, "we"));
        fputs("1000 default N1=1 kernelpage", file);
        fclose(file);
        assert_int_equal(cdm_ctx_new(f->root, &ctx), 0);
        assert_int_equal(cdm_migrate_process(ctx, &ops, PID, &from, &to, NULL, &stats), -EBADMSG);
        assert_non_null(strstr(cdm_ctx_last_error(ctx), "numa_maps"));
        cdm_ctx_unref(ctx);
}

static void test_cancel(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        volatile bool cancel = false;
        cdm_migrate_params params = { .no_migrate_pages = true, .batch_max = 100,
                                      .batch_initial = 100, .cancel = &cancel };
        cdm_migrate_stats stats = { 0 };

        fake_add_vma(f, 0x10000000, 1000, 4096, 1, 0);
        f->cancel = &cancel;
        f->cancel_after_moves = 3;
        assert_int_equal(fake_run(f, &from, &to, &params, &stats), -ECANCELED);
        /* stopped between batches: three whole batches moved, nothing lost */
        assert_int_equal(f->n_moves, 3);
        assert_int_equal(fake_count_on(f, 0), 300);
        assert_int_equal(fake_count_on(f, 1), 700);
        assert_int_equal(stats.pages_moved, 300);
}

static void test_batch_shrinks(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_params params = { .no_migrate_pages = true, .max_stall_usec = 20000 };
        cdm_migrate_stats stats = { 0 };

        fake_add_vma(f, 0x10000000, 2000, 4096, 1, 0);
        f->usec_per_page = 100; /* 512 pages: 51 ms */
        assert_int_equal(fake_run(f, &from, &to, &params, &stats), 0);
        assert_int_equal(fake_count_on(f, 0), 2000);
        assert_int_equal(f->move_sizes[0], 512);
        assert_int_equal(f->move_sizes[1], 256);
        assert_int_equal(f->move_sizes[2], 128); /* 12.8 ms: under the limit, kept */
        assert_int_equal(f->move_sizes[3], 128);
        assert_int_equal(f->move_sizes[4], 128);
        assert_true(stats.call_usec_max >= 51200);
}

static void test_batch_grows(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_params params = { .no_migrate_pages = true };
        cdm_migrate_stats stats = { 0 };
        cdm_sys_ops ops = fake_ops(f);
        cdm_migrate_job *job = NULL;
        cdm_ctx *ctx = NULL;
        uint64_t wait;
        int r;

        fake_add_vma(f, 0x10000000, 20000, 4096, 1, 0);
        fake_write_proc(f);
        assert_int_equal(cdm_ctx_new(f->root, &ctx), 0);
        assert_int_equal(cdm_migrate_job_new(ctx, &ops, PID, &from, &to, &params, &job), 0);
        assert_int_equal(cdm_migrate_job_batch_size(job), 512);
        while ((r = cdm_migrate_job_step(job, &stats, &wait)) == CDM_MIGRATE_AGAIN)
                assert_int_equal(wait, 0);
        assert_int_equal(r, CDM_MIGRATE_DONE);
        assert_int_equal(cdm_migrate_job_batch_size(job), 4096);
        assert_int_equal(f->move_sizes[0], 512);
        assert_int_equal(f->move_sizes[1], 1024);
        assert_int_equal(f->move_sizes[2], 2048);
        assert_int_equal(f->move_sizes[3], 4096);
        assert_int_equal(fake_count_on(f, 0), 20000);
        /* a finished job stays finished */
        assert_int_equal(cdm_migrate_job_step(job, &stats, &wait), CDM_MIGRATE_DONE);
        cdm_migrate_job_free(job);
        cdm_ctx_unref(ctx);
}

static void test_bandwidth(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_params params = { .no_migrate_pages = true, .batch_initial = 512,
                                      .batch_max = 512, .max_bytes_per_sec = 4096 * 1000 };
        cdm_migrate_stats stats = { 0 };
        cdm_sys_ops ops = fake_ops(f);
        cdm_migrate_job *job = NULL;
        cdm_ctx *ctx = NULL;
        uint64_t wait, waits[16];
        size_t n = 0;
        int r;

        fake_add_vma(f, 0x10000000, 2048, 4096, 1, 0);
        fake_write_proc(f);
        f->usec_per_call = 10;
        assert_int_equal(cdm_ctx_new(f->root, &ctx), 0);
        assert_int_equal(cdm_migrate_job_new(ctx, &ops, PID, &from, &to, &params, &job), 0);
        while ((r = cdm_migrate_job_step(job, &stats, &wait)) == CDM_MIGRATE_AGAIN) {
                assert_true(n < ARRAY_SIZE(waits));
                waits[n++] = wait;
                fake_sleep(f, wait);
        }
        assert_int_equal(r, CDM_MIGRATE_DONE);
        /* step 0 read numa_maps; steps 1-4 each moved 512 pages (2 MiB: 512 ms at 1000
         * pages/s) in a query call and a move call, 10 us each, plus 1 us per page */
        assert_int_equal(waits[0], 0);
        for (size_t i = 1; i <= 4; i++)
                assert_int_equal(waits[i], 512000 - (10 + 10 + 512));
        assert_int_equal(fake_count_on(f, 0), 2048);
        cdm_migrate_job_free(job);
        cdm_ctx_unref(ctx);
}

/* Pages the 6.1 NUMA balancer marked: invisible to move_pages, moved by the final sweep. */
static void test_sweep(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_stats stats = { 0 };
        fake_page *p;

        p = fake_add_vma(f, 0x10000000, 100, 4096, 1, 0);
        for (int i = 0; i < 10; i++)
                p[i].sticky = p[i].hidden = true;
        p[50].sticky = true;
        assert_int_equal(fake_run(f, &from, &to, NULL, &stats), 0);
        assert_int_equal(fake_count_on(f, 0), 100);
        assert_int_equal(f->n_migrates, 2);
        assert_int_equal(stats.pages_moved, 100);
        assert_int_equal(stats.bytes_left, 0);
}

/* Several "to" nodes: each VMA goes where most of it already is. */
static void test_targets(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_params params = { .no_migrate_pages = true };
        cdm_migrate_stats stats = { 0 };
        fake_page *a, *b;

        cdm_nodemask_set(&to, 2);
        fake_add_vma(f, 0x10000000, 100, 4096, 1, 0);
        fake_add_vma(f, 0x20000000, 100, 4096, 1, 0);
        a = &f->pages[0];
        b = &f->pages[100];
        for (int i = 0; i < 60; i++)
                a[i].node = 2;
        for (int i = 0; i < 10; i++)
                b[i].node = 0;
        assert_int_equal(fake_run(f, &from, &to, &params, &stats), 0);
        for (int i = 0; i < 100; i++) {
                assert_int_equal(a[i].node, 2);
                assert_int_equal(b[i].node, 0);
        }
        assert_int_equal(stats.pages_moved, 40 + 90);
}

static void test_invalid(void **state)
{
        fake *f = *state;
        cdm_nodemask a = fake_mask(1), b = fake_mask(0), empty = { 0 };
        cdm_sys_ops ops = fake_ops(f);
        cdm_migrate_job *job = NULL;
        cdm_ctx *ctx = NULL;

        assert_int_equal(cdm_ctx_new(f->root, &ctx), 0);
        assert_int_equal(cdm_migrate_job_new(ctx, &ops, PID, &a, &a, NULL, &job), -EINVAL);
        assert_int_equal(cdm_migrate_job_new(ctx, &ops, PID, &empty, &b, NULL, &job), -EINVAL);
        assert_int_equal(cdm_migrate_job_new(ctx, &ops, PID, &a, &empty, NULL, &job), -EINVAL);
        assert_int_equal(cdm_migrate_job_new(ctx, &ops, 0, &a, &b, NULL, &job), -EINVAL);
        assert_null(job);
        cdm_ctx_unref(ctx);
}

/* A move with a budget: no batch holds more than what is left of it. */
static void test_step_limit(void **state)
{
        fake *f = *state;
        cdm_nodemask from = fake_mask(1), to = fake_mask(0);
        cdm_migrate_params params = { .no_migrate_pages = true };
        cdm_migrate_stats stats = { 0 };
        cdm_sys_ops ops = fake_ops(f);
        cdm_migrate_job *job = NULL;
        cdm_ctx *ctx = NULL;
        uint64_t wait;

        fake_add_vma(f, 0x10000000, 20000, 4096, 1, 0);
        fake_write_proc(f);
        assert_int_equal(cdm_ctx_new(f->root, &ctx), 0);
        assert_int_equal(cdm_migrate_job_new(ctx, &ops, PID, &from, &to, &params, &job), 0);
        cdm_migrate_job_limit_step(job, 64 * 1024);
        while (f->n_moves < 1)
                assert_int_equal(cdm_migrate_job_step(job, &stats, &wait), CDM_MIGRATE_AGAIN);
        assert_int_equal(f->move_sizes[0], 16);
        assert_int_equal(stats.bytes_moved, 64 * 1024);
        assert_int_equal(fake_count_on(f, 0), 16);
        /* A limit that is not a whole page still takes one. */
        cdm_migrate_job_limit_step(job, 100);
        while (f->n_moves < 2)
                assert_int_equal(cdm_migrate_job_step(job, &stats, &wait), CDM_MIGRATE_AGAIN);
        assert_int_equal(f->move_sizes[1], 1);
        /* No limit: the batch is the controller's again. */
        cdm_migrate_job_limit_step(job, 0);
        while (f->n_moves < 3)
                assert_int_equal(cdm_migrate_job_step(job, &stats, &wait), CDM_MIGRATE_AGAIN);
        assert_true(f->move_sizes[2] > 16);
        cdm_migrate_job_free(job);
        cdm_ctx_unref(ctx);
}

#define TEST(t) cmocka_unit_test_setup_teardown(t, fake_setup, fake_teardown)

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_batch_ctl),
                cmocka_unit_test(test_pacer),
                TEST(test_move_pages_only),
                TEST(test_migrate_pages_first),
                TEST(test_nothing_to_do),
                TEST(test_busy),
                TEST(test_thp_spurious_busy),
                TEST(test_partial_return),
                TEST(test_enomem),
                TEST(test_shared),
                TEST(test_gone),
                TEST(test_call_errors),
                TEST(test_bad_numa_maps),
                TEST(test_cancel),
                TEST(test_batch_shrinks),
                TEST(test_batch_grows),
                TEST(test_step_limit),
                TEST(test_bandwidth),
                TEST(test_sweep),
                TEST(test_targets),
                TEST(test_invalid),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
