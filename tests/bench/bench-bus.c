/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-bus: cost of cdmd's D-Bus API against the bus's own round trip, on the bus named by
 * DBUS_SYSTEM_BUS_ADDRESS (run-bench-bus.sh starts a private one).
 *
 *   bench-bus CDMD-PID [CGROUP]
 *
 * 1. N=2000 calls each (after 100 unmeasured ones) of org.freedesktop.DBus.GetId (the reference: one round trip through
 *    the bus), ListDevices, and Properties.Get of Job.QuotaBytes (after one Grant on CGROUP,
 *    default /system.slice/slurmstepd.scope/job_42): median and p99 in microseconds, and the
 *    ratios to GetId.
 * 2. 10,000 Grant/Revoke cycles on CGROUP: calls per second, and cdmd's VmRSS before and after
 *    (from /proc/CDMD-PID/status).
 *
 *   bench-bus list-devices LABEL COUNT [UNTIL-FILE]
 *
 * COUNT ListDevices calls (after COUNT/20 unmeasured ones): median, p99 and the longest,
 * labelled (the scripts run it idle, under load from other clients, and while pages move).
 * With UNTIL-FILE, at most COUNT calls, one after the other, until that file exists, all
 * measured.
 *
 *   bench-bus grants CDMD-PID CGROUP-PREFIX N
 *
 * N Grant calls (1 byte each) of jobs g00000... on CGROUP-PREFIX00000...: the median and p99 latency of the
 * first 100 and of the last 100, their ratios, and cdmd's VmRSS before and with N jobs.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#define N_CALLS 2000
#define N_CYCLES 10000

#define BUS "org.cdmd.cdmd1"
#define OBJ "/org/cdmd/cdmd1"
#define MGR "org.cdmd.cdmd1.Manager"

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

typedef struct stats {
        double median_us, p99_us;
} stats;

typedef int (*call_fn)(sd_bus *bus, sd_bus_error *error, void *userdata);

static int call_getid(sd_bus *bus, sd_bus_error *error, void *userdata)
{
        sd_bus_message *reply = NULL;
        int r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                   "org.freedesktop.DBus", "GetId", error, &reply, NULL);

        sd_bus_message_unref(reply);
        return r;
}

static int call_list_devices(sd_bus *bus, sd_bus_error *error, void *userdata)
{
        sd_bus_message *reply = NULL;
        int r = sd_bus_call_method(bus, BUS, OBJ, MGR, "ListDevices", error, &reply, NULL);

        sd_bus_message_unref(reply);
        return r;
}

static int call_get_quota(sd_bus *bus, sd_bus_error *error, void *userdata)
{
        uint64_t quota;

        return sd_bus_get_property_trivial(bus, BUS, userdata, "org.cdmd.cdmd1.Job", "QuotaBytes",
                                           error, 't', &quota);
}

static int measure(sd_bus *bus, const char *what, call_fn fn, void *userdata, stats *ret)
{
        static uint64_t t[N_CALLS];
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        /* Warm-up, not measured: first calls pay for page faults and cache misses. */
        for (int i = 0; i < N_CALLS / 20; i++) {
                r = fn(bus, &error, userdata);
                if (r < 0) {
                        fprintf(stderr, "bench-bus: %s failed: %s\n", what, error.message ?: strerror(-r));
                        sd_bus_error_free(&error);
                        return r;
                }
        }
        for (int i = 0; i < N_CALLS; i++) {
                uint64_t t0 = now_ns();

                r = fn(bus, &error, userdata);
                if (r < 0) {
                        fprintf(stderr, "bench-bus: %s failed: %s\n", what, error.message ?: strerror(-r));
                        sd_bus_error_free(&error);
                        return r;
                }
                t[i] = now_ns() - t0;
        }
        qsort(t, N_CALLS, sizeof(t[0]), cmp_u64);
        ret->median_us = (double) t[N_CALLS / 2] / 1e3;
        ret->p99_us = (double) t[N_CALLS * 99 / 100] / 1e3;
        printf("%-34s median %8.1f us   p99 %8.1f us\n", what, ret->median_us, ret->p99_us);
        return 0;
}

static long vm_rss_kb(const char *pid)
{
        char path[64], line[256];
        long kb = -1;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%s/status", pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
                        break;
        fclose(f);
        return kb;
}

