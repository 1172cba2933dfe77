/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plain-file cgroup backend, and the reads every backend shares. */

#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include "cgroup-backend.h"
#include "cgroup-parse.h"
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
