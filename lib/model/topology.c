/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The topology snapshot's lifetime, its derived per-node figures, and the public accessors. */

#include <stdlib.h>
#include <string.h>

#include "topology.h"
#include "util/strv.h"

cdm_topology *cdm_topology_new(void)
{
        return calloc(1, sizeof(cdm_topology));
}

void cdm_node_done(cdm_node *n)
{
        free(n->cpulist);
        free(n->distance);
        free(n->distance_to);
        free(n->blocks);
        free(n->nvidia_gpu);
        free(n->nvidia_status);
        free(n->dax_device);
}

_public_ cdm_topology *cdm_topology_free(cdm_topology *t)
{
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_nodes; i++)
                cdm_node_done(&t->nodes[i]);
        free(t->nodes);
        free(t->auto_online_blocks);
        strv_free_n(t->warnings, t->n_warnings);
        free(t);
        return NULL;
}

const cdm_node *cdm_topology_find_node(const cdm_topology *t, unsigned id)
{
        for (size_t i = 0; i < t->n_nodes; i++)
                if (t->nodes[i].id == id)
                        return &t->nodes[i];
        return NULL;
}

unsigned cdm_node_blocks_online(const cdm_node *n)
{
        unsigned k = 0;

        for (size_t i = 0; i < n->n_blocks; i++)
                k += n->blocks[i].state == CDM_BLOCK_ONLINE;
        return k;
}

uint64_t cdm_node_size(const cdm_topology *t, const cdm_node *n)
{
        if (n->mem.total > 0 || n->n_blocks == 0)
                return n->mem.total;
        /* Hot-added memory not onlined yet: meminfo says 0, the blocks say what is coming. */
        if (t->block_size && n->n_blocks > UINT64_MAX / t->block_size)
                return UINT64_MAX;
        return (uint64_t) n->n_blocks * t->block_size;
}

cdm_zone cdm_node_online_zone(const cdm_node *n)
{
        cdm_zone worst = CDM_ZONE_NONE;

        for (size_t i = 0; i < n->n_blocks; i++) {
                const cdm_block *b = &n->blocks[i];

                if (b->state != CDM_BLOCK_ONLINE)
                        continue;
                if (b->zone == CDM_ZONE_MOVABLE) {
                        if (worst == CDM_ZONE_NONE)
                                worst = CDM_ZONE_MOVABLE;
                } else if (worst == CDM_ZONE_NONE || worst == CDM_ZONE_MOVABLE) {
                        worst = b->zone;
                }
        }
        return worst;
}

_public_ size_t cdm_topology_node_count(const cdm_topology *t)
{
        return t->n_nodes;
}

_public_ unsigned cdm_topology_node_id(const cdm_topology *t, size_t i)
{
        return i < t->n_nodes ? t->nodes[i].id : CDM_NODES_MAX;
}

_public_ bool cdm_topology_node_has_cpu(const cdm_topology *t, size_t i)
{
        return i < t->n_nodes && t->nodes[i].has_cpu;
}

_public_ uint64_t cdm_topology_node_total_bytes(const cdm_topology *t, size_t i)
{
        return i < t->n_nodes ? cdm_node_size(t, &t->nodes[i]) : 0;
}

_public_ uint64_t cdm_topology_node_free_bytes(const cdm_topology *t, size_t i)
{
        return i < t->n_nodes ? t->nodes[i].mem.free : 0;
}

cdm_node_role cdm_node_auto_role(const cdm_node *n)
{
        if (n->has_cpu)
                return n->has_memory ? CDM_NODE_SYSTEM : CDM_NODE_IGNORED;
        return n->has_memory || n->n_blocks > 0 ? CDM_NODE_DEVICE : CDM_NODE_IGNORED;
}

_public_ int cdm_topology_node_role(const cdm_topology *t, size_t i, cdm_node_role *ret)
{
        if (i >= t->n_nodes)
                return -EINVAL;
        *ret = cdm_node_auto_role(&t->nodes[i]);
        return 0;
}
