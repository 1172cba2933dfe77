/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pure part of the tiered policy: the writes that configure a kdamond for the tiered
 * jobs, the quota arithmetic, and the parsing of what the kernel reports.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "damon.h"
#include "util/macro.h"
#include "util/parse-util.h"
#include "util/strbuf.h"

uint64_t cdm_damon_bandwidth_bytes(uint64_t bandwidth_mbps)
{
        /* MB/s over the quota interval. */
        return bandwidth_mbps * 1000000ULL / 1000ULL * CDM_DAMON_RESET_MSEC;
}

uint64_t cdm_damon_cold_bytes(const cdm_damon_job *j, uint64_t bandwidth_mbps, bool *ret_cold_stop)
{
        uint64_t room, bw = cdm_damon_bandwidth_bytes(bandwidth_mbps);

        *ret_cold_stop = false;
        if (j->quota <= j->device_bytes + CDM_DAMON_SLACK) {
                *ret_cold_stop = true;
                return 0;
        }
        room = j->quota - j->device_bytes - CDM_DAMON_SLACK;
        return bw == 0 || room < bw ? room : bw;
}

typedef struct builder {
        cdm_damon_writes *w;
        int r;
} builder;

_printf_(3, 4) static void add(builder *b, const char *value, const char *fmt, ...)
{
        cdm_damon_write *n;
        va_list ap;
        char *path = NULL, *v;

        if (b->r < 0)
                return;
        va_start(ap, fmt);
        if (vasprintf(&path, fmt, ap) < 0)
                path = NULL;
        va_end(ap);
        v = strdup(value);
        n = realloc(b->w->items, (b->w->n + 1) * sizeof(*n));
        if (!path || !v || !n) {
                free(path);
                free(v);
                if (n)
                        b->w->items = n;
                b->r = -ENOMEM;
                return;
        }
        b->w->items = n;
        n[b->w->n++] = (cdm_damon_write){ .path = path, .value = v };
}

static const char *u64(char buf[static 24], uint64_t u)
{
        snprintf(buf, 24, "%llu", (unsigned long long) u);
        return buf;
}

#define UINT_MAX_S "4294967295"

static bool overlaps(const cdm_damon_range *a, const cdm_damon_range *b)
{
        return a->start < b->end && b->start < a->end;
}

/* Drops the memory in @r. */
static void add_addr_filter(builder *b, const char *s, size_t f, const cdm_damon_range *r)
{
        char n[24];

        add(b, "addr", "%s/filters/%zu/type", s, f);
        add(b, u64(n, r->start), "%s/filters/%zu/addr_start", s, f);
        add(b, u64(n, r->end), "%s/filters/%zu/addr_end", s, f);
        add(b, "Y", "%s/filters/%zu/matching", s, f);
}

/* Whether the hot scheme of @j keeps the monitored region @r. */
static bool hot_keeps(const cdm_damon_job *j, const cdm_damon_range *r)
{
        if (!j->ranges)
                return overlaps(r, &j->device);
        for (size_t i = 0; i < j->n_ranges; i++)
                if (overlaps(r, &j->ranges[i]))
                        return true;
        return false;
}

