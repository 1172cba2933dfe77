/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The real cdm_sys_ops: raw move_pages(2) and migrate_pages(2) system calls, CLOCK_MONOTONIC.
 * The only file of libcdm that makes these calls. Raw syscalls rather than libnuma's
 * wrappers: libnuma's numa_migrate_pages() takes its own bitmask type sized to the running
 * kernel, and its error paths print to stderr; this file converts -1/errno to -errno and
 * cdm_nodemask to the kernel's unsigned long bitmap, and nothing else.
 */

#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"
#include "util/time-util.h"
#include "util/macro.h"

#define ULONG_BITS (8 * sizeof(unsigned long))
#define NODE_LONGS ((CDM_NODES_MAX + ULONG_BITS - 1) / ULONG_BITS)

/* MPOL_MF_MOVE and MPOL_MF_MOVE_ALL of <linux/mempolicy.h>, part of the kernel ABI. */
_Static_assert(CDM_MF_MOVE == 2 && CDM_MF_MOVE_ALL == 4, "MPOL_MF_* values");

static long sys_move_pages(void *userdata, int pid, unsigned long count, void **pages,
                const int *nodes, int *status, int flags)
{
        long r = syscall(SYS_move_pages, pid, count, pages, nodes, status, flags);

        return r < 0 ? negative_errno() : r;
}

static void to_bitmap(const cdm_nodemask *m, unsigned long *ret)
{
        for (size_t i = 0; i < NODE_LONGS; i++)
                ret[i] = 0;
        for (int n = cdm_nodemask_next(m, -1); n >= 0; n = cdm_nodemask_next(m, n))
                ret[(unsigned) n / ULONG_BITS] |= 1UL << ((unsigned) n % ULONG_BITS);
}

static long sys_migrate_pages(void *userdata, int pid, const cdm_nodemask *from,
                const cdm_nodemask *to)
{
        unsigned long old_nodes[NODE_LONGS], new_nodes[NODE_LONGS];
        long r;

        to_bitmap(from, old_nodes);
        to_bitmap(to, new_nodes);
        /* maxnode counts one more than the bits passed (mm/mempolicy.c, get_nodes()). */
        r = syscall(SYS_migrate_pages, pid, (unsigned long) CDM_NODES_MAX + 1, old_nodes,
                        new_nodes);
        return r < 0 ? negative_errno() : r;
}

static uint64_t sys_now_usec(void *userdata)
{
        return now_usec(CLOCK_MONOTONIC);
}

static void sys_sleep_usec(void *userdata, uint64_t usec)
{
        struct timespec ts = {
                .tv_sec = (time_t) (usec / 1000000u),
                .tv_nsec = (long) (usec % 1000000u) * 1000,
        };

        /* An interruption ends the sleep early: the caller then sees its cancel flag. */
        (void) clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

const cdm_sys_ops cdm_sys_ops_numa = {
        .move_pages = sys_move_pages,
        .migrate_pages = sys_migrate_pages,
        .now_usec = sys_now_usec,
        .sleep_usec = sys_sleep_usec,
};
