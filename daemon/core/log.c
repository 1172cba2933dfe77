/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's logger. Messages go to stderr; under systemd (JOURNAL_STREAM set) each line
 * carries a "<N>" priority prefix, which journald understands, and events (log_event()) go
 * to the journal directly with their fields. The library never logs on its
 * own: it reports through return values and cdm_ctx_last_error(), and the daemon logs once,
 * where it decides what to do.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <systemd/sd-journal.h>

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

static void add_field(struct iovec *iov, size_t *n, char **owned, const char *name, const char *value)
{
        _cleanup_free_ char *clean = NULL;

        if (!value)
                return;
        clean = escape_control(value);
        if (asprintf(&owned[*n], "%s=%s", name, clean ?: "") < 0) {
                owned[*n] = NULL;
                return;
        }
        iov[*n] = (struct iovec){ .iov_base = owned[*n], .iov_len = strlen(owned[*n]) };
        ++*n;
}

int log_event(int level, const LogEvent *e, const char *fmt, ...)
{
        _cleanup_free_ char *text = NULL;
        char *owned[10] = { 0 };
        struct iovec iov[10];
        size_t n = 0;
        va_list ap;
        int r = -1;

        if (level > max_level)
                return 0;
        va_start(ap, fmt);
        if (vasprintf(&text, fmt, ap) < 0)
                text = NULL;
        va_end(ap);
        if (text && getenv("JOURNAL_STREAM")) {
                char prio[4], bytes[32];

                (void) snprintf(prio, sizeof(prio), "%d", level);
                (void) snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long) e->bytes);
                add_field(iov, &n, owned, "MESSAGE", text);
                add_field(iov, &n, owned, "PRIORITY", prio);
                add_field(iov, &n, owned, "SYSLOG_IDENTIFIER", "cdmd");
                add_field(iov, &n, owned, "MESSAGE_ID", e->message_id);
                add_field(iov, &n, owned, "CDMD_DEVICE", e->device);
                add_field(iov, &n, owned, "CDMD_JOB", e->job);
                add_field(iov, &n, owned, "CDMD_CGROUP", e->cgroup);
                add_field(iov, &n, owned, "CDMD_BYTES", e->has_bytes ? bytes : NULL);
                r = sd_journal_sendv(iov, (int) n);
                for (size_t i = 0; i < n; i++)
                        free(owned[i]);
        }
        if (r < 0)
                log_full(level, "%s", text ?: "(out of memory)");
        return 0;
}
