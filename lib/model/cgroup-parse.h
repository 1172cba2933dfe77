/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Pure parsers of cgroup2 files: memory.numa_stat, controller lists, cgroup.procs. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cdm/cdm.h"

/* Bytes of a cgroup on a set of nodes, from memory.numa_stat (hierarchical). */
typedef struct cdm_numa_usage {
        uint64_t anon;   /* anonymous memory (anon) */
        uint64_t file;   /* page cache, shmem and tmpfs included (file) */
        uint64_t shmem;  /* of which shmem and tmpfs (shmem) */
        uint64_t kernel; /* kernel_stack + pagetables + slab */
} cdm_numa_usage;

int cdm_parse_numa_stat(const char *data, size_t n, const cdm_nodemask *nodes,
                cdm_numa_usage *ret, const char **ret_what);
bool cdm_word_list_contains(const char *list, const char *word);
int cdm_parse_pids(const char *data, size_t n, int **ret, size_t *ret_n);

/*
 * The systemd unit whose own cgroup @path is (1, *ret set), or 0 when it is none (or -ENOMEM):
 * "-.slice" for the root; otherwise every
 * component but the last is a slice and the last names a unit (.slice, .service, .scope,
 * .mount, .socket, .swap). Cgroups below a service or scope are the delegatee's, not
 * systemd's (a Delegate=yes unit such as slurmstepd.scope, or user@.service).
 */
int cdm_cgroup_systemd_unit(const char *path, char **ret);
bool cdm_unit_is_slice(const char *unit);
