/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Saving and loading the job table (jobs.h) in the state store (store.h): jobs.d/ID.job, one
 * record per job, so a grant or revoke costs one write. cdm_jobs_load() reads every job back;
 * a file that does not parse is kept as jobs.d/ID.job.damaged and described in @damage: that
 * job is not restored, so its cgroup is fenced like any other. An older cdmd's single "jobs"
 * file is read and moved to jobs.d/.
 */

#include "jobs.h"
#include "store.h"

int cdm_jobs_save_job(cdm_store *s, const cdm_job *job);
int cdm_jobs_forget(cdm_store *s, const char *id);
int cdm_jobs_load(cdm_store *s, cdm_jobs *ret, char ***damage, size_t *n_damage);
