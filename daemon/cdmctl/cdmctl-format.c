/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cdmctl output, without the bus: key/value views of D-Bus properties, JSON documents,
 * monitor lines and the migration progress bar. The tables of the list methods are in
 * cdmctl-table.c.
 *
 * Invariants: tables never change a value, only its spelling (sizes shortened to K/M/G/T,
 * rounded down); JSON always carries exact numbers and D-Bus names in snake_case; nothing
 * here reads a clock (the caller passes a cdmctl_now) or writes anywhere but a strbuf.
 * Command-line parsing and the verb table check live in cdmctl-args.c.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdmctl-format.h"
#include "util/format.h"
#include "util/macro.h"

/* ---- property lists ---- */

static void prop_done(cdmctl_prop *p)
{
        free(p->name);
        free(p->str);
        free(p->uv);
        for (size_t i = 0; p->sv && i < p->n; i++)
                free(p->sv[i]);
        free(p->sv);
}

/**
 * cdmctl_props_done() - free every property of a list and reset it to empty.
 * @p: the list; may be empty.
 */
void cdmctl_props_done(cdmctl_props *p)
{
        for (size_t i = 0; i < p->n; i++)
                prop_done(&p->items[i]);
        free(p->items);
        *p = CDMCTL_PROPS_NULL;
}

/**
 * cdmctl_props_add() - append an empty property of @type named @name.
 * @p: the list.
 * @name: copied.
 * @type: kind of value the caller will fill in.
 *
 * Allocation failures are sticky: they set @p->oom and return NULL, later adds are ignored.
 * Return: the new property, owned by @p, or NULL.
 */
cdmctl_prop *cdmctl_props_add(cdmctl_props *p, const char *name, cdmctl_value_type type)
{
        cdmctl_prop *items, *prop;

        if (p->oom)
                return NULL;
        items = reallocarray(p->items, p->n + 1, sizeof(*items));
        if (!items) {
                p->oom = true;
                return NULL;
        }
        p->items = items;
        prop = &items[p->n];
        *prop = (cdmctl_prop){ .type = type, .name = strdup(name) };
        if (!prop->name) {
                p->oom = true;
                return NULL;
        }
        p->n++;
        return prop;
}

/* cdmctl_props_add_string() - append a string property (@s copied; NULL is ""). */
void cdmctl_props_add_string(cdmctl_props *p, const char *name, const char *s)
{
        cdmctl_prop *prop = cdmctl_props_add(p, name, CDMCTL_VALUE_STRING);

        if (!prop)
                return;
        prop->str = strdup(s ?: "");
        if (!prop->str)
                p->oom = true;
}

/* cdmctl_props_add_unsigned() - append an unsigned property. */
void cdmctl_props_add_unsigned(cdmctl_props *p, const char *name, uint64_t u)
{
        cdmctl_prop *prop = cdmctl_props_add(p, name, CDMCTL_VALUE_UNSIGNED);

        if (prop)
                prop->u = u;
}

/* cdmctl_props_add_bool() - append a boolean property. */
void cdmctl_props_add_bool(cdmctl_props *p, const char *name, bool b)
{
        cdmctl_prop *prop = cdmctl_props_add(p, name, CDMCTL_VALUE_BOOL);

        if (prop)
                prop->b = b;
}

/* cdmctl_prop_append_unsigned() - add an element to @prop, an unsigned array of @p. */
void cdmctl_prop_append_unsigned(cdmctl_props *p, cdmctl_prop *prop, uint64_t u)
{
        uint64_t *uv = reallocarray(prop->uv, prop->n + 1, sizeof(*uv));

        if (!uv) {
                p->oom = true;
                return;
        }
        uv[prop->n++] = u;
        prop->uv = uv;
}

