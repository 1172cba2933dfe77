/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What cdmd changed: each kernel setting it wrote, with the value it had before cdmd first
 * touched it, in writing order. Kept in the store's "settings" (store.h): one record is
 * appended and fsync()ed before each new setting is written, so that `cdmd --restore` can put
 * everything back even after kill -9.
 */

#include <stdbool.h>
#include <stddef.h>

#include "store.h"
#include "util/macro.h"

typedef struct cdm_setting {
        char *object; /* below the root: "sys/fs/cgroup/system.slice/cpuset.mems" */
        char *old;
} cdm_setting;

typedef struct cdm_state {
        char *dir;
        cdm_store *store; /* not owned; NULL: nothing is recorded on disk */
        cdm_setting *settings;
        size_t n_settings;
} cdm_state;

#define CDM_STATE_NULL ((cdm_state){ 0 })

/*
 * cdm_state_load() - read the store's settings
 * @ret_damage: what could not be read back, one message per record (may stay NULL)
 *
 * A damaged record is dropped and said so; the file is then kept as settings.damaged and
 * written anew with what was read. A last record without its newline was torn by a crash
 * before the setting it announced was written, and is dropped quietly (a debug message).
 *
 * Return: 0 or a negative errno (not for damage).
 */
int cdm_state_load(cdm_store *store, cdm_state *ret, char ***ret_damage, size_t *ret_n_damage);
void cdm_state_done(cdm_state *s);
/* Remember @old for @object unless already known: appended to the store first. */
int cdm_state_record(cdm_state *s, const char *object, const char *old);
int cdm_state_forget_all(cdm_state *s);

/* Pure. An object cdmd may write: relative, below sys/, proc/, systemd/ or
 * systemd-default/, no "." or ".." component, nothing that is not printable. */
bool cdm_state_object_valid(const char *object);
/* Pure: (de)serialisation of the settings file. */
char *cdm_state_format(const cdm_state *s);
/* Strict: any damaged record is -EBADMSG. */
int cdm_state_parse(const char *text, size_t n, cdm_state *s);
/* Lenient: damaged records are skipped and described in @damage (prefixed "line N: "). */
int cdm_state_parse_lenient(const char *text, size_t n, cdm_state *s, char ***damage, size_t *n_damage,
                bool *ret_torn);
