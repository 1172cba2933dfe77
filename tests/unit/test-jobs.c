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

static void test_nested(void **state)
{
        cdm_jobs j = {0};
        char *msg = NULL;

        assert_int_equal(cdm_jobs_add(&j, "outer", "/system.slice/job.scope", "cdm1", M,
                                 CDM_POLICY_MANUAL, 0, false, NULL),
                0);
        assert_int_equal(check(&j, "b", "/system.slice/job.scope", &msg), CDM_GRANT_EXISTS);
        /* Inside the granted cgroup, at any depth. */
        assert_int_equal(check(&j, "b", "/system.slice/job.scope/step_0", &msg), CDM_GRANT_INVALID);
        assert_non_null(strstr(msg, "inside"));
        assert_non_null(strstr(msg, "outer"));
        assert_int_equal(check(&j, "b", "/system.slice/job.scope/a/b/c", &msg), CDM_GRANT_INVALID);
        /* Above it. */
        assert_int_equal(check(&j, "b", "/system.slice", &msg), CDM_GRANT_INVALID);
        assert_non_null(strstr(msg, "above"));
        /* Names that share a prefix without being parent and child are no nesting. */
        assert_int_equal(check(&j, "b", "/system.slice/job.scope2", &msg), CDM_GRANT_OK);
        assert_int_equal(check(&j, "b", "/system.slice/job", &msg), CDM_GRANT_OK);
        assert_int_equal(check(&j, "b", "/system.slic", &msg), CDM_GRANT_OK);
        assert_int_equal(check(&j, "b", "/system.slice/other.scope", &msg), CDM_GRANT_OK);
        assert_int_equal(check(&j, "b", "/user.slice", &msg), CDM_GRANT_OK);
        /* A sibling granted too: both stay possible, and a cgroup above both names one. */
        assert_int_equal(cdm_jobs_add(&j, "sibling", "/system.slice/other.scope", "cdm1", M,
                                 CDM_POLICY_MANUAL, 0, false, NULL),
                0);
        assert_int_equal(check(&j, "b", "/system.slice", &msg), CDM_GRANT_INVALID);
        assert_null(cdm_jobs_find_nested(&j, "/user.slice"));
        assert_string_equal(cdm_jobs_find_nested(&j, "/system.slice/other.scope/x")->id, "sibling");
        assert_null(cdm_jobs_find_nested(&j, "/system.slice/other.scope"));
        free(msg);
        cdm_jobs_done(&j);
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
                cmocka_unit_test(test_nested),
                cmocka_unit_test(test_messages_are_valid_utf8),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
