/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Node lists as the kernel prints them ("0-3,8,252-255\n", or "\n" for none) and as
 * cpuset.mems takes them. The parser is strict: ascending or not, ranges must be lo <= hi,
 * ids must be < CDM_NODES_MAX, and anything but digits, ',' and '-' (plus surrounding white
 * space) is -EINVAL. Fuzzed by tests/fuzz/fuzz-nodemask.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cdm/cdm.h"
#include "util/macro.h"
#include "util/strbuf.h"

_public_ bool cdm_nodemask_test(const cdm_nodemask *m, unsigned node)
{
        if (node >= CDM_NODES_MAX)
                return false;
        return m->bits[node / 64] & (UINT64_C(1) << (node % 64));
}

_public_ void cdm_nodemask_set(cdm_nodemask *m, unsigned node)
{
        if (node < CDM_NODES_MAX)
                m->bits[node / 64] |= UINT64_C(1) << (node % 64);
}

_public_ void cdm_nodemask_clear(cdm_nodemask *m, unsigned node)
{
        if (node < CDM_NODES_MAX)
                m->bits[node / 64] &= ~(UINT64_C(1) << (node % 64));
}

_public_ unsigned cdm_nodemask_count(const cdm_nodemask *m)
{
        unsigned n = 0;

        for (size_t i = 0; i < ARRAY_SIZE(m->bits); i++)
                n += (unsigned) __builtin_popcountll(m->bits[i]);
        return n;
}

/* Return: the lowest node id greater than @after (pass -1 to start), or -1 when none. */
_public_ int cdm_nodemask_next(const cdm_nodemask *m, int after)
{
        for (unsigned n = (unsigned) (after + 1); n < CDM_NODES_MAX; n++) {
                uint64_t word = m->bits[n / 64] >> (n % 64);

                if (!word) {
                        n = (n / 64) * 64 + 63;
                        continue;
                }
                return (int) (n + (unsigned) __builtin_ctzll(word));
        }
        return -1;
}

static int parse_node_id(const char **p, const char *end, unsigned *ret)
{
        unsigned v = 0;
        const char *s = *p;

        if (s >= end || *s < '0' || *s > '9')
                return -EINVAL;
        for (; s < end && *s >= '0' && *s <= '9'; s++) {
                v = v * 10 + (unsigned) (*s - '0');
                if (v >= CDM_NODES_MAX)
                        return -ERANGE;
        }
        *p = s;
        *ret = v;
        return 0;
}

/**
 * cdm_nodemask_parse() - parse a kernel node list
 * @s: the text, need not be NUL-terminated
 * @n: its length in bytes
 * @ret: the set, written only on success
 *
 * Return: 0; -EINVAL for malformed text; -ERANGE for an id >= CDM_NODES_MAX.
 * Since: 1
 */
_public_ int cdm_nodemask_parse(const char *s, size_t n, cdm_nodemask *ret)
{
        const char *p = s, *end = s + n;
        cdm_nodemask m = { 0 };
        int r;

        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
                p++;
        while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
                end--;

        while (p < end) {
                unsigned lo, hi;

                r = parse_node_id(&p, end, &lo);
                if (r < 0)
                        return r;
                hi = lo;
                if (p < end && *p == '-') {
                        p++;
                        r = parse_node_id(&p, end, &hi);
                        if (r < 0)
                                return r;
                        if (hi < lo)
                                return -EINVAL;
                }
                for (unsigned i = lo; i <= hi; i++)
                        cdm_nodemask_set(&m, i);
                if (p == end)
                        break;
                if (*p != ',' || p + 1 == end)
                        return -EINVAL;
                p++;
        }
        *ret = m;
        return 0;
}

/**
 * cdm_nodemask_format() - print a set the way the kernel does ("0-3,8")
 * @m: the set
 *
 * Return: a heap string ("" for the empty set), or NULL when out of memory.
 * Since: 1
 */
_public_ char *cdm_nodemask_format(const cdm_nodemask *m)
{
        strbuf b = STRBUF_NULL;
        int n = cdm_nodemask_next(m, -1);

        while (n >= 0) {
                int last = n, next;

                while ((next = cdm_nodemask_next(m, last)) == last + 1)
                        last = next;
                if (b.len)
                        strbuf_append(&b, ",");
                if (last == n)
                        strbuf_printf(&b, "%d", n);
                else
                        strbuf_printf(&b, "%d-%d", n, last);
                n = next;
        }
        return strbuf_steal(&b);
}
