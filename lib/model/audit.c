/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audit's findings (see audit.h): freeing them, and the alarms the topology alone shows. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "util/strv.h"

void cdm_audit_done(cdm_audit *a)
{
        for (size_t i = 0; i < a->n_items; i++) {
                free(a->items[i].owner);
                free(a->items[i].device);
        }
        for (size_t i = 0; i < a->n_alarms; i++)
                free(a->alarms[i]);
        free(a->items);
        free(a->alarms);
        free(a->root_pids);
        free(a->jobs);
        *a = CDM_AUDIT_NULL;
}

int cdm_audit_alarms(const cdm_topology *t, const cdm_layout *l, cdm_audit *a)
{
        for (int id = -1; (id = cdm_nodemask_next(&l->device_nodes, id)) >= 0;) {
                const cdm_node *n = cdm_topology_find_node(t, (unsigned) id);
                uint64_t kernel;
                int r = 0;

                if (!n)
                        continue;
                kernel = n->mem.slab + n->mem.kernel_stack + n->mem.page_tables;
                if (n->has_normal_memory)
                        r = strv_append_printf(&a->alarms, &a->n_alarms, "device node %d has normal (kernel) memory: kernel allocations can land on it", id);
                if (r >= 0 && kernel > 0)
                        r = strv_append_printf(&a->alarms, &a->n_alarms, "device node %d holds %llu bytes of kernel memory (Slab %llu, KernelStack %llu, PageTables %llu)",
                                        id, (unsigned long long) kernel, (unsigned long long) n->mem.slab,
                                        (unsigned long long) n->mem.kernel_stack,
                                        (unsigned long long) n->mem.page_tables);
                if (r < 0)
                        return r;
        }
        return 0;
}
