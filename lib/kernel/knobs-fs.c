/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Collect the global knobs; every one is optional (older kernels, KSM or NUMA off). */

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "knobs-fs.h"
#include "util/fileio.h"
#include "util/parse-util.h"

/* Read a one-line file below the root; NULL (and 0) when it does not exist. */
static int read_value(int fd, const char *path, char **ret)
{
        char *buf = NULL;
        int r;

        *ret = NULL;
        if (fd < 0)
                return 0;
        r = read_file_at(fd, path, 4096, &buf, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        buf[strcspn(buf, "\n")] = 0;
        *ret = buf;
        return 0;
}

static int add_hugepages(cdm_ctx *ctx, cdm_knobs *k, unsigned node)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (asprintf(&dir, "devices/system/node/node%u/hugepages", node) < 0)
                return -ENOMEM;
        if (opendir_at(ctx->sys_fd, dir, &d) < 0)
                return 0; /* no pools on this node */
        while ((de = readdir(d))) {
                _cleanup_free_ char *rel = NULL;
                char *value = NULL;
                cdm_knob *nk;

                if (strncmp(de->d_name, "hugepages-", 10) != 0)
                        continue;
                if (asprintf(&rel, "%s/%s/nr_hugepages", dir, de->d_name) < 0 ||
                                read_value(ctx->sys_fd, rel, &value) < 0 || !value) {
                        free(value);
                        continue;
                }
                nk = realloc(k->hugepages, (k->n_hugepages + 1) * sizeof(*nk));
                if (!nk) {
                        free(value);
                        return -ENOMEM;
                }
                k->hugepages = nk;
                nk[k->n_hugepages].value = value;
                if (asprintf(&nk[k->n_hugepages].object, "sys/%s", rel) < 0) {
                        free(value);
                        return -ENOMEM;
                }
                k->n_hugepages++;
        }
        return 0;
}

int cdm_knobs_read(cdm_ctx *ctx, const cdm_layout *l, cdm_knobs *ret)
{
        cdm_knobs k = CDM_KNOBS_NULL;
        _cleanup_free_ char *shared = NULL;
        int r;

        r = read_value(ctx->sys_fd, "kernel/mm/numa/demotion_enabled", &k.demotion_enabled);
        if (r >= 0)
                r = read_value(ctx->sys_fd, "kernel/mm/ksm/merge_across_nodes", &k.ksm_merge_across_nodes);
        if (r >= 0)
                r = read_value(ctx->sys_fd, "kernel/mm/ksm/pages_shared", &shared);
        if (r >= 0)
                r = read_value(ctx->proc_fd, "sys/kernel/numa_balancing", &k.numa_balancing);
        if (r >= 0 && shared && safe_atou64(shared, &k.ksm_pages_shared) < 0)
                k.ksm_pages_shared = UINT64_MAX; /* unknown: assume shared pages exist */
        for (int id = -1; r >= 0 && (id = cdm_nodemask_next(&l->device_nodes, id)) >= 0;)
                r = add_hugepages(ctx, &k, (unsigned) id);
        if (r < 0) {
                cdm_knobs_done(&k);
                return r;
        }
        *ret = k;
        return 0;
}