static void add_scheme(builder *b, const char *s, const cdm_damon_params *p, const cdm_damon_job *j,
                bool cold)
{
        char n[24];
        bool stop = false;
        uint64_t bytes = cold ? cdm_damon_cold_bytes(j, p->bandwidth_mbps, &stop)
                              : cdm_damon_bandwidth_bytes(p->bandwidth_mbps);
        uint64_t ms = CDM_DAMON_TIME_QUOTA_MSEC;

        if (j->sweep) {
                bytes = 0;
                ms = CDM_DAMON_SWEEP_MSEC;
        }
        uint64_t age = p->cold_after_usec / CDM_DAMON_AGGR_USEC;

        add(b, cold ? (stop ? "stat" : "migrate_cold") : "migrate_hot", "%s/action", s);
        add(b, u64(n, cold ? j->device_node : j->system_node), "%s/target_nid", s);
        add(b, "4096", "%s/access_pattern/sz/min", s);
        add(b, "18446744073709551615", "%s/access_pattern/sz/max", s);
        add(b, cold || j->sweep ? "0" : "1", "%s/access_pattern/nr_accesses/min", s);
        add(b, cold ? "0" : UINT_MAX_S, "%s/access_pattern/nr_accesses/max", s);
        add(b, u64(n, cold ? (age ? age : 1) : 0), "%s/access_pattern/age/min", s);
        add(b, UINT_MAX_S, "%s/access_pattern/age/max", s);
        add(b, u64(n, ms), "%s/quotas/ms", s);
        add(b, u64(n, bytes), "%s/quotas/bytes", s);
        add(b, u64(n, CDM_DAMON_RESET_MSEC), "%s/quotas/reset_interval_ms", s);
        add(b, "none", "%s/watermarks/metric", s);
        /* A filter drops the memory for which "matches" equals "matching": keep the job's
         * memcg only; the cold scheme drops the device range, the hot one every monitored
         * range outside it (an addr filter with matching N does not keep a range on 6.12).
         * A job's schemes end with a young filter: a region of physical memory that holds
         * hot and cold pages side by side moves only its cold pages (cold scheme) or only
         * its accessed ones (hot scheme), page by page. It comes last: the kernel tries the
         * filters in order and stops at the first that drops a page, and the young check
         * clears the accessed bit, which is the job's own pages' business only.
         * A sweep of the whole device (no cgroup) has no memcg filter on its hot scheme; its
         * cold one only counts, and keeps the root's memcg filter so that every scheme 0 of
         * cdmd's has the shape cdm_damon_fs_is_ours() looks for. */
        bool memcg = j->cgroup || cold;
        size_t n_filters = cold ? 2 : memcg, f = memcg;

        if (!cold)
                for (size_t i = 0; i < p->n_regions; i++)
                        n_filters += !hot_keeps(j, &p->regions[i]);
        n_filters += !j->sweep;
        add(b, u64(n, n_filters), "%s/filters/nr_filters", s);
        if (memcg) {
                add(b, "memcg", "%s/filters/0/type", s);
                add(b, j->cgroup ?: "/", "%s/filters/0/memcg_path", s);
                add(b, "N", "%s/filters/0/matching", s);
        }
        if (cold)
                add_addr_filter(b, s, f++, &j->device);
        else
                for (size_t i = 0; i < p->n_regions; i++)
                        if (!hot_keeps(j, &p->regions[i]))
                                add_addr_filter(b, s, f++, &p->regions[i]);
        if (!j->sweep) {
                add(b, "young", "%s/filters/%zu/type", s, f);
                add(b, cold ? "Y" : "N", "%s/filters/%zu/matching", s, f);
        }
}

