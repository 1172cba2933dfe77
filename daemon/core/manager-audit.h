/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager-data.h"

/* The phases of a cycle after the settings are applied (manager_cycle() lists them): */
/* measure every cgroup's use of each device; 1 when there was something to audit */
int manager_audit(Manager *m);
/* spill found: logged, swept (manager-sweep.c) or queued back to system memory */
void manager_repair(Manager *m);
/* user processes in the root cgroup moved into a fenced cgroup ([isolation] root_cgroup) */
void manager_repair_root(Manager *m);
/* Isolated, LastAuditUSec, the metrics file and AuditDone */
void manager_publish_audit(Manager *m);
