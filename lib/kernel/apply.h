/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Carry out a plan, record old values first, classify what the kernel says. */

#include "cdm/cdm.h"
#include "plan.h"
#include "state.h"

typedef enum cdm_apply_class {
        CDM_APPLY_OK,
        CDM_APPLY_GONE,      /* the target vanished (cgroup removed): drop it quietly */
        CDM_APPLY_TRANSIENT, /* try again next cycle */
        CDM_APPLY_CAPACITY,  /* no room: re-plan */
        CDM_APPLY_PERMANENT, /* the kernel refuses: stop trying, report once */
} cdm_apply_class;

cdm_apply_class cdm_apply_classify(int r);
const char *cdm_apply_class_to_string(cdm_apply_class c);
/* Write one setting (object below the root). */
int cdm_apply_write(cdm_ctx *ctx, const char *object, const char *value);
/* Create the cgroup of a create item ("sys/fs/cgroup/a"); one that exists is no error. */
int cdm_apply_create(cdm_ctx *ctx, const char *object);
/* Each item in order: a create item with cdm_apply_create() (not recorded: there is no old
 * value), a setting with cdm_apply_write(). */
int cdm_apply_plan(cdm_ctx *ctx, const cdm_plan *p, cdm_state *state, int *results,
                size_t *ret_failed);
/* Put every recorded setting back, newest first. Return: number of failures. */
size_t cdm_apply_restore(cdm_ctx *ctx, cdm_state *state, int *results);
