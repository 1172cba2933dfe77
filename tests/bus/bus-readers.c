/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cdmd-bus-readers: one connection that keeps DEPTH read calls in flight for SECONDS, in turn
 * ListDevices, Plan, ListJobs and Properties.Get of Manager.LastAuditUSec, for the bus tests
 * and benchmarks of cdmd (a reader that never waits for an answer before the next call).
 *
 *   cdmd-bus-readers SECONDS DEPTH
 *
 * Prints "ok N calls, E errors in S s" (exit 0), or why it could not connect (exit 3). The
 * bus is the system bus (DBUS_SYSTEM_BUS_ADDRESS is honoured).
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#define BUS "org.cdmd.cdmd1"
#define OBJ "/org/cdmd/cdmd1"
#define MGR "org.cdmd.cdmd1.Manager"

typedef struct readers {
        unsigned in_flight;
        unsigned long done, errors;
} readers;

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        readers *s = userdata;

        s->in_flight--;
        s->done++;
        if (sd_bus_message_is_method_error(reply, NULL))
                s->errors++;
        return 0;
}

static int send_one(sd_bus *bus, readers *s, unsigned long k)
{
        int r;

        switch (k % 4) {
        case 0:
                r = sd_bus_call_method_async(bus, NULL, BUS, OBJ, MGR, "ListDevices", on_reply, s, NULL);
                break;
        case 1:
                r = sd_bus_call_method_async(bus, NULL, BUS, OBJ, MGR, "Plan", on_reply, s, NULL);
                break;
        case 2:
                r = sd_bus_call_method_async(bus, NULL, BUS, OBJ, MGR, "ListJobs", on_reply, s, NULL);
                break;
        default:
                r = sd_bus_call_method_async(bus, NULL, BUS, OBJ, "org.freedesktop.DBus.Properties", "Get",
                                             on_reply, s, "ss", MGR, "LastAuditUSec");
                break;
        }
        if (r >= 0)
                s->in_flight++;
        return r;
}

int main(int argc, char *argv[])
{
        sd_bus *bus = NULL;
        readers s = { 0 };
        unsigned long sent = 0;
        uint64_t t0, end;
        unsigned depth;
        int r;

        if (argc != 3) {
                fprintf(stderr, "usage: cdmd-bus-readers SECONDS DEPTH\n");
                return 2;
        }
        depth = (unsigned) strtoul(argv[2], NULL, 10);
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "cdmd-bus-readers: cannot connect to the system bus: %s\n", strerror(-r));
                return 3;
        }
        t0 = now_usec();
        end = t0 + (uint64_t) (strtod(argv[1], NULL) * 1e6);
        while (now_usec() < end) {
                while (s.in_flight < depth && send_one(bus, &s, sent) >= 0)
                        sent++;
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        break;
                if (r == 0)
                        (void) sd_bus_wait(bus, 100000);
        }
        printf("ok %lu calls, %lu errors in %.2f s\n", s.done, s.errors, (double) (now_usec() - t0) / 1e6);
        sd_bus_flush_close_unref(bus);
        return 0;
}
