/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Global kernel knobs that can re-target device memory (ISOLATION.md invariant 4). */

#include <stddef.h>
#include <stdint.h>

#include "layout.h"

typedef struct cdm_knob {
        char *object; /* path below the root, "sys/devices/system/node/node1/hugepages/..." */
        char *value;
} cdm_knob;

typedef struct cdm_knobs {
        char *demotion_enabled;       /* NULL when the kernel has no demotion */
        char *ksm_merge_across_nodes; /* NULL without KSM */
        uint64_t ksm_pages_shared;
        char *numa_balancing;
        cdm_knob *hugepages; /* the device nodes' persistent huge page pools */
        size_t n_hugepages;
} cdm_knobs;

#define CDM_KNOBS_NULL ((cdm_knobs){ 0 })

void cdm_knobs_done(cdm_knobs *k);
