/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Classification of nodes (pure). Without configuration:
 *   - a node with CPUs and memory is a system node;
 *   - a CPU-less node with memory is a device node;
 *   - so is a CPU-less node whose memory blocks are all offline: hot-added device memory
 *     waiting to be onlined (in "online" but not in "has_memory"); its size is its blocks';
 *   - a node with neither memory nor blocks (GB200's GPU-instance nodes) is ignored.
 * The configuration overrides either way: [device NAME] nodes= makes nodes device nodes (and
 * groups them), [isolation] system_nodes= lists the system nodes explicitly.
 * Each device node not claimed by a [device] section becomes its own device "cdm<N>".
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "util/strv.h"

cdm_layout *cdm_layout_free(cdm_layout *l)
{
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n_devices; i++)
                free(l->devices[i].name);
        for (size_t i = 0; i < l->n_warnings; i++)
                free(l->warnings[i]);
        free(l->warnings);
        free(l->devices);
        free(l);
        return NULL;
}

const cdm_device *cdm_layout_find_device(const cdm_layout *l, const char *name)
{
        for (size_t i = 0; i < l->n_devices; i++)
                if (streq(l->devices[i].name, name))
                        return &l->devices[i];
        return NULL;
}

const cdm_device *cdm_layout_device_of_node(const cdm_layout *l, unsigned node)
{
        for (size_t i = 0; i < l->n_devices; i++)
                if (cdm_nodemask_test(&l->devices[i].nodes, node))
                        return &l->devices[i];
        return NULL;
}

static cdm_device *add_device(cdm_layout *l, const char *name)
{
        cdm_device *nd = realloc(l->devices, (l->n_devices + 1) * sizeof(*nd));

        if (!nd)
                return NULL;
        l->devices = nd;
        nd = &l->devices[l->n_devices];
        *nd = (cdm_device){ .name = strdup(name) };
        if (!nd->name)
                return NULL;
        l->n_devices++;
        return nd;
}

static void detect_kind(const cdm_node *n, cdm_kind *kind, cdm_source *source)
{
        if (n->nvidia_gpu) {
                *kind = CDM_KIND_GPU;
                *source = CDM_SOURCE_NVIDIA;
        } else if (n->dax_device) {
                *kind = CDM_KIND_CXL;
                *source = CDM_SOURCE_DAX;
        } else if (n->hmat.present) {
                *kind = CDM_KIND_GENERIC;
                *source = CDM_SOURCE_HMAT;
        } else {
                *kind = CDM_KIND_GENERIC;
                *source = CDM_SOURCE_CPULESS;
        }
}

/* Sizes, figures and detection of a device from its nodes. */
static void fill_device(cdm_device *d, const cdm_topology *t)
{
        bool first = true;

        for (int id = -1; (id = cdm_nodemask_next(&d->nodes, id)) >= 0;) {
                const cdm_node *n = cdm_topology_find_node(t, (unsigned) id);
                cdm_kind kind;
                cdm_source source;
                uint64_t size;

                if (!n)
                        continue;
                size = cdm_node_size(t, n);
                d->memory_online |= n->has_memory;
                d->total_bytes = d->total_bytes > UINT64_MAX - size ? UINT64_MAX : d->total_bytes + size;
                d->free_bytes += n->mem.free;
                detect_kind(n, &kind, &source);
                if (first) {
                        if (d->kind == CDM_KIND_AUTO)
                                d->kind = kind;
                        if (d->source == CDM_SOURCE_AUTO)
                                d->source = source;
                }
                /* Several nodes: report the slowest one's figures. */
                if (n->hmat.present) {
                        if (d->read_bandwidth_mbps == 0 || n->hmat.read_bandwidth_mbps < d->read_bandwidth_mbps)
                                d->read_bandwidth_mbps = n->hmat.read_bandwidth_mbps;
                        d->read_latency_ns = MAX(d->read_latency_ns, n->hmat.read_latency_ns);
                }
                first = false;
        }
        if (d->kind == CDM_KIND_AUTO)
                d->kind = CDM_KIND_GENERIC;
        if (d->source == CDM_SOURCE_AUTO)
                d->source = d->configured ? CDM_SOURCE_CONFIG : CDM_SOURCE_CPULESS;
}

