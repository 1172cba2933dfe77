/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "executor.h"
#include "manager-data.h"
#include "migrate.h"

/* Bytes (anon + file) a cgroup has on @nodes, from its memory.numa_stat; 0 when unreadable. */
uint64_t manager_cgroup_bytes_on(Manager *m, const char *cgroup, const cdm_nodemask *nodes);
/*
 * Move every page of @req->pids on @req->from to @req->to, up to @req->budget bytes (measured on
 * @req->cgroup's memory.numa_stat when given: a THP moves 2 MiB at once). Queued on the
 * executor; @req->done runs in the loop when the move has ended. Without a loop the move runs
 * now and @req->done before this returns. The userdata is taken in any case.
 */
int manager_move_submit(Manager *m, const ExecRequest *req);
/* The same for the processes of @req->cgroup (and its descendants), listed now. */
int manager_move_cgroup_submit(Manager *m, const ExecRequest *req);
/* Make the writes of @req in a worker, @req->done in the loop after. Without a loop, or below
 * --root, the writes are made now and @req->done is called before this returns. The userdata
 * is taken in any case. Return: 0, or -ENOMEM (the writes were not made, @req->done saw why). */
int manager_write_submit(Manager *m, const ExecRequest *req);
/* Whether a write of @object is queued or running. */
bool manager_writing(Manager *m, const char *object);
/* @bytes of @owner's spill on @device are back (a repair's move, a sweep): counted, announced. */
void manager_spill_repaired(Manager *m, const char *owner, const char *device, uint64_t bytes);
/* Whether moves of @owner are queued, running, or ended and not yet reported. */
bool manager_moving(Manager *m, const char *owner);
/* Whether a move of @cgroup's own pages (a revoke, a job's move) is queued or running. */
bool manager_moving_cgroup(Manager *m, const char *cgroup);
/* Stop the moves of @owner; their callbacks run with res->cancelled. */
void manager_move_cancel(Manager *m, const char *owner);
