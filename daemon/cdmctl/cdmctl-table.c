/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * systemctl-style tables for cdmctl: a generic table (header line, columns padded to their
 * widest cell, numbers right-aligned, no trailing blanks) and the rows of the Manager's list
 * methods (ListDevices, ListJobs, Audit, Plan) as tables and as JSON arrays. Pure.
 *
 * Sizes are shortened with format_bytes() in tables and exact in JSON; JSON keys are the
 * snake_case names of the matching Device/Job properties (see cdmctl-format.h).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdmctl-format.h"
#include "cdmctl-table.h"
#include "util/format.h"
#include "util/macro.h"

struct cdmctl_table {
        const cdmctl_column *columns; /* borrowed */
        size_t n_columns;
        char **cells;
        size_t n_rows;
};

/**
 * cdmctl_table_new() - an empty table.
 * @columns: headers and alignment; borrowed, must outlive the table.
 * @n_columns: at least 1.
 * Return: the table, or NULL when out of memory.
 */
cdmctl_table *cdmctl_table_new(const cdmctl_column *columns, size_t n_columns)
{
        cdmctl_table *t = calloc(1, sizeof(*t));

        if (!t)
                return NULL;
        t->columns = columns;
        t->n_columns = n_columns;
        return t;
}

/* cdmctl_table_free() - free @t (NULL is fine). Return: NULL. */
cdmctl_table *cdmctl_table_free(cdmctl_table *t)
{
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(cdmctl_table *, cdmctl_table_free)

/**
 * cdmctl_table_add() - append a row.
 * @t: the table.
 * @cells: one string per column, copied; NULL prints as "-".
 * Return: 0, or -ENOMEM (the table is unchanged).
 */
int cdmctl_table_add(cdmctl_table *t, const char *const *cells)
{
        size_t base = t->n_rows * t->n_columns;
        char **n = reallocarray(t->cells, base + t->n_columns, sizeof(*n));

        if (!n)
                return -ENOMEM;
        t->cells = n;
        for (size_t i = 0; i < t->n_columns; i++) {
                n[base + i] = strdup(cells[i] ?: "-");
                if (!n[base + i]) {
                        while (i > 0)
                                free(n[base + --i]);
                        return -ENOMEM;
                }
        }
        t->n_rows++;
        return 0;
}

/* cdmctl_table_rows() - number of rows added so far. */
size_t cdmctl_table_rows(const cdmctl_table *t)
{
        return t->n_rows;
}

static void table_line(const cdmctl_table *t, strbuf *b, const size_t *width, const char *const *cells)
{
        for (size_t c = 0; c < t->n_columns; c++) {
                bool last = c + 1 == t->n_columns;
                const char *sep = c ? "  " : "";

                if (t->columns[c].right)
                        strbuf_printf(b, "%s%*s", sep, (int) width[c], cells[c]);
                else if (last) /* no trailing blanks */
                        strbuf_printf(b, "%s%s", sep, cells[c]);
                else
                        strbuf_printf(b, "%s%-*s", sep, (int) width[c], cells[c]);
        }
        strbuf_append(b, "\n");
}

/**
 * cdmctl_table_format() - append the table with columns padded to their widest cell.
 * @t: the table.
 * @b: output.
 * @legend: print the header line.
 */
void cdmctl_table_format(const cdmctl_table *t, strbuf *b, bool legend)
{
        _cleanup_free_ size_t *width = calloc(t->n_columns, sizeof(*width));
        _cleanup_free_ const char **headers = calloc(t->n_columns, sizeof(*headers));

        if (!width || !headers) {
                b->oom = true;
                return;
        }
        for (size_t c = 0; c < t->n_columns; c++) {
                headers[c] = t->columns[c].header;
                width[c] = legend ? strlen(headers[c]) : 0;
                for (size_t r = 0; r < t->n_rows; r++)
                        width[c] = MAX(width[c], strlen(t->cells[r * t->n_columns + c]));
        }
        if (legend)
                table_line(t, b, width, headers);
        for (size_t r = 0; r < t->n_rows; r++)
                table_line(t, b, width, (const char *const *) &t->cells[r * t->n_columns]);
}

static void table_footer(strbuf *b, size_t n, const char *one, const char *many, bool legend)
{
        if (legend)
                strbuf_printf(b, "\n%zu %s listed.\n", n, n == 1 ? one : many);
}

/* ---- the list methods ---- */

/*
 * cdmctl_devices_text(), cdmctl_jobs_text(), cdmctl_audit_text(), cdmctl_plan_text() - append
 * the rows of one list method as a table; with @legend, a header line and a "N ... listed."
 * footer (audit and plan say so in words when the list is empty).
 * Return: 0, or -ENOMEM.
 *
 * cdmctl_*_json() - append the same rows as one JSON array, keys as in cdmctl-format.h.
 */
int cdmctl_devices_text(strbuf *b, const cdmctl_device_row *rows, size_t n, bool legend)
{
        static const cdmctl_column cols[] = {
                { "NAME", false }, { "KIND", false }, { "STATE", false },
                { "NODES", false }, { "TOTAL", true }, { "FREE", true },
        };
        _cleanup_(cdmctl_table_freep) cdmctl_table *t = cdmctl_table_new(cols, ARRAY_SIZE(cols));

        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char total[FORMAT_BYTES_MAX], free_[FORMAT_BYTES_MAX];
                _cleanup_free_ uint64_t *ids = calloc(rows[i].n_nodes + 1, sizeof(*ids));
                strbuf nodes = STRBUF_NULL;
                int r;

                if (!ids)
                        return -ENOMEM;
                for (size_t j = 0; j < rows[i].n_nodes; j++)
                        ids[j] = rows[i].nodes[j];
                cdmctl_format_nodes(&nodes, ids, rows[i].n_nodes);
                r = cdmctl_table_add(t, (const char *[]){
                        rows[i].name, rows[i].kind, rows[i].state, nodes.s ?: "",
                        format_bytes(total, sizeof(total), rows[i].total_bytes),
                        format_bytes(free_, sizeof(free_), rows[i].free_bytes) });
                strbuf_done(&nodes);
                if (r < 0)
                        return r;
        }
        cdmctl_table_format(t, b, legend);
        table_footer(b, n, "device", "devices", legend);
        return 0;
}

