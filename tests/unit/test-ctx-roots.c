/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the daemon asks of a context instead of reading its fields: the root, whether it is
 * the running system's, cgroup directories (there, created, watched) and files below the
 * proc root, on a temporary root with and without DIR/proc and DIR/sys/fs/cgroup.
 */

#include <errno.h>
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

#include "cgroup-backend.h"
#include "ctx-roots.h"
#include "proc-fs.h"

static void make_dir(const char *root, const char *rel)
{
        char path[512];

        (void) snprintf(path, sizeof(path), "%s/%s", root, rel);
        assert_int_equal(mkdir(path, 0755), 0);
}

static void make_file(const char *root, const char *rel, const char *content)
{
        char path[512];
        FILE *f;

        (void) snprintf(path, sizeof(path), "%s/%s", root, rel);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fputs(content, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

static void same_dir(const char *a, const char *root, const char *rel)
{
        struct stat sa, sb;
        char path[512];

        (void) snprintf(path, sizeof(path), "%s/%s", root, rel);
        assert_int_equal(stat(a, &sa), 0);
        assert_int_equal(stat(path, &sb), 0);
        assert_true(S_ISDIR(sa.st_mode));
        assert_true(sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

static void test_without_proc_and_cgroup(void **state)
{
        char root[] = "/tmp/cdm-ctx-roots-XXXXXX", cmd[64];
        cdm_ctx *ctx = NULL;
        char *buf = NULL;

        assert_non_null(mkdtemp(root));
        make_dir(root, "sys");
        assert_int_equal(cdm_ctx_new(root, &ctx), 0);
        assert_string_equal(cdm_ctx_root(ctx), root);
        assert_false(cdm_ctx_is_live(ctx));
        assert_false(cdm_cgroup_exists(ctx, "/"));
        assert_false(cdm_cgroup_exists(ctx, "/a"));
        assert_int_equal(cdm_cgroup_mkdir(ctx, "/a", 0755), -ENOENT);
        assert_int_equal(cdm_cgroup_watch_path(ctx, "/", &buf), -ENOENT);
        assert_int_equal(cdm_proc_read(ctx, "self/cgroup", 4096, &buf, NULL), -ENOENT);
        assert_null(buf);
        cdm_ctx_unref(ctx);

        assert_int_equal(cdm_ctx_new(NULL, &ctx), 0);
        assert_string_equal(cdm_ctx_root(ctx), "/");
        assert_true(cdm_ctx_is_live(ctx));
        cdm_ctx_unref(ctx);
        (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        assert_int_equal(system(cmd), 0);
}

static void test_cgroups_and_proc(void **state)
{
        char root[] = "/tmp/cdm-ctx-roots-XXXXXX", cmd[64];
        cdm_ctx *ctx = NULL;
        char *buf = NULL;
        size_t len = 0;

        assert_non_null(mkdtemp(root));
        make_dir(root, "sys");
        make_dir(root, "sys/fs");
        make_dir(root, "sys/fs/cgroup");
        make_dir(root, "proc");
        make_dir(root, "proc/42");
        make_file(root, "proc/42/comm", "sleep\n");
        make_file(root, "sys/fs/cgroup/cpuset.mems", "0\n");
        assert_int_equal(cdm_ctx_new(root, &ctx), 0);

        assert_true(cdm_cgroup_exists(ctx, "/"));
        assert_false(cdm_cgroup_exists(ctx, "/a"));
        assert_false(cdm_cgroup_exists(ctx, "/cpuset.mems")); /* a file is no cgroup */
        assert_int_equal(cdm_cgroup_mkdir(ctx, "/a", 0755), 0);
        assert_true(cdm_cgroup_exists(ctx, "/a"));
        assert_int_equal(cdm_cgroup_mkdir(ctx, "/a", 0755), -EEXIST);
        assert_int_equal(cdm_cgroup_mkdir(ctx, "/", 0755), -EEXIST);
        assert_int_equal(cdm_cgroup_mkdir(ctx, "/b/c", 0755), -ENOENT); /* no parent */
        assert_int_equal(cdm_cgroup_mkdir(ctx, "/a/b", 0755), 0);
        assert_true(cdm_cgroup_exists(ctx, "/a/b"));

        /* The watched path is the cgroup's directory, for the root too. */
        assert_int_equal(cdm_cgroup_watch_path(ctx, "/", &buf), 0);
        assert_true(strncmp(buf, "/proc/self/fd/", 14) == 0);
        same_dir(buf, root, "sys/fs/cgroup");
        free(buf);
        assert_int_equal(cdm_cgroup_watch_path(ctx, "/a/b", &buf), 0);
        same_dir(buf, root, "sys/fs/cgroup/a/b");
        free(buf);
        buf = NULL;

        assert_int_equal(cdm_proc_read(ctx, "42/comm", 4096, &buf, &len), 0);
        assert_string_equal(buf, "sleep\n");
        assert_int_equal(len, 6);
        free(buf);
        buf = NULL;
        assert_int_equal(cdm_proc_read(ctx, "43/comm", 4096, &buf, NULL), -ENOENT);
        assert_null(buf);

        cdm_ctx_unref(ctx);
        (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_without_proc_and_cgroup),
                cmocka_unit_test(test_cgroups_and_proc),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
