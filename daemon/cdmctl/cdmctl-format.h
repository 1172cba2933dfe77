/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The output half of cdmctl: property lists and their key/value views and JSON, monitor
 * lines, the progress bar. Tables are in cdmctl-table.h, the command line in cdmctl-args.h. Nothing here
 * talks to the bus, reads a clock or writes to a file descriptor: callers pass in plain
 * structs and the current time, and get text appended to a strbuf.
 *
 * JSON keys are the D-Bus property (or signal argument) names converted to snake_case:
 * "TotalBytes" → "total_bytes", "ReadBandwidthMBps" → "read_bandwidth_mbps",
 * "CGroup" → "cgroup". Sizes in JSON are always exact bytes; tables print them with K/M/G/T
 * suffixes (powers of 1024).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/* One value of a property or signal argument. Owned by the list that holds it. */
typedef enum cdmctl_value_type {
        CDMCTL_VALUE_STRING,
        CDMCTL_VALUE_BOOL,
        CDMCTL_VALUE_UNSIGNED,
        CDMCTL_VALUE_SIGNED,
        CDMCTL_VALUE_UNSIGNED_ARRAY,
        CDMCTL_VALUE_STRING_ARRAY,
} cdmctl_value_type;

typedef struct cdmctl_prop {
        char *name;
        cdmctl_value_type type;
        char *str;
        bool b;
        uint64_t u;
        int64_t i;
        uint64_t *uv;
        char **sv;
        size_t n; /* elements of uv or sv */
} cdmctl_prop;

typedef struct cdmctl_props {
        cdmctl_prop *items;
        size_t n;
        bool oom;
} cdmctl_props;

#define CDMCTL_PROPS_NULL ((cdmctl_props){ 0 })

void cdmctl_props_done(cdmctl_props *p);
cdmctl_prop *cdmctl_props_add(cdmctl_props *p, const char *name, cdmctl_value_type type);
void cdmctl_props_add_string(cdmctl_props *p, const char *name, const char *s);
void cdmctl_props_add_unsigned(cdmctl_props *p, const char *name, uint64_t u);
void cdmctl_props_add_bool(cdmctl_props *p, const char *name, bool b);
void cdmctl_prop_append_unsigned(cdmctl_props *p, cdmctl_prop *prop, uint64_t u);
void cdmctl_prop_append_string(cdmctl_props *p, cdmctl_prop *prop, const char *s);
const cdmctl_prop *cdmctl_props_find(const cdmctl_props *p, const char *name);

/* Clocks as read by the caller, for "3s ago" and wall-clock stamps. */
typedef struct cdmctl_now {
        uint64_t realtime_usec;
        uint64_t monotonic_usec;
} cdmctl_now;

void cdmctl_snake_case(strbuf *b, const char *name);
char *cdmctl_format_timespan(char *buf, size_t size, uint64_t usec);
void cdmctl_format_nodes(strbuf *b, const uint64_t *nodes, size_t n);

void cdmctl_props_text(strbuf *b, const cdmctl_props *p, const cdmctl_now *now);
void cdmctl_props_json_members(strbuf *b, const cdmctl_props *p);
void cdmctl_props_json(strbuf *b, const cdmctl_props *p);
void cdmctl_status_text(strbuf *b, const cdmctl_props *m, const cdmctl_now *now);
void cdmctl_json_str(strbuf *b, const char *key, const char *value, bool first);
void cdmctl_json_u64(strbuf *b, const char *key, uint64_t value);

/* The monitor: one line (or one JSON object) per signal. */
typedef struct cdmctl_event {
        const char *signal;         /* member name */
        const char *path;           /* object the signal came from */
        const char *interface;      /* for PropertiesChanged: the interface that changed */
        const cdmctl_props *args;   /* signal arguments, or the changed properties */
        char *const *invalidated;   /* PropertiesChanged only, NULL-terminated or NULL */
} cdmctl_event;

void cdmctl_event_format(strbuf *b, const cdmctl_event *e, bool json);

/* Migration progress and result. */
typedef struct cdmctl_migration {
        const char *object, *job, *target, *state;
        uint64_t total_bytes, moved_bytes, failed_bytes;
} cdmctl_migration;

void cdmctl_progress_bar(strbuf *b, const char *label, uint64_t done, uint64_t total,
                         unsigned columns);
void cdmctl_migration_format(strbuf *b, const cdmctl_migration *m, bool json);
