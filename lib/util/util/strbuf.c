/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Growable string with sticky allocation failure; used by the report and state writers. */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void strbuf_done(strbuf *b)
{
        free(b->s);
        *b = STRBUF_NULL;
}

static bool strbuf_reserve(strbuf *b, size_t extra)
{
        size_t need;
        char *n;

        if (b->oom)
                return false;
        if (extra > SIZE_MAX - b->len - 1) {
                b->oom = true;
                return false;
        }
        need = b->len + extra + 1;
        if (need <= b->size)
                return true;
        n = realloc(b->s, MAX(need, b->size * 2));
        if (!n) {
                b->oom = true;
                return false;
        }
        b->s = n;
        b->size = MAX(need, b->size * 2);
        return true;
}

void strbuf_appendn(strbuf *b, const char *s, size_t n)
{
        if (!strbuf_reserve(b, n))
                return;
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = 0;
}

void strbuf_append(strbuf *b, const char *s)
{
        strbuf_appendn(b, s, strlen(s));
}

void strbuf_printf(strbuf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0 || !strbuf_reserve(b, (size_t) n))
                return;
        va_start(ap, fmt);
        (void) vsnprintf(b->s + b->len, (size_t) n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t) n;
}

void strbuf_append_json_string(strbuf *b, const char *s)
{
        strbuf_append(b, "\"");
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        strbuf_printf(b, "\\%c", *p);
                else if (*p < 0x20)
                        strbuf_printf(b, "\\u%04x", *p);
                else
                        strbuf_appendn(b, (const char *) p, 1);
        }
        strbuf_append(b, "\"");
}

char *strbuf_steal(strbuf *b)
{
        char *s;

        if (b->oom) {
                strbuf_done(b);
                return NULL;
        }
        if (!b->s)
                return strdup("");
        s = b->s;
        *b = STRBUF_NULL;
        return s;
}
