/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager-data.h"

/* Where the daemon runs (m->self_cgroup; NULL in the root cgroup or below --root). */
int manager_find_self(Manager *m);
/* Keep the daemon's own memory on the system nodes of the last cycle's layout. */
void manager_bind_self(Manager *m);
