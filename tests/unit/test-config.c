/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config-ini.h"

/* Parse text into a fresh configuration; return it (or NULL) and the error text. */
static cdm_config *parse(const char *text, char **ret_errors)
{
        cdm_config *c = NULL;
        char *errors = NULL;
        unsigned n = 0;
        int r;

        assert_int_equal(cdm_config_new(&c), 0);
        r = cdm_config_parse_string(c, text, strlen(text), "test.conf", &errors, &n);
        if (r == 0) {
                free(errors);
                errors = NULL;
                n = cdm_config_validate(c, &errors);
        }
        if (n) {
                c = cdm_config_free(c);
        } else {
                free(errors);
                errors = NULL;
        }
        *ret_errors = errors;
        return c;
}

static void expect_error(const char *text, const char *want)
{
        char *errors = NULL;
        cdm_config *c = parse(text, &errors);

        if (c)
                fail_msg("accepted: %s", text);
        assert_non_null(errors);
        if (!strstr(errors, want))
                fail_msg("errors '%s' do not contain '%s'", errors, want);
        free(errors);
}

static void test_defaults(void **state)
{
        cdm_config *c = NULL;

        assert_int_equal(cdm_config_new(&c), 0);
        assert_int_equal(c->audit_interval_usec, 1000000);
        assert_string_equal(c->state_dir, "/var/lib/cdmd");
        assert_null(c->metrics_file);
        assert_true(c->system_nodes_auto);
        assert_int_equal(c->online, CDM_ONLINE_MOVABLE);
        assert_true(c->demotion_disable);
        assert_false(c->root_cgroup_move);
        assert_true(c->repair_migrate);
        assert_int_equal(c->max_stall_usec, 20000);
        assert_int_equal(c->bandwidth_mbps, 0);
        assert_int_equal(c->workers, 0);
        assert_null(c->admin_group);
        cdm_config_free(c);
}

static void test_full(void **state)
{
        static const char text[] =
                "; cdmd configuration\n"
                "[daemon]\n"
                "audit_interval = 5s\n"
                "state_dir = /run/cdmd\n"
                "metrics_file = /run/cdmd/metrics.prom\n"
                "\n"
                "[isolation]\n"
                "system_nodes = 0,8\n"
                "online = movable\n"
                "demotion = keep          ; inline comment\n"
                "root_cgroup = move\n"
                "repair = report\n"
                "[migration]\n"
                "max_stall = 5ms\n"
                "bandwidth = 2000\n"
                "workers = 3\n"
                "[api]\n"
                "admin_group = hpc-admins\n"
                "max_jobs = 100\n"
                "[device gpu0]\n"
                "nodes = 252-253\n"
                "kind = gpu\n"
                "reserve = 512M\n"
                "[device gpu1]\n"
                "nodes = 254\n"
                "[job inference]\n"
                "cgroup = /system.slice/inference.service\n"
                "device = gpu0\n"
                "quota = 4G\n"
                "policy = device-first\n";
        char *errors = NULL;
        cdm_config *c = parse(text, &errors);

        if (!c)
                fail_msg("%s", errors);
        assert_int_equal(c->audit_interval_usec, 5000000);
        assert_string_equal(c->state_dir, "/run/cdmd");
        assert_string_equal(c->metrics_file, "/run/cdmd/metrics.prom");
        assert_false(c->system_nodes_auto);
        assert_true(cdm_nodemask_test(&c->system_nodes, 8));
        assert_int_equal(cdm_nodemask_count(&c->system_nodes), 2);
        assert_false(c->demotion_disable);
        assert_true(c->root_cgroup_move);
        assert_false(c->repair_migrate);
        assert_int_equal(c->max_stall_usec, 5000);
        assert_int_equal(c->bandwidth_mbps, 2000);
        assert_int_equal(c->workers, 3);
        assert_string_equal(c->admin_group, "hpc-admins");
        assert_int_equal(c->max_jobs, 100);
        assert_int_equal(c->n_devices, 2);
        assert_string_equal(c->devices[0].name, "gpu0");
        assert_int_equal(c->devices[0].kind, CDM_KIND_GPU);
        assert_int_equal(c->devices[0].reserve, 512ULL << 20);
        assert_int_equal(c->devices[0].line, 20);
        assert_int_equal(cdm_nodemask_count(&c->devices[0].nodes), 2);
        assert_int_equal(c->n_jobs, 1);
        assert_string_equal(c->jobs[0].cgroup, "/system.slice/inference.service");
        assert_int_equal(c->jobs[0].quota, 4ULL << 30);
        assert_int_equal(c->jobs[0].policy, CDM_POLICY_DEVICE_FIRST);
        assert_ptr_equal(cdm_config_device_for_node(c, 254), &c->devices[1]);
        assert_null(cdm_config_device_for_node(c, 0));
        cdm_config_free(c);
}

