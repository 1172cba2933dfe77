/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/macro.h"
#include "util/text.h"

#define EURO "\xe2\x82\xac"      /* U+20AC, 3 bytes */
#define EMOJI "\xf0\x9f\x98\x80" /* U+1F600, 4 bytes */

static void test_valid_prefix(void **state)
{
        char buf[256];

        assert_int_equal(utf8_valid_prefix("", 64), 0);
        assert_int_equal(utf8_valid_prefix("abc", 64), 3);
        assert_int_equal(utf8_valid_prefix("abc", 2), 2);
        assert_int_equal(utf8_valid_prefix("abc", 0), 0);
        /* A cut inside a character goes back to its start. */
        assert_int_equal(utf8_valid_prefix(EURO EURO, 6), 6);
        assert_int_equal(utf8_valid_prefix(EURO EURO, 5), 3);
        assert_int_equal(utf8_valid_prefix(EURO EURO, 4), 3);
        assert_int_equal(utf8_valid_prefix(EURO EURO, 2), 0);
        assert_int_equal(utf8_valid_prefix("a" EMOJI, 4), 1);
        assert_int_equal(utf8_valid_prefix("a" EMOJI, 5), 5);
        assert_int_equal(utf8_valid_prefix("\xc3\xb6", 1), 0);
        /* 30 x U+20AC (90 bytes) cut at 64 bytes: 21 characters. */
        buf[0] = 0;
        for (int i = 0; i < 30; i++)
                strcat(buf, EURO);
        assert_int_equal(utf8_valid_prefix(buf, 64), 63);
        assert_int_equal(utf8_valid_prefix(buf, sizeof(buf)), 90);
        /* The cut is what "%.*s" prints, and it is valid. */
        {
                char out[80];

                (void) snprintf(out, sizeof(out), "'%.*s'", UTF8_CUT(buf, 64));
                assert_int_equal(strlen(out), 65);
                assert_true(utf8_is_valid(out));
        }
        /* Invalid bytes end the prefix. */
        assert_int_equal(utf8_valid_prefix("ab\xff"
                                           "cd",
                                 64),
                2);
        assert_int_equal(utf8_valid_prefix("ab\x80", 64), 2);
        assert_int_equal(utf8_valid_prefix("ab\xe2\x82", 64), 2); /* truncated */
        assert_int_equal(utf8_valid_prefix("ab\xe2"
                                           "a",
                                 64),
                2); /* continuation missing */
}

static void test_is_valid(void **state)
{
        assert_true(utf8_is_valid(""));
        assert_true(utf8_is_valid("plain ASCII"));
        assert_true(utf8_is_valid("j\xc3\xb6"
                                  "b " EURO EMOJI));
        assert_true(utf8_is_valid("\xf4\x8f\xbf\xbd")); /* U+10FFFD */
        assert_true(utf8_is_valid("\xef\xbf\xbd"));     /* U+FFFD */
        assert_false(utf8_is_valid("\xff"));
        assert_false(utf8_is_valid("\xc0\xaf")); /* overlong '/' */
        assert_false(utf8_is_valid("\xc1\xbf"));
        assert_false(utf8_is_valid("\xe0\x80\xaf"));     /* overlong */
        assert_false(utf8_is_valid("\xf0\x80\x80\xaf")); /* overlong */
        assert_false(utf8_is_valid("\xed\xa0\x80"));     /* U+D800, a surrogate */
        assert_false(utf8_is_valid("\xf4\x90\x80\x80")); /* U+110000 */
        assert_false(utf8_is_valid("\xf5\x80\x80\x80"));
        assert_false(utf8_is_valid("\xef\xbf\xbf"));     /* U+FFFF */
        assert_false(utf8_is_valid("\xef\xb7\x90"));     /* U+FDD0 */
        assert_false(utf8_is_valid("\xf0\x9f\xbf\xbe")); /* U+1FFFE */
        assert_false(utf8_is_valid("a\xe2\x82"));
}

static void test_make_valid(void **state)
{
        _cleanup_free_ char *a = utf8_make_valid("ok " EURO);
        _cleanup_free_ char *b = utf8_make_valid("a\xff"
                                                 "b\xe2\x82");
        _cleanup_free_ char *c = utf8_make_valid("");

        assert_string_equal(a, "ok " EURO);
        assert_string_equal(b, "a\xef\xbf\xbd"
                               "b\xef\xbf\xbd\xef\xbf\xbd");
        assert_true(utf8_is_valid(b));
        assert_string_equal(c, "");
}

static void test_escape_control(void **state)
{
        _cleanup_free_ char *a = escape_control("one line");
        _cleanup_free_ char *b = escape_control("a\nb\rc\td\x1b[31m\x7f" EURO "\\n");
        _cleanup_free_ char *c = escape_control("\n");

        assert_string_equal(a, "one line");
        /* Backslashes stay as they are: only real control characters are escaped. */
        assert_string_equal(b, "a\\nb\\rc\\td\\x1b[31m\\x7f" EURO "\\n");
        assert_null(strchr(b, '\n'));
        assert_string_equal(c, "\\n");
        assert_false(has_control("a b " EURO));
        assert_true(has_control("a\nb"));
        assert_true(has_control("\x7f"));
        assert_true(has_control("\t"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid_prefix),
                cmocka_unit_test(test_is_valid),
                cmocka_unit_test(test_make_valid),
                cmocka_unit_test(test_escape_control),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
