/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The audit read from cgroupfs, procfs and sysfs (see audit.h). */

#include "audit.h"

int cdm_audit_run(cdm_ctx *ctx, const cdm_isolation_input *in, cdm_audit *ret);
/* The memcgs at and below @owner that hold memory on @nodes, at most @max, ancestors first
 * (memory.numa_stat counts a cgroup's children, so only those are descended into). The root
 * cgroup stands for its own share and is returned alone. Free with strv_free_n(). */
int cdm_audit_holders(cdm_ctx *ctx, const char *owner, const cdm_nodemask *nodes, size_t max,
                char ***ret, size_t *ret_n);
