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
#include "util/text.h"

static int max_level = LOG_INFO;

void log_set_max_level(int level)
{
        max_level = level;
}

int log_get_max_level(void)
{
        return max_level;
}

/* One message, one line: control characters (a caller's newline in a reason, say) are
 * escaped, so that no message can end early and forge the next line. */
_printf_(2, 0) static void log_write(int level, const char *fmt, va_list ap)
{
        static int prefix = -1;
        _cleanup_free_ char *text = NULL, *line = NULL;

        if (vasprintf(&text, fmt, ap) < 0)
                text = NULL;
        if (prefix < 0)
                prefix = getenv("JOURNAL_STREAM") != NULL;
        line = text ? escape_control(text) : NULL;
        if (prefix)
                fprintf(stderr, "<%d>%s\n", level, line ?: "(out of memory)");
        else
                fprintf(stderr, "%s\n", line ?: "(out of memory)");
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
