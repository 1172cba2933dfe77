/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * [daemon] metrics_file: the state of the last audit in the Prometheus text format, written
 * atomically (temporary file and rename) so that a node exporter's textfile collector never
 * reads half a file.
 */

#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "manager-device-state.h"
#include "manager-metrics.h"
#include "util/fileio.h"
#include "util/strbuf.h"

static void metrics_device(strbuf *b, Manager *m, const cdm_device *d)
{
        uint64_t spilled = 0, granted = cdm_jobs_granted(&m->jobs, d->name, NULL);

        for (size_t i = 0; i < m->audit.n_items; i++)
                if (!m->audit.items[i].granted && streq(m->audit.items[i].device, d->name))
                        spilled += m->audit.items[i].anon + m->audit.items[i].file;
        strbuf_printf(b, "cdmd_device_total_bytes{device=\"%s\"} %llu\n", d->name, (unsigned long long) d->total_bytes);
        strbuf_printf(b, "cdmd_device_free_bytes{device=\"%s\"} %llu\n", d->name, (unsigned long long) d->free_bytes);
        strbuf_printf(b, "cdmd_device_granted_bytes{device=\"%s\"} %llu\n", d->name, (unsigned long long) granted);
        strbuf_printf(b, "cdmd_device_spilled_bytes{device=\"%s\"} %llu\n", d->name, (unsigned long long) spilled);
        strbuf_printf(b, "cdmd_device_online{device=\"%s\"} %d\n", d->name,
                        manager_device_state(m, d->name) == DEV_ONLINE);
}

char *manager_metrics_format(Manager *m)
{
        strbuf b = STRBUF_NULL;

        strbuf_append(&b, "# HELP cdmd_isolated 1 when the last audit found no spill, no alarm and every setting as planned.\n"
                          "# TYPE cdmd_isolated gauge\n");
        strbuf_printf(&b, "cdmd_isolated %d\n", m->isolated);
        strbuf_append(&b, "# HELP cdmd_audits_total Audits done since cdmd started.\n"
                          "# TYPE cdmd_audits_total counter\n");
        strbuf_printf(&b, "cdmd_audits_total %llu\n", (unsigned long long) m->audits_total);
        strbuf_append(&b, "# TYPE cdmd_spilled_bytes gauge\n");
        strbuf_printf(&b, "cdmd_spilled_bytes %llu\n", (unsigned long long) m->audit.spilled_bytes);
        strbuf_append(&b, "# TYPE cdmd_repaired_bytes_total counter\n");
        strbuf_printf(&b, "cdmd_repaired_bytes_total %llu\n", (unsigned long long) m->repaired_bytes);
        strbuf_append(&b, "# HELP cdmd_fence_drift_total Fences found changed by someone else and put back.\n"
                          "# TYPE cdmd_fence_drift_total counter\n");
        strbuf_printf(&b, "cdmd_fence_drift_total %llu\n", (unsigned long long) m->fence_drift_total);
        strbuf_append(&b, "# HELP cdmd_numa_miss_pages_total numa_miss of the device nodes since start: pages that spilled there.\n"
                          "# TYPE cdmd_numa_miss_pages_total counter\n");
        strbuf_printf(&b, "cdmd_numa_miss_pages_total %llu\n", (unsigned long long) m->numa_miss_pages);
        strbuf_append(&b, "# TYPE cdmd_numa_foreign_pages_total counter\n");
        strbuf_printf(&b, "cdmd_numa_foreign_pages_total %llu\n", (unsigned long long) m->numa_foreign_pages);
        strbuf_append(&b, "# HELP cdmd_numa_alarms_total Audits that alarmed on numa_miss/numa_foreign caused without a grant.\n"
                          "# TYPE cdmd_numa_alarms_total counter\n");
        strbuf_printf(&b, "cdmd_numa_alarms_total %llu\n", (unsigned long long) m->numa_alarms);
        strbuf_append(&b, "# TYPE cdmd_alarms gauge\n");
        strbuf_printf(&b, "cdmd_alarms %zu\n", m->audit.n_alarms);
        strbuf_append(&b, "# TYPE cdmd_device_total_bytes gauge\n# TYPE cdmd_device_free_bytes gauge\n"
                          "# TYPE cdmd_device_granted_bytes gauge\n# TYPE cdmd_device_spilled_bytes gauge\n"
                          "# TYPE cdmd_device_online gauge\n");
        for (size_t i = 0; m->layout && i < m->layout->n_devices; i++)
                metrics_device(&b, m, &m->layout->devices[i]);
        strbuf_append(&b, "# TYPE cdmd_job_quota_bytes gauge\n# TYPE cdmd_job_device_bytes gauge\n");
        for (size_t i = 0; i < m->jobs.n; i++) {
                const cdm_job *j = &m->jobs.items[i];

                strbuf_printf(&b, "cdmd_job_quota_bytes{job=\"%s\",device=\"%s\"} %llu\n", j->id, j->device,
                                (unsigned long long) j->quota);
                strbuf_printf(&b, "cdmd_job_device_bytes{job=\"%s\",device=\"%s\"} %llu\n", j->id, j->device,
                                (unsigned long long) j->device_bytes);
        }
        return strbuf_steal(&b);
}

void manager_write_metrics(Manager *m)
{
        _cleanup_free_ char *text = NULL, *dir = NULL, *base = NULL;
        int r;

        if (!m->config->metrics_file || m->dry_run)
                return;
        text = manager_metrics_format(m);
        dir = strdup(m->config->metrics_file);
        base = strdup(m->config->metrics_file);
        if (!text || !dir || !base)
                return;
        r = write_file_atomic_in(dirname(dir), basename(base), text, strlen(text));
        if (r < 0 && !m->metrics_failed)
                log_warning_errno(r, "Failed to write %s: %m", m->config->metrics_file);
        m->metrics_failed = r < 0;
}
