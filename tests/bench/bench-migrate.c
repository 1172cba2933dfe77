/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Benchmark, run inside the VM (tests/bench/run-bench-migrate.sh): moving 256 MiB of a
 * process from node 0 to node 1, with 4 KiB pages and with transparent huge pages, by
 *   - cdmd's engine for a whole job (migrate_pages, then move_pages batches for the rest),
 *     against numactl's migratepages;
 *   - cdmd's engine in batch mode (what Migrate and quota enforcement use), against a raw
 *     move_pages loop with the same batch size;
 * all in the same boot, each from the same starting placement. Prints MB/s, the ratios, and
 * the distribution of the time per move_pages call (p50, p99, max) against max_stall; then a
 * single-thread memcpy of the same bytes from node 0 to node 1 (a move is a copy plus the
 * page-table work, so the copy is its limit), against the THP whole-job move.
 * Not a test: it asserts nothing.
 */

#include <numaif.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "migrate.h"
#include "sys.h"
#include "util/time-util.h"

#include "bench-spawn.h"

#define MB 256u
#define MAX_STALL_USEC 20000u
#define RAW_BATCH 512u

/* The engine's real ops, with every move_pages call's duration recorded. */
static uint64_t *calls;
static size_t n_calls, calls_size;

static long rec_move_pages(void *u, int pid, unsigned long count, void **pages, const int *nodes,
                int *status, int flags)
{
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);
        long r = cdm_sys_ops_numa.move_pages(cdm_sys_ops_numa.userdata, pid, count, pages, nodes, status, flags);

        if (nodes) { /* moves only, not queries */
                if (n_calls == calls_size) {
                        calls_size = calls_size ? calls_size * 2 : 4096;
                        calls = realloc(calls, calls_size * sizeof(uint64_t));
                }
                calls[n_calls++] = now_usec(CLOCK_MONOTONIC) - t0;
        }
        return r;
}

static long real_migrate_pages(void *u, int pid, const cdm_nodemask *from, const cdm_nodemask *to)
{
        return cdm_sys_ops_numa.migrate_pages(cdm_sys_ops_numa.userdata, pid, from, to);
}

static uint64_t real_now(void *u)
{
        return now_usec(CLOCK_MONOTONIC);
}

static void real_sleep(void *u, uint64_t usec)
{
        usleep((useconds_t) usec);
}

static void back_to_node0(pid_t pid)
{
        unsigned long from = 2, to = 1;

        (void) migrate_pages(pid, 64, &from, &to);
}

/* Percentage of the pages of the child's buffer that are on node 1. */
static unsigned on_node1(pid_t pid, unsigned char *p)
{
        size_t n = ((size_t) MB << 20) / 4096, hit = 0;
        void **pages = malloc(n * sizeof(void *));
        int *status = malloc(n * sizeof(int));

        for (size_t i = 0; i < n; i++)
                pages[i] = p + i * 4096;
        if (move_pages(pid, n, pages, NULL, status, 0) == 0)
                for (size_t i = 0; i < n; i++)
                        hit += status[i] == 1;
        free(pages);
        free(status);
        return (unsigned) (hit * 100 / n);
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return (x > y) - (x < y);
}

static double mbps(uint64_t usec)
{
        return usec ? (double) MB * 1048576.0 / 1e6 / ((double) usec / 1e6) : 0;
}

static uint64_t run_engine(pid_t pid, bool batches_only)
{
        cdm_sys_ops ops = { rec_move_pages, real_migrate_pages, real_now, real_sleep, NULL };
        cdm_migrate_params params = { .max_stall_usec = MAX_STALL_USEC, .no_migrate_pages = batches_only };
        cdm_migrate_stats stats = { 0 };
        cdm_nodemask from = { { 1 } }, to = { { 2 } };
        cdm_ctx *ctx = NULL;
        uint64_t t0;

        if (cdm_ctx_new("/", &ctx) < 0)
                exit(1);
        n_calls = 0;
        t0 = now_usec(CLOCK_MONOTONIC);
        (void) cdm_migrate_process(ctx, &ops, pid, &from, &to, &params, &stats);
        t0 = now_usec(CLOCK_MONOTONIC) - t0;
        cdm_ctx_unref(ctx);
        return t0;
}

static uint64_t run_migratepages(pid_t pid)
{
        char arg[32];
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);
        pid_t c = fork();

        if (c == 0) {
                snprintf(arg, sizeof(arg), "%d", pid);
                execlp("migratepages", "migratepages", arg, "0", "1", (char *) NULL);
                _exit(127);
        }
        (void) waitpid(c, NULL, 0);
        return now_usec(CLOCK_MONOTONIC) - t0;
}

