/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The state store: the record format (escapes, torn and damaged lines), the settings and the
 * job records, and the store on disk in a temporary directory: one holder at a time, one file
 * a job, damaged files kept aside and reported, never a blocking open.
 */

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

#include "jobs-store.h"
#include "jobs.h"
#include "record.h"
#include "state.h"
#include "store.h"
#include "util/fileio.h"
#include "util/strv.h"

static void test_record_roundtrip(void **state)
{
        const char *values[] = { "plain", "tab\there", "new\nline", "back\\slash", "bell\a\x1b\x7f", "", "€uro" };
        strbuf b = STRBUF_NULL;
        char *line, **f = NULL;
        const char *what;
        size_t nf = 0;

        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
                cdm_record_add(&b, values[i], i == 0);
        line = strbuf_steal(&b);
        assert_non_null(line);
        /* Nothing raw: one line, tabs only between fields. */
        assert_null(strchr(line, '\n'));
        for (const char *p = line; *p; p++)
                assert_true((unsigned char) *p >= 0x20 || *p == '\t');
        assert_int_equal(cdm_record_split(line, strlen(line), &f, &nf, &what), 0);
        assert_int_equal(nf, sizeof(values) / sizeof(values[0]));
        for (size_t i = 0; i < nf; i++)
                assert_string_equal(f[i], values[i]);
        strv_free_n(f, nf);
        free(line);
}

static void test_record_damage(void **state)
{
        static const struct {
                const char *line;
                size_t len;
        } bad[] = {
                { "a\\", 2 },    { "a\\q", 3 },  { "a\\x4", 4 },  { "a\\x00b", 6 },
                { "a\rb", 3 },  { "a\0b", 3 },  { "a\\xZZ", 5 },
        };
        char **f = NULL;
        const char *what, *line;
        size_t nf = 0, pos = 0, len;
        unsigned lineno = 0;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                what = NULL;
                assert_int_equal(cdm_record_split(bad[i].line, bad[i].len, &f, &nf, &what), -EBADMSG);
                assert_non_null(what);
        }
        /* Comments and empty lines are skipped; a last line without newline is torn. */
        assert_int_equal(cdm_record_next("# c\n\nx\ty\nz\t", 11, &pos, &lineno, &line, &len), 1);
        assert_int_equal(lineno, 3);
        assert_int_equal(len, 3);
        assert_int_equal(cdm_record_next("# c\n\nx\ty\nz\t", 11, &pos, &lineno, &line, &len), -EBADMSG);
        assert_int_equal(len, 2);
        assert_int_equal(cdm_record_next("# c\n\nx\ty\nz\t", 11, &pos, &lineno, &line, &len), 0);
}

static void test_state_objects(void **state)
{
        assert_true(cdm_state_object_valid("sys/fs/cgroup/system.slice/cpuset.mems"));
        assert_true(cdm_state_object_valid("systemd/system.slice/AllowedMemoryNodes"));
        assert_true(cdm_state_object_valid("systemd-default/AllowedMemoryNodes"));
        assert_true(cdm_state_object_valid("proc/sys/kernel/numa_balancing"));
        assert_false(cdm_state_object_valid("sys/../../etc/shadow"));
        assert_false(cdm_state_object_valid("sys/fs/cgroup/./x"));
        assert_false(cdm_state_object_valid("/sys/fs/cgroup/x"));
        assert_false(cdm_state_object_valid("etc/passwd"));
        assert_false(cdm_state_object_valid("sys//x"));
        assert_false(cdm_state_object_valid("sys/x/"));
        assert_false(cdm_state_object_valid("sys/x\ny"));
}

static void test_state_lenient(void **state)
{
        static const char text[] = "# header\n"
                                   "sys/a\t1\n"
                                   "sys/../../etc/passwd\tx\n" /* outside the root */
                                   "sys/b\n"                   /* one field */
                                   "sys/a\t2\n"                /* duplicate: the first wins */
                                   "sys/c\tbad\\q\n"           /* bad escape */
                                   "sys/d\t3\n"
                                   "sys/e\t";                  /* torn */
        cdm_state s = CDM_STATE_NULL;
        char **damage = NULL;
        size_t n = 0;
        bool torn;

        assert_int_equal(cdm_state_parse(text, sizeof(text) - 1, &s), -EBADMSG);
        cdm_state_done(&s);
        assert_int_equal(cdm_state_parse_lenient(text, sizeof(text) - 1, &s, &damage, &n, &torn), 0);
        assert_true(torn);
        assert_int_equal(s.n_settings, 2);
        assert_string_equal(s.settings[0].object, "sys/a");
        assert_string_equal(s.settings[0].old, "1");
        assert_string_equal(s.settings[1].object, "sys/d");
        assert_int_equal(n, 4);
        assert_non_null(strstr(damage[0], "line 3: "));
        assert_non_null(strstr(damage[3], "torn"));
        strv_free_n(damage, n);
        cdm_state_done(&s);
}

