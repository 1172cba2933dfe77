/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A fake kernel for the migration engine's tests: a fake address space (pages with a node
 * each) behind a recording cdm_sys_ops, a fake clock, and a fake /proc/PID/{maps,numa_maps}
 * that the fake rewrites after every change, in a temporary root for cdm_ctx_new().
 * Scripted per-page behaviour (busy, spurious THP busy, ENOMEM, shared, invisible to
 * move_pages) and per-call behaviour (ESRCH, call errors, early stop with a positive return).
 * Needs <cmocka.h> included first.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "migrate.h"
#include "sys.h"

#define PID 4242
#define FAKE_NODES 4

typedef struct fake_page {
        uint64_t addr;
        int node;               /* -1: not present */
        unsigned busy;          /* report -EBUSY (not moved) this many more times */
        unsigned spurious_busy; /* move, but report -EBUSY (THP) this many more times */
        bool enomem;            /* the target is full for this page */
        bool shared;            /* needs MPOL_MF_MOVE_ALL */
        bool sticky;            /* the first migrate_pages() leaves it */
        bool hidden;            /* move_pages sees -ENOENT (6.1 NUMA-balancing mark) */
} fake_page;

typedef struct fake_vma {
        uint64_t start, end, page_size;
} fake_vma;

typedef struct fake {
        char *root;
        fake_vma vmas[8];
        size_t n_vmas;
        fake_page *pages; /* ascending addresses */
        size_t n_pages;

        uint64_t now, slept;
        uint64_t usec_per_call, usec_per_page;
        bool gone;                /* every call: ESRCH */
        unsigned gone_after_moves; /* the process exits after this many move calls */
        long move_error, migrate_error;
        bool cap_sys_nice;
        unsigned partial_once;    /* one move call stops after this many pages */
        volatile bool *cancel;    /* set after cancel_after_moves move calls */
        unsigned cancel_after_moves;

        unsigned n_queries, n_moves, n_move_all, n_migrates;
        unsigned move_sizes[4096];
} fake;

static inline void fake_write_proc(fake *f)
{
        char path[1024];
        FILE *maps, *numa;

        snprintf(path, sizeof(path), "%s/proc/%d/maps", f->root, PID);
        assert_non_null(maps = fopen(path, "we"));
        snprintf(path, sizeof(path), "%s/proc/%d/numa_maps", f->root, PID);
        assert_non_null(numa = fopen(path, "we"));
        for (size_t v = 0; v < f->n_vmas; v++) {
                const fake_vma *vma = &f->vmas[v];
                uint64_t count[FAKE_NODES] = { 0 }, total = 0;

                fprintf(maps, "%08llx-%08llx rw-p 00000000 00:00 0 \n",
                                (unsigned long long) vma->start, (unsigned long long) vma->end);
                for (size_t i = 0; i < f->n_pages; i++)
                        if (f->pages[i].addr >= vma->start && f->pages[i].addr < vma->end &&
                            f->pages[i].node >= 0) {
                                count[f->pages[i].node]++;
                                total++;
                        }
                fprintf(numa, "%08llx default", (unsigned long long) vma->start);
                if (total > 0) {
                        fprintf(numa, " anon=%llu dirty=%llu", (unsigned long long) total,
                                        (unsigned long long) total);
                        for (int n = 0; n < FAKE_NODES; n++)
                                if (count[n])
                                        fprintf(numa, " N%d=%llu", n,
                                                        (unsigned long long) count[n]);
                        fprintf(numa, " kernelpagesize_kB=%llu",
                                        (unsigned long long) vma->page_size / 1024);
                }
                fputc('\n', numa);
        }
        fclose(maps);
        fclose(numa);
}

