/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure half of cdmd_spank.so: --cdm-mem values and the cgroups of a Slurm step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "spank-parse.h"

static void test_size(void **state)
{
        const char *why = NULL;
        uint64_t v = 7;

        assert_int_equal(cdm_spank_parse_size("256M", &v, &why), 0);
        assert_true(v == 256ULL << 20);
        assert_int_equal(cdm_spank_parse_size("4g", &v, &why), 0);
        assert_true(v == 4ULL << 30);
        assert_int_equal(cdm_spank_parse_size("1T", &v, &why), 0);
        assert_true(v == 1ULL << 40);
        assert_int_equal(cdm_spank_parse_size("512k", &v, &why), 0);
        assert_true(v == 512ULL << 10);
        assert_int_equal(cdm_spank_parse_size("4096", &v, &why), 0);
        assert_true(v == 4096);
        assert_int_equal(cdm_spank_parse_size("16777215T", &v, &why), 0);
        assert_int_equal(cdm_spank_parse_size("16777216T", &v, &why), -ERANGE);
        assert_int_equal(cdm_spank_parse_size("18446744073709551616", &v, &why), -ERANGE);
        assert_int_equal(cdm_spank_parse_size("0", &v, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_size("0M", &v, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_size("", &v, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_size("M", &v, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_size("-1M", &v, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_size("2MB", &v, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_size("2 M", &v, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_size("2P", &v, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_size("1.5G", &v, &why), -EINVAL);
        assert_non_null(why);
        assert_true(v == 16777215ULL << 40); /* unchanged by failures */
}

static void test_mem(void **state)
{
        cdm_spank_mem m = { 0 };
        const char *why = NULL;
        char long_name[80];

        assert_int_equal(cdm_spank_parse_mem("256M", &m, &why), 0);
        assert_true(m.bytes == 256ULL << 20);
        assert_string_equal(m.device, "");
        assert_int_equal(cdm_spank_parse_mem("4G:gpu0", &m, &why), 0);
        assert_true(m.bytes == 4ULL << 30);
        assert_string_equal(m.device, "gpu0");
        assert_int_equal(cdm_spank_parse_mem("1G:cxl.mem-1_a", &m, &why), 0);
        assert_string_equal(m.device, "cxl.mem-1_a");

        assert_int_equal(cdm_spank_parse_mem("4G:", &m, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_mem(":gpu0", &m, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_mem("4G:gpu0:x", &m, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_mem("4G:../x", &m, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_mem("4G:..", &m, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_mem("4G:gpu 0", &m, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_mem("", &m, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_mem(NULL, &m, &why), -EINVAL);
        assert_int_equal(cdm_spank_parse_mem("123456789012345678901234567890123M", &m, &why), -EINVAL);
        memset(long_name, 'a', sizeof(long_name));
        memcpy(long_name, "1G:", 3);
        long_name[3 + 64] = 0;
        assert_int_equal(cdm_spank_parse_mem(long_name, &m, &why), 0);
        long_name[3 + 64] = 'a';
        long_name[3 + 65] = 0;
        assert_int_equal(cdm_spank_parse_mem(long_name, &m, &why), -EINVAL);
        assert_int_equal(strlen(m.device), 64); /* unchanged by the failure */
}

static void test_policy(void **state)
{
        assert_true(cdm_spank_valid_policy("manual"));
        assert_true(cdm_spank_valid_policy("device-first"));
        assert_false(cdm_spank_valid_policy("tiered"));
        assert_false(cdm_spank_valid_policy("Manual"));
        assert_false(cdm_spank_valid_policy(""));
        assert_false(cdm_spank_valid_policy(NULL));
}

static void test_unified_path(void **state)
{
        char p[64];

        assert_int_equal(cdm_spank_unified_path("0::/system.slice/a.scope/job_7/step_0/slurm\n", p, sizeof(p)), 0);
        assert_string_equal(p, "/system.slice/a.scope/job_7/step_0/slurm");
        /* A hybrid host: v1 lines first; no newline at the end. */
        assert_int_equal(cdm_spank_unified_path("12:cpuset:/x\n1:name=systemd:/y\n0::/z", p, sizeof(p)), 0);
        assert_string_equal(p, "/z");
        assert_int_equal(cdm_spank_unified_path("0::/\n", p, sizeof(p)), 0);
        assert_string_equal(p, "/");
        assert_int_equal(cdm_spank_unified_path("12:cpuset:/x\n", p, sizeof(p)), -ENOENT);
        assert_int_equal(cdm_spank_unified_path("", p, sizeof(p)), -ENOENT);
        assert_int_equal(cdm_spank_unified_path("10::/x\n", p, sizeof(p)), -ENOENT);
        assert_int_equal(cdm_spank_unified_path("0::\n", p, sizeof(p)), -EINVAL);
        assert_int_equal(cdm_spank_unified_path("0::/aaaaaaaaaa\n", p, 8), -ENAMETOOLONG);
}

static void test_split(void **state)
{
        char job[128], step[128];

        /* 22.05: slurmstepd itself, and a task of the step. */
        assert_int_equal(cdm_spank_split_cgroup("/system.slice/node1_slurmstepd.scope/job_42/step_0/slurm",
                                                42, job, sizeof(job), step, sizeof(step)), 0);
        assert_string_equal(job, "/system.slice/node1_slurmstepd.scope/job_42");
        assert_string_equal(step, "/system.slice/node1_slurmstepd.scope/job_42/step_0");
        assert_int_equal(cdm_spank_split_cgroup("/system.slice/node1_slurmstepd.scope/job_42/step_batch/user/task_0",
                                                42, job, sizeof(job), step, sizeof(step)), 0);
        assert_string_equal(step, "/system.slice/node1_slurmstepd.scope/job_42/step_batch");
        assert_int_equal(cdm_spank_split_cgroup("/system.slice/slurmstepd.scope/job_42/step_extern/slurm",
                                                42, job, sizeof(job), NULL, 0), 0);
        assert_string_equal(job, "/system.slice/slurmstepd.scope/job_42");
        /* 25.11 CgroupSlice=, 26.05 SLUID names: the component below the scope. */
        assert_int_equal(cdm_spank_split_cgroup("/slurm.slice/n1_slurmstepd.scope/job_s1ab2c3d4/step_3/user/task_1",
                                                42, job, sizeof(job), step, sizeof(step)), 0);
        assert_string_equal(job, "/slurm.slice/n1_slurmstepd.scope/job_s1ab2c3d4");
        assert_string_equal(step, "/slurm.slice/n1_slurmstepd.scope/job_s1ab2c3d4/step_3");
        /* No scope (IgnoreSystemd=yes, or cgroup/v1 style paths): job_<id> by name. */
        assert_int_equal(cdm_spank_split_cgroup("/slurm/uid_1000/job_42/step_1/task_0", 42, job, sizeof(job),
                                                step, sizeof(step)), 0);
        assert_string_equal(job, "/slurm/uid_1000/job_42");
        assert_string_equal(step, "/slurm/uid_1000/job_42/step_1");
        /* A job_ component above the scope is not the job. */
        assert_int_equal(cdm_spank_split_cgroup("/job_42.slice/a_slurmstepd.scope/job_42/step_0", 42, job,
                                                sizeof(job), step, sizeof(step)), 0);
        assert_string_equal(job, "/job_42.slice/a_slurmstepd.scope/job_42");

        /* Not in a step of this job. */
        assert_int_equal(cdm_spank_split_cgroup("/system.slice/n_slurmstepd.scope/job_41/step_0/slurm", 42, job,
                                                sizeof(job), step, sizeof(step)), -ESRCH);
        assert_int_equal(cdm_spank_split_cgroup("/system.slice/n_slurmstepd.scope/system", 42, job, sizeof(job),
                                                step, sizeof(step)), -ENOENT);
        assert_int_equal(cdm_spank_split_cgroup("/system.slice/n_slurmstepd.scope/job_42", 42, job, sizeof(job),
                                                step, sizeof(step)), -ENOENT);
        assert_int_equal(cdm_spank_split_cgroup("/system.slice/n_slurmstepd.scope/job_42/user", 42, job,
                                                sizeof(job), step, sizeof(step)), -ENOENT);
        assert_int_equal(cdm_spank_split_cgroup("/system.slice/n_slurmstepd.scope", 42, job, sizeof(job), step,
                                                sizeof(step)), -ENOENT);
        assert_int_equal(cdm_spank_split_cgroup("/user.slice/user-1000.slice/session-3.scope", 42, job,
                                                sizeof(job), step, sizeof(step)), -ENOENT);
        assert_int_equal(cdm_spank_split_cgroup("/", 42, job, sizeof(job), step, sizeof(step)), -ENOENT);
        assert_int_equal(cdm_spank_split_cgroup("/slurm/job_421/step_0", 42, job, sizeof(job), step,
                                                sizeof(step)), -ESRCH);
        assert_int_equal(cdm_spank_split_cgroup("relative/job_42/step_0", 42, job, sizeof(job), step,
                                                sizeof(step)), -EINVAL);
        assert_int_equal(cdm_spank_split_cgroup("/a/../n_slurmstepd.scope/job_42/step_0", 42, job, sizeof(job),
                                                step, sizeof(step)), -EINVAL);
        assert_int_equal(cdm_spank_split_cgroup("/system.slice/n_slurmstepd.scope/job_42/step_0", 42, job, 16,
                                                step, sizeof(step)), -ENAMETOOLONG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_size),        cmocka_unit_test(test_mem),
                cmocka_unit_test(test_policy),      cmocka_unit_test(test_unified_path),
                cmocka_unit_test(test_split),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
