/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one line format of the state store. The escapes are the same for every kind of record,
 * so a value from a caller (a drain reason, a cgroup path) can never end a field or a line.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "util/strv.h"

static void add_escaped(strbuf *b, const char *s, size_t n)
{
        static const char hex[] = "0123456789abcdef";

        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                char x[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

                if (c == '\t')
                        strbuf_append(b, "\\t");
                else if (c == '\n')
                        strbuf_append(b, "\\n");
                else if (c == '\\')
                        strbuf_append(b, "\\\\");
                else if (c < 0x20 || c == 0x7f)
                        strbuf_appendn(b, x, sizeof(x));
                else
                        strbuf_appendn(b, s + i, 1);
        }
}

void cdm_record_add(strbuf *b, const char *field, int first)
{
        if (!first)
                strbuf_append(b, "\t");
        add_escaped(b, field, strlen(field));
}

int cdm_record_next(const char *text, size_t n, size_t *pos, unsigned *lineno,
                const char **ret_line, size_t *ret_len)
{
        while (*pos < n) {
                const char *p = text + *pos, *nl = memchr(p, '\n', n - *pos);
                size_t len = nl ? (size_t) (nl - p) : n - *pos;

                ++*lineno;
                *pos += len + !!nl;
                if (!nl) {
                        *ret_line = p;
                        *ret_len = len;
                        return -EBADMSG;
                }
                if (len == 0 || p[0] == '#')
                        continue;
                *ret_line = p;
                *ret_len = len;
                return 1;
        }
        return 0;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

int cdm_record_split(const char *line, size_t len, char ***ret_fields, size_t *ret_n,
                const char **ret_what)
{
        char **v = NULL, *cur;
        size_t nv = 0, k = 0;

        *ret_what = NULL;
        cur = malloc(len + 1);
        if (!cur)
                return -ENOMEM;
        for (size_t i = 0;; i++) {
                char c;

                if (i == len || line[i] == '\t') {
                        char **nv2;

                        cur[k] = 0;
                        nv2 = realloc(v, (nv + 2) * sizeof(char *));
                        if (!nv2 || !(nv2[nv] = strdup(cur))) {
                                v = nv2 ?: v;
                                goto oom;
                        }
                        v = nv2;
                        v[++nv] = NULL;
                        k = 0;
                        if (i == len)
                                break;
                        continue;
                }
                c = line[i];
                if (c == 0 || (unsigned char) c < 0x20 || c == 0x7f) {
                        *ret_what = c == 0 ? "a NUL byte" : "a raw control character";
                        goto bad;
                }
                if (c != '\\') {
                        cur[k++] = c;
                        continue;
                }
                if (++i == len) {
                        *ret_what = "a backslash at the end";
                        goto bad;
                }
                switch (line[i]) {
                case 't':
                        cur[k++] = '\t';
                        break;
                case 'n':
                        cur[k++] = '\n';
                        break;
                case '\\':
                        cur[k++] = '\\';
                        break;
                case 'x': {
                        int hi = i + 2 < len ? hexval(line[i + 1]) : -1, lo = hi >= 0 ? hexval(line[i + 2]) : -1;

                        if (lo < 0 || (hi << 4 | lo) == 0) {
                                *ret_what = "a bad \\x escape";
                                goto bad;
                        }
                        cur[k++] = (char) (hi << 4 | lo);
                        i += 2;
                        break;
                }
                default:
                        *ret_what = "an unknown escape";
                        goto bad;
                }
        }
        free(cur);
        *ret_fields = v;
        *ret_n = nv;
        return 0;
bad:
        free(cur);
        strv_free_n(v, nv);
        return -EBADMSG;
oom:
        free(cur);
        strv_free_n(v, nv);
        return -ENOMEM;
}

char *cdm_record_quote(const char *line, size_t len, size_t max)
{
        strbuf b = STRBUF_NULL;

        add_escaped(&b, line, MIN(len, max));
        if (len > max)
                strbuf_append(&b, "...");
        if (b.len == 0)
                strbuf_append(&b, "");
        return strbuf_steal(&b);
}
