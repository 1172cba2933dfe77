/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Pure parsers of the sysfs files behind the topology. Each takes the file's bytes and fills
 * a value; on malformed input it returns -EBADMSG (or -EINVAL / -ERANGE) and sets *ret_what to
 * a static description of the fault for the caller's error message.
 */

#include <stddef.h>

#include "topology.h"

int cdm_parse_meminfo(const char *data, size_t n, unsigned node, cdm_meminfo *ret,
                const char **ret_what);
int cdm_parse_numastat(const char *data, size_t n, cdm_numastat *ret, const char **ret_what);
int cdm_parse_distance(const char *data, size_t n, unsigned **ret, size_t *ret_n,
                const char **ret_what);
int cdm_parse_block_state(const char *data, cdm_block_state *ret);
int cdm_parse_valid_zones(const char *data, unsigned *ret_mask, cdm_zone *ret_first);
int cdm_parse_cpulist_count(const char *data, size_t n, unsigned *ret);
int cdm_parse_nvidia_numa_status(const char *data, size_t n, int *ret_node, char **ret_status);
