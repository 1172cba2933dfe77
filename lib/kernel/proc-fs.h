/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cdm/cdm.h"
#include "numa-maps.h"

/* A process's VMAs with their pages on @nodes, from DIR/proc/PID/{maps,numa_maps}. */
int cdm_proc_vmas_read(cdm_ctx *ctx, int pid, const cdm_nodemask *nodes, cdm_vma_list **ret);
/* A file below the proc root, at most @max bytes; -ENOENT without a proc root. */
int cdm_proc_read(cdm_ctx *ctx, const char *rel, size_t max, char **ret, size_t *ret_len);
/* The PIDs below the proc root (bounded). */
int cdm_proc_list_pids(cdm_ctx *ctx, int **ret, size_t *ret_n);