static int job_grant_quota(sd_bus *bus, const char *id, const char *cgroup, uint64_t quota, sd_bus_error *error,
                           char **ret_path)
{
        sd_bus_message *reply = NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, BUS, OBJ, MGR, "Grant", error, &reply, "sssts", id, cgroup, "cdm1", quota,
                               "manual");
        if (r >= 0 && ret_path) {
                r = sd_bus_message_read(reply, "o", &path);
                if (r >= 0)
                        *ret_path = strdup(path);
        }
        sd_bus_message_unref(reply);
        return r;
}

static int job_grant(sd_bus *bus, const char *id, const char *cgroup, sd_bus_error *error, char **ret_path)
{
        return job_grant_quota(bus, id, cgroup, 1048576, error, ret_path);
}

static int job_revoke(sd_bus *bus, const char *id, sd_bus_error *error)
{
        sd_bus_message *reply = NULL;
        int r = sd_bus_call_method(bus, BUS, OBJ, MGR, "Revoke", error, &reply, "s", id);

        sd_bus_message_unref(reply);
        return r;
}

/* Grant only succeeds once the previous job on the cgroup is gone: retry a little. */
static unsigned long n_retries;

static int grant_retry(sd_bus *bus, const char *id, const char *cgroup, sd_bus_error *error)
{
        int r;

        for (int tries = 0;; tries++) {
                sd_bus_error_free(error);
                r = job_grant(bus, id, cgroup, error, NULL);
                if (r >= 0 || tries >= 1000 || !sd_bus_error_has_name(error, "org.cdmd.cdmd1.Error.JobExists"))
                        return r;
                n_retries++;
                struct timespec ts = { 0, 1000000 };
                nanosleep(&ts, NULL);
        }
}

static void percentiles(uint64_t *t, size_t n, stats *ret)
{
        qsort(t, n, sizeof(t[0]), cmp_u64);
        ret->median_us = (double) t[n / 2] / 1e3;
        ret->p99_us = (double) t[n * 99 / 100] / 1e3;
}

static int list_devices_main(sd_bus *bus, const char *label, size_t n, const char *until)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t *t = calloc(n ?: 1, sizeof(uint64_t)), t_max = 0, t_start = now_ns();
        size_t warm = until ? 0 : n / 20, done = 0;
        stats st;
        int r;

        if (!t)
                return 1;
        for (size_t i = 0; i < warm + n; i++) {
                uint64_t t0 = now_ns(), dt;

                if (until && access(until, F_OK) == 0)
                        break;
                r = call_list_devices(bus, &error, NULL);
                if (r < 0) {
                        fprintf(stderr, "bench-bus: ListDevices failed: %s\n", error.message ?: strerror(-r));
                        return 1;
                }
                dt = now_ns() - t0;
                if (i >= warm) {
                        t[done++] = dt;
                        t_max = dt > t_max ? dt : t_max;
                }
        }
        if (done == 0) {
                fprintf(stderr, "bench-bus: %s: no call made\n", label);
                return 1;
        }
        percentiles(t, done, &st);
        printf("ListDevices, %-24s median %8.1f us   p99 %8.1f us   max %9.1f us   (%zu calls in %.1f s)\n",
               label, st.median_us, st.p99_us, (double) t_max / 1e3, done, (double) (now_ns() - t_start) / 1e9);
        free(t);
        return 0;
}

#define GRANT_WINDOW 100

static int grants_main(sd_bus *bus, const char *pid, const char *prefix, size_t n)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t *t = calloc(n ?: 1, sizeof(uint64_t)), t_all = now_ns();
        stats first, last;
        long rss0 = vm_rss_kb(pid), rss1;
        int r;

        if (!t || n < 2 * GRANT_WINDOW) {
                fprintf(stderr, "bench-bus: grants needs N >= %d\n", 2 * GRANT_WINDOW);
                return 1;
        }
        for (size_t i = 0; i < n; i++) {
                char id[32], cgroup[4096];
                uint64_t t0;

                snprintf(id, sizeof(id), "g%05zu", i);
                snprintf(cgroup, sizeof(cgroup), "%s%05zu", prefix, i);
                t0 = now_ns();
                /* 1 byte each: 10,000 jobs fit on any device. */
                r = job_grant_quota(bus, id, cgroup, 1, &error, NULL);
                t[i] = now_ns() - t0;
                if (r < 0) {
                        fprintf(stderr, "bench-bus: Grant %zu failed: %s: %s\n", i, error.name ?: "",
                                error.message ?: strerror(-r));
                        return 1;
                }
        }
        rss1 = vm_rss_kb(pid);
        printf("%zu grants, one at a time, in %.2f s\n", n, (double) (now_ns() - t_all) / 1e9);
        percentiles(t, GRANT_WINDOW, &first);
        percentiles(t + n - GRANT_WINDOW, GRANT_WINDOW, &last);
        printf("Grant, first %d (0-%d jobs):       median %8.1f us   p99 %8.1f us\n", GRANT_WINDOW, GRANT_WINDOW,
               first.median_us, first.p99_us);
        printf("Grant, last %d (%zu-%zu jobs): median %8.1f us   p99 %8.1f us\n", GRANT_WINDOW,
               n - GRANT_WINDOW, n, last.median_us, last.p99_us);
        printf("last / first (median / p99): %.2f / %.2f\n", last.median_us / first.median_us,
               last.p99_us / first.p99_us);
        printf("cdmd VmRSS: %ld kB before, %ld kB with %zu jobs (%+ld kB, %.2f kB per job)\n", rss0, rss1, n,
               rss1 - rss0, (double) (rss1 - rss0) / (double) n);
        free(t);
        return 0;
}

