/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library context: the roots every read and write is relative to, opened once as
 * directory fds (O_PATH), a log callback (silent by default; debug messages, and warnings
 * about optional files that could not be used), and the text of the last error. No
 * globals: several contexts on several roots coexist.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "ctx.h"
#include "util/strv.h"

static int open_dir_at(int dirfd, const char *path, int *ret)
{
        int fd = openat(dirfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0) {
                if (errno != ENOENT)
                        return negative_errno();
                *ret = -1;
                return 0;
        }
        *ret = fd;
        return 0;
}

/**
 * cdm_ctx_new() - create a context rooted at a directory
 * @root: the directory holding sys/, proc/ (NULL means "/")
 * @ret: the new context, with one reference
 *
 * A missing DIR/proc or DIR/sys/fs/cgroup is accepted (reads below it fail with -ENOENT);
 * a missing DIR or DIR/sys is not.
 *
 * Return: 0 or a negative errno.
 * Since: 1
 */
_public_ int cdm_ctx_new(const char *root, cdm_ctx **ret)
{
        _cleanup_(cdm_ctx_unrefp) cdm_ctx *ctx = NULL;
        int r;

        ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
                return -ENOMEM;
        ctx->n_ref = 1;
        ctx->root_fd = ctx->sys_fd = ctx->proc_fd = ctx->cgroup_fd = -1;
        ctx->root = strdup(root ?: "/");
        if (!ctx->root)
                return -ENOMEM;

        ctx->root_fd = open(ctx->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (ctx->root_fd < 0)
                return cdm_error(ctx, negative_errno(), "%s: cannot open root: %m", ctx->root);
        r = open_dir_at(ctx->root_fd, "sys", &ctx->sys_fd);
        if (r < 0)
                return r;
        if (ctx->sys_fd < 0)
                return cdm_error(ctx, -ENOENT, "%s/sys: no such directory", ctx->root);
        r = open_dir_at(ctx->root_fd, "proc", &ctx->proc_fd);
        if (r < 0)
                return r;
        r = open_dir_at(ctx->root_fd, "sys/fs/cgroup", &ctx->cgroup_fd);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(ctx);
        return 0;
}

_public_ cdm_ctx *cdm_ctx_ref(cdm_ctx *ctx)
{
        if (ctx)
                ctx->n_ref++;
        return ctx;
}

_public_ cdm_ctx *cdm_ctx_unref(cdm_ctx *ctx)
{
        if (!ctx || --ctx->n_ref > 0)
                return NULL;
        closep(&ctx->root_fd);
        closep(&ctx->sys_fd);
        closep(&ctx->proc_fd);
        closep(&ctx->cgroup_fd);
        free(ctx->root);
        free(ctx->last_error);
        strv_free_n(ctx->topology_warnings, ctx->n_topology_warnings);
        free(ctx);
        return NULL;
}

_public_ void cdm_ctx_set_log_fn(cdm_ctx *ctx, cdm_log_fn fn, void *userdata)
{
        ctx->log_fn = fn;
        ctx->log_userdata = userdata;
}

/* Return: the last error's text ("sys/devices/system/node/node1/meminfo: ..."), or "". */
_public_ const char *cdm_ctx_last_error(const cdm_ctx *ctx)
{
        return ctx->last_error ?: "";
}

const char *cdm_ctx_root(const cdm_ctx *ctx)
{
        return ctx->root;
}

bool cdm_ctx_is_live(const cdm_ctx *ctx)
{
        return ctx->root[0] == '/' && ctx->root[1] == 0;
}

/* Record an error message (with %m meaning @r) and return @r, for "return cdm_error(...)". */
int cdm_error(cdm_ctx *ctx, int r, const char *fmt, ...)
{
        char *msg = NULL;
        va_list ap;

        errno = r < 0 ? -r : r;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (msg) {
                free(ctx->last_error);
                ctx->last_error = msg;
                cdm_debug(ctx, "%s", msg);
        }
        return r;
}

void cdm_debug(cdm_ctx *ctx, const char *fmt, ...)
{
        va_list ap;

        if (!ctx->log_fn)
                return;
        va_start(ap, fmt);
        ctx->log_fn(ctx->log_userdata, LOG_DEBUG, fmt, ap);
        va_end(ap);
}

void cdm_log(cdm_ctx *ctx, int priority, const char *fmt, ...)
{
        va_list ap;

        if (!ctx->log_fn)
                return;
        va_start(ap, fmt);
        ctx->log_fn(ctx->log_userdata, priority, fmt, ap);
        va_end(ap);
}
