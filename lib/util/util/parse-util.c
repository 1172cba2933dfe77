/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pure number parsers. No strtol() at call sites: these accept exactly one number (with
 * optional surrounding white space and one trailing newline, as sysfs prints them), reject
 * signs, garbage and overflow with -EINVAL / -ERANGE, and write the result only on success.
 */

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "parse-util.h"

const char *skip_space(const char *s)
{
        while (*s == ' ' || *s == '\t' || *s == '\n')
                s++;
        return s;
}

static int parse_digits(const char *s, unsigned base, uint64_t *ret, const char **ret_end)
{
        uint64_t v = 0;
        const char *p = s;

        for (;; p++) {
                unsigned d;

                if (*p >= '0' && *p <= '9')
                        d = (unsigned) (*p - '0');
                else if (base == 16 && *p >= 'a' && *p <= 'f')
                        d = (unsigned) (*p - 'a' + 10);
                else if (base == 16 && *p >= 'A' && *p <= 'F')
                        d = (unsigned) (*p - 'A' + 10);
                else
                        break;
                if (v > (UINT64_MAX - d) / base)
                        return -ERANGE;
                v = v * base + d;
        }
        if (p == s)
                return -EINVAL;
        *ret = v;
        *ret_end = p;
        return 0;
}

static int parse_u64_base(const char *s, unsigned base, uint64_t *ret)
{
        const char *end;
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        s = skip_space(s);
        if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                s += 2;
        r = parse_digits(s, base, &v, &end);
        if (r < 0)
                return r;
        if (*skip_space(end) != 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

int safe_atou64(const char *s, uint64_t *ret)
{
        return parse_u64_base(s, 10, ret);
}

int safe_atou64_hex(const char *s, uint64_t *ret)
{
        return parse_u64_base(s, 16, ret);
}

int safe_atou32(const char *s, uint32_t *ret)
{
        uint64_t v;
        int r = safe_atou64(s, &v);

        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

/* "4096", "512K", "512M", "4G", "1T" (powers of 1024); "B" and "iB" suffixes tolerated. */
int parse_size(const char *s, uint64_t *ret)
{
        static const struct {
                char c;
                unsigned shift;
        } units[] = { { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 }, { 'P', 50 } };
        const char *end;
        unsigned shift = 0;
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        s = skip_space(s);
        r = parse_digits(s, 10, &v, &end);
        if (r < 0)
                return r;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (toupper((unsigned char) *end) == units[i].c) {
                        shift = units[i].shift;
                        end++;
                        if (*end == 'i')
                                end++;
                        break;
                }
        if (*end == 'B')
                end++;
        if (*skip_space(end) != 0)
                return -EINVAL;
        if (shift && v > (UINT64_MAX >> shift))
                return -ERANGE;
        *ret = v << shift;
        return 0;
}

/* "1s", "20ms", "500us", "2min", "1h"; a bare number is seconds. */
int parse_duration_usec(const char *s, uint64_t *ret)
{
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                { "us", 1 },         { "ms", 1000 },         { "s", 1000000 },
                { "sec", 1000000 },  { "min", 60000000 },    { "m", 60000000 },
                { "h", 3600000000 },
        };
        const char *end;
        uint64_t v, mult = 1000000;
        int r;

        if (!s)
                return -EINVAL;
        s = skip_space(s);
        r = parse_digits(s, 10, &v, &end);
        if (r < 0)
                return r;
        if (*end != 0 && *end != ' ' && *end != '\n') {
                size_t n = strcspn(end, " \t\n");
                size_t i;

                for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                        if (strlen(units[i].suffix) == n && strncmp(end, units[i].suffix, n) == 0)
                                break;
                if (i == sizeof(units) / sizeof(units[0]))
                        return -EINVAL;
                mult = units[i].usec;
                end += n;
        }
        if (*skip_space(end) != 0)
                return -EINVAL;
        if (v > UINT64_MAX / mult)
                return -ERANGE;
        *ret = v * mult;
        return 0;
}

/* Return: 1 for yes/true/on/1, 0 for no/false/off/0, -EINVAL otherwise. */
int parse_boolean(const char *s)
{
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

int parse_decimal_u32(const char *s, uint32_t *ret)
{
        uint64_t v = 0;

        if (!s[0] || (s[0] == '0' && s[1]))
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t) (*p - '0');
                if (v > UINT32_MAX)
                        return -ERANGE;
        }
        *ret = (uint32_t) v;
        return 0;
}
