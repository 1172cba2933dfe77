/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup-parse.h"
#include "state.h"

/* As mm/memcontrol.c prints it on 6.1 for a two-node machine (bytes). */
static const char numa_stat[] =
        "anon N0=1073741824 N1=33554432\n"
        "file N0=4096 N1=8192\n"
        "kernel_stack N0=16384 N1=0\n"
        "pagetables N0=4096 N1=4096\n"
        "sec_pagetables N0=0 N1=0\n"
        "shmem N0=0 N1=4096\n"
        "file_mapped N0=0 N1=0\n"
        "slab_reclaimable N0=100 N1=1\n"
        "slab_unreclaimable N0=200 N1=2\n"
        "some_future_item N0=5 N1=7\n";

static void test_numa_stat(void **state)
{
        cdm_nodemask n1 = { { 0 } }, both = { { 0 } };
        const char *what = NULL;
        cdm_numa_usage u;

        cdm_nodemask_set(&n1, 1);
        cdm_nodemask_set(&both, 0);
        cdm_nodemask_set(&both, 1);
        assert_int_equal(cdm_parse_numa_stat(numa_stat, strlen(numa_stat), &n1, &u, &what), 0);
        assert_int_equal(u.anon, 33554432);
        assert_int_equal(u.file, 8192);
        assert_int_equal(u.shmem, 4096);
        assert_int_equal(u.kernel, 4096 + 1 + 2);
        assert_int_equal(cdm_parse_numa_stat(numa_stat, strlen(numa_stat), &both, &u, &what), 0);
        assert_int_equal(u.anon, 1073741824ULL + 33554432);
        assert_int_equal(cdm_parse_numa_stat("", 0, &n1, &u, &what), 0);
        assert_int_equal(u.anon, 0);
}

static void test_numa_stat_bad(void **state)
{
        static const char *const bad[] = {
                "anon\n", "anon N0=\n", "anon N0=x\n", "anon X0=1\n", "anon N0=1 junk\n",
                "anon N99999=1\n", "anon N0=99999999999999999999999\n", " N0=1\n",
        };
        cdm_nodemask n1 = { { 2 } };
        const char *what = NULL;
        cdm_numa_usage u = { .anon = 42 };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (cdm_parse_numa_stat(bad[i], strlen(bad[i]), &n1, &u, &what) != -EBADMSG)
                        fail_msg("accepted: %s", bad[i]);
                assert_non_null(what);
        }
        assert_int_equal(u.anon, 42);
}

static void test_words_and_pids(void **state)
{
        int *pids = NULL;
        size_t n = 0;

        assert_true(cdm_word_list_contains("cpuset cpu io memory pids\n", "cpuset"));
        assert_true(cdm_word_list_contains("cpu io memory pids", "pids"));
        assert_false(cdm_word_list_contains("cpuset_x cpu", "cpuset"));
        assert_false(cdm_word_list_contains("", "cpuset"));
        assert_int_equal(cdm_parse_pids("1\n42\n\n4242\n", 11, &pids, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(pids[2], 4242);
        free(pids);
        assert_int_equal(cdm_parse_pids("", 0, &pids, &n), 0);
        assert_int_equal(n, 0);
        free(pids);
        assert_int_equal(cdm_parse_pids("12x\n", 4, &pids, &n), -EBADMSG);
        assert_int_equal(cdm_parse_pids("99999999999\n", 12, &pids, &n), -EBADMSG);
}

static void test_state_format(void **state)
{
        cdm_state s = CDM_STATE_NULL, t = CDM_STATE_NULL;
        char *text;

        s.dir = strdup("/nonexistent");
        s.settings = calloc(3, sizeof(cdm_setting));
        s.settings[0] = (cdm_setting){ strdup("sys/fs/cgroup/a/cpuset.mems"), strdup("") };
        s.settings[1] = (cdm_setting){ strdup("sys/weird name"), strdup("line1\nline2\\") };
        s.settings[2] = (cdm_setting){ strdup("sys/kernel/mm/numa/demotion_enabled"), strdup("true") };
        s.n_settings = 3;
        text = cdm_state_format(&s);
        assert_non_null(text);
        assert_int_equal(cdm_state_parse(text, strlen(text), &t), 0);
        assert_int_equal(t.n_settings, 3);
        for (size_t i = 0; i < 3; i++) {
                assert_string_equal(t.settings[i].object, s.settings[i].object);
                assert_string_equal(t.settings[i].old, s.settings[i].old);
        }
        free(text);
        cdm_state_done(&t);
        assert_int_equal(cdm_state_parse("no tab here\n", 12, &t), -EBADMSG);
        cdm_state_done(&t);
        assert_int_equal(cdm_state_parse("obj\tbad escape\\", 15, &t), -EBADMSG);
        cdm_state_done(&t);
        cdm_state_done(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_numa_stat),
                cmocka_unit_test(test_numa_stat_bad),
                cmocka_unit_test(test_words_and_pids),
                cmocka_unit_test(test_state_format),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