static void test_errors_name_file_and_line(void **state)
{
        expect_error("[daemon]\naudit_interval = fast\n", "test.conf:2: [daemon] audit_interval = 'fast': expected a duration");
        expect_error("[daemon]\nbogus = 1\n", "test.conf:2: [daemon] bogus = '1': unknown key");
        expect_error("\n\n[bogus]\nx = 1\n", "test.conf:3: [bogus]: unknown section");
        expect_error("[bogus]\n", "test.conf:1: [bogus]: unknown section");
        expect_error("[isolation]\nsystem_nodes = 0-\n", "test.conf:2: [isolation] system_nodes = '0-': expected a node list");
        expect_error("[isolation]\ndemotion = maybe\n", "test.conf:2: [isolation] demotion = 'maybe': expected 'keep' or 'disable'");
        expect_error("[isolation]\nonline = kernel\n", "expected 'movable' or 'manual'");
        expect_error("[migration]\nmax_stall = 0\n", "test.conf:2: [migration] max_stall");
        expect_error("[migration]\nbandwidth = -5\n", "test.conf:2: [migration] bandwidth = '-5': expected a rate in MB/s");
        expect_error("[migration]\n\nbandwidth = 1000001\n",
                        "test.conf:3: [migration] bandwidth = '1000001': expected a rate in MB/s between 0 (no cap) and 1000000 (1 TB/s)");
        expect_error("[migration]\nbandwidth = 18446744073709551615\n", "test.conf:2: [migration] bandwidth");
        expect_error("[migration]\nworkers = 0\n", "test.conf:2: [migration] workers = '0': expected 'auto' or a number");
        expect_error("[migration]\nworkers = 65\n", "between 1 and 64");
        expect_error("[device gpu0]\nnodes = 1\nreserve = lots\n", "test.conf:3: [device gpu0] reserve = 'lots'");
        expect_error("[device gpu0]\nkind = fpga\nnodes = 1\n", "expected 'gpu', 'cxl', 'generic' or 'auto'");
        expect_error("[device gpu0]\nkind = gpu\n", "test.conf:1: [device gpu0] needs 'nodes ='");
        expect_error("[device a]\nnodes = 1\n[device b]\nnodes = 1-2\n", "test.conf:3: [device b] node 1 already belongs to [device a]");
        expect_error("[isolation]\nsystem_nodes = 0-1\n[device a]\nnodes = 1\n", "node 1 is also listed in system_nodes");
        expect_error("[device bad/name]\nnodes = 1\n", "test.conf:1: [device bad/name]: section name must be");
        expect_error("[job j]\ncgroup = relative/path\n", "test.conf:2: [job j] cgroup = 'relative/path'");
        expect_error("[job j]\ncgroup = /a/../b\n", "without '..'");
        expect_error("[job j]\ncgroup = /\n", "expected an absolute cgroup path");
        expect_error("[job j]\ncgroup = /a\ndevice = gpu0\n", "[job j] needs 'quota ='");
        expect_error("[job j]\ncgroup = /a\ndevice = gpu0\nquota = 1G\npolicy = lukewarm\n",
                        "expected 'manual', 'device-first' or 'tiered'");
        expect_error("[job j]\ncgroup = /a\ndevice = g\nquota = 1G\n[job k]\ncgroup = /a\ndevice = g\nquota = 1G\n",
                        "test.conf:5: [job k] cgroup '/a' is already granted to [job j]");
        expect_error("[daemon]\nthis line has no equals sign\n", "test.conf:2: syntax error");
        expect_error("audit_interval = 1s\n", "test.conf:1: 'audit_interval' outside of any section");
        expect_error("[daemon]\nstate_dir = relative\n", "expected an absolute path");
        expect_error("[api]\nadmin_group = bad group\n", "expected a group name");
        expect_error("[api]\nmax_jobs = 0\n", "between 1 and 65536");
}

