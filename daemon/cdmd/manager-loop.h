/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager-data.h"

/* Run until SIGTERM or SIGINT. */
int manager_run(Manager *m);
