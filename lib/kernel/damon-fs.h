/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The I/O of the tiered policy, below the context's /sys (see damon.h). */

#include "damon.h"

struct cdm_ctx;
int cdm_damon_fs_read(struct cdm_ctx *ctx, const char *rel, char **ret, size_t *ret_len);
int cdm_damon_fs_read_u64(struct cdm_ctx *ctx, const char *rel, uint64_t *ret);
int cdm_damon_fs_write(struct cdm_ctx *ctx, const char *rel, const char *value);
/* Every write in order; stops at the first failure. Return: 0 or its negative errno, with
 * *ret_failed (may be NULL) the index of the write that failed. */
int cdm_damon_fs_apply(struct cdm_ctx *ctx, const cdm_damon_writes *w, size_t *ret_failed);
/* Writes @cmd ("on", "off", "commit", "update_schemes_stats") to kdamond @kd's state file. */
int cdm_damon_fs_state(struct cdm_ctx *ctx, unsigned kd, const char *cmd);
bool cdm_damon_fs_running(struct cdm_ctx *ctx, unsigned kd);
/* Whether kdamond @kd looks configured by cdmd: paddr, scheme 0 migrate_cold or stat with a
 * memcg filter then an addr filter. */
bool cdm_damon_fs_is_ours(struct cdm_ctx *ctx, unsigned kd);
/* Whether the kernel accepts the migrate actions on paddr: tried on kdamond @kd, which the
 * caller just added and which is left with no scheme. Return: 1 yes, 0 no, negative errno. */
int cdm_damon_fs_probe(struct cdm_ctx *ctx, unsigned kd);
int cdm_damon_fs_applied(struct cdm_ctx *ctx, unsigned kd, size_t scheme, uint64_t *ret);
/* The ids of the memory blocks of node @node (nodeN/memoryK), in no order. */
int cdm_damon_fs_node_blocks(struct cdm_ctx *ctx, unsigned node, unsigned **ret, size_t *ret_n);
