/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sd-bus on a libev loop. sd-bus owns one fd and, at any moment, wants some poll events on
 * it and possibly a wake-up at an absolute CLOCK_MONOTONIC time (sd_bus_get_events(),
 * sd_bus_get_timeout()). Both change as messages are queued and processed, so an ev_prepare
 * watcher, which runs right before the loop blocks, re-arms one ev_io and one ev_timer from
 * them; the io and timer callbacks call sd_bus_process() until it has nothing left to do, or
 * at most PROCESS_MAX times: then the loop runs its other watchers (the audit timer, the file
 * watches) before the bus gets its next turn, so that clients that keep the socket full of
 * calls cannot starve them. Nothing else of the daemon knows how the bus is driven.
 */

#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "ev-sdbus.h"
#include "log.h"
#include "util/time-util.h"

/* Messages per turn: enough to keep up with a busy bus, few enough (each call costs well under
 * a millisecond) that a timer waits a few milliseconds at most. */
#define PROCESS_MAX 64

struct EvSdBus {
        sd_bus *bus;
        struct ev_loop *loop;
        ev_io io;
        ev_timer timer;
        ev_prepare prepare;
        bool more; /* the last turn stopped at PROCESS_MAX: go on in the next iteration */
};

static void process(EvSdBus *e)
{
        unsigned n = 0;
        int r;

        do {
                r = sd_bus_process(e->bus, NULL);
        } while (r > 0 && ++n < PROCESS_MAX);
        e->more = r > 0;
        if (r < 0 && r != -ENOTCONN)
                log_warning_errno(r, "Failed to process bus messages: %m");
        if (r == -ENOTCONN || r == -ECONNRESET) {
                log_error("Lost the connection to the bus, stopping.");
                ev_break(e->loop, EVBREAK_ALL);
        }
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
        process(w->data);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
        process(w->data);
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
        EvSdBus *e = w->data;
        int fd, events, ev = 0;
        uint64_t until, now;

        fd = sd_bus_get_fd(e->bus);
        events = sd_bus_get_events(e->bus);
        if (fd < 0 || events < 0) {
                ev_io_stop(loop, &e->io);
                ev_timer_stop(loop, &e->timer);
                return;
        }
        if (events & POLLIN)
                ev |= EV_READ;
        if (events & POLLOUT)
                ev |= EV_WRITE;
        if (e->io.fd != fd || (e->io.events & (EV_READ | EV_WRITE)) != ev || !ev_is_active(&e->io)) {
                ev_io_stop(loop, &e->io);
                ev_io_set(&e->io, fd, ev);
                ev_io_start(loop, &e->io);
        }
        ev_timer_stop(loop, &e->timer);
        if (e->more) {
                /* Due at once: the loop polls without blocking, runs what else is pending, then
                 * the bus again. */
                ev_timer_set(&e->timer, 0., 0.);
                ev_timer_start(loop, &e->timer);
        } else if (sd_bus_get_timeout(e->bus, &until) >= 0 && until != UINT64_MAX) {
                now = now_usec(CLOCK_MONOTONIC);
                ev_timer_set(&e->timer, until > now ? (double) (until - now) / 1e6 : 0., 0.);
                ev_timer_start(loop, &e->timer);
        }
}

int ev_sdbus_attach(struct ev_loop *loop, sd_bus *bus, EvSdBus **ret)
{
        EvSdBus *e = calloc(1, sizeof(*e));

        if (!e)
                return -ENOMEM;
        e->bus = sd_bus_ref(bus);
        e->loop = loop;
        ev_io_init(&e->io, on_io, -1, 0);
        ev_timer_init(&e->timer, on_timer, 0., 0.);
        ev_prepare_init(&e->prepare, on_prepare);
        e->io.data = e->timer.data = e->prepare.data = e;
        ev_prepare_start(loop, &e->prepare);
        *ret = e;
        return 0;
}

EvSdBus *ev_sdbus_detach(EvSdBus *e)
{
        if (!e)
                return NULL;
        ev_prepare_stop(e->loop, &e->prepare);
        ev_io_stop(e->loop, &e->io);
        ev_timer_stop(e->loop, &e->timer);
        sd_bus_unref(e->bus);
        free(e);
        return NULL;
}
