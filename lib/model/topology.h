/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The topology snapshot: what sysfs (and the NVIDIA driver's procfs) says about every online
 * node, read once by topology-fs.c and then only looked at. Sizes are bytes.
 */

#include <stdbool.h>
#include <stdint.h>

#include "cdm/cdm.h"
#include "util/macro.h"

typedef enum cdm_zone {
        CDM_ZONE_NONE = 0,
        CDM_ZONE_DMA,
        CDM_ZONE_DMA32,
        CDM_ZONE_NORMAL,
        CDM_ZONE_MOVABLE,
        CDM_ZONE_DEVICE,
        _CDM_ZONE_MAX,
} cdm_zone;

typedef enum cdm_block_state {
        CDM_BLOCK_OFFLINE,
        CDM_BLOCK_ONLINE,
        CDM_BLOCK_GOING_OFFLINE,
} cdm_block_state;

typedef struct cdm_meminfo {
        uint64_t total;
        uint64_t free;
        uint64_t file_pages;
        uint64_t anon_pages;
        uint64_t shmem;
        uint64_t kernel_stack;
        uint64_t page_tables;
        uint64_t slab;
        uint64_t sunreclaim;
        uint64_t hugepages_total; /* pages, not bytes */
} cdm_meminfo;

typedef struct cdm_numastat {
        uint64_t numa_hit;
        uint64_t numa_miss;
        uint64_t numa_foreign;
        uint64_t other_node;
} cdm_numastat;

typedef struct cdm_block {
        unsigned id;
        cdm_block_state state;
        unsigned zones;     /* bit mask of 1 << cdm_zone from valid_zones */
        cdm_zone zone;      /* the first zone valid_zones names: where it is, or would go */
} cdm_block;

typedef struct cdm_hmat {
        bool present;
        unsigned access_class; /* 1 = CPU initiators only, 0 = any initiator */
        uint32_t read_bandwidth_mbps;
        uint32_t write_bandwidth_mbps;
        uint32_t read_latency_ns;
        uint32_t write_latency_ns;
} cdm_hmat;

typedef struct cdm_node {
        unsigned id;
        bool has_cpu;
        bool has_memory;
        bool has_normal_memory;
        unsigned n_cpus;
        char *cpulist;
        cdm_meminfo mem;
        cdm_numastat stat;
        unsigned *distance_to; /* node ids, parallel to distance */
        unsigned *distance;
        size_t n_distance;
        cdm_hmat hmat;
        int memory_tier; /* -1 when the kernel has no memory tiers */
        cdm_block *blocks;
        size_t n_blocks;
        uint64_t memory_failures; /* nodeN/memory_failure/total (6.3+), 0 when absent */
        char *nvidia_gpu;   /* PCI address of the GPU whose memory this is, or NULL */
        char *nvidia_status;
        char *dax_device; /* daxX.Y whose target_node this is, or NULL */
} cdm_node;

struct cdm_topology {
        cdm_nodemask possible;
        cdm_nodemask online;
        cdm_nodemask has_cpu;
        cdm_nodemask has_memory;
        cdm_nodemask has_normal_memory;
        uint64_t block_size; /* 0 without memory hot-plug support */
        char *auto_online_blocks;
        cdm_node *nodes; /* the online nodes, ascending ids */
        size_t n_nodes;
        /* Optional files that were present but unusable ("path: what"), NULL-terminated:
         * the snapshot does without them. */
        char **warnings;
        size_t n_warnings;
};

const cdm_node *cdm_topology_find_node(const cdm_topology *t, unsigned id);
/* A node's meminfo read again, now (the audit's second look at a racing figure). */
int cdm_node_read_meminfo(cdm_ctx *ctx, unsigned id, cdm_meminfo *ret);
cdm_topology *cdm_topology_new(void);
void cdm_node_done(cdm_node *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(cdm_topology *, cdm_topology_free);

/* What a node is without configuration: CPUs and memory make a system node; no CPUs but
 * memory, or memory blocks waiting offline, a device node; anything else is ignored. */
cdm_node_role cdm_node_auto_role(const cdm_node *n);
/* Bytes of memory a node has or will have: its MemTotal, or its blocks while all are offline. */
uint64_t cdm_node_size(const cdm_topology *t, const cdm_node *n);
unsigned cdm_node_blocks_online(const cdm_node *n);
/* CDM_ZONE_MOVABLE when every online block is movable, NONE without online blocks, else the
 * most kernel-like zone seen (a device node with any Normal block is a finding). */
cdm_zone cdm_node_online_zone(const cdm_node *n);
const char *cdm_zone_to_string(cdm_zone z);
