/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plain-file cgroup backend, and the reads every backend shares. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-backend.h"
#include "ctx.h"
#include "util/fileio.h"

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

static int fs_write(cdm_ctx *ctx, const char *cgroup, const char *attr, const char *value)
{
        _cleanup_free_ char *path = cdm_cgroup_attr_path(cgroup, attr);

        if (!path)
                return -ENOMEM;
        if (ctx->cgroup_fd < 0)
                return -ENOENT;
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