void cdmctl_devices_json(strbuf *b, const cdmctl_device_row *rows, size_t n)
{
        strbuf_append(b, "[");
        for (size_t i = 0; i < n; i++) {
                strbuf_append(b, i ? ",{" : "{");
                cdmctl_json_str(b, "name", rows[i].name, true);
                cdmctl_json_str(b, "object", rows[i].object, false);
                cdmctl_json_str(b, "kind", rows[i].kind, false);
                cdmctl_json_str(b, "state", rows[i].state, false);
                strbuf_append(b, ",\"nodes\":[");
                for (size_t j = 0; j < rows[i].n_nodes; j++)
                        strbuf_printf(b, "%s%llu", j ? "," : "", (unsigned long long) rows[i].nodes[j]);
                strbuf_append(b, "]");
                cdmctl_json_u64(b, "total_bytes", rows[i].total_bytes);
                cdmctl_json_u64(b, "free_bytes", rows[i].free_bytes);
                strbuf_append(b, "}");
        }
        strbuf_append(b, "]");
}

int cdmctl_jobs_text(strbuf *b, const cdmctl_job_row *rows, size_t n, bool legend)
{
        static const cdmctl_column cols[] = {
                { "ID", false }, { "DEVICE", false }, { "QUOTA", true },
                { "USED", true }, { "STATE", false }, { "CGROUP", false },
        };
        _cleanup_(cdmctl_table_freep) cdmctl_table *t = cdmctl_table_new(cols, ARRAY_SIZE(cols));

        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char quota[FORMAT_BYTES_MAX], used[FORMAT_BYTES_MAX];
                int r;

                r = cdmctl_table_add(t, (const char *[]){
                        rows[i].id, rows[i].device,
                        format_bytes(quota, sizeof(quota), rows[i].quota_bytes),
                        format_bytes(used, sizeof(used), rows[i].device_bytes),
                        rows[i].state, rows[i].cgroup });
                if (r < 0)
                        return r;
        }
        cdmctl_table_format(t, b, legend);
        table_footer(b, n, "job", "jobs", legend);
        return 0;
}

void cdmctl_jobs_json(strbuf *b, const cdmctl_job_row *rows, size_t n)
{
        strbuf_append(b, "[");
        for (size_t i = 0; i < n; i++) {
                strbuf_append(b, i ? ",{" : "{");
                cdmctl_json_str(b, "id", rows[i].id, true);
                cdmctl_json_str(b, "object", rows[i].object, false);
                cdmctl_json_str(b, "cgroup", rows[i].cgroup, false);
                cdmctl_json_str(b, "device", rows[i].device, false);
                cdmctl_json_u64(b, "quota_bytes", rows[i].quota_bytes);
                cdmctl_json_u64(b, "device_bytes", rows[i].device_bytes);
                cdmctl_json_str(b, "state", rows[i].state, false);
                strbuf_append(b, "}");
        }
        strbuf_append(b, "]");
}

int cdmctl_audit_text(strbuf *b, const cdmctl_audit_row *rows, size_t n, bool legend)
{
        static const cdmctl_column cols[] = {
                { "OWNER", false }, { "DEVICE", false }, { "SPILLED", true },
                { "REPAIRED", true }, { "KERNEL", true },
        };
        _cleanup_(cdmctl_table_freep) cdmctl_table *t = cdmctl_table_new(cols, ARRAY_SIZE(cols));

        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char s[FORMAT_BYTES_MAX], r_[FORMAT_BYTES_MAX], k[FORMAT_BYTES_MAX];
                int r;

                r = cdmctl_table_add(t, (const char *[]){
                        rows[i].owner, rows[i].device,
                        format_bytes(s, sizeof(s), rows[i].spilled_bytes),
                        format_bytes(r_, sizeof(r_), rows[i].repaired_bytes),
                        format_bytes(k, sizeof(k), rows[i].kernel_bytes) });
                if (r < 0)
                        return r;
        }
        if (n == 0 && legend) {
                strbuf_append(b, "No spill found: every device holds only granted memory.\n");
                return 0;
        }
        cdmctl_table_format(t, b, legend);
        table_footer(b, n, "owner with spill", "owners with spill", legend);
        return 0;
}