static int parse_str(const char *text, cdm_jobs *j, const char **what)
{
        return cdm_job_parse(text, strlen(text), j, what);
}

static void test_job_records(void **state)
{
        cdm_jobs j = { 0 }, k = { 0 };
        const char *what;
        char *text;

        assert_int_equal(cdm_jobs_add(&j, "job.1", "/a b/c", "gpu0", 1 << 20, CDM_POLICY_MANUAL, 5, false, NULL), 0);
        j.items[0].saved_memory_max = strdup("1073741824");
        text = cdm_job_format(&j.items[0]);
        assert_non_null(text);
        assert_int_equal(cdm_job_parse(text, strlen(text), &k, &what), 0);
        assert_int_equal(k.n, 1);
        assert_string_equal(k.items[0].cgroup, "/a b/c");
        assert_string_equal(k.items[0].saved_memory_max, "1073741824");
        assert_null(k.items[0].saved_memory_high);
        cdm_jobs_done(&k);

        /* Torn, NUL, two records, a field wrong: never a job. */
        assert_int_equal(cdm_job_parse(text, strlen(text) - 1, &k, &what), -EBADMSG);
        assert_non_null(strstr(what, "torn"));
        text[3] = 0;
        assert_int_equal(cdm_job_parse(text, strlen(text + 4) + 4, &k, &what), -EBADMSG);
        assert_int_equal(k.n, 0);
        assert_int_equal(parse_str("x\t/a\tgpu0\t1\tmanual\t0\t0\t-\t-\ny\t/b\tgpu0\t1\tmanual\t0\t0\t-\t-\n",
                                 &k, &what), -EBADMSG);
        assert_int_equal(k.n, 0);
        assert_int_equal(parse_str("x\t/a\tgpu0\tlots\tmanual\t0\t0\t-\t-\n", &k, &what), -EBADMSG);
        assert_non_null(strstr(what, "quota"));
        assert_int_equal(parse_str("x\t/a\tgpu0\t1\tmanual\t0\t0\t-\t12k\n", &k, &what), -EBADMSG);
        assert_int_equal(k.n, 0);
        cdm_jobs_done(&k);
        free(text);
        cdm_jobs_done(&j);
}

static char *tmpdir(void)
{
        char *d = strdup("/tmp/cdmd-store.XXXXXX");

        assert_non_null(mkdtemp(d));
        return d;
}

static void rm_rf(const char *d)
{
        char cmd[256];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
        assert_int_equal(system(cmd), 0);
}

static void put(const char *dir, const char *name, const char *text)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static bool exists(const char *dir, const char *name)
{
        char path[512];

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        return access(path, F_OK) == 0;
}

static void test_store_jobs(void **state)
{
        _cleanup_free_ char *dir = tmpdir();
        cdm_store *s = NULL, *other = NULL;
        cdm_jobs j = { 0 }, k = { 0 };
        char **damage = NULL, path[512];
        size_t n = 0;
        pid_t holder;

        assert_int_equal(cdm_store_open(dir, &s, &holder), 0);
        assert_int_equal(cdm_store_open(dir, &other, &holder), -EBUSY);
        assert_int_equal(holder, getpid());
        for (int i = 0; i < 3; i++) {
                char id[16], cg[16];

                snprintf(id, sizeof(id), "j%d", i);
                snprintf(cg, sizeof(cg), "/cg%d", i);
                assert_int_equal(cdm_jobs_add(&j, id, cg, "gpu0", 4096, CDM_POLICY_MANUAL, (uint64_t) (10 - i), false, NULL), 0);
                assert_int_equal(cdm_jobs_save_job(s, &j.items[i]), 0);
        }
        assert_true(exists(dir, "jobs.d/j1.job"));
        assert_int_equal(cdm_jobs_forget(s, "j1"), 0);
        assert_int_equal(cdm_jobs_forget(s, "j1"), 0); /* twice is fine */
        assert_false(exists(dir, "jobs.d/j1.job"));

        /* Damage: garbage, a NUL, a record under another job's name, a FIFO, a leftover temporary. */
        put(dir, "jobs.d/garbage.job", "\x01\x02 not a record\n");
        put(dir, "jobs.d/j9.job", "j9\t/cg9\tgpu0\t4096\tmanual\t1\t0\t-\t-\n");
        put(dir, "jobs.d/other.job", "j7\t/cg7\tgpu0\t4096\tmanual\t1\t0\t-\t-\n");
        put(dir, "jobs.d/x.job.tmp.123", "half");
        snprintf(path, sizeof(path), "%s/jobs.d/fifo.job", dir);
        assert_int_equal(mkfifo(path, 0600), 0);
        {
                /* A NUL byte inside a record. */
                int fd;
                snprintf(path, sizeof(path), "%s/jobs.d/nul.job", dir);
                fd = open(path, O_WRONLY | O_CREAT, 0600);
                assert_true(fd >= 0);
                assert_int_equal(write(fd, "nul\t/cgn\0\tgpu0\t4096\tmanual\t1\t0\t-\t-\n", 36), 36);
                close(fd);
        }
        assert_int_equal(cdm_jobs_load(s, &k, &damage, &n), 0);
        /* j0 and j2 back, in creation order; j9 too. */
        assert_int_equal(k.n, 3);
        assert_string_equal(k.items[0].id, "j9");
        assert_string_equal(k.items[1].id, "j2");
        assert_string_equal(k.items[2].id, "j0");
        assert_int_equal(n, 4);
        for (size_t i = 0; i < n; i++)
                assert_non_null(strstr(damage[i], "not restored"));
        assert_true(exists(dir, "jobs.d/garbage.job.damaged"));
        assert_true(exists(dir, "jobs.d/fifo.job.damaged"));
        assert_true(exists(dir, "jobs.d/nul.job.damaged"));
        assert_true(exists(dir, "jobs.d/other.job.damaged"));
        strv_free_n(damage, n);
        cdm_jobs_done(&k);
        cdm_jobs_done(&j);
        cdm_store_free(s);
        rm_rf(dir);
}

