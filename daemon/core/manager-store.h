/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager-errors.h"
#include "manager-data.h"

/* Write one job's record, or forget it: 0 or a negative errno (logged). A change is made in
 * memory only after it is on disk. */
int manager_save_job(Manager *m, const cdm_job *j);
int manager_forget_job(Manager *m, const char *id);
/* JOB_STATE with a message naming the cause @r of a failed save, for any change's caller. */
int manager_state_error(Manager *m, int r, char **ret_msg);
