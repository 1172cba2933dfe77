/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Benchmark: one audit over N granted job cgroups in a generated fixture tree, against a bare
 * open/read/close loop over the same files in the same process. Prints both, their ratio, and
 * how the 10,000-job audit scales against the 1,000-job one. Not a test: it asserts nothing.
 *
 * The reference reads each file to its end, as `cat` does.
 *
 *   bench-audit FIXTURE_DIR [JOBS]   (tests/fixtures; the gh200 tree is the base)
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit-fs.h"
#include "audit.h"
#include "cgroup-tree-fs.h"
#include "cgroup-tree.h"
#include "config.h"
#include "knobs.h"
#include "layout.h"
#include "topology.h"
#include "util/time-util.h"

#define ROUNDS 5
#define PARENT "system.slice/slurmstepd.scope"

static void write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
                perror(path);
                exit(1);
        }
}

static char *make_tree(const char *fixtures, unsigned n)
{
        char tmpl[] = "/tmp/cdmd-bench-XXXXXX", cmd[4096], *dir = mkdtemp(tmpl);

        if (!dir)
                exit(1);
        snprintf(cmd, sizeof(cmd), "cp -a '%s/gh200/.' '%s/'", fixtures, dir);
        if (system(cmd) != 0)
                exit(1);
        for (unsigned i = 0; i < n; i++) {
                char path[4096];

                snprintf(path, sizeof(path), "%s/sys/fs/cgroup/" PARENT "/bench_%u", dir, i);
                if (mkdir(path, 0755) < 0)
                        exit(1);
                strcat(path, "/");
                char *end = path + strlen(path);
                strcpy(end, "memory.numa_stat");
                write_text(path, "anon N0=1048576 N1=2097152\nfile N0=4096 N1=0\nkernel_stack N0=16384 N1=0\n"
                                 "pagetables N0=4096 N1=0\nshmem N0=0 N1=0\nslab_reclaimable N0=0 N1=0\n");
                strcpy(end, "cgroup.subtree_control");
                write_text(path, "\n");
                strcpy(end, "cpuset.mems");
                write_text(path, "0-1\n");
                strcpy(end, "cgroup.procs");
                write_text(path, "");
        }
        return strdup(dir);
}

/* One audit as the daemon runs it: read the tree of the grants, then audit every device. */
static uint64_t time_audit(cdm_ctx *ctx, const cdm_topology *t, const cdm_layout *l,
                const cdm_config *c, const cdm_grant *grants, const char **paths, unsigned n,
                size_t *ret_items)
{
        uint64_t start = now_usec(CLOCK_MONOTONIC), took;
        cdm_cgroup_tree *tree = NULL;
        cdm_knobs knobs = CDM_KNOBS_NULL;
        cdm_audit a = CDM_AUDIT_NULL;
        cdm_isolation_input in;

        if (cdm_cgroup_tree_read(ctx, paths, n, &tree) < 0)
                exit(1);
        in = (cdm_isolation_input){ .topo = t, .layout = l, .config = c, .cgroups = tree,
                .knobs = &knobs, .grants = grants, .n_grants = n };
        if (cdm_audit_run(ctx, &in, &a) < 0)
                exit(1);
        took = now_usec(CLOCK_MONOTONIC) - start;
        *ret_items = a.n_items;
        cdm_audit_done(&a);
        cdm_cgroup_tree_free(tree);
        return took;
}

static uint64_t time_bare(int cgfd, unsigned n)
{
        static const char *const files[] = { "cgroup.subtree_control", "cpuset.mems", "memory.numa_stat" };
        uint64_t start = now_usec(CLOCK_MONOTONIC);
        char buf[8192];

        for (unsigned i = 0; i < n; i++)
                for (size_t f = 0; f < 3; f++) {
                        char path[256];
                        int fd;

                        snprintf(path, sizeof(path), PARENT "/bench_%u/%s", i, files[f]);
                        ssize_t got;

                        /* Read to end of file, as cat does: a short read is not an EOF on
                         * every file system (seq_file stops at record boundaries). */
                        fd = openat(cgfd, path, O_RDONLY | O_CLOEXEC);
                        if (fd < 0)
                                exit(1);
                        while ((got = read(fd, buf, sizeof(buf))) > 0)
                                ;
                        if (got < 0)
                                exit(1);
                        close(fd);
                }
        return now_usec(CLOCK_MONOTONIC) - start;
}

static uint64_t run(const char *fixtures, unsigned n)
{
        char *dir = make_tree(fixtures, n);
        cdm_grant *grants = calloc(n, sizeof(cdm_grant));
        const char **paths = calloc(n, sizeof(char *));
        uint64_t best_audit = UINT64_MAX, best_bare = UINT64_MAX;
        cdm_topology *t = NULL;
        cdm_layout *l = NULL;
        cdm_config *c = NULL;
        cdm_ctx *ctx = NULL;
        size_t items = 0;
        char cmd[4200];
        int cgfd;

        if (cdm_ctx_new(dir, &ctx) < 0 || cdm_config_new(&c) < 0 || cdm_topology_read(ctx, &t) < 0 ||
                        cdm_layout_build(t, c, &l) < 0)
                exit(1);
        for (unsigned i = 0; i < n; i++) {
                char *p;
                if (asprintf(&p, "/" PARENT "/bench_%u", i) < 0)
                        exit(1);
                paths[i] = p;
                grants[i] = (cdm_grant){ .id = p, .cgroup = p, .device = "cdm1" };
        }
        snprintf(cmd, sizeof(cmd), "%s/sys/fs/cgroup", dir);
        cgfd = open(cmd, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cgfd < 0)
                exit(1);
        for (int r = 0; r < ROUNDS; r++) {
                uint64_t a = time_audit(ctx, t, l, c, grants, paths, n, &items);
                uint64_t b = time_bare(cgfd, n);
                best_audit = a < best_audit ? a : best_audit;
                best_bare = b < best_bare ? b : best_bare;
        }
        printf("%6u jobs: audit %8.2f ms (%zu findings), open/read-to-EOF/close of the same %u files %8.2f ms, ratio %.2f\n",
                        n, best_audit / 1000.0, items, 3 * n, best_bare / 1000.0,
                        (double) best_audit / (double) best_bare);
        for (unsigned i = 0; i < n; i++)
                free((char *) paths[i]);
        free(paths);
        free(grants);
        cdm_layout_free(l);
        cdm_topology_free(t);
        cdm_config_free(c);
        cdm_ctx_unref(ctx);
        close(cgfd);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                exit(1);
        free(dir);
        return best_audit;
}

int main(int argc, char *argv[])
{
        uint64_t t1k, t10k;

        if (argc != 2 && argc != 3) {
                fprintf(stderr, "usage: bench-audit FIXTURES_DIR [JOBS]\n");
                return 2;
        }
        if (argc == 3) { /* one size only, e.g. under a profiler */
                run(argv[1], (unsigned) strtoul(argv[2], NULL, 10));
                return 0;
        }
        printf("best of %d rounds; files in a tmpfs or page-cached tree\n", ROUNDS);
        t1k = run(argv[1], 1000);
        t10k = run(argv[1], 10000);
        printf("10,000 jobs / 1,000 jobs: %.2f (linear would be 10)\n", (double) t10k / (double) t1k);
        return 0;
}
