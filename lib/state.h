/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What cdmd changed: each kernel setting it wrote, with the value it had before cdmd first
 * touched it, in writing order. Kept in <state_dir>/settings, rewritten atomically before
 * every change, so that `cdmd --restore` can put everything back even after kill -9.
 */

#include <stddef.h>

#include "util/macro.h"

typedef struct cdm_setting {
        char *object; /* below the root: "sys/fs/cgroup/system.slice/cpuset.mems" */
        char *old;
} cdm_setting;

typedef struct cdm_state {
        char *dir;
        cdm_setting *settings;
        size_t n_settings;
} cdm_state;

#define CDM_STATE_NULL ((cdm_state){ 0 })

int cdm_state_load(const char *dir, cdm_state *ret);
void cdm_state_done(cdm_state *s);
/* Remember @old for @object unless already known; saves the file. */
int cdm_state_record(cdm_state *s, const char *object, const char *old);
int cdm_state_save(const cdm_state *s);
int cdm_state_forget_all(cdm_state *s);

/* Pure: (de)serialisation of the settings file. */
char *cdm_state_format(const cdm_state *s);
int cdm_state_parse(const char *text, size_t n, cdm_state *s);