static uint64_t run_raw(pid_t pid, unsigned char *p)
{
        size_t n = ((size_t) MB << 20) / 4096;
        void **pages = malloc(RAW_BATCH * sizeof(void *));
        int *nodes = malloc(RAW_BATCH * sizeof(int)), *status = malloc(RAW_BATCH * sizeof(int));
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);

        for (size_t i = 0; i < n; i += RAW_BATCH) {
                size_t k = n - i < RAW_BATCH ? n - i : RAW_BATCH;

                for (size_t j = 0; j < k; j++) {
                        pages[j] = p + (i + j) * 4096;
                        nodes[j] = 1;
                }
                (void) move_pages(pid, k, pages, nodes, status, MPOL_MF_MOVE);
        }
        t0 = now_usec(CLOCK_MONOTONIC) - t0;
        free(pages);
        free(nodes);
        free(status);
        return t0;
}

static void distribution(void)
{
        if (n_calls == 0) {
                printf("    (no move_pages call: migrate_pages moved everything)\n");
                return;
        }
        qsort(calls, n_calls, sizeof(uint64_t), cmp_u64);
        printf("    move_pages calls: %zu, p50 %llu us, p99 %llu us, max %llu us (max_stall %u us)\n", n_calls,
                        (unsigned long long) calls[n_calls / 2], (unsigned long long) calls[n_calls * 99 / 100],
                        (unsigned long long) calls[n_calls - 1], MAX_STALL_USEC);
}

static uint64_t thp_whole;

static void bench(bool thp)
{
        unsigned char *p;
        pid_t pid = bench_spawn_on_node0((size_t) MB << 20, thp, &p);
        uint64_t whole, mp, batch, raw;

        printf("%s pages, %u MiB, node 0 -> node 1:\n", thp ? "THP" : "4 KiB", MB);
        whole = run_engine(pid, false);
        if (thp)
                thp_whole = whole;
        printf("  cdmd engine, whole job:        %8.1f MB/s   (%u%% on node 1)\n", mbps(whole), on_node1(pid, p));
        distribution();
        back_to_node0(pid);
        mp = run_migratepages(pid);
        printf("  numactl migratepages:          %8.1f MB/s   (%u%% on node 1) ratio cdmd/migratepages %.2f\n",
                        mbps(mp), on_node1(pid, p), (double) mp / (double) whole);
        back_to_node0(pid);
        batch = run_engine(pid, true);
        printf("  cdmd engine, batches (Migrate): %7.1f MB/s   (%u%% on node 1)\n", mbps(batch), on_node1(pid, p));
        distribution();
        back_to_node0(pid);
        printf("  (before the raw loop: %u%% on node 1)\n", on_node1(pid, p));
        raw = run_raw(pid, p);
        printf("  raw move_pages loop, %u/call: %7.1f MB/s   (%u%% on node 1) ratio cdmd/raw %.2f\n", RAW_BATCH,
                        mbps(raw), on_node1(pid, p), (double) raw / (double) batch);
        kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
}

/* One memcpy of MB MiB from memory bound to node 0 to memory bound to node 1, both faulted in
 * first: the time of the copy alone. */
static uint64_t run_memcpy(void)
{
        size_t len = (size_t) MB << 20;
        unsigned long n0 = 1, n1 = 2;
        unsigned char *src = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        unsigned char *dst = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        uint64_t t0;

        if (src == MAP_FAILED || dst == MAP_FAILED ||
                        mbind(src, len, MPOL_BIND, &n0, sizeof(n0) * 8, 0) < 0 ||
                        mbind(dst, len, MPOL_BIND, &n1, sizeof(n1) * 8, 0) < 0) {
                perror("bench-migrate: memcpy setup");
                return 0;
        }
        (void) madvise(src, len, MADV_HUGEPAGE);
        (void) madvise(dst, len, MADV_HUGEPAGE);
        memset(src, 0x5a, len);
        memset(dst, 0, len);
        t0 = now_usec(CLOCK_MONOTONIC);
        memcpy(dst, src, len);
        t0 = now_usec(CLOCK_MONOTONIC) - t0;
        if (dst[len - 1] != 0x5a)
                printf("  (memcpy did not copy)\n");
        munmap(src, len);
        munmap(dst, len);
        return t0;
}

int main(void)
{
        char k[256] = "";
        FILE *f = fopen("/proc/sys/kernel/osrelease", "re");

        if (f) {
                if (!fgets(k, sizeof(k), f))
                        k[0] = 0;
                fclose(f);
        }
        printf("kernel %s", k);
        bench(false);
        bench(true);
        {
                uint64_t copy = run_memcpy();

                if (copy > 0 && thp_whole > 0)
                        printf("single-thread memcpy, %u MiB, node 0 -> node 1: %8.1f MB/s; THP whole-job move / memcpy %.2f\n",
                                        MB, mbps(copy), (double) copy / (double) thp_whole);
        }
        return 0;
}
