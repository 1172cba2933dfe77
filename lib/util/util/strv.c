/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Arrays of heap strings with their count, kept NULL-terminated. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "strv.h"

int strv_append_printf(char ***v, size_t *n, const char *fmt, ...)
{
        char **nv, *msg;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        nv = realloc(*v, (*n + 2) * sizeof(char *));
        if (!nv) {
                free(msg);
                return -ENOMEM;
        }
        *v = nv;
        nv[(*n)++] = msg;
        nv[*n] = NULL;
        return 0;
}

int msg_printf(char **ret, int code, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(ret, fmt, ap) < 0)
                *ret = NULL;
        va_end(ap);
        return code;
}

void strv_free_n(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}
