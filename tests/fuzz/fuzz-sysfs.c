/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sysfs parsers of the topology: every one gets the same bytes. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "topology-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *text = (const char *) data, *what = NULL;
        char *z, *status = NULL;
        unsigned *dist = NULL, mask, cpus;
        size_t n_dist;
        cdm_meminfo mi;
        cdm_numastat ns;
        cdm_block_state bs;
        cdm_zone zone;
        int node;

        (void) cdm_parse_meminfo(text, size, 0, &mi, &what);
        (void) cdm_parse_meminfo(text, size, 1, &mi, &what);
        (void) cdm_parse_numastat(text, size, &ns, &what);
        if (cdm_parse_distance(text, size, &dist, &n_dist, &what) >= 0)
                free(dist);
        (void) cdm_parse_cpulist_count(text, size, &cpus);
        if (cdm_parse_nvidia_numa_status(text, size, &node, &status) >= 0)
                free(status);

        /* These two take NUL-terminated strings, as read_file_at() hands them out. */
        z = malloc(size + 1);
        if (!z)
                return 0;
        memcpy(z, data, size);
        z[size] = 0;
        (void) cdm_parse_block_state(z, &bs);
        (void) cdm_parse_valid_zones(z, &mask, &zone);
        free(z);
        return 0;
}