/* cdmctl_prop_append_string() - add a copy of @s to @prop, a string array of @p. */
void cdmctl_prop_append_string(cdmctl_props *p, cdmctl_prop *prop, const char *s)
{
        char **sv = reallocarray(prop->sv, prop->n + 2, sizeof(*sv));

        if (!sv) {
                p->oom = true;
                return;
        }
        prop->sv = sv;
        sv[prop->n] = strdup(s);
        if (!sv[prop->n]) {
                p->oom = true;
                return;
        }
        sv[++prop->n] = NULL;
}

/* cdmctl_props_find() - the property named @name, or NULL. */
const cdmctl_prop *cdmctl_props_find(const cdmctl_props *p, const char *name)
{
        for (size_t i = 0; i < p->n; i++)
                if (streq(p->items[i].name, name))
                        return &p->items[i];
        return NULL;
}

/* ---- spelling of single values ---- */

/**
 * cdmctl_snake_case() - append a D-Bus name in snake_case: an underscore goes before an
 * upper-case letter that follows a lower-case letter or digit, so acronyms stay whole
 * ("ReadBandwidthMBps" → "read_bandwidth_mbps", "CGroup" → "cgroup").
 * @b: output.
 * @name: a D-Bus member, property or argument name.
 */
void cdmctl_snake_case(strbuf *b, const char *name)
{
        for (const char *p = name; *p; p++) {
                char c = *p;

                if (c >= 'A' && c <= 'Z') {
                        if (p > name && ((p[-1] >= 'a' && p[-1] <= 'z') ||
                                         (p[-1] >= '0' && p[-1] <= '9')))
                                strbuf_append(b, "_");
                        c = (char) (c - 'A' + 'a');
                }
                strbuf_appendn(b, &c, 1);
        }
}

/**
 * cdmctl_format_timespan() - "0", "200ms", "1s 500ms", "1h 2min": at most two units.
 * @buf: output buffer.
 * @size: its size; 32 bytes always suffice.
 * @usec: the span in microseconds.
 * Return: @buf.
 */
char *cdmctl_format_timespan(char *buf, size_t size, uint64_t usec)
{
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = { { "d", 86400000000ULL }, { "h", 3600000000ULL }, { "min", 60000000ULL },
                      { "s", 1000000ULL },     { "ms", 1000ULL },       { "us", 1ULL } };
        size_t len = 0;
        int parts = 0;

        if (size == 0)
                return buf;
        buf[0] = 0;
        if (usec == 0) {
                (void) snprintf(buf, size, "0");
                return buf;
        }
        for (size_t i = 0; i < ARRAY_SIZE(units) && parts < 2 && usec > 0; i++) {
                uint64_t v = usec / units[i].usec;

                if (v == 0) {
                        if (parts > 0)
                                break; /* "1h 0min 5s" would be noise: stop at a gap */
                        continue;
                }
                usec -= v * units[i].usec;
                (void) snprintf(buf + len, size - len, "%s%llu%s", parts ? " " : "",
                                (unsigned long long) v, units[i].suffix);
                len = strlen(buf);
                parts++;
        }
        return buf;
}

/**
 * cdmctl_format_nodes() - append node ids in the kernel's list syntax ("0-3,8").
 * @b: output.
 * @nodes: ids in the order the daemon gave them; runs of consecutive ids become ranges.
 * @n: number of ids.
 */
void cdmctl_format_nodes(strbuf *b, const uint64_t *nodes, size_t n)
{
        for (size_t i = 0; i < n;) {
                size_t j = i;

                while (j + 1 < n && nodes[j + 1] == nodes[j] + 1)
                        j++;
                strbuf_printf(b, "%s%llu", i ? "," : "", (unsigned long long) nodes[i]);
                if (j > i)
                        strbuf_printf(b, "-%llu", (unsigned long long) nodes[j]);
                i = j + 1;
        }
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && streq(s + a - b, suffix);
}

static void append_bytes(strbuf *b, uint64_t bytes)
{
        char buf[FORMAT_BYTES_MAX];

        strbuf_append(b, format_bytes(buf, sizeof(buf), bytes));
}

