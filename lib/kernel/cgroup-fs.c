/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plain-file cgroup backend, and the reads every backend shares. */

#include <linux/magic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "cgroup-backend.h"
#include "cgroup-parse.h"
#include "util/strv.h"
#include "ctx.h"
#include "util/fileio.h"
#include "util/strbuf.h"

char *cdm_cgroup_attr_path(const char *cgroup, const char *attr)
{
        size_t c, a = strlen(attr);
        char *p;

        /* Called for every file of every audit: plain copies, no printf machinery. */
        while (*cgroup == '/')
                cgroup++;
        c = strlen(cgroup);
        p = malloc(c + 1 + a + 1);
        if (!p)
                return NULL;
        memcpy(p, cgroup, c);
        if (c)
                p[c++] = '/';
        memcpy(p + c, attr, a + 1);
        return p;
}

int cdm_cgroup_read(cdm_ctx *ctx, const char *cgroup, const char *attr, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *path = cdm_cgroup_attr_path(cgroup, attr);

        if (!path)
                return -ENOMEM;
        if (ctx->cgroup_fd < 0)
                return -ENOENT;
        return read_file_at(ctx->cgroup_fd, path, CDM_READ_MAX, ret, ret_len);
}

/* The path of @cgroup relative to the cgroup root fd: "." for the root itself. */
static const char *cgroup_rel(const char *cgroup)
{
        return cgroup[1] ? cgroup + 1 : ".";
}

