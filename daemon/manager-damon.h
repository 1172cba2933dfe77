/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

/* Whether the kernel can run the tiered policy: JOB_OK, or JOB_NOT_SUPPORTED with *ret_msg. */
int manager_damon_check(Manager *m, char **ret_msg);
/* Bring cdmd's kdamond in line with the tiered jobs: count what DAMON moved since the last
 * call, then create, update online (commit) or remove it. Called after every change of a
 * job and after each audit. */
void manager_damon_sync(Manager *m);
void manager_damon_free(Manager *m);
