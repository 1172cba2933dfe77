/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Largest file read_file_at() accepts: sysfs and cgroupfs files are a page or a few. */
#define CDM_READ_MAX (4u * 1024u * 1024u)

int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);
int write_file_at(int dirfd, const char *path, const char *s);
int write_file_atomic_at(int dirfd, const char *path, const char *s, size_t len);