static void test_store_legacy_and_settings(void **state)
{
        _cleanup_free_ char *dir = tmpdir();
        cdm_store *s = NULL;
        cdm_state st = CDM_STATE_NULL;
        cdm_jobs k = { 0 };
        char **damage = NULL, *text = NULL;
        size_t n = 0;
        pid_t holder;

        /* An older cdmd's jobs file: its good lines move to jobs.d/, the file is kept damaged. */
        put(dir, "jobs", "# old\na\t/a\tgpu0\t4096\tmanual\t1\t0\t-\t-\nbroken line\nb\t/b\tgpu0\t4096\tmanual\t2\t0\t-\t-\n");
        assert_int_equal(cdm_store_open(dir, &s, &holder), 0);
        assert_int_equal(cdm_jobs_load(s, &k, &damage, &n), 0);
        assert_int_equal(k.n, 2);
        assert_int_equal(n, 1);
        assert_non_null(strstr(damage[0], "jobs:3: "));
        assert_true(exists(dir, "jobs.d/a.job"));
        assert_true(exists(dir, "jobs.damaged"));
        assert_false(exists(dir, "jobs"));
        strv_free_n(damage, n);
        damage = NULL;
        n = 0;
        cdm_jobs_done(&k);

        /* Settings: appended, read back; a torn last record is dropped and the file rewritten. */
        assert_int_equal(cdm_state_load(s, &st, &damage, &n), 0);
        assert_int_equal(cdm_state_record(&st, "sys/a", "old\tvalue"), 0);
        assert_int_equal(cdm_state_record(&st, "sys/b", ""), 0);
        assert_int_equal(cdm_state_record(&st, "sys/a", "newer"), 0);
        assert_int_equal(cdm_state_record(&st, "sys/../x", "1"), -EINVAL);
        cdm_state_done(&st);
        assert_int_equal(cdm_store_append(s, "settings", "sys/c\tpart"), 0);
        assert_int_equal(cdm_state_load(s, &st, &damage, &n), 0);
        assert_int_equal(st.n_settings, 2);
        assert_string_equal(st.settings[0].old, "old\tvalue");
        assert_int_equal(n, 1); /* the torn one, said */
        assert_false(exists(dir, "settings.damaged"));
        assert_int_equal(cdm_store_read(s, "settings", 4096, &text, NULL), 0);
        assert_null(strstr(text, "sys/c"));
        free(text);
        strv_free_n(damage, n);
        damage = NULL;
        n = 0;
        cdm_state_done(&st);

        /* A damaged record: kept as settings.damaged, the rest goes on. */
        assert_int_equal(cdm_store_append(s, "settings", "garbage\n"), 0);
        assert_int_equal(cdm_state_load(s, &st, &damage, &n), 0);
        assert_int_equal(st.n_settings, 2);
        assert_int_equal(n, 1);
        assert_true(exists(dir, "settings.damaged"));
        strv_free_n(damage, n);
        cdm_state_done(&st);
        cdm_store_free(s);
        rm_rf(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_record_roundtrip),
                cmocka_unit_test(test_record_damage),
                cmocka_unit_test(test_state_objects),
                cmocka_unit_test(test_state_lenient),
                cmocka_unit_test(test_job_records),
                cmocka_unit_test(test_store_jobs),
                cmocka_unit_test(test_store_legacy_and_settings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
