/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure: the numa_miss/numa_foreign judgement of numa-miss.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "numa-miss.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/strv.h"

uint64_t cdm_counter_delta(uint64_t before, uint64_t now)
{
        return now >= before ? now - before : now;
}

static uint64_t seen_bytes(const cdm_spill_seen *seen, size_t n_seen, const char *owner, const char *device)
{
        for (size_t i = 0; i < n_seen; i++)
                if (streq(seen[i].owner, owner) && streq(seen[i].device, device))
                        return seen[i].bytes;
        return 0;
}

int cdm_numa_signal_judge(const char *device, uint64_t miss_pages, uint64_t foreign_pages, size_t n_grants,
                const cdm_audit_item *items, size_t n_items, const cdm_spill_seen *seen, size_t n_seen,
                cdm_numa_signal *ret)
{
        cdm_numa_signal s = { .device = device, .miss_pages = miss_pages, .foreign_pages = foreign_pages,
                .n_grants = n_grants };

        if (miss_pages == 0 && foreign_pages == 0) {
                *ret = s;
                return 0;
        }
        for (size_t i = 0; i < n_items; i++) {
                const cdm_audit_item *it = &items[i];

                if (it->granted || !streq(it->device, device) ||
                                it->anon + it->file <= seen_bytes(seen, n_seen, it->owner, device))
                        continue;
                if (strv_append_printf(&s.causes, &s.n_causes, "%s", it->owner) < 0) {
                        cdm_numa_signal_done(&s);
                        return -ENOMEM;
                }
        }
        s.alarm = s.n_causes > 0 || n_grants == 0;
        *ret = s;
        return 0;
}

char *cdm_numa_signal_format(const cdm_numa_signal *s, uint64_t page_size)
{
        strbuf b = STRBUF_NULL;
        const char *sep = "";

        if (s->miss_pages)
                strbuf_printf(&b, "numa_miss on %s rose by %llu pages (%llu bytes allocated there for tasks that preferred another node)",
                                s->device, (unsigned long long) s->miss_pages,
                                (unsigned long long) (s->miss_pages * page_size));
        if (s->foreign_pages)
                strbuf_printf(&b, "%snuma_foreign on %s rose by %llu pages (wanted there, allocated elsewhere)",
                                s->miss_pages ? "; " : "", s->device, (unsigned long long) s->foreign_pages);
        if (s->n_causes > 0) {
                strbuf_append(&b, "; without a grant, grew there: ");
                for (size_t i = 0; i < s->n_causes; i++, sep = ", ")
                        strbuf_printf(&b, "%s%s", sep, s->causes[i]);
        } else if (s->n_grants == 0) {
                strbuf_append(&b, "; no job is granted it and no cgroup holds more there than at the last audit: "
                                  "a process that has exited, the root cgroup, or the kernel");
        } else {
                strbuf_printf(&b, "; from the %zu job(s) granted it", s->n_grants);
        }
        return strbuf_steal(&b);
}

void cdm_numa_signal_done(cdm_numa_signal *s)
{
        strv_free_n(s->causes, s->n_causes);
        s->causes = NULL;
        s->n_causes = 0;
}

int cdm_spill_seen_take(const cdm_audit_item *items, size_t n_items, cdm_spill_seen **ret, size_t *ret_n)
{
        cdm_spill_seen *v = calloc(n_items ?: 1, sizeof(*v));
        size_t n = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n_items; i++) {
                if (items[i].granted)
                        continue;
                uint64_t bytes = items[i].anon + items[i].file;

                v[n] = (cdm_spill_seen){ .owner = strdup(items[i].owner), .device = strdup(items[i].device),
                        .bytes = bytes - MIN(bytes, items[i].repaired) };
                n++;
                if (!v[n - 1].owner || !v[n - 1].device) {
                        cdm_spill_seen_free(v, n);
                        return -ENOMEM;
                }
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

void cdm_spill_seen_free(cdm_spill_seen *seen, size_t n)
{
        for (size_t i = 0; seen && i < n; i++) {
                free(seen[i].owner);
                free(seen[i].device);
        }
        free(seen);
}
