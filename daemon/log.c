/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's logger. Messages go to stderr; under systemd (JOURNAL_STREAM set) each line
 * carries a "<N>" priority prefix, which journald understands. The library never logs on its
 * own: it reports through return values and cdm_ctx_last_error(), and the daemon logs once,
 * where it decides what to do.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static int max_level = LOG_INFO;

void log_set_max_level(int level)
{
        max_level = level;
}

int log_get_max_level(void)
{
        return max_level;
}

_printf_(2, 0) static void log_write(int level, const char *fmt, va_list ap)
{
        static int prefix = -1;

        if (prefix < 0)
                prefix = getenv("JOURNAL_STREAM") != NULL;
        if (prefix)
                fprintf(stderr, "<%d>", level);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
}

int log_full(int level, const char *fmt, ...)
{
        va_list ap;

        if (level > max_level)
                return 0;
        va_start(ap, fmt);
        log_write(level, fmt, ap);
        va_end(ap);
        return 0;
}

int log_full_errno(int level, int r, const char *fmt, ...)
{
        va_list ap;

        if (level <= max_level) {
                errno = r < 0 ? -r : r;
                va_start(ap, fmt);
                log_write(level, fmt, ap);
                va_end(ap);
        }
        return r < 0 ? r : -r;
}
