/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's spill counters. The topology read of each cycle holds every node's numastat;
 * the deltas of a device's nodes since the last audit are judged by cdm_numa_signal_judge().
 * An alarm is logged with MESSAGE_ID CDMD_MESSAGE_NUMA_MISS (at most every ALARM_EVERY per
 * device, the pages of the quiet interval added to the next line) and joins the audit's
 * alarms, so the audit that saw it does not call the node isolated. The first audit only
 * takes the baseline: what was counted before cdmd ran is not attributed to anyone.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "manager-numa.h"
#include "numa-miss.h"
#include "util/strv.h"
#include "util/time-util.h"

#define ALARM_EVERY_USEC (10 * 1000000ULL)

typedef struct DeviceCounters {
        char *device;
        uint64_t miss, foreign; /* at the last audit */
        uint64_t quiet_miss, quiet_foreign; /* alarmed on but not logged yet */
        uint64_t logged_usec;
        bool seen;              /* touched by this audit */
} DeviceCounters;

typedef struct ManagerNuma {
        DeviceCounters *devices;
        size_t n_devices;
        cdm_spill_seen *seen;
        size_t n_seen;
} ManagerNuma;

void manager_numa_free(Manager *m)
{
        ManagerNuma *s = m->numa;

        if (!s)
                return;
        for (size_t i = 0; i < s->n_devices; i++)
                free(s->devices[i].device);
        free(s->devices);
        cdm_spill_seen_free(s->seen, s->n_seen);
        free(s);
        m->numa = NULL;
}

static DeviceCounters *counters_of(ManagerNuma *s, const char *device, bool *ret_new)
{
        DeviceCounters *v;

        *ret_new = false;
        for (size_t i = 0; i < s->n_devices; i++)
                if (streq(s->devices[i].device, device))
                        return &s->devices[i];
        v = realloc(s->devices, (s->n_devices + 1) * sizeof(*v));
        if (!v)
                return NULL;
        s->devices = v;
        v[s->n_devices] = (DeviceCounters){ .device = strdup(device) };
        if (!v[s->n_devices].device)
                return NULL;
        *ret_new = true;
        return &v[s->n_devices++];
}

static size_t active_grants(Manager *m, const char *device)
{
        size_t n = 0;

        for (size_t i = 0; i < m->jobs.n; i++)
                if (streq(m->jobs.items[i].device, device) && m->jobs.items[i].state != CDM_JOB_SUSPENDED)
                        n++;
        return n;
}

static void judge(Manager *m, ManagerNuma *s, const cdm_device *d, uint64_t now_usec)
{
        const uint64_t page_size = (uint64_t) sysconf(_SC_PAGESIZE);
        uint64_t miss = 0, foreign = 0, d_miss, d_foreign;
        cdm_numa_signal sig = { 0 };
        _cleanup_free_ char *text = NULL;
        DeviceCounters *c;
        bool fresh;

        for (int id = -1; (id = cdm_nodemask_next(&d->nodes, id)) >= 0;) {
                const cdm_node *n = cdm_topology_find_node(m->topo, (unsigned) id);

                if (n) {
                        miss += n->stat.numa_miss;
                        foreign += n->stat.numa_foreign;
                }
        }
        c = counters_of(s, d->name, &fresh);
        if (!c)
                return;
        c->seen = true;
        d_miss = fresh ? 0 : cdm_counter_delta(c->miss, miss);
        d_foreign = fresh ? 0 : cdm_counter_delta(c->foreign, foreign);
        c->miss = miss;
        c->foreign = foreign;
        if (d_miss == 0 && d_foreign == 0)
                return;
        m->numa_miss_pages += d_miss;
        m->numa_foreign_pages += d_foreign;
        if (cdm_numa_signal_judge(d->name, d_miss, d_foreign, active_grants(m, d->name), m->audit.items,
                            m->audit.n_items, s->seen, s->n_seen, &sig) < 0)
                return;
        if (!sig.alarm) {
                if (log_get_max_level() >= LOG_DEBUG) {
                        text = cdm_numa_signal_format(&sig, page_size);
                        log_debug("%s.", text ?: "numastat rose");
                }
                cdm_numa_signal_done(&sig);
                return;
        }

        m->numa_alarms++;
        sig.miss_pages += c->quiet_miss;
        sig.foreign_pages += c->quiet_foreign;
        text = cdm_numa_signal_format(&sig, page_size);
        if (text)
                (void) strv_append_printf(&m->audit.alarms, &m->audit.n_alarms, "%s", text);
        if (c->logged_usec == 0 || now_usec - c->logged_usec >= ALARM_EVERY_USEC) {
                log_event(LOG_WARNING, &(LogEvent){ .message_id = CDMD_MESSAGE_NUMA_MISS, .device = d->name,
                                          .cgroup = sig.n_causes > 0 ? sig.causes[0] : NULL,
                                          .bytes = sig.miss_pages * page_size,
                                          .has_bytes = true },
                                "Alarm: %s.", text ?: "numastat rose");
                c->logged_usec = now_usec;
                c->quiet_miss = c->quiet_foreign = 0;
        } else {
                c->quiet_miss = sig.miss_pages;
                c->quiet_foreign = sig.foreign_pages;
        }
        cdm_numa_signal_done(&sig);
}

void manager_check_numa_counters(Manager *m)
{
        ManagerNuma *s = m->numa;
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        cdm_spill_seen *seen;
        size_t n_seen, k = 0;

        if (!m->layout || !m->topo)
                return;
        if (!s) {
                s = m->numa = calloc(1, sizeof(ManagerNuma));
                if (!s)
                        return;
        }
        for (size_t i = 0; i < s->n_devices; i++)
                s->devices[i].seen = false;
        for (size_t i = 0; i < m->layout->n_devices; i++)
                judge(m, s, &m->layout->devices[i], now);
        /* A device that went away starts from a new baseline when it comes back. */
        for (size_t i = 0; i < s->n_devices; i++) {
                if (s->devices[i].seen)
                        s->devices[k++] = s->devices[i];
                else
                        free(s->devices[i].device);
        }
        s->n_devices = k;
        if (cdm_spill_seen_take(m->audit.items, m->audit.n_items, &seen, &n_seen) >= 0) {
                cdm_spill_seen_free(s->seen, s->n_seen);
                s->seen = seen;
                s->n_seen = n_seen;
        }
}
