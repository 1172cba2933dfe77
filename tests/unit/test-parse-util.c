/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/format.h"
#include "util/parse-util.h"

static void test_atou64(void **state)
{
        uint64_t v = 7;

        assert_int_equal(safe_atou64("0", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(safe_atou64("18446744073709551615\n", &v), 0);
        assert_true(v == UINT64_MAX);
        assert_int_equal(safe_atou64("18446744073709551616", &v), -ERANGE);
        assert_int_equal(safe_atou64("", &v), -EINVAL);
        assert_int_equal(safe_atou64("-1", &v), -EINVAL);
        assert_int_equal(safe_atou64("12x", &v), -EINVAL);
        assert_int_equal(safe_atou64_hex("8000000\n", &v), 0);
        assert_int_equal(v, 134217728);
        assert_int_equal(safe_atou64_hex("0x20000000", &v), 0);
        assert_int_equal(v, 536870912);
}

static void test_decimal_u32(void **state)
{
        uint32_t v = 7;

        assert_int_equal(parse_decimal_u32("1", &v), 0);
        assert_int_equal(v, 1);
        assert_int_equal(parse_decimal_u32("0", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(parse_decimal_u32("4294967295", &v), 0);
        assert_true(v == UINT32_MAX);
        v = 7;
        /* 2^32 + 1 must not wrap around to 1. */
        assert_int_equal(parse_decimal_u32("4294967297", &v), -ERANGE);
        assert_int_equal(parse_decimal_u32("99999999999999999999999", &v), -ERANGE);
        assert_int_equal(parse_decimal_u32("1/x", &v), -EINVAL);
        assert_int_equal(parse_decimal_u32("01", &v), -EINVAL);
        assert_int_equal(parse_decimal_u32("+1", &v), -EINVAL);
        assert_int_equal(parse_decimal_u32("-1", &v), -EINVAL);
        assert_int_equal(parse_decimal_u32(" 1", &v), -EINVAL);
        assert_int_equal(parse_decimal_u32("1\n", &v), -EINVAL);
        assert_int_equal(parse_decimal_u32("", &v), -EINVAL);
        assert_int_equal(v, 7);
}

static void test_size(void **state)
{
        uint64_t v;

        assert_int_equal(parse_size("4096", &v), 0);
        assert_int_equal(v, 4096);
        assert_int_equal(parse_size("512M", &v), 0);
        assert_int_equal(v, 512ULL << 20);
        assert_int_equal(parse_size("4G", &v), 0);
        assert_int_equal(v, 4ULL << 30);
        assert_int_equal(parse_size("1T", &v), 0);
        assert_int_equal(v, 1ULL << 40);
        assert_int_equal(parse_size("2GiB", &v), 0);
        assert_int_equal(v, 2ULL << 30);
        assert_int_equal(parse_size("16k", &v), 0);
        assert_int_equal(v, 16384);
        assert_int_equal(parse_size("17179869184G", &v), -ERANGE);
        assert_int_equal(parse_size("1.5G", &v), -EINVAL);
        assert_int_equal(parse_size("G", &v), -EINVAL);
        assert_int_equal(parse_size("4X", &v), -EINVAL);
}

static void test_duration(void **state)
{
        uint64_t v;

        assert_int_equal(parse_duration_usec("1s", &v), 0);
        assert_int_equal(v, 1000000);
        assert_int_equal(parse_duration_usec("20ms", &v), 0);
        assert_int_equal(v, 20000);
        assert_int_equal(parse_duration_usec("500us", &v), 0);
        assert_int_equal(v, 500);
        assert_int_equal(parse_duration_usec("2min", &v), 0);
        assert_int_equal(v, 120000000);
        assert_int_equal(parse_duration_usec("3", &v), 0);
        assert_int_equal(v, 3000000);
        assert_int_equal(parse_duration_usec("3 days", &v), -EINVAL);
        assert_int_equal(parse_duration_usec("ms", &v), -EINVAL);
        assert_int_equal(parse_duration_usec("99999999999999999h", &v), -ERANGE);
}

static void test_boolean(void **state)
{
        assert_int_equal(parse_boolean("yes"), 1);
        assert_int_equal(parse_boolean("Off"), 0);
        assert_int_equal(parse_boolean("maybe"), -EINVAL);
}

static void test_format_bytes(void **state)
{
        char buf[FORMAT_BYTES_MAX];

        assert_string_equal(format_bytes(buf, sizeof(buf), 0), "0B");
        assert_string_equal(format_bytes(buf, sizeof(buf), 1023), "1023B");
        assert_string_equal(format_bytes(buf, sizeof(buf), 1536), "1.5K");
        assert_string_equal(format_bytes(buf, sizeof(buf), 1ULL << 30), "1.0G");
        assert_string_equal(format_bytes(buf, sizeof(buf), (96ULL << 30) - 1), "95.9G");
        assert_string_equal(format_bytes(buf, sizeof(buf), UINT64_MAX), "15.9E");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_atou64),    cmocka_unit_test(test_size),
                cmocka_unit_test(test_duration),  cmocka_unit_test(test_boolean),
                cmocka_unit_test(test_format_bytes), cmocka_unit_test(test_decimal_u32),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
