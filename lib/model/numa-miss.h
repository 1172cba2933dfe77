/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The kernel's own spill counters (KERNEL.md D1), judged. On a device node, numastat's
 * numa_miss counts pages allocated there for a task that preferred another node (a spill, even
 * one freed again before any audit could see it), and numa_foreign counts pages that a task
 * wanted there and got elsewhere. Both are node-wide: they name no cgroup. The cgroups they
 * are laid on are the ones without a grant whose memory on the device grew since the last
 * audit (memory.numa_stat, D2); when none did and no job is granted the device, nobody could
 * have asked for it legitimately: that is an alarm too, with its cause unknown (a process
 * that has exited, or the kernel). Growth explained by granted jobs alone is not an alarm: a
 * grant allows the device.
 */

#include <stdbool.h>
#include <stdint.h>

#include "audit.h"

/* An ungranted cgroup's usage of a device at the previous audit. */
typedef struct cdm_spill_seen {
        char *owner;
        char *device;
        uint64_t bytes;
} cdm_spill_seen;

typedef struct cdm_numa_signal {
        const char *device;
        uint64_t miss_pages;    /* numa_miss delta over the device's nodes */
        uint64_t foreign_pages; /* numa_foreign delta */
        size_t n_grants;        /* jobs granted the device */
        char **causes;          /* ungranted cgroups whose usage of the device grew */
        size_t n_causes;
        bool alarm;
} cdm_numa_signal;

/* A counter's increase; one that went back (the node went away and came again) counts from 0. */
uint64_t cdm_counter_delta(uint64_t before, uint64_t now);

/* Judge the deltas of one device against the audit's items now and the ungranted usage seen
 * at the last audit. Pure. */
int cdm_numa_signal_judge(const char *device, uint64_t miss_pages, uint64_t foreign_pages, size_t n_grants,
                const cdm_audit_item *items, size_t n_items, const cdm_spill_seen *seen, size_t n_seen,
                cdm_numa_signal *ret);
/* "numa_miss on cdm1 rose by 512 pages (2097152 bytes) ...", for the log. */
char *cdm_numa_signal_format(const cdm_numa_signal *s, uint64_t page_size);
void cdm_numa_signal_done(cdm_numa_signal *s);

/* The ungranted items of an audit after repair (bytes less what was repaired), for the next. */
int cdm_spill_seen_take(const cdm_audit_item *items, size_t n_items, cdm_spill_seen **ret, size_t *ret_n);
void cdm_spill_seen_free(cdm_spill_seen *seen, size_t n);
