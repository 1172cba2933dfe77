/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager-data.h"

/* After each audit's repairs: the numa_miss/numa_foreign deltas of every device (numa-miss.h),
 * alarmed on when a cgroup without a grant caused them. */
void manager_check_numa_counters(Manager *m);
void manager_numa_free(Manager *m);
