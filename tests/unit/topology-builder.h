/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Build topologies in memory for unit tests of the pure classification and report code. */

#include <stdlib.h>
#include <string.h>

#include "topology.h"

static inline cdm_topology *builder_new(uint64_t block_size)
{
        cdm_topology *t = cdm_topology_new();

        t->block_size = block_size;
        t->auto_online_blocks = strdup("offline");
        t->nodes = calloc(CDM_NODES_MAX, sizeof(cdm_node));
        return t;
}

/* Add an online node; blocks > 0 adds that many blocks in @state and @zone. */
static inline cdm_node *builder_node(cdm_topology *t, unsigned id, const char *cpus,
                uint64_t total, unsigned blocks, cdm_block_state state, cdm_zone zone)
{
        cdm_node *n = &t->nodes[t->n_nodes++];

        n->id = id;
        n->cpulist = strdup(cpus);
        n->has_cpu = *cpus != 0;
        n->n_cpus = n->has_cpu;
        n->mem.total = total;
        n->mem.free = total / 2;
        n->memory_tier = -1;
        n->has_memory = total > 0;
        n->has_normal_memory = total > 0 && (zone != CDM_ZONE_MOVABLE || n->has_cpu);
        cdm_nodemask_set(&t->online, id);
        cdm_nodemask_set(&t->possible, id);
        if (n->has_cpu)
                cdm_nodemask_set(&t->has_cpu, id);
        if (n->has_memory)
                cdm_nodemask_set(&t->has_memory, id);
        if (n->has_normal_memory)
                cdm_nodemask_set(&t->has_normal_memory, id);
        n->blocks = calloc(blocks ?: 1, sizeof(cdm_block));
        n->n_blocks = blocks;
        for (unsigned i = 0; i < blocks; i++)
                n->blocks[i] = (cdm_block){ .id = 32 + i, .state = state, .zone = zone,
                        .zones = 1u << zone };
        return n;
}
