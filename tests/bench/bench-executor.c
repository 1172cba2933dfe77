/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Benchmark, run inside the VM (tests/bench/run-bench-executor.sh): 8 processes of 64 MiB
 * each (4 KiB pages) moved from node 0 (system) to node 1 (device) and back by
 *   - cdmd's executor (daemon/core/executor.c) with 1 and with 2 workers, as a whole job (what
 *     Revoke and drains use: migrate_pages, then move_pages for what is left) and in page
 *     batches (what quotas and Migrate use);
 *   - numactl's migratepages, one process after another, and for all processes at once;
 * each from the same starting placement, in the same boot. Prints the times and ratios.
 * Not a test: it asserts nothing.
 */

#include <ev.h>
#include <numaif.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "executor.h"
#include "util/time-util.h"

#include "bench-spawn.h"

#define N_PROCS 8
#define MB 64u

static pid_t pids[N_PROCS];
static unsigned char *maps[N_PROCS];

/* Put every process's pages on @node (not timed). */
static void all_to(unsigned node)
{
        unsigned long from = node == 0 ? 2 : 1, to = node == 0 ? 1 : 2;

        for (size_t i = 0; i < N_PROCS; i++)
                (void) migrate_pages(pids[i], 64, &from, &to);
}

/* Percentage of all the processes' pages on @node. */
static unsigned on_node(int node)
{
        size_t n = ((size_t) MB << 20) / 4096, hit = 0;
        void **pages = malloc(n * sizeof(void *));
        int *status = malloc(n * sizeof(int));

        for (size_t k = 0; k < N_PROCS; k++) {
                for (size_t i = 0; i < n; i++)
                        pages[i] = maps[k] + i * 4096;
                if (move_pages(pids[k], n, pages, NULL, status, 0) == 0)
                        for (size_t i = 0; i < n; i++)
                                hit += status[i] == node;
        }
        free(pages);
        free(status);
        return (unsigned) (hit * 100 / (n * N_PROCS));
}

static bool done;

static void on_done(void *userdata, const char *owner, const ExecResult *res)
{
        done = true;
}

static void keep(void *userdata)
{
}

/* Both ways with the executor; microseconds for each way in ret[0] (0 -> 1) and ret[1]. */
static void run_executor(unsigned workers, bool batches, uint64_t ret[2])
{
        struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
        Executor *e = NULL;

        if (!loop || executor_new(loop, "/", workers, 20000, NULL, &e) < 0)
                exit(1);
        for (unsigned way = 0; way < 2; way++) {
                ExecRequest req = { .owner = "bench", .prio = CDM_MOVE_DRAIN, .pids = pids, .n_pids = N_PROCS,
                        .budget = batches ? UINT64_MAX - 1 : UINT64_MAX, .capped = false, .done = on_done,
                        .free_userdata = keep };
                uint64_t t0;

                cdm_nodemask_set(&req.from, way);
                cdm_nodemask_set(&req.to, 1 - way);
                done = false;
                t0 = now_usec(CLOCK_MONOTONIC);
                if (executor_submit(e, &req) < 0)
                        exit(1);
                while (!done)
                        ev_run(loop, EVRUN_ONCE);
                ret[way] = now_usec(CLOCK_MONOTONIC) - t0;
                if (way == 0)
                        printf("    (%u%% on node 1 after 0 -> 1)\n", on_node(1));
        }
        executor_free(e);
        ev_loop_destroy(loop);
}

static pid_t start_migratepages(pid_t pid, unsigned from, unsigned to)
{
        char arg[32], f[8], t[8];
        pid_t c = fork();

        if (c == 0) {
                snprintf(arg, sizeof(arg), "%d", pid);
                snprintf(f, sizeof(f), "%u", from);
                snprintf(t, sizeof(t), "%u", to);
                execlp("migratepages", "migratepages", arg, f, t, (char *) NULL);
                _exit(127);
        }
        return c;
}

static void run_migratepages(bool parallel, uint64_t ret[2])
{
        for (unsigned way = 0; way < 2; way++) {
                uint64_t t0 = now_usec(CLOCK_MONOTONIC);
                pid_t c[N_PROCS];

                for (size_t i = 0; i < N_PROCS; i++) {
                        c[i] = start_migratepages(pids[i], way, 1 - way);
                        if (!parallel)
                                (void) waitpid(c[i], NULL, 0);
                }
                for (size_t i = 0; parallel && i < N_PROCS; i++)
                        (void) waitpid(c[i], NULL, 0);
                ret[way] = now_usec(CLOCK_MONOTONIC) - t0;
                if (way == 0)
                        printf("    (%u%% on node 1 after 0 -> 1)\n", on_node(1));
        }
}

static double ms(uint64_t usec)
{
        return (double) usec / 1000.0;
}

static void line(const char *what, const uint64_t t[2], const uint64_t ref[2])
{
        double mb = (double) N_PROCS * MB * 1048576.0 / 1e6;

        printf("  %-36s 0->1 %8.1f ms %7.1f MB/s   1->0 %8.1f ms %7.1f MB/s", what, ms(t[0]),
                        mb / ((double) t[0] / 1e6), ms(t[1]), mb / ((double) t[1] / 1e6));
        if (ref)
                printf("   time/seq %.2f %.2f", (double) t[0] / (double) ref[0], (double) t[1] / (double) ref[1]);
        printf("\n");
}

int main(void)
{
        uint64_t seq[2], par[2], w1[2], w2[2], b1[2], b2[2];
        char k[256] = "";
        FILE *f = fopen("/proc/sys/kernel/osrelease", "re");

        if (f) {
                if (!fgets(k, sizeof(k), f))
                        k[0] = 0;
                fclose(f);
        }
        printf("kernel %s%d processes x %u MiB (4 KiB pages), node 0 <-> node 1, %ld CPUs\n", k, N_PROCS, MB,
                        sysconf(_SC_NPROCESSORS_ONLN));
        for (size_t i = 0; i < N_PROCS; i++)
                pids[i] = bench_spawn_on_node0((size_t) MB << 20, false, &maps[i]);
        printf("  (%u%% on node 0 at the start)\n", on_node(0));

        run_migratepages(false, seq);
        all_to(0);
        run_migratepages(true, par);
        all_to(0);
        run_executor(1, false, w1);
        all_to(0);
        run_executor(2, false, w2);
        all_to(0);
        run_executor(1, true, b1);
        all_to(0);
        run_executor(2, true, b2);

        line("migratepages, one after another", seq, NULL);
        line("migratepages, all at once", par, seq);
        line("executor, 1 worker, whole job", w1, seq);
        line("executor, 2 workers, whole job", w2, seq);
        line("executor, 1 worker, page batches", b1, seq);
        line("executor, 2 workers, page batches", b2, seq);
        printf("  2 workers / 1 worker: whole job %.2f %.2f, page batches %.2f %.2f\n",
                        (double) w2[0] / (double) w1[0], (double) w2[1] / (double) w1[1],
                        (double) b2[0] / (double) b1[0], (double) b2[1] / (double) b1[1]);
        printf("  2 workers / migratepages all at once (whole job): %.2f %.2f\n", (double) w2[0] / (double) par[0],
                        (double) w2[1] / (double) par[1]);
        for (size_t i = 0; i < N_PROCS; i++) {
                kill(pids[i], SIGKILL);
                (void) waitpid(pids[i], NULL, 0);
        }
        return 0;
}