static void append_realtime(strbuf *b, uint64_t usec, const cdmctl_now *now)
{
        char buf[64], span[32];
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        if (usec == 0) {
                strbuf_append(b, "n/a");
                return;
        }
        if (!localtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                strbuf_printf(b, "@%llu", (unsigned long long) (usec / 1000000));
        else
                strbuf_append(b, buf);
        if (now && now->realtime_usec >= usec)
                strbuf_printf(b, "; %s ago",
                              cdmctl_format_timespan(span, sizeof(span), (now->realtime_usec - usec) / 1000000 * 1000000));
}

static void append_monotonic(strbuf *b, uint64_t usec, const cdmctl_now *now)
{
        char span[32];

        if (usec == 0)
                strbuf_append(b, "never");
        else if (!now || now->monotonic_usec < usec)
                strbuf_printf(b, "at %s after boot", cdmctl_format_timespan(span, sizeof(span), usec));
        else
                strbuf_printf(b, "%s ago",
                              cdmctl_format_timespan(span, sizeof(span), (now->monotonic_usec - usec) / 1000 * 1000));
}

/* The value of one property as a person reads it: sizes shortened, times made relative. */
static void prop_text_value(strbuf *b, const cdmctl_prop *p, const cdmctl_now *now, size_t indent)
{
        char span[32];

        switch (p->type) {
        case CDMCTL_VALUE_STRING:
                strbuf_append(b, p->str);
                break;
        case CDMCTL_VALUE_BOOL:
                strbuf_append(b, p->b ? "yes" : "no");
                break;
        case CDMCTL_VALUE_SIGNED:
                strbuf_printf(b, "%lld", (long long) p->i);
                break;
        case CDMCTL_VALUE_UNSIGNED:
                if (ends_with(p->name, "Bytes"))
                        append_bytes(b, p->u);
                else if (streq(p->name, "CreatedUSec"))
                        append_realtime(b, p->u, now);
                else if (streq(p->name, "LastAuditUSec"))
                        append_monotonic(b, p->u, now);
                else if (ends_with(p->name, "USec"))
                        strbuf_append(b, cdmctl_format_timespan(span, sizeof(span), p->u));
                else
                        strbuf_printf(b, "%llu", (unsigned long long) p->u);
                break;
        case CDMCTL_VALUE_UNSIGNED_ARRAY:
                cdmctl_format_nodes(b, p->uv, p->n);
                break;
        case CDMCTL_VALUE_STRING_ARRAY:
                /* One element a line, aligned under the first, as systemctl status does. */
                for (size_t i = 0; i < p->n; i++)
                        strbuf_printf(b, "%s%*s%s", i ? "\n" : "", i ? (int) indent : 0, "",
                                      p->sv[i]);
                break;
        }
}

/**
 * cdmctl_props_text() - append "  Name: value" lines, names right-aligned on the colon.
 * @b: output.
 * @p: the properties, in the order to show them.
 * @now: current clocks for relative times; NULL prints absolute ones only.
 */
void cdmctl_props_text(strbuf *b, const cdmctl_props *p, const cdmctl_now *now)
{
        size_t width = 0;

        for (size_t i = 0; i < p->n; i++)
                width = MAX(width, strlen(p->items[i].name));
        for (size_t i = 0; i < p->n; i++) {
                strbuf_printf(b, "%*s: ", (int) width, p->items[i].name);
                prop_text_value(b, &p->items[i], now, width + 2);
                strbuf_append(b, "\n");
        }
}

static void json_key(strbuf *b, const char *name)
{
        strbuf_append(b, "\"");
        cdmctl_snake_case(b, name);
        strbuf_append(b, "\":");
}

static void prop_json_value(strbuf *b, const cdmctl_prop *p)
{
        switch (p->type) {
        case CDMCTL_VALUE_STRING:
                strbuf_append_json_string(b, p->str);
                break;
        case CDMCTL_VALUE_BOOL:
                strbuf_append(b, p->b ? "true" : "false");
                break;
        case CDMCTL_VALUE_SIGNED:
                strbuf_printf(b, "%lld", (long long) p->i);
                break;
        case CDMCTL_VALUE_UNSIGNED:
                strbuf_printf(b, "%llu", (unsigned long long) p->u);
                break;
        case CDMCTL_VALUE_UNSIGNED_ARRAY:
                strbuf_append(b, "[");
                for (size_t i = 0; i < p->n; i++)
                        strbuf_printf(b, "%s%llu", i ? "," : "", (unsigned long long) p->uv[i]);
                strbuf_append(b, "]");
                break;
        case CDMCTL_VALUE_STRING_ARRAY:
                strbuf_append(b, "[");
                for (size_t i = 0; i < p->n; i++) {
                        if (i)
                                strbuf_append(b, ",");
                        strbuf_append_json_string(b, p->sv[i]);
                }
                strbuf_append(b, "]");
                break;
        }
}

/**
 * cdmctl_props_json_members() - append "key":value pairs, comma-separated, without braces,
 * so that callers can merge properties with other members of one object.
 * @b: output.
 * @p: the properties; keys are their names in snake_case.
 */
void cdmctl_props_json_members(strbuf *b, const cdmctl_props *p)
{
        for (size_t i = 0; i < p->n; i++) {
                if (i)
                        strbuf_append(b, ",");
                json_key(b, p->items[i].name);
                prop_json_value(b, &p->items[i]);
        }
}

/* cdmctl_props_json() - append the properties as one JSON object. */
void cdmctl_props_json(strbuf *b, const cdmctl_props *p)
{
        strbuf_append(b, "{");
        cdmctl_props_json_members(b, p);
        strbuf_append(b, "}");
}

/**
 * cdmctl_status_text() - the head of "cdmctl status": one verdict line, then the Manager's
 * isolation properties in words. Properties the daemon did not send are left out.
 * @b: output.
 * @m: properties of org.cdmd.cdmd1.Manager.
 * @now: current clocks, for "last audit 2s ago".
 */
void cdmctl_status_text(strbuf *b, const cdmctl_props *m, const cdmctl_now *now)
{
        const cdmctl_prop *version = cdmctl_props_find(m, "Version"),
                          *isolated = cdmctl_props_find(m, "Isolated"),
                          *spilled = cdmctl_props_find(m, "SpilledBytes"),
                          *repaired = cdmctl_props_find(m, "RepairedBytes"),
                          *last = cdmctl_props_find(m, "LastAuditUSec"),
                          *interval = cdmctl_props_find(m, "AuditIntervalUSec");
        bool ok = isolated && isolated->type == CDMCTL_VALUE_BOOL && isolated->b;
        char span[32];

        strbuf_printf(b, "%s cdmd %s: %s\n", ok ? "\u25cf" : "\u00d7",
                      version && version->type == CDMCTL_VALUE_STRING ? version->str : "",
                      ok ? "isolated" : "NOT isolated");
        if (isolated)
                strbuf_printf(b, "      Isolated: %s\n", ok ? "yes" : "no");
        if (spilled && spilled->type == CDMCTL_VALUE_UNSIGNED) {
                strbuf_append(b, "       Spilled: ");
                append_bytes(b, spilled->u);
                strbuf_append(b, " found by the last audit\n");
        }
        if (repaired && repaired->type == CDMCTL_VALUE_UNSIGNED) {
                strbuf_append(b, "      Repaired: ");
                append_bytes(b, repaired->u);
                strbuf_append(b, " since start\n");
        }
        if (last && last->type == CDMCTL_VALUE_UNSIGNED) {
                strbuf_append(b, "    Last audit: ");
                append_monotonic(b, last->u, now);
                if (interval && interval->type == CDMCTL_VALUE_UNSIGNED)
                        strbuf_printf(b, ", every %s",
                                      cdmctl_format_timespan(span, sizeof(span), interval->u));
                strbuf_append(b, "\n");
        }
}

/**
 * cdmctl_json_str() - append a JSON object member with a string value.
 * @b: output.
 * @key: the key, already in snake_case.
 * @value: the value; NULL is written as "".
 * @first: no comma before it.
 */
void cdmctl_json_str(strbuf *b, const char *key, const char *value, bool first)
{
        strbuf_printf(b, "%s\"%s\":", first ? "" : ",", key);
        strbuf_append_json_string(b, value ?: "");
}

/* cdmctl_json_u64() - append ',"key":number'; numbers are never the first member. */
void cdmctl_json_u64(strbuf *b, const char *key, uint64_t value)
{
        strbuf_printf(b, ",\"%s\":%llu", key, (unsigned long long) value);
}

/* ---- monitor ---- */

/* A word as is, or in double quotes with C escapes when it would not read back as one word. */
static void append_word(strbuf *b, const char *s)
{
        bool plain = *s != 0;

        for (const unsigned char *p = (const unsigned char *) s; *p && plain; p++)
                if (*p <= ' ' || *p == '"' || *p == '\\' || *p == '=' || *p == 0x7f)
                        plain = false;
        if (plain) {
                strbuf_append(b, s);
                return;
        }
        strbuf_append(b, "\"");
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        strbuf_printf(b, "\\%c", *p);
                else if (*p < ' ' || *p == 0x7f)
                        strbuf_printf(b, "\\x%02x", *p);
                else
                        strbuf_appendn(b, (const char *) p, 1);
        }
        strbuf_append(b, "\"");
}

