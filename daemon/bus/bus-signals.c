/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The records of what changed (manager-events.h) become signals and PropertiesChanged here
 * and nowhere else. An ev_prepare watcher takes them right before the loop blocks, so a
 * call's signals follow its reply, and at the loop's highest priority, so it runs before
 * ev-sdbus.c arms the bus's fd for what they queue (systemd, too, sends its unit and job
 * changes from a queue in its loop: manager_dispatch_dbus_queue()). A property change for a
 * job or migration that is gone by then is not sent; its removal is.
 */

#include <ev.h>
#include <stdlib.h>

#include "bus-signals.h"
#include "log.h"
#include "bus-names.h"
#include "migration-bus.h"
#include "objects-bus.h"

struct BusSignals {
        ev_prepare prepare;
};

static void announce(Manager *m, const ManagerEvent *ev)
{
        switch (ev->kind) {
        case MANAGER_EVENT_JOB_ADDED:
                bus_emit_job_added(m, ev->id);
                break;
        case MANAGER_EVENT_JOB_REMOVED:
                bus_emit_job_removed(m, ev->id, ev->text ?: "");
                break;
        case MANAGER_EVENT_JOB_CHANGED:
                bus_emit_job_changed(m, ev->id);
                break;
        case MANAGER_EVENT_QUOTA_EXCEEDED:
                bus_emit_quota_exceeded(m, ev->id, ev->bytes, ev->limit);
                break;
        case MANAGER_EVENT_SPILL_DETECTED:
        case MANAGER_EVENT_SPILL_REPAIRED:
                bus_emit_spill(m, manager_event_kind_to_string(ev->kind), ev->id, ev->device, ev->bytes);
                break;
        case MANAGER_EVENT_AUDIT_DONE:
                bus_emit_audit_done(m);
                break;
        case MANAGER_EVENT_MANAGER_CHANGED:
                bus_emit_manager_changed(m, ev->id);
                break;
        case MANAGER_EVENT_DEVICE_CHANGED:
                bus_emit_device_changed(m, ev->device);
                break;
        case MANAGER_EVENT_DEVICE_STATE:
                bus_emit_device_state(m, ev->device, ev->text ?: "", ev->text2 ?: "");
                break;
        case MANAGER_EVENT_MIGRATION_ADDED:
                bus_emit_migration_added(m, ev->number);
                break;
        case MANAGER_EVENT_MIGRATION_CHANGED:
                bus_emit_migration(m, ev->number);
                break;
        case MANAGER_EVENT_MIGRATION_FINISHED:
                bus_emit_migration_finished(m, ev->number, ev->id ?: "", ev->bytes, ev->limit, ev->text ?: "");
                break;
        case MANAGER_EVENT_MIGRATION_REMOVED:
                bus_emit_migration_removed(m, ev->number);
                break;
        case _MANAGER_EVENT_MAX:
                break;
        }
}

void bus_signals_flush(Manager *m)
{
        ManagerEvent *evs = NULL;
        size_t n = manager_events_take(&m->events, &evs);

        for (size_t i = 0; i < n; i++)
                announce(m, &evs[i]);
        manager_events_free(evs, n);
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
        bus_signals_flush(w->data);
}

int bus_signals_start(Manager *m)
{
        struct BusSignals *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        ev_prepare_init(&s->prepare, on_prepare);
        s->prepare.data = m;
        ev_set_priority(&s->prepare, EV_MAXPRI);
        ev_prepare_start(m->loop, &s->prepare);
        m->bus_signals = s;
        m->events.enabled = true;
        return 0;
}

void bus_signals_stop(Manager *m)
{
        if (!m->bus_signals)
                return;
        bus_signals_flush(m);
        m->events.enabled = false;
        ev_prepare_stop(m->loop, &m->bus_signals->prepare);
        free(m->bus_signals);
        m->bus_signals = NULL;
}
