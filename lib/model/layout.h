/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The layout: which online nodes are system nodes, which are device nodes and how they are
 * grouped into named devices, which are ignored. A pure function of topology + configuration.
 */

#include "config.h"
#include "topology.h"

typedef struct cdm_device {
        char *name;
        cdm_kind kind;
        cdm_source source;
        cdm_nodemask nodes;
        uint64_t total_bytes;
        uint64_t free_bytes;
        uint64_t reserve_bytes;
        uint32_t read_bandwidth_mbps; /* 0 when firmware gives none */
        uint32_t read_latency_ns;
        bool configured;
        bool memory_online; /* some of its memory is online (in has_memory) */
} cdm_device;

typedef struct cdm_layout {
        cdm_nodemask system_nodes;
        cdm_nodemask device_nodes;
        cdm_nodemask ignored_nodes;
        cdm_device *devices;
        size_t n_devices;
        char **warnings; /* NULL-terminated; things the operator should know */
        size_t n_warnings;
} cdm_layout;

int cdm_layout_build(const cdm_topology *t, const cdm_config *c, cdm_layout **ret);
cdm_layout *cdm_layout_free(cdm_layout *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(cdm_layout *, cdm_layout_free);
const cdm_device *cdm_layout_find_device(const cdm_layout *l, const char *name);
const cdm_device *cdm_layout_device_of_node(const cdm_layout *l, unsigned node);