static void prop_word_value(strbuf *b, const cdmctl_prop *p)
{
        strbuf w = STRBUF_NULL;

        switch (p->type) {
        case CDMCTL_VALUE_STRING:
                append_word(b, p->str);
                return;
        case CDMCTL_VALUE_STRING_ARRAY:
                for (size_t i = 0; i < p->n; i++)
                        strbuf_printf(&w, "%s%s", i ? "," : "", p->sv[i]);
                append_word(b, w.s ?: "");
                strbuf_done(&w);
                return;
        case CDMCTL_VALUE_UNSIGNED_ARRAY:
                for (size_t i = 0; i < p->n; i++)
                        strbuf_printf(b, "%s%llu", i ? "," : "", (unsigned long long) p->uv[i]);
                return;
        default:
                prop_json_value(b, p); /* numbers and booleans: exact, as in JSON */
        }
}

static void event_text(strbuf *b, const cdmctl_event *e)
{
        strbuf_append(b, e->signal);
        if (e->interface) {
                strbuf_append(b, " path=");
                append_word(b, e->path ?: "");
                strbuf_append(b, " interface=");
                append_word(b, e->interface);
        }
        for (size_t i = 0; e->args && i < e->args->n; i++) {
                /* Signal arguments are lower-case words, property names stay as on the bus. */
                strbuf_printf(b, " %s=", e->args->items[i].name);
                prop_word_value(b, &e->args->items[i]);
        }
        for (char *const *s = e->invalidated; s && *s; s++)
                strbuf_printf(b, " %s=?", *s);
        strbuf_append(b, "\n");
}

