/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure checks of a grant (cdm_jobs_check_grant) and the lookups of the jobs table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* The lookups agree with a walk of the items after adds and removes in any order. */
static void test_index(void **state)
{
        static const char *const devices[] = { "cdm1", "cdm2", "cdm0" };
        cdm_jobs j = {0};
        const cdm_job *k;
        char id[32], cg[64];
        size_t pos;

        /* Ids in a scrambled order; /s1.slice has jobs of cdm1 and cdm2, /s2.slice of cdm0. */
        for (unsigned i = 0; i < 300; i++) {
                unsigned v = (i * 119) % 300;

                (void) snprintf(id, sizeof(id), "j%u", v);
                (void) snprintf(cg, sizeof(cg), "/s%u.slice/c%u", v % 3, v);
                assert_int_equal(cdm_jobs_add(&j, id, cg, v % 3 == 2 ? "cdm0" : devices[(v / 3) % 2], v + 1,
                                         CDM_POLICY_MANUAL, 0, false, NULL),
                        0);
        }
        /* Every third one goes: /s0.slice is empty then. */
        for (unsigned i = 0; i < 300; i += 3) {
                (void) snprintf(id, sizeof(id), "j%u", i);
                cdm_jobs_remove(&j, id);
        }
        assert_int_equal(j.n, 200);
        for (size_t i = 0; i < j.n; i++) {
                assert_ptr_equal(cdm_jobs_find(&j, j.items[i].id), &j.items[i]);
                assert_ptr_equal(cdm_jobs_find_cgroup(&j, j.items[i].cgroup), &j.items[i]);
        }
        assert_null(cdm_jobs_find(&j, "j0"));
        assert_null(cdm_jobs_find(&j, "j"));
        assert_null(cdm_jobs_find_cgroup(&j, "/s0.slice"));
        /* A sum per device. */
        for (size_t d = 0; d < 3; d++) {
                uint64_t sum = 0;

                for (size_t i = 0; i < j.n; i++)
                        if (strcmp(j.items[i].device, devices[d]) == 0)
                                sum += j.items[i].quota;
                assert_int_equal(cdm_jobs_granted(&j, devices[d], NULL), sum);
                assert_int_equal(cdm_jobs_granted(&j, devices[d], &j.items[d]),
                                strcmp(j.items[d].device, devices[d]) == 0 ? sum - j.items[d].quota : sum);
        }
        {
                cdm_job *x = cdm_jobs_find(&j, "j1");
                uint64_t before = cdm_jobs_granted(&j, x->device, NULL);
                cdm_job probe = { .device = x->device };

                cdm_jobs_set_quota(&j, x, x->quota + 1000);
                assert_int_equal(x->quota, 1002);
                assert_int_equal(cdm_jobs_granted(&j, x->device, NULL), before + 1000);
                assert_int_equal(cdm_jobs_granted(&j, x->device, x), before - 2);
                assert_int_equal(cdm_jobs_granted(&j, x->device, &probe), before + 1000);
                assert_int_equal(cdm_jobs_granted(&j, "nodev", NULL), 0);
        }
        /* Nesting, above and below; a sibling with a longer name is not below. */
        assert_non_null(cdm_jobs_find_nested(&j, "/s1.slice"));
        assert_null(cdm_jobs_find_nested(&j, "/s1"));
        assert_null(cdm_jobs_find_nested(&j, "/s1.slic"));
        k = cdm_jobs_find_nested(&j, "/s1.slice/c1/step_0");
        assert_non_null(k);
        assert_string_equal(k->cgroup, "/s1.slice/c1");
        assert_null(cdm_jobs_find_nested(&j, "/s1.slice/c1-x"));
        /* The devices below a cgroup: each once, and only those. */
        pos = 0;
        k = cdm_jobs_next_below(&j, "/s2.slice", &pos);
        assert_non_null(k);
        assert_string_equal(k->device, "cdm0");
        assert_null(cdm_jobs_next_below(&j, "/s2.slice", &pos));
        pos = 0;
        k = cdm_jobs_next_below(&j, "/s1.slice", &pos);
        assert_non_null(k);
        assert_string_equal(k->device, "cdm1");
        k = cdm_jobs_next_below(&j, "/s1.slice", &pos);
        assert_non_null(k);
        assert_string_equal(k->device, "cdm2");
        assert_null(cdm_jobs_next_below(&j, "/s1.slice", &pos));
        pos = 0;
        assert_null(cdm_jobs_next_below(&j, "/s0.slice", &pos));
        pos = 0;
        assert_null(cdm_jobs_next_below(&j, "/s2", &pos));
        pos = 0;
        assert_null(cdm_jobs_next_below(&j, "/s1.slice/c1", &pos));
        cdm_jobs_remove(&j, "j1");
        assert_null(cdm_jobs_find_nested(&j, "/s1.slice/c1/step_0"));
        /* Which devices are granted: by name, not by prefix; none once their jobs are gone. */
        assert_true(cdm_jobs_on_device(&j, "cdm0"));
        assert_true(cdm_jobs_on_device(&j, "cdm2"));
        assert_false(cdm_jobs_on_device(&j, "cdm"));
        assert_false(cdm_jobs_on_device(&j, "cdm10"));
        assert_false(cdm_jobs_on_device(&j, "nodev"));
        for (size_t i = j.n; i-- > 0;)
                if (strcmp(j.items[i].device, "cdm2") == 0) {
                        (void) snprintf(id, sizeof(id), "%s", j.items[i].id);
                        cdm_jobs_remove(&j, id);
                }
        assert_false(cdm_jobs_on_device(&j, "cdm2"));
        assert_true(cdm_jobs_on_device(&j, "cdm1"));
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
                cmocka_unit_test(test_index),
                cmocka_unit_test(test_messages_are_valid_utf8),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