int main(int argc, char *argv[])
{
        const char *cgroup = argc > 2 ? argv[2] : "/system.slice/slurmstepd.scope/job_42";
        sd_bus_error error = SD_BUS_ERROR_NULL;
        stats ref, list, get;
        sd_bus *bus = NULL;
        char *job = NULL;
        long rss0, rss1;
        uint64_t t0;
        double dt;
        int r;

        if (argc < 2 || (strcmp(argv[1], "list-devices") == 0 && argc != 4 && argc != 5) ||
            (strcmp(argv[1], "grants") == 0 && argc != 5)) {
                fprintf(stderr, "usage: bench-bus CDMD-PID [CGROUP]\n"
                                "       bench-bus list-devices LABEL COUNT [UNTIL-FILE]\n"
                                "       bench-bus grants CDMD-PID CGROUP-PREFIX N\n");
                return 2;
        }
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "bench-bus: cannot connect to the system bus: %s\n", strerror(-r));
                return 1;
        }
        if (strcmp(argv[1], "list-devices") == 0)
                return list_devices_main(bus, argv[2], strtoul(argv[3], NULL, 10), argc > 4 ? argv[4] : NULL);
        if (strcmp(argv[1], "grants") == 0)
                return grants_main(bus, argv[2], argv[3], strtoul(argv[4], NULL, 10));
        r = job_grant(bus, "bench-get", cgroup, &error, &job);
        if (r < 0 || !job) {
                fprintf(stderr, "bench-bus: Grant failed: %s\n", error.message ?: strerror(-r));
                return 1;
        }
        printf("%d calls each, one connection, one call at a time\n", N_CALLS);
        if (measure(bus, "org.freedesktop.DBus.GetId (ref)", call_getid, NULL, &ref) < 0 ||
            measure(bus, "Manager.ListDevices", call_list_devices, NULL, &list) < 0 ||
            measure(bus, "Properties.Get Job.QuotaBytes", call_get_quota, job, &get) < 0)
                return 1;
        printf("ratio to GetId (median / p99): ListDevices %.2f / %.2f, Get QuotaBytes %.2f / %.2f\n",
               list.median_us / ref.median_us, list.p99_us / ref.p99_us, get.median_us / ref.median_us,
               get.p99_us / ref.p99_us);
        r = job_revoke(bus, "bench-get", &error);
        if (r < 0) {
                fprintf(stderr, "bench-bus: Revoke failed: %s\n", error.message ?: strerror(-r));
                return 1;
        }
        free(job);

        rss0 = vm_rss_kb(argv[1]);
        t0 = now_ns();
        for (int i = 0; i < N_CYCLES; i++) {
                char id[32];

                snprintf(id, sizeof(id), "bench-%d", i);
                r = grant_retry(bus, id, cgroup, &error);
                if (r >= 0)
                        r = job_revoke(bus, id, &error);
                if (r < 0) {
                        fprintf(stderr, "bench-bus: cycle %d failed: %s: %s\n", i, error.name ?: "",
                                error.message ?: strerror(-r));
                        return 1;
                }
        }
        dt = (double) (now_ns() - t0) / 1e9;
        rss1 = vm_rss_kb(argv[1]);
        printf("%d Grant/Revoke cycles in %.2f s: %.0f calls/s (%.0f cycles/s)\n", N_CYCLES, dt,
               2.0 * N_CYCLES / dt, N_CYCLES / dt);
        printf("Grant retried %lu times on JobExists: the previous job on the cgroup was still being revoked\n", n_retries);
        printf("cdmd VmRSS: %ld kB before, %ld kB after (%+ld kB)\n", rss0, rss1, rss1 - rss0);
        sd_bus_flush_close_unref(bus);
        return 0;
}
