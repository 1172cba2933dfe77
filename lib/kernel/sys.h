/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The system calls the migration engine needs, as an ops table, so that the engine runs
 * against a fake address space and a fake clock in the unit tests. lib/kernel/sys-numa.c is the
 * real backend and the only file of libcdm that makes these calls.
 *
 * Every callback returns -errno on failure, never -1 with errno set:
 *   move_pages:    move_pages(2). nodes == NULL queries: status[i] = node of pages[i] or
 *                  -errno (-ENOENT not present, -EFAULT zero page or unmapped). With nodes,
 *                  moves; returns 0, or (since 4.17) the number of pages not migrated, in
 *                  which case part of status[] may be left unwritten. flags: CDM_MF_MOVE or
 *                  CDM_MF_MOVE_ALL (the kernel's MPOL_MF_MOVE / MPOL_MF_MOVE_ALL).
 *   migrate_pages: migrate_pages(2) of the whole process from the nodes in @from to those in
 *                  @to (kept in relative order); returns the number of pages not moved.
 *   now_usec:      CLOCK_MONOTONIC in microseconds.
 *   sleep_usec:    sleep (only the blocking cdm_migrate_process() sleeps; it may return
 *                  early on a signal, so that the caller's cancel flag is seen).
 */

#include <stdint.h>

#include "cdm/cdm.h"

#define CDM_MF_MOVE (1 << 1)     /* MPOL_MF_MOVE: pages mapped by this process only */
#define CDM_MF_MOVE_ALL (1 << 2) /* MPOL_MF_MOVE_ALL: shared pages too; needs CAP_SYS_NICE */

typedef struct cdm_sys_ops {
        long (*move_pages)(void *userdata, int pid, unsigned long count, void **pages,
                        const int *nodes, int *status, int flags);
        long (*migrate_pages)(void *userdata, int pid, const cdm_nodemask *from,
                        const cdm_nodemask *to);
        uint64_t (*now_usec)(void *userdata);
        void (*sleep_usec)(void *userdata, uint64_t usec);
        void *userdata;
} cdm_sys_ops;

/* The real system calls (userdata unused). */
extern const cdm_sys_ops cdm_sys_ops_numa;
