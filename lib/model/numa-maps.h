/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Pure parser of a process's /proc/PID/maps and /proc/PID/numa_maps, joined by start address
 * into one list of VMAs with their per-node page counts. The migration engine uses it to find
 * the VMAs that still hold pages on the nodes being drained, and the daemon to account how
 * much memory a process has on a node set.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cdm/cdm.h"
#include "util/macro.h"

/* Bounds on what one process's files may describe; larger input is -E2BIG. */
#define CDM_VMAS_MAX (1u << 20)             /* far above the default vm.max_map_count */
#define CDM_VMA_NODE_PAIRS_MAX (4u << 20)   /* (node, pages) pairs over all VMAs */
#define CDM_PROC_MAPS_MAX (64u * 1024u * 1024u) /* largest maps or numa_maps file read */

/* The memory policy mode numa_maps prints first (mm/mempolicy.c, mpol_to_str()). */
typedef enum cdm_mpol_mode {
        CDM_MPOL_DEFAULT,
        CDM_MPOL_PREFERRED,
        CDM_MPOL_BIND,
        CDM_MPOL_INTERLEAVE,
        CDM_MPOL_LOCAL,
        CDM_MPOL_PREFERRED_MANY,
        CDM_MPOL_WEIGHTED_INTERLEAVE,
        CDM_MPOL_OTHER, /* a mode name this parser does not know (a newer kernel) */
        _CDM_MPOL_MAX,
} cdm_mpol_mode;

/* cdm_vma.flags */
enum {
        CDM_VMA_ANON = 1u << 0,    /* no backing file (heap, stack and anonymous mappings) */
        CDM_VMA_FILE = 1u << 1,    /* file-backed (may still hold private anon copies) */
        CDM_VMA_SHMEM = 1u << 2,   /* shmem/tmpfs by name: /dev/shm/, SysV, memfd, shared anon */
        CDM_VMA_SHARED = 1u << 3,  /* MAP_SHARED ('s' in maps) */
        CDM_VMA_HEAP = 1u << 4,
        CDM_VMA_STACK = 1u << 5,
        CDM_VMA_HUGETLB = 1u << 6, /* "huge": page_size is the hugetlb page size */
        CDM_VMA_WRITE = 1u << 7,
};

typedef struct cdm_node_pages {
        unsigned node;
        uint64_t pages;
} cdm_node_pages;

typedef struct cdm_vma {
        uint64_t start, end;   /* [start, end) from maps */
        uint64_t page_size;    /* bytes (kernelpagesize_kB); 0 when numa_maps shows no pages */
        unsigned flags;        /* CDM_VMA_* */
        cdm_mpol_mode policy;
        uint64_t pages;        /* resident pages on all nodes, in page_size units */
        uint64_t anon_pages;
        size_t first_node;     /* this VMA's slice of cdm_vma_list.node_pages, by node id */
        size_t n_nodes;
} cdm_vma;

typedef struct cdm_vma_list {
        cdm_vma *vmas; /* ascending start addresses */
        size_t n_vmas;
        cdm_node_pages *node_pages;
        size_t n_node_pages;
} cdm_vma_list;

int cdm_parse_proc_maps(const char *maps, size_t maps_len, const char *numa_maps,
                size_t numa_maps_len, const cdm_nodemask *nodes, cdm_vma_list **ret,
                const char **ret_what);
cdm_vma_list *cdm_vma_list_free(cdm_vma_list *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(cdm_vma_list *, cdm_vma_list_free);

uint64_t cdm_vma_pages_on(const cdm_vma_list *l, const cdm_vma *v, const cdm_nodemask *nodes);
uint64_t cdm_vma_list_bytes_on(const cdm_vma_list *l, const cdm_nodemask *nodes);