static void event_json(strbuf *b, const cdmctl_event *e)
{
        strbuf_append(b, "{\"signal\":");
        strbuf_append_json_string(b, e->signal);
        if (e->interface) {
                strbuf_append(b, ",\"path\":");
                strbuf_append_json_string(b, e->path ?: "");
                strbuf_append(b, ",\"interface\":");
                strbuf_append_json_string(b, e->interface);
                strbuf_append(b, ",\"changed\":");
                if (e->args)
                        cdmctl_props_json(b, e->args);
                else
                        strbuf_append(b, "{}");
                strbuf_append(b, ",\"invalidated\":[");
                for (char *const *s = e->invalidated; s && *s; s++) {
                        if (s != e->invalidated)
                                strbuf_append(b, ",");
                        strbuf_append_json_string(b, *s);
                }
                strbuf_append(b, "]}\n");
                return;
        }
        if (e->args && e->args->n > 0) {
                strbuf_append(b, ",");
                cdmctl_props_json_members(b, e->args);
        }
        strbuf_append(b, "}\n");
}

/**
 * cdmctl_event_format() - one monitor line: "SpillDetected owner=/x device=cdm1 bytes=4096",
 * or one JSON object on one line ({"signal":"SpillDetected","owner":"/x",...}).
 * @b: output; the line ends in a newline.
 * @e: the signal; @e->interface set means PropertiesChanged of that interface at @e->path.
 * @json: JSON instead of words.
 */