void cdmctl_audit_json(strbuf *b, const cdmctl_audit_row *rows, size_t n)
{
        strbuf_append(b, "[");
        for (size_t i = 0; i < n; i++) {
                strbuf_append(b, i ? ",{" : "{");
                cdmctl_json_str(b, "owner", rows[i].owner, true);
                cdmctl_json_str(b, "device", rows[i].device, false);
                cdmctl_json_u64(b, "spilled_bytes", rows[i].spilled_bytes);
                cdmctl_json_u64(b, "repaired_bytes", rows[i].repaired_bytes);
                cdmctl_json_u64(b, "kernel_bytes", rows[i].kernel_bytes);
                strbuf_append(b, "}");
        }
        strbuf_append(b, "]");
}

int cdmctl_plan_text(strbuf *b, const cdmctl_plan_row *rows, size_t n, bool legend)
{
        static const cdmctl_column cols[] = {
                { "OBJECT", false }, { "CURRENT", false }, { "DESIRED", false }, { "REASON", false },
        };
        _cleanup_(cdmctl_table_freep) cdmctl_table *t = cdmctl_table_new(cols, ARRAY_SIZE(cols));

        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                /* An empty current value (file missing or empty) would vanish from the table. */
                const char *cur = rows[i].current && *rows[i].current ? rows[i].current : "\"\"";
                int r = cdmctl_table_add(t, (const char *[]){ rows[i].object, cur,
                                                               rows[i].desired, rows[i].reason });

                if (r < 0)
                        return r;
        }
        if (n == 0 && legend) {
                strbuf_append(b, "Nothing to change: every kernel setting is as planned.\n");
                return 0;
        }
        cdmctl_table_format(t, b, legend);
        table_footer(b, n, "change", "changes", legend);
        return 0;
}

int cdmctl_moves_text(strbuf *b, const cdmctl_move_row *rows, size_t n, bool legend)
{
        static const cdmctl_column cols[] = {
                { "KIND", false }, { "CGROUP", false }, { "DEVICE", false }, { "TO", false },
                { "BYTES", true }, { "REASON", false },
        };
        _cleanup_(cdmctl_table_freep) cdmctl_table *t = cdmctl_table_new(cols, ARRAY_SIZE(cols));

        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char bytes[FORMAT_BYTES_MAX] = "all";
                int r;

                if (rows[i].bytes != UINT64_MAX)
                        format_bytes(bytes, sizeof(bytes), rows[i].bytes);
                r = cdmctl_table_add(t, (const char *[]){ rows[i].kind,
                                                rows[i].cgroup && *rows[i].cgroup ? rows[i].cgroup : "every process",
                                                rows[i].device, rows[i].to, bytes, rows[i].reason });
                if (r < 0)
                        return r;
        }
        if (n == 0 && legend) {
                strbuf_append(b, "No page move to make.\n");
                return 0;
        }
        cdmctl_table_format(t, b, legend);
        table_footer(b, n, "move", "moves", legend);
        return 0;
}

void cdmctl_moves_json(strbuf *b, const cdmctl_move_row *rows, size_t n)
{
        strbuf_append(b, "[");
        for (size_t i = 0; i < n; i++) {
                strbuf_append(b, i ? ",{" : "{");
                cdmctl_json_str(b, "kind", rows[i].kind, true);
                cdmctl_json_str(b, "cgroup", rows[i].cgroup, false);
                cdmctl_json_str(b, "device", rows[i].device, false);
                cdmctl_json_str(b, "to", rows[i].to, false);
                if (rows[i].bytes == UINT64_MAX)
                        strbuf_append(b, ",\"bytes\":null");
                else
                        cdmctl_json_u64(b, "bytes", rows[i].bytes);
                cdmctl_json_str(b, "reason", rows[i].reason, false);
                strbuf_append(b, "}");
        }
        strbuf_append(b, "]");
}

void cdmctl_plan_json(strbuf *b, const cdmctl_plan_row *rows, size_t n)
{
        strbuf_append(b, "[");
        for (size_t i = 0; i < n; i++) {
                strbuf_append(b, i ? ",{" : "{");
                cdmctl_json_str(b, "object", rows[i].object, true);
                cdmctl_json_str(b, "current", rows[i].current, false);
                cdmctl_json_str(b, "desired", rows[i].desired, false);
                cdmctl_json_str(b, "reason", rows[i].reason, false);
                strbuf_append(b, "}");
        }
        strbuf_append(b, "]");
}
