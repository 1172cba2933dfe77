/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cdmd-bus-flood: many Grant (or Revoke) calls on one connection, for the bus tests of cdmd.
 *
 *   cdmd-bus-flood grant ID-PREFIX CGROUP-PREFIX DEVICE QUOTA FIRST COUNT
 *   cdmd-bus-flood revoke ID-PREFIX FIRST COUNT
 *
 * Job i (FIRST <= i < FIRST + COUNT) is ID-PREFIX%05u on cgroup CGROUP-PREFIX%05u, policy
 * manual. Stops at the first failure and prints "failed at I: ERROR-NAME: message" (exit 1);
 * otherwise prints "ok COUNT calls in S s (R calls/s)" (exit 0). The bus is the system bus
 * (DBUS_SYSTEM_BUS_ADDRESS is honoured).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int usage(void)
{
        fprintf(stderr, "usage: cdmd-bus-flood grant ID-PREFIX CGROUP-PREFIX DEVICE QUOTA FIRST COUNT\n"
                        "       cdmd-bus-flood revoke ID-PREFIX FIRST COUNT\n");
        return 2;
}

int main(int argc, char *argv[])
{
        sd_bus *bus = NULL;
        unsigned long first, count;
        const char *prefix;
        bool grant;
        double t0, dt;
        int r;

        if (argc == 8 && strcmp(argv[1], "grant") == 0)
                grant = true;
        else if (argc == 5 && strcmp(argv[1], "revoke") == 0)
                grant = false;
        else
                return usage();
        prefix = argv[2];
        first = strtoul(argv[grant ? 6 : 3], NULL, 10);
        count = strtoul(argv[grant ? 7 : 4], NULL, 10);

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "cdmd-bus-flood: cannot connect to the system bus: %s\n", strerror(-r));
                return 3;
        }
        t0 = now_s();
        for (unsigned long i = first; i < first + count; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                char id[256], cgroup[4096];

                snprintf(id, sizeof(id), "%s%05lu", prefix, i);
                if (grant) {
                        snprintf(cgroup, sizeof(cgroup), "%s%05lu", argv[3], i);
                        r = sd_bus_call_method(bus, "org.cdmd.cdmd1", "/org/cdmd/cdmd1",
                                               "org.cdmd.cdmd1.Manager", "Grant", &error, &reply,
                                               "sssts", id, cgroup, argv[4],
                                               (uint64_t) strtoull(argv[5], NULL, 10), "manual");
                } else
                        r = sd_bus_call_method(bus, "org.cdmd.cdmd1", "/org/cdmd/cdmd1",
                                               "org.cdmd.cdmd1.Manager", "Revoke", &error, &reply,
                                               "s", id);
                sd_bus_message_unref(reply);
                if (r < 0) {
                        printf("failed at %lu: %s: %s\n", i, error.name ?: "(no D-Bus error)",
                               error.message ?: strerror(-r));
                        sd_bus_error_free(&error);
                        sd_bus_flush_close_unref(bus);
                        return 1;
                }
        }
        dt = now_s() - t0;
        printf("ok %lu calls in %.2f s (%.0f calls/s)\n", count, dt, dt > 0 ? (double) count / dt : 0.0);
        sd_bus_flush_close_unref(bus);
        return 0;
}
