/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager-data.h"

char *manager_metrics_format(Manager *m);
void manager_write_metrics(Manager *m);
