/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "numa-miss.h"

#define MiB (1024ULL * 1024)

static cdm_audit_item item(const char *owner, const char *device, uint64_t bytes, bool granted)
{
        return (cdm_audit_item){ .owner = (char *) owner, .device = (char *) device, .anon = bytes,
                .granted = granted };
}

static void test_counter_delta(void **state)
{
        (void) state;
        assert_int_equal(cdm_counter_delta(10, 15), 5);
        assert_int_equal(cdm_counter_delta(10, 10), 0);
        /* The node went away and came back: its counters start again. */
        assert_int_equal(cdm_counter_delta(1000, 7), 7);
}

static void test_quiet(void **state)
{
        cdm_numa_signal s;

        (void) state;
        assert_int_equal(cdm_numa_signal_judge("cdm1", 0, 0, 0, NULL, 0, NULL, 0, &s), 0);
        assert_false(s.alarm);
        assert_int_equal(s.n_causes, 0);
}

/* Spill seen by memory.numa_stat growth of a cgroup without a grant: named. */
static void test_ungranted_growth_named(void **state)
{
        cdm_audit_item items[] = { item("/system.slice", "cdm1", 64 * MiB, false),
                item("/user.slice", "cdm1", 8 * MiB, false), item("/jobs/a", "cdm1", 512 * MiB, true),
                item("/other", "cdm2", 99 * MiB, false) };
        cdm_spill_seen seen[] = { { .owner = (char *) "/user.slice", .device = (char *) "cdm1", .bytes = 8 * MiB } };
        cdm_numa_signal s;
        char *text;

        (void) state;
        assert_int_equal(cdm_numa_signal_judge("cdm1", 512, 0, 1, items, 4, seen, 1, &s), 0);
        assert_true(s.alarm);
        /* /user.slice did not grow, the job is granted, /other is on another device. */
        assert_int_equal(s.n_causes, 1);
        assert_string_equal(s.causes[0], "/system.slice");
        text = cdm_numa_signal_format(&s, 4096);
        assert_non_null(strstr(text, "numa_miss on cdm1 rose by 512 pages (2097152 bytes"));
        assert_non_null(strstr(text, "without a grant, grew there: /system.slice"));
        free(text);
        cdm_numa_signal_done(&s);
}

/* Only granted jobs could have done it: their grant allows the device. */
static void test_granted_only(void **state)
{
        cdm_audit_item items[] = { item("/jobs/a", "cdm1", 512 * MiB, true),
                item("/user.slice", "cdm1", 4 * MiB, false) };
        cdm_spill_seen seen[] = { { .owner = (char *) "/user.slice", .device = (char *) "cdm1", .bytes = 4 * MiB } };
        cdm_numa_signal s;
        char *text;

        (void) state;
        assert_int_equal(cdm_numa_signal_judge("cdm1", 100, 30, 2, items, 2, seen, 1, &s), 0);
        assert_false(s.alarm);
        text = cdm_numa_signal_format(&s, 4096);
        assert_non_null(strstr(text, "from the 2 job(s) granted it"));
        assert_non_null(strstr(text, "numa_foreign on cdm1 rose by 30 pages"));
        free(text);
        cdm_numa_signal_done(&s);
}

/* Nobody holds more there and nobody is granted it: a spill freed before the audit. */
static void test_no_grant_cause_unknown(void **state)
{
        cdm_numa_signal s;
        char *text;

        (void) state;
        assert_int_equal(cdm_numa_signal_judge("cdm1", 3, 0, 0, NULL, 0, NULL, 0, &s), 0);
        assert_true(s.alarm);
        assert_int_equal(s.n_causes, 0);
        text = cdm_numa_signal_format(&s, 4096);
        assert_non_null(strstr(text, "a process that has exited, the root cgroup, or the kernel"));
        free(text);
        cdm_numa_signal_done(&s);

        /* numa_foreign alone, with no grant: something without one asked for the device. */
        assert_int_equal(cdm_numa_signal_judge("cdm1", 0, 9, 0, NULL, 0, NULL, 0, &s), 0);
        assert_true(s.alarm);
        cdm_numa_signal_done(&s);
}

/* What was repaired at the last audit does not count as seen: the spill that came back grew. */
static void test_seen_after_repair(void **state)
{
        cdm_audit_item before[] = { item("/", "cdm1", 100 * MiB, false), item("/jobs/a", "cdm1", MiB, true) };
        cdm_audit_item now[] = { item("/", "cdm1", 50 * MiB, false) };
        cdm_spill_seen *seen = NULL;
        cdm_numa_signal s;
        size_t n = 0;

        (void) state;
        before[0].repaired = 100 * MiB;
        assert_int_equal(cdm_spill_seen_take(before, 2, &seen, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(seen[0].owner, "/");
        assert_int_equal(seen[0].bytes, 0);
        assert_int_equal(cdm_numa_signal_judge("cdm1", 20, 0, 1, now, 1, seen, n, &s), 0);
        assert_true(s.alarm);
        assert_int_equal(s.n_causes, 1);
        assert_string_equal(s.causes[0], "/");
        cdm_numa_signal_done(&s);
        cdm_spill_seen_free(seen, n);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_counter_delta),
                cmocka_unit_test(test_quiet),
                cmocka_unit_test(test_ungranted_growth_named),
                cmocka_unit_test(test_granted_only),
                cmocka_unit_test(test_no_grant_cause_unknown),
                cmocka_unit_test(test_seen_after_repair),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
