/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "manager-events.h"
#include "util/macro.h"

const char *manager_event_kind_to_string(ManagerEventKind k)
{
        static const char *const names[] = {
                "JobAdded", "JobRemoved", "JobChanged", "QuotaExceeded", "SpillDetected", "SpillRepaired",
                "AuditDone", "ManagerChanged", "DeviceChanged", "DeviceStateChanged", "MigrationAdded",
                "MigrationChanged", "MigrationFinished", "MigrationRemoved",
        };

        return (unsigned) k < ARRAY_SIZE(names) ? names[k] : "unknown";
}

static void event_free(ManagerEvent *ev)
{
        free((char *) ev->id);
        free((char *) ev->device);
        free((char *) ev->text);
        free((char *) ev->text2);
}

static bool copy_str(const char *s, const char **ret)
{
        *ret = s ? strdup(s) : NULL;
        return !s || *ret;
}

void manager_events_add(ManagerEvents *e, const ManagerEvent *ev)
{
        ManagerEvent c = { .kind = ev->kind, .bytes = ev->bytes, .limit = ev->limit, .number = ev->number };

        if (!e->enabled)
                return;
        if (e->n >= MANAGER_EVENTS_MAX) {
                if (e->dropped++ == 0)
                        log_warning("More than %d changes to announce at once: some are not announced.",
                                        MANAGER_EVENTS_MAX);
                return;
        }
        if (e->n == e->cap) {
                size_t cap = MAX(e->cap * 2, (size_t) 64);
                ManagerEvent *items = realloc(e->items, cap * sizeof(*items));

                if (!items) {
                        e->dropped++;
                        return;
                }
                e->items = items;
                e->cap = cap;
        }
        if (!copy_str(ev->id, &c.id) || !copy_str(ev->device, &c.device) || !copy_str(ev->text, &c.text) ||
                        !copy_str(ev->text2, &c.text2)) {
                event_free(&c);
                e->dropped++;
                return;
        }
        e->items[e->n++] = c;
}

size_t manager_events_take(ManagerEvents *e, ManagerEvent **ret)
{
        size_t n = e->n;

        *ret = TAKE_PTR(e->items);
        e->n = e->cap = 0;
        return n;
}

void manager_events_free(ManagerEvent *items, size_t n)
{
        for (size_t i = 0; i < n; i++)
                event_free(&items[i]);
        free(items);
}

void manager_events_done(ManagerEvents *e)
{
        manager_events_free(e->items, e->n);
        *e = (ManagerEvents){ 0 };
}