static void test_every_error_reported(void **state)
{
        char *errors = NULL;
        cdm_config *c = parse("[daemon]\naudit_interval = x\nstate_dir = y\n[nope]\n", &errors);

        assert_null(c);
        assert_non_null(strstr(errors, "test.conf:2:"));
        assert_non_null(strstr(errors, "test.conf:3:"));
        assert_non_null(strstr(errors, "test.conf:4:"));
        free(errors);
}

static void test_long_line_and_nul(void **state)
{
        char text[512];

        memset(text, 'x', sizeof(text));
        memcpy(text, "[daemon]\nstate_dir = /", 22);
        text[sizeof(text) - 2] = '\n';
        text[sizeof(text) - 1] = 0;
        expect_error(text, "test.conf:2: line longer than");

        {
                static const char with_nul[] = "[daemon]\nstate_dir = /a\0b\n";
                cdm_config *c = NULL;
                char *errors = NULL;
                unsigned n = 0;

                assert_int_equal(cdm_config_new(&c), 0);
                assert_int_equal(cdm_config_parse_string(c, with_nul, sizeof(with_nul) - 1, "test.conf", &errors, &n), -EINVAL);
                assert_non_null(strstr(errors, "test.conf:2: line contains a NUL byte"));
                free(errors);
                cdm_config_free(c);
        }
}

static void test_empty_value_restores_default(void **state)
{
        char *errors = NULL;
        cdm_config *c = parse("[daemon]\naudit_interval = 5s\naudit_interval =\nstate_dir =\n"
                              "[isolation]\nsystem_nodes = 0\nsystem_nodes =\ndemotion = keep\ndemotion =\n",
                        &errors);

        if (!c)
                fail_msg("%s", errors);
        assert_int_equal(c->audit_interval_usec, 1000000);
        assert_string_equal(c->state_dir, "/var/lib/cdmd");
        assert_true(c->system_nodes_auto);
        assert_true(c->demotion_disable);
        cdm_config_free(c);
}

static void write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void test_dropins(void **state)
{
        char dir[] = "/tmp/cdmd-test-config-XXXXXX", path[128], dropdir[160], file[512];
        cdm_config *c = NULL;
        char *errors = NULL;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/cdmd.conf", dir);
        snprintf(dropdir, sizeof(dropdir), "%s.d", path);
        write_text(path, "[daemon]\naudit_interval = 2s\nstate_dir = /srv/a\n");
        assert_int_equal(mkdir(dropdir, 0755), 0);
        snprintf(file, sizeof(file), "%s/20-b.conf", dropdir);
        write_text(file, "[daemon]\naudit_interval = 4s\n");
        snprintf(file, sizeof(file), "%s/10-a.conf", dropdir);
        write_text(file, "[daemon]\naudit_interval = 3s\nstate_dir = /srv/b\n");
        snprintf(file, sizeof(file), "%s/30-ignored.txt", dropdir);
        write_text(file, "garbage\n");

        assert_int_equal(cdm_config_load(path, true, &c, &errors), 0);
        assert_int_equal(c->audit_interval_usec, 4000000); /* 20-b.conf is read last */
        assert_string_equal(c->state_dir, "/srv/b");
        c = cdm_config_free(c);

        /* An error in a drop-in names the drop-in and its line; nothing is returned. */
        snprintf(file, sizeof(file), "%s/40-bad.conf", dropdir);
        write_text(file, "[daemon]\n\naudit_interval = soon\n");
        assert_int_equal(cdm_config_load(path, true, &c, &errors), -EINVAL);
        assert_null(c);
        assert_non_null(strstr(errors, "40-bad.conf:3: [daemon] audit_interval = 'soon'"));
        free(errors);
        errors = NULL;
        unlink(file);

        /* A missing main file is fine unless it was asked for explicitly. */
        snprintf(file, sizeof(file), "%s/none.conf", dir);
        assert_int_equal(cdm_config_load(file, false, &c, &errors), 0);
        c = cdm_config_free(c);
        assert_int_equal(cdm_config_load(file, true, &c, &errors), -EINVAL);
        assert_non_null(strstr(errors, "none.conf: No such file or directory"));
        free(errors);

        snprintf(file, sizeof(file), "rm -rf '%s'", dir);
        assert_int_equal(system(file), 0);
}

