/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The global knobs as collected (see knobs.h). */

#include <stdlib.h>

#include "knobs.h"

void cdm_knobs_done(cdm_knobs *k)
{
        free(k->demotion_enabled);
        free(k->ksm_merge_across_nodes);
        free(k->numa_balancing);
        for (size_t i = 0; i < k->n_hugepages; i++) {
                free(k->hugepages[i].object);
                free(k->hugepages[i].value);
        }
        free(k->hugepages);
        *k = CDM_KNOBS_NULL;
}
