/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "macro.h"

/* Append a formatted string to a NULL-terminated array of heap strings. Return: 0 or -ENOMEM. */
_printf_(3, 4) int strv_append_printf(char ***v, size_t *n, const char *fmt, ...);
void strv_free_n(char **v, size_t n);
/* Set *ret to a formatted message (NULL when out of memory) and return @code: for
 * "return msg_printf(ret_msg, E_SOMETHING, ...)". */
_printf_(3, 4) int msg_printf(char **ret, int code, const char *fmt, ...);
