/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>

/* Largest file read_file_at() accepts: sysfs and cgroupfs files are a page or a few. */
#define CDM_READ_MAX (4u * 1024u * 1024u)

/* Open a regular file read-only; -EISDIR for a directory, -EBADFD for a FIFO, socket or
 * device node, never blocking in open(). */
int open_regular_at(int dirfd, const char *path);
/* The same with more open() flags (O_NOFOLLOW). */
int open_regular_at_flags(int dirfd, const char *path, int flags);
/* The text of an error of read_file_at() (strerror(), or "not a regular file"). */
const char *read_error_to_string(int r);
/* Read a regular file (see open_regular_at()) of at most @max bytes, NUL-terminated. */
int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);
/* read_file_at() on an open fd: all of it, at most @max bytes, NUL-terminated. */
int read_fd(int fd, size_t max, char **ret, size_t *ret_len);
/* write() all of @s, again after EINTR and short writes. */
int write_all(int fd, const char *s, size_t len);
int write_file_at(int dirfd, const char *path, const char *s);
int write_file_atomic_at(int dirfd, const char *path, const char *s, size_t len);
/* Open a directory below a directory fd for readdir(); -errno, -ENOENT when absent. */
int opendir_at(int dirfd, const char *path, DIR **ret);

static inline void closedirp(DIR **d)
{
        if (*d)
                (void) closedir(*d);
}
#define _cleanup_closedir_ __attribute__((cleanup(closedirp)))
/* mkdir -p */
int mkdir_parents(const char *path, mode_t mode);
/* mkdir -p @dir (0755), then open it: the fd (O_DIRECTORY, close-on-exec) or a negative errno. */
int open_dir_created(const char *dir);
/* Create @dir if needed, then replace @dir/@name atomically with @s. */
int write_file_atomic_in(const char *dir, const char *name, const char *s, size_t len);
