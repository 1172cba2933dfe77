/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* read_file_at() and read_fd() take a file of at most @max bytes, whatever @max is. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/fileio.h"
#include "util/macro.h"

static int dir_fd = -1;
static char dir[] = "/tmp/cdmd-fileio-XXXXXX";

static void put(const char *name, size_t n)
{
        char *buf = malloc(n ?: 1);
        int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        assert_non_null(buf);
        assert_true(fd >= 0);
        memset(buf, 'x', n);
        assert_int_equal(write(fd, buf, n), (ssize_t) n);
        close(fd);
        free(buf);
}

/* Read @n bytes' worth with @max: 0 and the length, or the error. */
static int get(size_t n, size_t max, size_t *ret_len)
{
        char *text = NULL;
        int r;

        put("f", n);
        *ret_len = SIZE_MAX;
        r = read_file_at(dir_fd, "f", max, &text, ret_len);
        if (r >= 0) {
                assert_int_equal(strlen(text), *ret_len);
                free(text);
        }
        return r;
}

static void test_limits(void **state)
{
        static const struct {
                size_t n, max;
                int r;
        } cases[] = {
                { 0, 1000, 0 },       { 100, 1000, 0 },   { 1000, 1000, 0 },     { 1001, 1000, -EFBIG },
                { 3000, 1000, -EFBIG }, { 4096, 4096, 0 }, { 4097, 4096, -EFBIG }, { 10000, 8192, -EFBIG },
                { 10000, 16384, 0 },  { 1, 0, -EFBIG },   { 0, 0, 0 },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                size_t len;
                int r = get(cases[i].n, cases[i].max, &len);

                print_message("%zu bytes, at most %zu: %d\n", cases[i].n, cases[i].max, r);
                assert_int_equal(r, cases[i].r);
                if (r == 0)
                        assert_int_equal(len, cases[i].n);
        }
}

static int setup(void **state)
{
        assert_non_null(mkdtemp(dir));
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return dir_fd < 0;
}

static int teardown(void **state)
{
        (void) unlinkat(dir_fd, "f", 0);
        close(dir_fd);
        return rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_limits),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
