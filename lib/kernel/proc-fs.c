/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reads of a process's memory map below the context's proc root; the parsing is
 * numa-maps.c's. Processes exit at any moment: a vanished one is -ESRCH.
 */

#include <stdio.h>
#include <stdlib.h>

#include "ctx.h"
#include "proc-fs.h"
#include "util/fileio.h"

/**
 * cdm_proc_vmas_read() - read and parse a process's maps and numa_maps
 * @ctx: context (its proc root)
 * @pid: the process
 * @nodes: the nodes whose page counts are kept (NULL: all)
 * @ret: the VMAs, to be freed with cdm_vma_list_free()
 *
 * Return: 0; -ESRCH when the process is gone; -EPERM without ptrace access (-EACCES is
 * kept for "outside the cpuset" in the migration code); -EBADMSG; -ENOMEM.
 */
int cdm_proc_vmas_read(cdm_ctx *ctx, int pid, const cdm_nodemask *nodes, cdm_vma_list **ret)
{
        _cleanup_free_ char *maps = NULL, *numa_maps = NULL;
        size_t maps_len, numa_maps_len;
        const char *what = NULL;
        char path[64];
        int r;

        if (ctx->proc_fd < 0)
                return cdm_error(ctx, -ENOENT, "%s/proc: no such directory", ctx->root);
        (void) snprintf(path, sizeof(path), "%d/maps", pid);
        r = read_file_at(ctx->proc_fd, path, CDM_PROC_MAPS_MAX, &maps, &maps_len);
        if (r >= 0) {
                (void) snprintf(path, sizeof(path), "%d/numa_maps", pid);
                r = read_file_at(ctx->proc_fd, path, CDM_PROC_MAPS_MAX, &numa_maps, &numa_maps_len);
        }
        if (r == -ENOENT || r == -ESRCH)
                return -ESRCH;
        if (r == -EACCES)
                r = -EPERM;
        if (r < 0)
                return cdm_error(ctx, r, "proc/%s: %m", path);
        r = cdm_parse_proc_maps(maps, maps_len, numa_maps, numa_maps_len, nodes, ret, &what);
        if (r < 0)
                return cdm_error(ctx, r, "proc/%d/numa_maps: %s", pid, what ?: "bad");
        return 0;
}

/*
 * Read a file below the proc root ("self/cgroup", "PID/comm"), at most @max bytes, NUL
 * terminated. Return: 0; -ENOENT when the file or the proc root is missing; -ESRCH or
 * another negative errno of the read.
 */
int cdm_proc_read(cdm_ctx *ctx, const char *rel, size_t max, char **ret, size_t *ret_len)
{
        if (ctx->proc_fd < 0)
                return -ENOENT;
        return read_file_at(ctx->proc_fd, rel, max, ret, ret_len);
}

#define PIDS_MAX (1u << 22)

/**
 * cdm_proc_list_pids() - the processes of the system (the numeric entries of DIR/proc)
 * @ctx: context
 * @ret: the PIDs, to be freed with free()
 * @ret_n: their number
 *
 * Return: 0 or a negative errno.
 */
int cdm_proc_list_pids(cdm_ctx *ctx, int **ret, size_t *ret_n)
{
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ int *pids = NULL;
        size_t n = 0, size = 0;
        struct dirent *de;
        int r;

        r = opendir_at(ctx->proc_fd, ".", &d);
        if (r < 0)
                return r;
        while ((de = readdir(d)) && n < PIDS_MAX) {
                int pid = atoi(de->d_name);

                if (pid <= 0)
                        continue;
                if (n == size) {
                        int *np = realloc(pids, (size = size ? size * 2 : 256) * sizeof(int));
                        if (!np)
                                return -ENOMEM;
                        pids = np;
                }
                pids[n++] = pid;
        }
        *ret = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
}
