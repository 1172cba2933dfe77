/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager-data.h"


/* Connect, register the objects, take the name, attach to the loop. */
int manager_bus_start(Manager *m);
void manager_bus_stop(Manager *m);
