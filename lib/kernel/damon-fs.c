/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sysfs side of the tiered policy: /sys/kernel/mm/damon/admin/ of the context's root.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "damon-fs.h"
#include "util/fileio.h"
#include "util/macro.h"

static char *admin_path(const char *rel)
{
        char *p = NULL;

        return asprintf(&p, "%s/%s", CDM_DAMON_ADMIN, rel) < 0 ? NULL : p;
}

int cdm_damon_fs_read(cdm_ctx *ctx, const char *rel, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *p = admin_path(rel);

        if (!p)
                return -ENOMEM;
        if (ctx->sys_fd < 0)
                return -ENOENT;
        return read_file_at(ctx->sys_fd, p, 4096, ret, ret_len);
}

int cdm_damon_fs_read_u64(cdm_ctx *ctx, const char *rel, uint64_t *ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        r = cdm_damon_fs_read(ctx, rel, &buf, &len);
        if (r < 0)
                return r;
        return cdm_damon_parse_u64(buf, len, ret);
}

int cdm_damon_fs_write(cdm_ctx *ctx, const char *rel, const char *value)
{
        _cleanup_free_ char *p = admin_path(rel);

        if (!p)
                return -ENOMEM;
        if (ctx->sys_fd < 0)
                return -ENOENT;
        return write_file_at(ctx->sys_fd, p, value);
}

int cdm_damon_fs_apply(cdm_ctx *ctx, const cdm_damon_writes *w, size_t *ret_failed)
{
        for (size_t i = 0; i < w->n; i++) {
                int r = cdm_damon_fs_write(ctx, w->items[i].path, w->items[i].value);

                if (r < 0) {
                        if (ret_failed)
                                *ret_failed = i;
                        return r;
                }
        }
        return 0;
}

int cdm_damon_fs_state(cdm_ctx *ctx, unsigned kd, const char *cmd)
{
        char p[64];

        snprintf(p, sizeof(p), "kdamonds/%u/state", kd);
        return cdm_damon_fs_write(ctx, p, cmd);
}

bool cdm_damon_fs_running(cdm_ctx *ctx, unsigned kd)
{
        _cleanup_free_ char *buf = NULL;
        char p[64];
        size_t len;

        snprintf(p, sizeof(p), "kdamonds/%u/state", kd);
        return cdm_damon_fs_read(ctx, p, &buf, &len) >= 0 && cdm_damon_parse_running(buf, len);
}

static bool file_is(cdm_ctx *ctx, const char *rel, const char *want)
{
        _cleanup_free_ char *buf = NULL;
        size_t len, n = strlen(want);

        return cdm_damon_fs_read(ctx, rel, &buf, &len) >= 0 && len >= n && memcmp(buf, want, n) == 0 &&
               (len == n || buf[n] == '\n');
}

bool cdm_damon_fs_is_ours(cdm_ctx *ctx, unsigned kd)
{
        char p[128];

        snprintf(p, sizeof(p), "kdamonds/%u/contexts/0/operations", kd);
        if (!file_is(ctx, p, "paddr"))
                return false;
        snprintf(p, sizeof(p), "kdamonds/%u/contexts/0/schemes/0/action", kd);
        if (!file_is(ctx, p, "migrate_cold") && !file_is(ctx, p, "stat"))
                return false;
        snprintf(p, sizeof(p), "kdamonds/%u/contexts/0/schemes/0/filters/0/type", kd);
        if (!file_is(ctx, p, "memcg"))
                return false;
        snprintf(p, sizeof(p), "kdamonds/%u/contexts/0/schemes/0/filters/1/type", kd);
        return file_is(ctx, p, "addr");
}

int cdm_damon_fs_probe(cdm_ctx *ctx, unsigned kd)
{
        _cleanup_free_ char *ops = NULL;
        char p[128];
        size_t len;
        int r;

        snprintf(p, sizeof(p), "kdamonds/%u/contexts/nr_contexts", kd);
        r = cdm_damon_fs_write(ctx, p, "1");
        if (r < 0)
                return r;
        snprintf(p, sizeof(p), "kdamonds/%u/contexts/0/avail_operations", kd);
        if (cdm_damon_fs_read(ctx, p, &ops, &len) < 0 || !memmem(ops, len, "paddr", 5))
                return 0;
        snprintf(p, sizeof(p), "kdamonds/%u/contexts/0/operations", kd);
        if (cdm_damon_fs_write(ctx, p, "paddr") < 0)
                return 0;
        snprintf(p, sizeof(p), "kdamonds/%u/contexts/0/schemes/nr_schemes", kd);
        r = cdm_damon_fs_write(ctx, p, "1");
        if (r < 0)
                return r;
        snprintf(p, sizeof(p), "kdamonds/%u/contexts/0/schemes/0/action", kd);
        r = cdm_damon_fs_write(ctx, p, "migrate_cold") >= 0 && cdm_damon_fs_write(ctx, p, "migrate_hot") >= 0;
        snprintf(p, sizeof(p), "kdamonds/%u/contexts/0/schemes/0/target_nid", kd);
        if (r && cdm_damon_fs_write(ctx, p, "0") < 0)
                r = 0;
        /* The young filter (6.10) that the tiered schemes end with. */
        snprintf(p, sizeof(p), "kdamonds/%u/contexts/0/schemes/0/filters/nr_filters", kd);
        if (r && cdm_damon_fs_write(ctx, p, "1") < 0)
                r = 0;
        snprintf(p, sizeof(p), "kdamonds/%u/contexts/0/schemes/0/filters/0/type", kd);
        if (r && cdm_damon_fs_write(ctx, p, "young") < 0)
                r = 0;
        snprintf(p, sizeof(p), "kdamonds/%u/contexts/0/schemes/nr_schemes", kd);
        (void) cdm_damon_fs_write(ctx, p, "0");
        return r;
}

int cdm_damon_fs_applied(cdm_ctx *ctx, unsigned kd, size_t scheme, uint64_t *ret)
{
        char p[128];

        snprintf(p, sizeof(p), "kdamonds/%u/contexts/0/schemes/%zu/stats/sz_applied", kd, scheme);
        return cdm_damon_fs_read_u64(ctx, p, ret);
}

int cdm_damon_fs_node_blocks(cdm_ctx *ctx, unsigned node, unsigned **ret, size_t *ret_n)
{
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_free_ unsigned *ids = NULL;
        size_t n = 0;
        char p[64];
        struct dirent *de;
        int r;

        if (ctx->sys_fd < 0)
                return -ENOENT;
        snprintf(p, sizeof(p), "devices/system/node/node%u", node);
        r = opendir_at(ctx->sys_fd, p, &d);
        if (r < 0)
                return r;
        while ((de = readdir(d))) {
                unsigned *a;
                char *end;
                unsigned long id;

                if (strncmp(de->d_name, "memory", 6) != 0 || de->d_name[6] < '0' || de->d_name[6] > '9')
                        continue;
                id = strtoul(de->d_name + 6, &end, 10);
                if (*end || id > UINT32_MAX)
                        continue;
                a = realloc(ids, (n + 1) * sizeof(*a));
                if (!a)
                        return -ENOMEM;
                ids = a;
                ids[n++] = (unsigned) id;
        }
        *ret = TAKE_PTR(ids);
        *ret_n = n;
        return 0;
}
