/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UTF-8 boundaries and control characters of untrusted text (see text.h). */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* The length (1-4) of the valid character at @p, at most @left bytes available; 0 if the
 * bytes there are not one. */
static size_t char_len(const unsigned char *p, size_t left)
{
        uint32_t c;
        size_t n;

        if (p[0] < 0x80)
                return 1;
        /* Lead bytes: c2-df, e0-ef, f0-f4 (c0, c1 only start overlong forms, f5-ff code points
         * beyond U+10FFFF, 80-bf are continuation bytes). */
        n = p[0] < 0xc2 ? 0 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : p[0] < 0xf5 ? 4 : 0;
        if (n == 0 || n > left)
                return 0;
        c = p[0] & (0xffu >> (n + 1));
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (p[i] & 0x3f);
        }
        if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)))
                return 0; /* overlong, or too large */
        if ((c >= 0xd800 && c <= 0xdfff) || (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe)
                return 0; /* surrogate or noncharacter */
        return n;
}

size_t utf8_valid_prefix(const char *s, size_t max)
{
        const unsigned char *p = (const unsigned char *) s;
        size_t len = strnlen(s, max), i = 0;

        while (i < len) {
                size_t n = char_len(p + i, len - i);

                if (n == 0)
                        break;
                i += n;
        }
        return i;
}

bool utf8_is_valid(const char *s)
{
        size_t n = strlen(s);

        return utf8_valid_prefix(s, n) == n;
}

char *utf8_make_valid(const char *s)
{
        const unsigned char *p = (const unsigned char *) s;
        size_t len = strlen(s), o = 0;
        char *out;

        /* At worst every byte becomes the 3 bytes of U+FFFD. */
        if (len > (SIZE_MAX - 1) / 3)
                return NULL;
        out = malloc(len * 3 + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; i < len;) {
                size_t n = char_len(p + i, len - i);

                if (n == 0) {
                        memcpy(out + o, "\xef\xbf\xbd", 3);
                        o += 3;
                        i++;
                } else {
                        memcpy(out + o, p + i, n);
                        o += n;
                        i += n;
                }
        }
        out[o] = 0;
        return out;
}

char *escape_control(const char *s)
{
        static const char hex[] = "0123456789abcdef";
        size_t len = strlen(s), o = 0;
        char *out;

        if (len > (SIZE_MAX - 1) / 4)
                return NULL;
        out = malloc(len * 4 + 1);
        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p >= 0x20 && *p != 0x7f) {
                        out[o++] = (char) *p;
                        continue;
                }
                out[o++] = '\\';
                switch (*p) {
                case '\n':
                        out[o++] = 'n';
                        break;
                case '\r':
                        out[o++] = 'r';
                        break;
                case '\t':
                        out[o++] = 't';
                        break;
                default:
                        out[o++] = 'x';
                        out[o++] = hex[*p >> 4];
                        out[o++] = hex[*p & 0xf];
                }
        }
        out[o] = 0;
        return out;
}

bool has_control(const char *s)
{
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return true;
        return false;
}
