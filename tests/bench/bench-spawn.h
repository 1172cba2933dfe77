/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The benchmarks' workload: a process that holds @bytes filled on node 0 and sleeps. */

#include <numaif.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Fill @bytes (2 MiB aligned, huge pages with @thp) on node 0, fork a child that keeps them,
 * and unmap them here: the child alone maps the pages (a page mapped twice needs MOVE_ALL).
 * *ret_map is the address in the child, which has the same layout.
 */
static inline pid_t bench_spawn_on_node0(size_t bytes, bool thp, unsigned char **ret_map)
{
        unsigned char *p = mmap(NULL, bytes + (2u << 20), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        unsigned long node0 = 1;
        pid_t pid;

        p = (unsigned char *) (((uintptr_t) p + (2u << 20) - 1) & ~(uintptr_t) ((2u << 20) - 1));
        (void) madvise(p, bytes, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
        (void) mbind(p, bytes, MPOL_BIND, &node0, 64, 0);
        memset(p, 0x5a, bytes);
        (void) mbind(p, bytes, MPOL_DEFAULT, NULL, 0, 0);
        pid = fork();
        if (pid == 0) {
                for (;;)
                        pause();
        }
        (void) munmap(p, bytes);
        *ret_map = p;
        return pid;
}