/* Whether @cgroup is there (a directory below the cgroup root); false without a cgroup root. */
bool cdm_cgroup_exists(cdm_ctx *ctx, const char *cgroup)
{
        struct stat st;

        if (ctx->cgroup_fd < 0)
                return false;
        return fstatat(ctx->cgroup_fd, cgroup_rel(cgroup), &st, 0) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Create @cgroup (its parent must exist) as a plain directory, whatever the backend: a
 * cgroup nobody else owns. Return: 0; -EEXIST when it is there already; -ENOENT without a
 * cgroup root; or another negative errno of mkdir(2).
 */
int cdm_cgroup_mkdir(cdm_ctx *ctx, const char *cgroup, mode_t mode)
{
        if (ctx->cgroup_fd < 0)
                return -ENOENT;
        if (mkdirat(ctx->cgroup_fd, cgroup_rel(cgroup), mode) < 0)
                return negative_errno();
        return 0;
}

/*
 * A path naming @cgroup's directory for calls that take no dirfd (inotify_add_watch()):
 * below this process's own fd of the cgroup root, so that it holds for any root, and only
 * while the context is open. Return: 0; -ENOENT without a cgroup root; -ENOMEM.
 */
int cdm_cgroup_watch_path(cdm_ctx *ctx, const char *cgroup, char **ret)
{
        if (ctx->cgroup_fd < 0)
                return -ENOENT;
        if (asprintf(ret, "/proc/self/fd/%d%s", ctx->cgroup_fd, cgroup[1] ? cgroup : "") < 0)
                return -ENOMEM;
        return 0;
}

/*
 * A tree below --root that is not cgroupfs (a fixture, a copied snapshot) has plain files:
 * writing "+cpuset" to one would replace the list, where the kernel adds a word. Emulate the
 * kernel there so that the next cycle sees what a real system would show.
 */
static int emulate_subtree_control(cdm_ctx *ctx, const char *path, const char *value)
{
        _cleanup_free_ char *old = NULL;
        strbuf b = STRBUF_NULL;
        _cleanup_free_ char *out = NULL;
        const char *word = value + 1;
        size_t wlen = strcspn(word, " \n");
        int r;

        r = read_file_at(ctx->cgroup_fd, path, 4096, &old, NULL);
        if (r < 0)
                return r;
        if (value[0] == '+' && !cdm_word_list_contains(old, word)) {
                strbuf_appendn(&b, word, wlen);
                strbuf_append(&b, " ");
        }
        for (const char *p = old; *p;) {
                size_t len;

                p += strspn(p, " \n");
                len = strcspn(p, " \n");
                if (len && !(value[0] == '-' && len == wlen && strncmp(p, word, len) == 0)) {
                        strbuf_appendn(&b, p, len);
                        strbuf_append(&b, " ");
                }
                p += len;
        }
        if (b.len)
                b.s[b.len - 1] = '\n';
        out = strbuf_steal(&b);
        return out ? write_file_at(ctx->cgroup_fd, path, out) : -ENOMEM;
}

static bool is_cgroupfs(int dirfd)
{
        struct statfs sfs;

        return fstatfs(dirfd, &sfs) == 0 && (sfs.f_type == CGROUP2_SUPER_MAGIC || sfs.f_type == CGROUP_SUPER_MAGIC);
}

/**
 * cdm_cgroup_list_children() - the child cgroups of a cgroup
 * @ctx: context
 * @cgroup: "/" or "/a/b"
 * @max: most children returned
 * @ret: their paths ("/a/b/c"), to be freed with strv_free_n()
 * @ret_n: their number
 *
 * Return: 0 (with none when @cgroup vanished) or a negative errno.
 */
int cdm_cgroup_list_children(cdm_ctx *ctx, const char *cgroup, size_t max, char ***ret, size_t *ret_n)
{
        _cleanup_closedir_ DIR *d = NULL;
        char **v = NULL;
        size_t n = 0;
        struct dirent *de;
        int r;

        *ret = NULL;
        *ret_n = 0;
        r = opendir_at(ctx->cgroup_fd, cgroup[1] ? cgroup + 1 : ".", &d);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0)
                return r;
        while (n < max && (de = readdir(d))) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                r = strv_append_printf(&v, &n, "%s%s%s", cgroup, cgroup[1] ? "/" : "", de->d_name);
                if (r < 0) {
                        strv_free_n(v, n);
                        return r;
                }
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

#define PIDS_MAX (1u << 20)
#define DEPTH_MAX 64

static int collect_pids(cdm_ctx *ctx, const char *cgroup, int **pids, size_t *n, unsigned depth)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ int *these = NULL;
        char **children = NULL;
        size_t len, k, n_children;
        int r;

        if (depth > DEPTH_MAX)
                return 0;
        r = cdm_cgroup_read(ctx, cgroup, "cgroup.procs", &buf, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        r = cdm_parse_pids(buf, len, &these, &k);
        if (r < 0)
                return r;
        if (*n + k > PIDS_MAX)
                return -E2BIG;
        if (k) {
                int *np = realloc(*pids, (*n + k) * sizeof(int));
                if (!np)
                        return -ENOMEM;
                memcpy(np + *n, these, k * sizeof(int));
                *pids = np;
                *n += k;
        }
        r = cdm_cgroup_list_children(ctx, cgroup, SIZE_MAX, &children, &n_children);
        for (size_t i = 0; r >= 0 && i < n_children; i++)
                r = collect_pids(ctx, children[i], pids, n, depth + 1);
        strv_free_n(children, n_children);
        return r < 0 ? r : 0;
}

int cdm_cgroup_pids_recursive(cdm_ctx *ctx, const char *cgroup, int **ret, size_t *ret_n)
{
        int *pids = NULL;
        size_t n = 0;
        int r;

        if (ctx->cgroup_fd < 0)
                return -ENOENT;
        r = collect_pids(ctx, cgroup, &pids, &n, 0);
        if (r < 0) {
                free(pids);
                return r;
        }
        *ret = pids;
        *ret_n = n;
        return 0;
}

static int fs_write(cdm_ctx *ctx, const char *cgroup, const char *attr, const char *value)
{
        _cleanup_free_ char *path = cdm_cgroup_attr_path(cgroup, attr);

        if (!path)
                return -ENOMEM;
        if (ctx->cgroup_fd < 0)
                return -ENOENT;
        if (streq(attr, "cgroup.subtree_control") && (value[0] == '+' || value[0] == '-') &&
                        !is_cgroupfs(ctx->cgroup_fd))
                return emulate_subtree_control(ctx, path, value);
        return write_file_at(ctx->cgroup_fd, path, value);
}

const cdm_cgroup_backend cdm_cgroup_backend_fs = {
        .name = "files",
        .write = fs_write,
};

int cdm_cgroup_write(cdm_ctx *ctx, const char *cgroup, const char *attr, const char *value)
{
        const cdm_cgroup_backend *b = ctx->cgroup_backend ?: &cdm_cgroup_backend_fs;

        return b->write(ctx, cgroup, attr, value);
}

void cdm_ctx_set_cgroup_backend(cdm_ctx *ctx, const cdm_cgroup_backend *b)
{
        ctx->cgroup_backend = b;
}

void cdm_ctx_set_unit_backend(cdm_ctx *ctx, const cdm_unit_backend *b)
{
        ctx->unit_backend = b;
}

const cdm_unit_backend *cdm_ctx_get_unit_backend(const cdm_ctx *ctx)
{
        return ctx->unit_backend;
}
