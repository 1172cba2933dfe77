/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"
#include "migrate.h"

/* Bytes (anon + file) a cgroup has on @nodes, from its memory.numa_stat; 0 when unreadable. */
uint64_t manager_cgroup_bytes_on(Manager *m, const char *cgroup, const cdm_nodemask *nodes);
/* Move every page of @pids that is on @from to @to; the bandwidth cap applies when @capped. */
void manager_move_pids(Manager *m, const int *pids, size_t n, const cdm_nodemask *from,
                const cdm_nodemask *to, bool capped, cdm_migrate_stats *stats);
/* Move up to @budget bytes of a cgroup's pages; return what moved (by memory.numa_stat). */
uint64_t manager_move_cgroup(Manager *m, const char *cgroup, const cdm_nodemask *from,
                const cdm_nodemask *to, uint64_t budget);
