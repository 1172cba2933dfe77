/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The job records of the state directory, and what a caller hears when one cannot be saved. */

#include <string.h>

#include "jobs-store.h"
#include "log.h"
#include "manager-store.h"
#include "util/strv.h"

int manager_save_job(Manager *m, const cdm_job *j)
{
        int r;

        if (m->dry_run || !m->store)
                return 0;
        r = cdm_jobs_save_job(m->store, j);
        if (r < 0)
                return log_error_errno(r, "Failed to save job %s in '%s/jobs.d': %m", j->id, m->config->state_dir);
        return 0;
}

int manager_forget_job(Manager *m, const char *id)
{
        int r;

        if (m->dry_run || !m->store)
                return 0;
        r = cdm_jobs_forget(m->store, id);
        if (r < 0)
                return log_error_errno(r, "Failed to remove job %s from '%s/jobs.d': %m", id, m->config->state_dir);
        return 0;
}

int manager_state_error(Manager *m, int r, char **ret_msg)
{
        return msg_printf(ret_msg, JOB_STATE, "cannot save the change in %s: %s; nothing was changed",
                        m->config->state_dir, strerror(-r));
}