/**
 * cdm_layout_build() - classify the nodes of a topology
 * @t: the topology
 * @c: the configuration
 * @ret: the layout
 *
 * Return: 0 or -ENOMEM. Inconsistencies (a configured node that is not online, a CPU node
 * that is neither system nor device) are warnings in the layout, not errors.
 */
int cdm_layout_build(const cdm_topology *t, const cdm_config *c, cdm_layout **ret)
{
        _cleanup_(cdm_layout_freep) cdm_layout *l = calloc(1, sizeof(cdm_layout));

        if (!l)
                return -ENOMEM;

        /* Configured devices first, in configuration order. */
        for (size_t i = 0; i < c->n_devices; i++) {
                const cdm_config_device *cd = &c->devices[i];
                cdm_device *d = add_device(l, cd->name);

                if (!d)
                        return -ENOMEM;
                d->configured = true;
                d->kind = cd->kind;
                d->source = cd->source == CDM_SOURCE_AUTO ? CDM_SOURCE_CONFIG : cd->source;
                d->reserve_bytes = cd->reserve;
                for (int id = -1; (id = cdm_nodemask_next(&cd->nodes, id)) >= 0;) {
                        if (!cdm_topology_find_node(t, (unsigned) id)) {
                                if (strv_append_printf(&l->warnings, &l->n_warnings, "device %s: node %d is not online", cd->name, id) < 0)
                                        return -ENOMEM;
                                continue;
                        }
                        cdm_nodemask_set(&d->nodes, (unsigned) id);
                        cdm_nodemask_set(&l->device_nodes, (unsigned) id);
                }
        }

        for (size_t i = 0; i < t->n_nodes; i++) {
                const cdm_node *n = &t->nodes[i];
                bool is_system;

                if (cdm_nodemask_test(&l->device_nodes, n->id))
                        continue;
                is_system = c->system_nodes_auto ? cdm_node_auto_role(n) == CDM_NODE_SYSTEM
                                                 : cdm_nodemask_test(&c->system_nodes, n->id);
                if (is_system) {
                        cdm_nodemask_set(&l->system_nodes, n->id);
                        if (!n->has_memory && strv_append_printf(&l->warnings, &l->n_warnings, "system node %u has no memory", n->id) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (cdm_node_auto_role(n) == CDM_NODE_DEVICE) {
                        char name[32];
                        cdm_device *d;

                        (void) snprintf(name, sizeof(name), "cdm%u", n->id);
                        if (cdm_layout_find_device(l, name))
                                (void) snprintf(name, sizeof(name), "node%u", n->id);
                        d = add_device(l, name);
                        if (!d)
                                return -ENOMEM;
                        cdm_nodemask_set(&d->nodes, n->id);
                        cdm_nodemask_set(&l->device_nodes, n->id);
                        continue;
                }
                cdm_nodemask_set(&l->ignored_nodes, n->id);
                if (n->has_cpu && n->has_memory &&
                                strv_append_printf(&l->warnings, &l->n_warnings, "node %u has CPUs and memory but is not in system_nodes; it is ignored",
                                                n->id) < 0)
                        return -ENOMEM;
        }
        if (!c->system_nodes_auto)
                for (int id = -1; (id = cdm_nodemask_next(&c->system_nodes, id)) >= 0;)
                        if (!cdm_topology_find_node(t, (unsigned) id) &&
                                        strv_append_printf(&l->warnings, &l->n_warnings, "system_nodes: node %d is not online", id) < 0)
                                return -ENOMEM;
        if (cdm_nodemask_count(&l->system_nodes) == 0 && strv_append_printf(&l->warnings, &l->n_warnings, "no system node found") < 0)
                return -ENOMEM;

        for (size_t i = 0; i < l->n_devices; i++)
                fill_device(&l->devices[i], t);
        *ret = TAKE_PTR(l);
        return 0;
}