static inline fake_page *fake_find(fake *f, uint64_t addr)
{
        size_t lo = 0, hi = f->n_pages;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;

                if (f->pages[mid].addr == addr)
                        return &f->pages[mid];
                if (f->pages[mid].addr < addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

/* A VMA of @n pages on @node; every @hole_every-th page not present (0: none). */
static inline fake_page *fake_add_vma(fake *f, uint64_t start, size_t n, uint64_t page_size,
                int node, size_t hole_every)
{
        size_t first = f->n_pages;

        f->vmas[f->n_vmas++] = (fake_vma) { start, start + n * page_size, page_size };
        assert_non_null(f->pages = realloc(f->pages, (f->n_pages + n) * sizeof(*f->pages)));
        for (size_t i = 0; i < n; i++)
                f->pages[f->n_pages++] = (fake_page) {
                        .addr = start + i * page_size,
                        .node = hole_every && i % hole_every == hole_every - 1 ? -1 : node,
                };
        return &f->pages[first];
}

static inline int fake_query_one(fake *f, fake_page *p)
{
        if (!p || p->node < 0 || p->hidden)
                return -ENOENT;
        return p->node;
}

static inline int fake_move_one(fake *f, fake_page *p, int node, int flags)
{
        if (!p || p->node < 0 || p->hidden)
                return -ENOENT;
        if (p->node == node)
                return node;
        if (p->busy > 0) {
                p->busy--;
                return -EBUSY;
        }
        if (p->shared && !(flags & CDM_MF_MOVE_ALL))
                return -EACCES;
        if (p->enomem)
                return -ENOMEM;
        p->node = node;
        f->now += f->usec_per_page;
        if (p->spurious_busy > 0) {
                p->spurious_busy--;
                return -EBUSY;
        }
        return node;
}

static inline long fake_move_pages(void *u, int pid, unsigned long count, void **pages,
                const int *nodes, int *status, int flags)
{
        fake *f = u;
        unsigned long n = count;

        assert_int_equal(pid, PID);
        f->now += f->usec_per_call;
        if (f->gone)
                return -ESRCH;
        if (!nodes) {
                f->n_queries++;
                for (unsigned long i = 0; i < count; i++)
                        status[i] = fake_query_one(f,
                                        fake_find(f, (uint64_t) (uintptr_t) pages[i]));
                return 0;
        }
        if (f->n_moves < ARRAY_SIZE(f->move_sizes))
                f->move_sizes[f->n_moves] = (unsigned) count;
        f->n_moves++;
        f->n_move_all += !!(flags & CDM_MF_MOVE_ALL);
        if (f->cancel && f->n_moves == f->cancel_after_moves)
                *f->cancel = true;
        if (f->gone_after_moves && f->n_moves > f->gone_after_moves) {
                f->gone = true;
                return -ESRCH;
        }
        if ((flags & CDM_MF_MOVE_ALL) && !f->cap_sys_nice)
                return -EPERM;
        if (f->move_error)
                return f->move_error;
        if (f->partial_once && count > f->partial_once) {
                /* like the kernel: stop, leave the remaining statuses unwritten */
                n = f->partial_once;
                f->partial_once = 0;
        }
        for (unsigned long i = 0; i < n; i++)
                status[i] = fake_move_one(f, fake_find(f, (uint64_t) (uintptr_t) pages[i]),
                                nodes[i], flags);
        fake_write_proc(f);
        return (long) (count - n);
}

static inline long fake_migrate_pages(void *u, int pid, const cdm_nodemask *from,
                const cdm_nodemask *to)
{
        fake *f = u;
        long left = 0;

        f->now += f->usec_per_call;
        if (f->gone)
                return -ESRCH;
        f->n_migrates++;
        if (f->migrate_error)
                return f->migrate_error;
        for (size_t i = 0; i < f->n_pages; i++) {
                fake_page *p = &f->pages[i];

                if (p->node < 0 || !cdm_nodemask_test(from, (unsigned) p->node))
                        continue;
                if ((p->sticky && f->n_migrates == 1) || p->shared || p->enomem) {
                        left++;
                        continue;
                }
                p->node = cdm_nodemask_next(to, -1);
                f->now += f->usec_per_page;
        }
        fake_write_proc(f);
        return left;
}

static inline uint64_t fake_now(void *u)
{
        return ((fake *) u)->now;
}

static inline void fake_sleep(void *u, uint64_t usec)
{
        fake *f = u;

        f->now += usec;
        f->slept += usec;
}

static inline cdm_sys_ops fake_ops(fake *f)
{
        return (cdm_sys_ops) {
                .move_pages = fake_move_pages,
                .migrate_pages = fake_migrate_pages,
                .now_usec = fake_now,
                .sleep_usec = fake_sleep,
                .userdata = f,
        };
}

static inline int fake_setup(void **state)
{
        char tmpl[] = "/tmp/cdmd-migrate-XXXXXX", path[1024];
        fake *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        assert_non_null(mkdtemp(tmpl));
        f->root = strdup(tmpl);
        snprintf(path, sizeof(path), "%s/sys", f->root);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/proc", f->root);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/proc/%d", f->root, PID);
        assert_int_equal(mkdir(path, 0755), 0);
        f->usec_per_call = 5;
        f->usec_per_page = 1;
        *state = f;
        return 0;
}

static inline int fake_teardown(void **state)
{
        fake *f = *state;
        char cmd[1200];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
        assert_int_equal(system(cmd), 0);
        free(f->root);
        free(f->pages);
        free(f);
        return 0;
}

static inline cdm_nodemask fake_mask(unsigned node)
{
        cdm_nodemask m = { 0 };

        cdm_nodemask_set(&m, node);
        return m;
}

/* Run a whole job, blocking; the fake proc tree is written first. */
static inline int fake_run(fake *f, const cdm_nodemask *from, const cdm_nodemask *to,
                const cdm_migrate_params *params, cdm_migrate_stats *stats)
{
        cdm_sys_ops ops = fake_ops(f);
        cdm_ctx *ctx = NULL;
        int r;

        fake_write_proc(f);
        assert_int_equal(cdm_ctx_new(f->root, &ctx), 0);
        r = cdm_migrate_process(ctx, &ops, PID, from, to, params, stats);
        cdm_ctx_unref(ctx);
        return r;
}

static inline size_t fake_count_on(const fake *f, int node)
{
        size_t n = 0;

        for (size_t i = 0; i < f->n_pages; i++)
                n += f->pages[i].node == node;
        return n;
}
