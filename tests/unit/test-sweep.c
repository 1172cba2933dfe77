/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* When spill left after the process repair is swept, and for how long (lib/model/sweep.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sweep.h"

#define SEC 1000000ULL

static cdm_audit_item items[] = {
        { .owner = (char *) "/user.slice", .device = (char *) "cdm1", .file = 4096 },
        { .owner = (char *) "/jobs/a", .device = (char *) "cdm1", .anon = 1 << 20, .granted = true },
        { .owner = (char *) "/", .device = (char *) "cdm1", .anon = 8192 },
};

static cdm_audit audit_of(size_t first, size_t n)
{
        return (cdm_audit){ .items = &items[first], .n_items = n };
}

static void test_after_second_audit(void **state)
{
        cdm_sweeps s = { 0 };
        cdm_audit a = audit_of(0, 3);

        assert_int_equal(cdm_sweeps_update(&s, &a), 0);
        assert_int_equal(s.n, 2); /* a job's own use of its device is not spill */
        assert_string_equal(s.items[0].owner, "/user.slice");
        assert_int_equal(s.items[0].bytes, 4096);
        /* The audit that found it: the process repair goes first. */
        assert_int_equal(cdm_sweep_decide(&s.items[0], 10 * SEC, false), CDM_SWEEP_WAIT);
        assert_int_equal(cdm_sweeps_update(&s, &a), 0);
        /* Found again, but its repair still moves pages. */
        assert_int_equal(cdm_sweep_decide(&s.items[0], 11 * SEC, true), CDM_SWEEP_WAIT);
        assert_int_equal(cdm_sweep_decide(&s.items[0], 12 * SEC, false), CDM_SWEEP_RUN);
        /* Once begun, a repair that runs again does not stop it. */
        assert_int_equal(cdm_sweep_decide(&s.items[0], 13 * SEC, true), CDM_SWEEP_RUN);
        assert_int_equal(cdm_sweep_decide(&s.items[0], 12 * SEC + CDM_SWEEP_MAX_USEC, false), CDM_SWEEP_RUN);
        assert_int_equal(cdm_sweep_decide(&s.items[0], 13 * SEC + CDM_SWEEP_MAX_USEC, false), CDM_SWEEP_GIVE_UP);
        assert_int_equal(cdm_sweep_decide(&s.items[0], 14 * SEC + CDM_SWEEP_MAX_USEC, false), CDM_SWEEP_IDLE);
        cdm_sweeps_done(&s);
}

static void test_gone_is_forgotten(void **state)
{
        cdm_sweeps s = { 0 };
        cdm_audit all = audit_of(0, 3), root_only = audit_of(2, 1);

        assert_int_equal(cdm_sweeps_update(&s, &all), 0);
        assert_int_equal(cdm_sweeps_update(&s, &all), 0);
        assert_int_equal(cdm_sweep_decide(&s.items[0], SEC, false), CDM_SWEEP_RUN);
        /* Swept: the next audit does not find it. */
        assert_int_equal(cdm_sweeps_update(&s, &root_only), 0);
        assert_int_equal(s.n, 1);
        assert_string_equal(s.items[0].owner, "/");
        assert_int_equal(s.items[0].audits, 3);
        /* Back later: it counts from the start again. */
        assert_int_equal(cdm_sweeps_update(&s, &all), 0);
        assert_int_equal(s.n, 2);
        assert_string_equal(s.items[1].owner, "/user.slice");
        assert_int_equal(s.items[1].audits, 1);
        assert_int_equal(s.items[1].run_usec, 0);
        assert_int_equal(cdm_sweep_decide(&s.items[1], 2 * SEC, false), CDM_SWEEP_WAIT);
        cdm_sweeps_done(&s);
        assert_int_equal(s.n, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_after_second_audit),
                cmocka_unit_test(test_gone_is_forgotten),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
