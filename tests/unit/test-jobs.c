/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure checks of a grant (cdm_jobs_check_grant). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jobs.h"
#include "util/text.h"

#define M (1024ULL * 1024ULL)

static cdm_device dev = {.name = (char *) "cdm1", .total_bytes = 1024 * M, .memory_online = true};
static const cdm_layout layout = {.devices = &dev, .n_devices = 1};
static const cdm_config config = {.max_jobs = 100};

static cdm_grant_error check(const cdm_jobs *j, const char *id, const char *cgroup, char **ret_msg)
{
        free(*ret_msg);
        *ret_msg = NULL;
        return cdm_jobs_check_grant(j, &layout, &config, id, cgroup, "cdm1", M, "manual", ret_msg);
}

static void test_messages_are_valid_utf8(void **state)
{
        cdm_jobs j = {0};
        char id[200] = "", cgroup[700] = "/a", *msg = NULL;

        /* 30 x U+20AC as an id, "/a" + 200 x U+20AC as a cgroup, and as a device: each message
         * quotes a cut of the argument, which must not split a character. */
        for (int i = 0; i < 30; i++)
                strcat(id, "\xe2\x82\xac");
        for (int i = 0; i < 200; i++)
                strcat(cgroup, "\xe2\x82\xac");
        strcat(cgroup, "/..");
        assert_int_equal(check(&j, id, "/user.slice", &msg), CDM_GRANT_INVALID);
        assert_true(utf8_is_valid(msg));
        assert_int_equal(check(&j, "ok", cgroup, &msg), CDM_GRANT_INVALID);
        assert_true(utf8_is_valid(msg));
        free(msg);
        msg = NULL;
        assert_int_equal(cdm_jobs_check_grant(
                                 &j, &layout, &config, "ok", "/user.slice", id, M, "manual", &msg),
                CDM_GRANT_NO_DEVICE);
        assert_true(utf8_is_valid(msg));
        free(msg);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_messages_are_valid_utf8),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
