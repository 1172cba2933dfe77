/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager-data.h"

/* After an audit: spill that the process repair left is swept back by DAMON (lib/model/sweep.h),
 * or, on a kernel that cannot, reported once. */
void manager_sweep(Manager *m);
