/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Tables of cdmctl (pure): a generic aligned table and the rows of the Manager's list methods. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/* A systemctl-style table: header (with legend), aligned columns, footer (with legend). */
typedef struct cdmctl_column {
        const char *header;
        bool right;
} cdmctl_column;

typedef struct cdmctl_table cdmctl_table;

cdmctl_table *cdmctl_table_new(const cdmctl_column *columns, size_t n_columns);
cdmctl_table *cdmctl_table_free(cdmctl_table *t);
int cdmctl_table_add(cdmctl_table *t, const char *const *cells);
size_t cdmctl_table_rows(const cdmctl_table *t);
void cdmctl_table_format(const cdmctl_table *t, strbuf *b, bool legend);

/* Rows of the list methods; strings are borrowed (from the reply message, or literals). */
typedef struct cdmctl_device_row {
        const char *name, *object, *kind, *state;
        const uint32_t *nodes; /* borrowed too: sd_bus_message_read_array() */
        size_t n_nodes;
        uint64_t total_bytes, free_bytes;
} cdmctl_device_row;

typedef struct cdmctl_job_row {
        const char *id, *object, *cgroup, *device;
        uint64_t quota_bytes, device_bytes;
        const char *state;
} cdmctl_job_row;

typedef struct cdmctl_audit_row {
        const char *owner, *device;
        uint64_t spilled_bytes, repaired_bytes, kernel_bytes;
} cdmctl_audit_row;

typedef struct cdmctl_plan_row {
        const char *object, *current, *desired, *reason;
} cdmctl_plan_row;

typedef struct cdmctl_move_row {
        const char *kind, *cgroup, *device, *to, *reason;
        uint64_t bytes; /* UINT64_MAX: whatever is there */
} cdmctl_move_row;

int cdmctl_devices_text(strbuf *b, const cdmctl_device_row *rows, size_t n, bool legend);
void cdmctl_devices_json(strbuf *b, const cdmctl_device_row *rows, size_t n);
int cdmctl_jobs_text(strbuf *b, const cdmctl_job_row *rows, size_t n, bool legend);
void cdmctl_jobs_json(strbuf *b, const cdmctl_job_row *rows, size_t n);
int cdmctl_audit_text(strbuf *b, const cdmctl_audit_row *rows, size_t n, bool legend);
void cdmctl_audit_json(strbuf *b, const cdmctl_audit_row *rows, size_t n);
int cdmctl_plan_text(strbuf *b, const cdmctl_plan_row *rows, size_t n, bool legend);
void cdmctl_plan_json(strbuf *b, const cdmctl_plan_row *rows, size_t n);
int cdmctl_moves_text(strbuf *b, const cdmctl_move_row *rows, size_t n, bool legend);
void cdmctl_moves_json(strbuf *b, const cdmctl_move_row *rows, size_t n);
