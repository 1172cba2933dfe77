/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The orchestrator (manager.c): the Manager's life, and one cycle with every phase in order. */

#include "manager-data.h"

int manager_new(const char *root, cdm_config *config, bool dry_run, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);
/* collect → decide → (unless dry-run) apply, then audit and act on it. */
int manager_cycle(Manager *m);
int manager_restore(Manager *m);
int manager_set_grants_from_config(Manager *m);
/* What a cycle would write now, for Plan; no side effect. */
int manager_dry_plan(Manager *m, cdm_plan *ret);
/* The page moves the next audit would queue, from the last one's figures, and the
 * evacuations under way; no side effect. Return: 0 or -ENOMEM. */
int manager_plan_moves(Manager *m, cdm_move_plan *ret);
/* Re-read the configuration; -EINVAL with *ret_errors when invalid (the old one stays). A new
 * audit interval is taken up by the loop, which also runs a cycle soon. */
int manager_reload(Manager *m, char **ret_errors);
