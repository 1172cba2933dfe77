/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cdm/cdm.h"

static void roundtrip(const char *in, const char *want)
{
        cdm_nodemask m;
        char *s;

        assert_int_equal(cdm_nodemask_parse(in, strlen(in), &m), 0);
        s = cdm_nodemask_format(&m);
        assert_non_null(s);
        assert_string_equal(s, want);
        free(s);
}

static void test_parse_format(void **state)
{
        roundtrip("0\n", "0");
        roundtrip("0-1\n", "0-1");
        roundtrip("0,8,252-255\n", "0,8,252-255");
        roundtrip("3,1,2", "1-3");
        roundtrip("\n", "");
        roundtrip("", "");
        roundtrip("  5  ", "5");
        roundtrip("0-1023", "0-1023");
        roundtrip("2,10", "2,10");
}

static void test_parse_errors(void **state)
{
        static const char *const bad[] = {
                "a", "1-", "-1", "1,", ",1", "1,,2", "3-1", "1024", "0-1024", "1 2", "1-2-3",
                "99999999999999999999", "1\n2", "0x1", "+1",
        };
        cdm_nodemask m = { { 42 } };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                int r = cdm_nodemask_parse(bad[i], strlen(bad[i]), &m);
                if (r >= 0)
                        fail_msg("'%s' parsed", bad[i]);
        }
        /* Failures leave the output untouched. */
        assert_int_equal(m.bits[0], 42);
}

static void test_not_nul_terminated(void **state)
{
        const char buf[] = { '1', ',', '3', '9' };
        cdm_nodemask m;

        assert_int_equal(cdm_nodemask_parse(buf, 3, &m), 0);
        assert_true(cdm_nodemask_test(&m, 1));
        assert_true(cdm_nodemask_test(&m, 3));
        assert_false(cdm_nodemask_test(&m, 39));
        assert_int_equal(cdm_nodemask_count(&m), 2);
}

static void test_ops(void **state)
{
        cdm_nodemask m = { { 0 } };

        assert_int_equal(cdm_nodemask_next(&m, -1), -1);
        cdm_nodemask_set(&m, 0);
        cdm_nodemask_set(&m, 63);
        cdm_nodemask_set(&m, 64);
        cdm_nodemask_set(&m, 1023);
        cdm_nodemask_set(&m, 1024); /* out of range: ignored */
        assert_int_equal(cdm_nodemask_count(&m), 4);
        assert_int_equal(cdm_nodemask_next(&m, -1), 0);
        assert_int_equal(cdm_nodemask_next(&m, 0), 63);
        assert_int_equal(cdm_nodemask_next(&m, 63), 64);
        assert_int_equal(cdm_nodemask_next(&m, 64), 1023);
        assert_int_equal(cdm_nodemask_next(&m, 1023), -1);
        cdm_nodemask_clear(&m, 63);
        assert_false(cdm_nodemask_test(&m, 63));
        assert_false(cdm_nodemask_test(&m, 5000));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_format),
                cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_not_nul_terminated),
                cmocka_unit_test(test_ops),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