static void test_bandwidth_bound(void **state)
{
        char *errors = NULL;
        cdm_config *c = parse("[migration]\nbandwidth = 1000000\n", &errors);

        if (!c)
                fail_msg("%s", errors);
        assert_int_equal(c->bandwidth_mbps, 1000000);
        cdm_config_free(c);
}

static char *make_config_dir(char *path, size_t size, char *dropdir, size_t dropsize)
{
        char *dir = strdup("/tmp/cdmd-test-config-XXXXXX");

        assert_non_null(dir);
        assert_non_null(mkdtemp(dir));
        snprintf(path, size, "%s/cdmd.conf", dir);
        snprintf(dropdir, dropsize, "%s.d", path);
        write_text(path, "[daemon]\naudit_interval = 2s\n");
        assert_int_equal(mkdir(dropdir, 0755), 0);
        return dir;
}

static void remove_config_dir(char *dir)
{
        char cmd[256];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
        free(dir);
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* 300 drop-ins are all read, in byte order of their names: 99-x.conf last, not 300-x.conf. */
static void test_dropins_all_in_byte_order(void **state)
{
        char path[128], dropdir[160], file[512], *names[300];
        cdm_config *c = NULL;
        char *errors = NULL, *dir;

        dir = make_config_dir(path, sizeof(path), dropdir, sizeof(dropdir));
        for (unsigned i = 1; i <= 300; i++) {
                char text[256];

                snprintf(file, sizeof(file), "%s/%u-x.conf", dropdir, i);
                snprintf(text, sizeof(text), "[daemon]\naudit_interval = %ums\n"
                                "[job j%u]\ncgroup = /j%u\ndevice = gpu0\nquota = 1G\n",
                                i, i, i);
                write_text(file, text);
                assert_true(asprintf(&names[i - 1], "j%u", i) > 0);
        }
        qsort(names, 300, sizeof(char *), cmp_names);

        if (cdm_config_load(path, true, &c, &errors) < 0)
                fail_msg("%s", errors);
        assert_int_equal(c->audit_interval_usec, 99000); /* 99-x.conf sorts last */
        assert_int_equal(c->n_jobs, 300);
        /* Sections appear in reading order: j1, j10, j100, j101, ... j99. */
        for (size_t i = 0; i < 300; i++) {
                assert_string_equal(c->jobs[i].name, names[i]);
                free(names[i]);
        }
        assert_string_equal(c->jobs[299].name, "j99");
        cdm_config_free(c);
        remove_config_dir(dir);
}

static void test_dropins_too_many(void **state)
{
        char path[128], dropdir[160], file[512];
        cdm_config *c = NULL;
        char *errors = NULL, *dir, *want;

        dir = make_config_dir(path, sizeof(path), dropdir, sizeof(dropdir));
        for (unsigned i = 0; i < 4097; i++) {
                int fd;

                snprintf(file, sizeof(file), "%s/%04u.conf", dropdir, i);
                fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                assert_true(fd >= 0);
                close(fd);
        }
        assert_int_equal(cdm_config_load(path, true, &c, &errors), -EINVAL);
        assert_null(c);
        assert_true(asprintf(&want, "%s: too many drop-ins (more than 4096 *.conf files)", dropdir) > 0);
        if (!strstr(errors, want))
                fail_msg("errors '%s' do not contain '%s'", errors, want);
        free(want);
        free(errors);
        errors = NULL;

        /* 4096 are fine. */
        snprintf(file, sizeof(file), "%s/4096.conf", dropdir);
        assert_int_equal(unlink(file), 0);
        if (cdm_config_load(path, true, &c, &errors) < 0)
                fail_msg("%s", errors);
        cdm_config_free(c);
        remove_config_dir(dir);
}

static void expect_load_error(const char *path, const char *want)
{
        cdm_config *c = NULL;
        char *errors = NULL;

        /* Opening a FIFO for reading blocks until a writer comes: the alarm turns a hang
         * into a failure. */
        alarm(10);
        assert_int_equal(cdm_config_load(path, true, &c, &errors), -EINVAL);
        alarm(0);
        assert_null(c);
        if (!errors || !strstr(errors, want))
                fail_msg("errors '%s' do not contain '%s'", errors ?: "", want);
        free(errors);
}

/* Only regular files are read; anything else is an error naming it, never a hang. */
static void test_dropins_not_regular(void **state)
{
        char path[128], dropdir[160], file[512], want[600];
        cdm_config *c = NULL;
        char *errors = NULL, *dir;

        dir = make_config_dir(path, sizeof(path), dropdir, sizeof(dropdir));
        snprintf(file, sizeof(file), "%s/50-fifo.conf", dropdir);
        assert_int_equal(mkfifo(file, 0644), 0);
        snprintf(want, sizeof(want), "%s: not a regular file", file);
        expect_load_error(path, want);
        assert_int_equal(unlink(file), 0);

        snprintf(file, sizeof(file), "%s/50-dir.conf", dropdir);
        assert_int_equal(mkdir(file, 0755), 0);
        snprintf(want, sizeof(want), "%s: is a directory, not a regular file", file);
        expect_load_error(path, want);
        assert_int_equal(rmdir(file), 0);

        /* The main file as a FIFO, too. */
        remove_config_dir(dir);
        dir = make_config_dir(path, sizeof(path), dropdir, sizeof(dropdir));
        assert_int_equal(unlink(path), 0);
        assert_int_equal(mkfifo(path, 0644), 0);
        snprintf(want, sizeof(want), "%s: not a regular file", path);
        expect_load_error(path, want);
        assert_int_equal(unlink(path), 0);

        /* /dev/null, as the main file or a drop-in linked to it, is an empty file. */
        assert_int_equal(symlink("/dev/null", path), 0);
        snprintf(file, sizeof(file), "%s/50-masked.conf", dropdir);
        assert_int_equal(symlink("/dev/null", file), 0);
        if (cdm_config_load(path, true, &c, &errors) < 0)
                fail_msg("%s", errors);
        assert_int_equal(c->audit_interval_usec, 1000000);
        c = cdm_config_free(c);
        if (cdm_config_load("/dev/null", true, &c, &errors) < 0)
                fail_msg("%s", errors);
        cdm_config_free(c);
        remove_config_dir(dir);
}

static void test_names(void **state)
{
        assert_true(cdm_name_valid("slurm-4242"));
        assert_true(cdm_name_valid("a.b:c_d-e"));
        assert_false(cdm_name_valid(""));
        assert_false(cdm_name_valid("a/b"));
        assert_false(cdm_name_valid("a b"));
        assert_false(cdm_name_valid("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")); /* 65 */
        assert_true(cdm_cgroup_path_valid("/system.slice/slurmstepd.scope/job_1"));
        assert_false(cdm_cgroup_path_valid("/"));
        assert_false(cdm_cgroup_path_valid("system.slice"));
        assert_false(cdm_cgroup_path_valid("/a//b"));
        assert_false(cdm_cgroup_path_valid("/a/"));
        assert_false(cdm_cgroup_path_valid("/a/../b"));
        assert_false(cdm_cgroup_path_valid("/a/./b"));
        assert_false(cdm_cgroup_path_valid("/a\nb"));
}

static void test_dump_roundtrip(void **state)
{
        char *errors = NULL, *dump;
        cdm_config *c = parse("[daemon]\naudit_interval = 250ms\n[device gpu0]\nnodes = 1-2\nreserve = 1G\n", &errors), *c2;

        assert_non_null(c);
        dump = cdm_config_dump(c);
        assert_non_null(dump);
        c2 = parse(dump, &errors);
        if (!c2)
                fail_msg("dump does not parse: %s\n%s", errors, dump);
        assert_int_equal(c2->audit_interval_usec, 250000);
        assert_int_equal(c2->devices[0].reserve, 1ULL << 30);
        free(dump);
        cdm_config_free(c);
        cdm_config_free(c2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_full),
                cmocka_unit_test(test_errors_name_file_and_line),
                cmocka_unit_test(test_every_error_reported),
                cmocka_unit_test(test_long_line_and_nul),
                cmocka_unit_test(test_empty_value_restores_default),
                cmocka_unit_test(test_dropins),
                cmocka_unit_test(test_dropins_all_in_byte_order),
                cmocka_unit_test(test_dropins_too_many),
                cmocka_unit_test(test_dropins_not_regular),
                cmocka_unit_test(test_bandwidth_bound),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_dump_roundtrip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
