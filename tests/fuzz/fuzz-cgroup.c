/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroupfs and procfs text and the state file: memory.numa_stat, cgroup.procs, numa_maps. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-parse.h"
#include "fuzz.h"
#include "numa-maps.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *text = (const char *) data, *what = NULL;
        cdm_nodemask nodes = { { 0 } };
        cdm_state st = CDM_STATE_NULL;
        cdm_vma_list *vmas = NULL;
        const char *split;
        cdm_numa_usage u;
        int *pids = NULL;
        size_t n;

        cdm_nodemask_set(&nodes, 1);
        (void) cdm_parse_numa_stat(text, size, &nodes, &u, &what);
        if (cdm_parse_pids(text, size, &pids, &n) >= 0)
                free(pids);
        (void) cdm_state_parse(text, size, &st);
        cdm_state_done(&st);
        /* maps and numa_maps: the input holds both, split at the first form feed. */
        split = memchr(text, '\f', size);
        if (split && cdm_parse_proc_maps(text, (size_t) (split - text), split + 1,
                                     size - (size_t) (split - text) - 1, &nodes, &vmas, &what) >= 0)
                cdm_vma_list_free(vmas);
        return 0;
}
