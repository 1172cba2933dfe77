/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The state directory: what cdmd changed and granted, kept so that a restart (even after
 * kill -9) and `cdmd --restore` find it. One store, the same rules for every kind:
 *
 *   lock          flock()ed by the one cdmd (daemon, --oneshot, --restore) that uses the store
 *   pid           the pid of the lock's holder, for the message of the one that is refused
 *   settings      kernel settings changed, with their old values: appended, one record a line
 *   devices       devices that are not online, rewritten atomically (there are few)
 *   jobs.d/ID     one file per job, written atomically: a grant or revoke costs one write
 *
 * Every write is fsync()ed, file and directory, before it returns: what a caller was told is
 * done is on disk. Only regular files are opened, never following a symlink, never blocking.
 * A file that does not parse is kept for the operator as NAME.damaged and reported; what it
 * held is lost, and the caller decides what that means (see docs of the loaders).
 */

#include <stddef.h>
#include <sys/types.h>

typedef struct cdm_store cdm_store;

/*
 * cdm_store_open() - create (if needed) and lock a state directory
 * @dir: absolute path
 * @ret_holder: when the store is locked by another process, its pid (0 if unknown)
 *
 * Return: 0, -EBUSY when another cdmd holds the lock, or a negative errno.
 */
int cdm_store_open(const char *dir, cdm_store **ret, pid_t *ret_holder);
cdm_store *cdm_store_free(cdm_store *s);
const char *cdm_store_dir(const cdm_store *s);

/* @name is "settings", "devices" or "jobs.d/ID". Return: 0, -ENOENT, -EFBIG, -EBADF for a
 * file that is not a regular file, or a negative errno. The buffer is NUL-terminated. */
int cdm_store_read(cdm_store *s, const char *name, size_t max, char **ret, size_t *ret_len);
int cdm_store_write(cdm_store *s, const char *name, const char *text);
int cdm_store_append(cdm_store *s, const char *name, const char *text);
/* Return: 0 (also when there was no such file) or a negative errno. */
int cdm_store_remove(cdm_store *s, const char *name);
/* Keep a damaged file for the operator as NAME.damaged (replacing an older one). */
int cdm_store_keep_damaged(cdm_store *s, const char *name);
/* The names of the files of jobs.d/ (not temporary or damaged ones), sorted. */
int cdm_store_list_jobs(cdm_store *s, char ***ret, size_t *ret_n);