void cdmctl_event_format(strbuf *b, const cdmctl_event *e, bool json)
{
        if (json)
                event_json(b, e);
        else
                event_text(b, e);
}

/* ---- migration ---- */

static unsigned ratio(uint64_t part, uint64_t whole, unsigned scale)
{
        if (whole == 0)
                return 0;
        if (part >= whole)
                return scale;
        /* long double keeps 64 bits of mantissa on x86; elsewhere the bar is merely approximate */
        return (unsigned) ((long double) part * scale / (long double) whole);
}

/**
 * cdmctl_progress_bar() - "label [#######.......]  42% 1.2G/2.9G", at most @columns wide
 * (the bar shrinks first; below 10 cells it is left out).
 * @b: output; no newline.
 * @label: text before the bar.
 * @done: bytes moved.
 * @total: bytes to move; 0 means not known yet.
 * @columns: terminal width.
 */
void cdmctl_progress_bar(strbuf *b, const char *label, uint64_t done, uint64_t total,
                         unsigned columns)
{
        char d[FORMAT_BYTES_MAX], t[FORMAT_BYTES_MAX], tail[64];
        size_t fixed, cells;
        unsigned filled;

        /* Fixed width for the moving number, so that the bar does not jump as it grows. */
        (void) snprintf(tail, sizeof(tail), " %3u%% %7s/%s", ratio(done, total, 100),
                        format_bytes(d, sizeof(d), done), format_bytes(t, sizeof(t), total));
        fixed = strlen(label) + 3 + strlen(tail); /* " [" + "]" */
        cells = columns > fixed ? columns - fixed : 0;
        strbuf_append(b, label);
        if (cells >= 10) {
                cells = MIN(cells, (size_t) 50);
                filled = ratio(done, total, (unsigned) cells);
                strbuf_append(b, " [");
                for (size_t i = 0; i < cells; i++)
                        strbuf_append(b, i < filled ? "#" : ".");
                strbuf_append(b, "]");
        }
        strbuf_append(b, tail);
}

/**
 * cdmctl_migration_format() - the final line of "cdmctl migrate", or its JSON object.
 * @b: output, ending in a newline.
 * @m: the migration's last known properties.
 * @json: JSON with the Migration properties in snake_case, plus "object".
 */
void cdmctl_migration_format(strbuf *b, const cdmctl_migration *m, bool json)
{
        char t[FORMAT_BYTES_MAX], mv[FORMAT_BYTES_MAX], f[FORMAT_BYTES_MAX];

        if (json) {
                strbuf_append(b, "{");
                cdmctl_json_str(b, "object", m->object, true);
                cdmctl_json_str(b, "job", m->job, false);
                cdmctl_json_str(b, "target", m->target, false);
                cdmctl_json_str(b, "state", m->state, false);
                cdmctl_json_u64(b, "total_bytes", m->total_bytes);
                cdmctl_json_u64(b, "moved_bytes", m->moved_bytes);
                cdmctl_json_u64(b, "failed_bytes", m->failed_bytes);
                strbuf_append(b, "}\n");
                return;
        }
        strbuf_printf(b, "Migration of job %s to %s %s: moved %s of %s, %s failed.\n",
                      m->job ?: "?", m->target ?: "?", m->state ?: "unknown",
                      format_bytes(mv, sizeof(mv), m->moved_bytes),
                      format_bytes(t, sizeof(t), m->total_bytes),
                      format_bytes(f, sizeof(f), m->failed_bytes));
}