int cdm_damon_build(const cdm_damon_params *p, const cdm_damon_job *jobs, size_t n_jobs,
                unsigned kdamond, cdm_damon_writes *ret)
{
        _cleanup_free_ char *c = NULL;
        builder b = { .w = ret };
        char n[24];

        *ret = (cdm_damon_writes){ 0 };
        if (p->n_regions == 0)
                return -EINVAL;
        for (size_t i = 0; i < p->n_regions; i++)
                if (p->regions[i].end <= p->regions[i].start)
                        return -EINVAL;
        for (size_t i = 0; i < n_jobs; i++)
                if (jobs[i].device.end <= jobs[i].device.start || (!jobs[i].cgroup && !jobs[i].sweep))
                        return -EINVAL;
        if (asprintf(&c, "kdamonds/%u/contexts/0", kdamond) < 0)
                return -ENOMEM;

        add(&b, "1", "kdamonds/%u/contexts/nr_contexts", kdamond);
        add(&b, "paddr", "%s/operations", c);
        add(&b, u64(n, CDM_DAMON_SAMPLE_USEC), "%s/monitoring_attrs/intervals/sample_us", c);
        add(&b, u64(n, CDM_DAMON_AGGR_USEC), "%s/monitoring_attrs/intervals/aggr_us", c);
        add(&b, u64(n, CDM_DAMON_UPDATE_USEC), "%s/monitoring_attrs/intervals/update_us", c);
        add(&b, "10", "%s/monitoring_attrs/nr_regions/min", c);
        add(&b, "1000", "%s/monitoring_attrs/nr_regions/max", c);
        add(&b, "1", "%s/targets/nr_targets", c);
        add(&b, u64(n, p->n_regions), "%s/targets/0/regions/nr_regions", c);
        for (size_t i = 0; i < p->n_regions; i++) {
                add(&b, u64(n, p->regions[i].start), "%s/targets/0/regions/%zu/start", c, i);
                add(&b, u64(n, p->regions[i].end), "%s/targets/0/regions/%zu/end", c, i);
        }
        add(&b, u64(n, 2 * n_jobs), "%s/schemes/nr_schemes", c);
        for (size_t i = 0; i < n_jobs && b.r >= 0; i++)
                for (unsigned k = 0; k < 2; k++) {
                        _cleanup_free_ char *s = NULL;

                        if (asprintf(&s, "%s/schemes/%zu", c, 2 * i + k) < 0) {
                                b.r = -ENOMEM;
                                break;
                        }
                        add_scheme(&b, s, p, &jobs[i], k == 0);
                }
        if (b.r < 0)
                cdm_damon_writes_done(ret);
        return b.r;
}

void cdm_damon_writes_done(cdm_damon_writes *w)
{
        for (size_t i = 0; i < w->n; i++) {
                free(w->items[i].path);
                free(w->items[i].value);
        }
        free(w->items);
        *w = (cdm_damon_writes){ 0 };
}

bool cdm_damon_writes_equal(const cdm_damon_writes *a, const cdm_damon_writes *b)
{
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++)
                if (!streq(a->items[i].path, b->items[i].path) || !streq(a->items[i].value, b->items[i].value))
                        return false;
        return true;
}

static int cmp_unsigned(const void *a, const void *b)
{
        unsigned x = *(const unsigned *) a, y = *(const unsigned *) b;

        return x < y ? -1 : x > y;
}

int cdm_damon_blocks_to_ranges(const unsigned *ids, size_t n, uint64_t block_size,
                cdm_damon_range **regions, size_t *n_regions)
{
        _cleanup_free_ unsigned *s = NULL;

        if (n == 0 || block_size == 0)
                return 0;
        s = malloc(n * sizeof(*s));
        if (!s)
                return -ENOMEM;
        memcpy(s, ids, n * sizeof(*s));
        qsort(s, n, sizeof(*s), cmp_unsigned);
        for (size_t i = 0; i < n;) {
                size_t k = i + 1;
                cdm_damon_range *r;

                while (k < n && s[k] == s[k - 1] + 1)
                        k++;
                r = realloc(*regions, (*n_regions + 1) * sizeof(*r));
                if (!r)
                        return -ENOMEM;
                *regions = r;
                r[(*n_regions)++] = (cdm_damon_range){ .start = (uint64_t) s[i] * block_size,
                        .end = ((uint64_t) s[k - 1] + 1) * block_size };
                i = k;
        }
        return 0;
}

int cdm_damon_parse_u64(const char *text, size_t len, uint64_t *ret)
{
        char buf[32];

        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
                len--;
        if (len == 0 || len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, text, len);
        buf[len] = 0;
        return safe_atou64(buf, ret) < 0 ? -EINVAL : 0;
}

bool cdm_damon_parse_running(const char *text, size_t len)
{
        return len >= 2 && memcmp(text, "on", 2) == 0 && (len == 2 || text[2] == '\n');
}
