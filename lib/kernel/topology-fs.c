/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Collect the topology: read-only I/O under the context's roots, everything else is done by
 * the parsers in topology-parse.c. Required files (node masks, a node's cpulist, meminfo,
 * numastat and distance) make the read fail with an error naming the file; optional kernel
 * ones (memory blocks, HMAT, memory tiers, dax) are skipped when absent but still fail the
 * read when present and malformed: a decision made on a misread topology is worse than none.
 * The NVIDIA driver's numa_status is a vendor hint, not kernel state: the driver fails its
 * read with EIO when an RM call fails, and its format changes between releases. A hint that
 * cannot be read or parsed is a warning (kept in the snapshot, logged once while it lasts)
 * and the nodes are classified without it, by the generic rules: a CPU-less node with
 * memory is still a device node, so one bad vendor file cannot leave every node exposed.
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "ctx.h"
#include "topology-parse.h"
#include "topology.h"
#include "util/fileio.h"
#include "util/parse-util.h"
#include "util/strv.h"

#define NODE_DIR "devices/system/node"
#define MEMORY_DIR "devices/system/memory"

static const char *root_prefix(const cdm_ctx *ctx)
{
        return streq(ctx->root, "/") ? "" : ctx->root;
}

/* Read DIR/<top>/<path>; a missing file is -ENOENT with no error recorded when @optional. */
static int read_at(cdm_ctx *ctx, int fd, const char *top, const char *path, bool optional,
                char **ret, size_t *ret_len)
{
        int r;

        if (fd < 0)
                r = -ENOENT;
        else
                r = read_file_at(fd, path, CDM_READ_MAX, ret, ret_len);
        if (r == -ENOENT && optional)
                return r;
        if (r < 0)
                return cdm_error(ctx, r, "%s/%s/%s: %m", root_prefix(ctx), top, path);
        return 0;
}

static int read_sys(cdm_ctx *ctx, const char *path, bool optional, char **ret, size_t *ret_len)
{
        return read_at(ctx, ctx->sys_fd, "sys", path, optional, ret, ret_len);
}

static int bad_file(cdm_ctx *ctx, const char *path, int r, const char *what)
{
        return cdm_error(ctx, r == -ENOMEM ? r : -EBADMSG, "%s/sys/%s: %s", root_prefix(ctx),
                        path, r == -ENOMEM ? "out of memory" : what);
}

static int read_mask(cdm_ctx *ctx, const char *name, cdm_nodemask *ret)
{
        _cleanup_free_ char *path = NULL, *buf = NULL;
        size_t len;
        int r;

        if (asprintf(&path, NODE_DIR "/%s", name) < 0)
                return -ENOMEM;
        r = read_sys(ctx, path, false, &buf, &len);
        if (r < 0)
                return r;
        r = cdm_nodemask_parse(buf, len, ret);
        if (r < 0)
                return bad_file(ctx, path, r,
                                r == -ERANGE ? "node id out of range" : "not a node list");
        return 0;
}

static int read_u32_file(cdm_ctx *ctx, const char *path, bool *ret_present, uint32_t *ret)
{
        _cleanup_free_ char *buf = NULL;
        int r = read_sys(ctx, path, true, &buf, NULL);

        if (r == -ENOENT) {
                *ret_present = false;
                return 0;
        }
        if (r < 0)
                return r;
        if (safe_atou32(buf, ret) < 0)
                return bad_file(ctx, path, -EBADMSG, "not a number");
        *ret_present = true;
        return 0;
}

static int read_hmat(cdm_ctx *ctx, cdm_node *n)
{
        static const struct {
                const char *file;
                size_t offset;
        } files[] = {
                { "read_bandwidth", offsetof(cdm_hmat, read_bandwidth_mbps) },
                { "write_bandwidth", offsetof(cdm_hmat, write_bandwidth_mbps) },
                { "read_latency", offsetof(cdm_hmat, read_latency_ns) },
                { "write_latency", offsetof(cdm_hmat, write_latency_ns) },
        };

        /* access1 counts CPU initiators only, which is what a CPU-side consumer sees. */
        for (int class = 1; class >= 0; class--) {
                cdm_hmat h = { .access_class = (unsigned) class };

                for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                        _cleanup_free_ char *path = NULL;
                        bool present = false;
                        int r;

                        if (asprintf(&path, NODE_DIR "/node%u/access%d/initiators/%s", n->id, class,
                                    files[i].file) < 0)
                                return -ENOMEM;
                        r = read_u32_file(ctx, path, &present,
                                        (uint32_t *) ((char *) &h + files[i].offset));
                        if (r < 0)
                                return r;
                        h.present |= present;
                }
                if (h.present) {
                        n->hmat = h;
                        return 0;
                }
        }
        return 0;
}

static int cmp_block(const void *a, const void *b)
{
        const cdm_block *x = a, *y = b;
        return (x->id > y->id) - (x->id < y->id);
}

static int read_block(cdm_ctx *ctx, cdm_block *b)
{
        _cleanup_free_ char *path = NULL, *buf = NULL;
        int r;

        if (asprintf(&path, MEMORY_DIR "/memory%u/state", b->id) < 0)
                return -ENOMEM;
        r = read_sys(ctx, path, false, &buf, NULL);
        if (r < 0)
                return r;
        if (cdm_parse_block_state(buf, &b->state) < 0)
                return bad_file(ctx, path, -EBADMSG, "unknown block state");
        free(path);
        free(buf);
        buf = NULL;
        if (asprintf(&path, MEMORY_DIR "/memory%u/valid_zones", b->id) < 0)
                return -ENOMEM;
        r = read_sys(ctx, path, false, &buf, NULL);
        if (r < 0)
                return r;
        if (cdm_parse_valid_zones(buf, &b->zones, &b->zone) < 0)
                return bad_file(ctx, path, -EBADMSG, "unknown zone name");
        return 0;
}

/* The blocks of a node are the memoryM entries of its sysfs directory. */
static int read_blocks(cdm_ctx *ctx, cdm_node *n)
{
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ char *path = NULL;
        struct dirent *de;
        int r;

        if (asprintf(&path, NODE_DIR "/node%u", n->id) < 0)
                return -ENOMEM;
        r = opendir_at(ctx->sys_fd, path, &d);
        if (r < 0)
                return cdm_error(ctx, r, "%s/sys/%s: %m", root_prefix(ctx), path);

        while ((errno = 0, de = readdir(d))) {
                uint32_t id;
                cdm_block *nb;

                if (strncmp(de->d_name, "memory", 6) != 0 || safe_atou32(de->d_name + 6, &id) < 0)
                        continue;
                nb = realloc(n->blocks, (n->n_blocks + 1) * sizeof(*nb));
                if (!nb)
                        return -ENOMEM;
                n->blocks = nb;
                n->blocks[n->n_blocks++] = (cdm_block){ .id = id };
        }
        if (errno)
                return cdm_error(ctx, negative_errno(), "%s/sys/%s: %m", root_prefix(ctx), path);
        if (n->n_blocks)
                qsort(n->blocks, n->n_blocks, sizeof(cdm_block), cmp_block);
        for (size_t i = 0; i < n->n_blocks; i++) {
                r = read_block(ctx, &n->blocks[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cdm_node_read_meminfo(cdm_ctx *ctx, unsigned id, cdm_meminfo *ret)
{
        _cleanup_free_ char *path = NULL, *buf = NULL;
        const char *what = NULL;
        size_t len;
        int r;

        if (asprintf(&path, NODE_DIR "/node%u/meminfo", id) < 0)
                return -ENOMEM;
        r = read_sys(ctx, path, false, &buf, &len);
        if (r < 0)
                return r;
        r = cdm_parse_meminfo(buf, len, id, ret, &what);
        return r < 0 ? bad_file(ctx, path, r, what) : 0;
}

static int read_node(cdm_ctx *ctx, cdm_topology *t, cdm_node *n)
{
        _cleanup_free_ char *path = NULL, *buf = NULL;
        const char *what = NULL;
        size_t len;
        int r;

        n->has_cpu = cdm_nodemask_test(&t->has_cpu, n->id);
        n->has_memory = cdm_nodemask_test(&t->has_memory, n->id);
        n->has_normal_memory = cdm_nodemask_test(&t->has_normal_memory, n->id);
        n->memory_tier = -1;

#define NODE_FILE(name)                                                                            \
        ({                                                                                         \
                free(path);                                                                        \
                free(buf);                                                                         \
                path = buf = NULL;                                                                 \
                asprintf(&path, NODE_DIR "/node%u/" name, n->id) < 0 ? -ENOMEM                     \
                        : read_sys(ctx, path, false, &buf, &len);                                  \
        })

        r = NODE_FILE("cpulist");
        if (r < 0)
                return r;
        r = cdm_parse_cpulist_count(buf, len, &n->n_cpus);
        if (r < 0)
                return bad_file(ctx, path, r, "not a CPU list");
        n->cpulist = strndup(buf, strcspn(buf, "\n"));
        if (!n->cpulist)
                return -ENOMEM;

        r = NODE_FILE("meminfo");
        if (r < 0)
                return r;
        r = cdm_parse_meminfo(buf, len, n->id, &n->mem, &what);
        if (r < 0)
                return bad_file(ctx, path, r, what);

        r = NODE_FILE("numastat");
        if (r < 0)
                return r;
        r = cdm_parse_numastat(buf, len, &n->stat, &what);
        if (r < 0)
                return bad_file(ctx, path, r, what);

        r = NODE_FILE("distance");
        if (r < 0)
                return r;
        r = cdm_parse_distance(buf, len, &n->distance, &n->n_distance, &what);
        if (r < 0)
                return bad_file(ctx, path, r, what);
        if (n->n_distance != cdm_nodemask_count(&t->online))
                return bad_file(ctx, path, -EBADMSG, "entry count differs from online nodes");
        n->distance_to = calloc(n->n_distance, sizeof(unsigned));
        if (!n->distance_to)
                return -ENOMEM;
        for (int id = -1, i = 0; (id = cdm_nodemask_next(&t->online, id)) >= 0; i++)
                n->distance_to[i] = (unsigned) id;
#undef NODE_FILE

        r = read_hmat(ctx, n);
        if (r < 0)
                return r;
        {
                _cleanup_free_ char *mf = NULL;
                bool present = false;
                uint32_t v = 0;

                if (asprintf(&mf, NODE_DIR "/node%u/memory_failure/total", n->id) < 0)
                        return -ENOMEM;
                r = read_u32_file(ctx, mf, &present, &v);
                if (r < 0)
                        return r;
                n->memory_failures = v;
        }
        /* Blocks matter for CPU-less nodes only; a system node can have thousands. */
        if (!n->has_cpu && t->block_size) {
                r = read_blocks(ctx, n);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int read_memory_globals(cdm_ctx *ctx, cdm_topology *t)
{
        _cleanup_free_ char *buf = NULL;
        int r;

        r = read_sys(ctx, MEMORY_DIR "/block_size_bytes", true, &buf, NULL);
        if (r == -ENOENT)
                return 0; /* no memory hot-plug support: no blocks */
        if (r < 0)
                return r;
        if (safe_atou64_hex(buf, &t->block_size) < 0 || t->block_size == 0)
                return bad_file(ctx, MEMORY_DIR "/block_size_bytes", -EBADMSG,
                                "not a hexadecimal size");
        free(buf);
        buf = NULL;
        r = read_sys(ctx, MEMORY_DIR "/auto_online_blocks", true, &buf, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        t->auto_online_blocks = strndup(buf, strcspn(buf, "\n"));
        return t->auto_online_blocks ? 0 : -ENOMEM;
}

static cdm_node *find_node_mut(cdm_topology *t, unsigned id)
{
        return (cdm_node *) cdm_topology_find_node(t, id);
}

/* memory_tierN/nodelist (6.1+): read-only tier membership. */
static int read_tiers(cdm_ctx *ctx, cdm_topology *t)
{
        static const char dir[] = "devices/virtual/memory_tiering";
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        r = opendir_at(ctx->sys_fd, dir, &d);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return cdm_error(ctx, r, "%s/sys/%s: %m", root_prefix(ctx), dir);
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *buf = NULL;
                cdm_nodemask m;
                uint32_t tier;
                size_t len;

                if (strncmp(de->d_name, "memory_tier", 11) != 0 ||
                                safe_atou32(de->d_name + 11, &tier) < 0 || tier > INT32_MAX)
                        continue;
                if (asprintf(&path, "%s/%s/nodelist", dir, de->d_name) < 0)
                        return -ENOMEM;
                r = read_sys(ctx, path, true, &buf, &len);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (cdm_nodemask_parse(buf, len, &m) < 0)
                        return bad_file(ctx, path, -EBADMSG, "not a node list");
                for (int id = -1; (id = cdm_nodemask_next(&m, id)) >= 0;) {
                        cdm_node *n = find_node_mut(t, (unsigned) id);
                        if (n)
                                n->memory_tier = (int) tier;
                }
        }
        return 0;
}

/* dax devices that become System RAM through kmem name their node in target_node. */
static int read_dax(cdm_ctx *ctx, cdm_topology *t)
{
        static const char dir[] = "bus/dax/devices";
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        r = opendir_at(ctx->sys_fd, dir, &d);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return cdm_error(ctx, r, "%s/sys/%s: %m", root_prefix(ctx), dir);
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *buf = NULL;
                uint32_t node;
                cdm_node *n;

                if (strncmp(de->d_name, "dax", 3) != 0)
                        continue;
                if (asprintf(&path, "%s/%s/target_node", dir, de->d_name) < 0)
                        return -ENOMEM;
                r = read_sys(ctx, path, true, &buf, NULL);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                /* target_node is -1 when firmware gives none. */
                if (strncmp(buf, "-1", 2) == 0)
                        continue;
                if (safe_atou32(buf, &node) < 0)
                        return bad_file(ctx, path, -EBADMSG, "not a node id");
                n = find_node_mut(t, node);
                if (n && !n->dax_device) {
                        n->dax_device = strdup(de->d_name);
                        if (!n->dax_device)
                                return -ENOMEM;
                }
        }
        return 0;
}

/* A vendor hint that cannot be used ("path: why"): noted in the snapshot, the read goes on. */
static int hint_warning(cdm_topology *t, const cdm_ctx *ctx, const char *path, const char *why)
{
        return strv_append_printf(&t->warnings, &t->n_warnings,
                        "%s/proc/%s: %s; classifying the nodes without this hint", root_prefix(ctx),
                        path, why);
}

/* NVIDIA's driver in NUMA mode: /proc/driver/nvidia/gpus/<bdf>/numa_status. */
static int read_nvidia(cdm_ctx *ctx, cdm_topology *t)
{
        static const char dir[] = "driver/nvidia/gpus";
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        r = opendir_at(ctx->proc_fd, dir, &d);
        if (r == -ENOENT)
                return 0;
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return hint_warning(t, ctx, dir, read_error_to_string(r));
        while ((errno = 0, de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *buf = NULL, *status = NULL;
                size_t len;
                cdm_node *n;
                int node;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&path, "%s/%s/numa_status", dir, de->d_name) < 0)
                        return -ENOMEM;
                r = read_file_at(ctx->proc_fd, path, CDM_READ_MAX, &buf, &len);
                if (r == -ENOENT)
                        continue; /* not in NUMA mode */
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        r = hint_warning(t, ctx, path, read_error_to_string(r));
                        if (r < 0)
                                return r;
                        continue;
                }
                r = cdm_parse_nvidia_numa_status(buf, len, &node, &status);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        r = hint_warning(t, ctx, path, "no valid 'Node:' line");
                        if (r < 0)
                                return r;
                        continue;
                }
                n = node >= 0 ? find_node_mut(t, (unsigned) node) : NULL;
                if (n && !n->nvidia_gpu) {
                        n->nvidia_gpu = strdup(de->d_name);
                        n->nvidia_status = TAKE_PTR(status);
                        if (!n->nvidia_gpu)
                                return -ENOMEM;
                }
        }
        if (errno)
                return hint_warning(t, ctx, dir, strerror(errno));
        return 0;
}

static bool strv_contains(char *const *v, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (streq(v[i], s))
                        return true;
        return false;
}

/* Log each warning once while it lasts: one the previous snapshot had is not repeated (the
 * topology is read again after every change), one that went away and came back is. */
static void log_warnings(cdm_ctx *ctx, const cdm_topology *t)
{
        char **copy = NULL;
        size_t n = 0;

        for (size_t i = 0; i < t->n_warnings; i++)
                if (!strv_contains(ctx->topology_warnings, ctx->n_topology_warnings,
                                    t->warnings[i]))
                        cdm_log(ctx, LOG_WARNING, "%s", t->warnings[i]);
        for (size_t i = 0; i < t->n_warnings; i++)
                if (strv_append_printf(&copy, &n, "%s", t->warnings[i]) < 0) {
                        strv_free_n(copy, n);
                        copy = NULL;
                        n = 0;
                        break;
                }
        strv_free_n(ctx->topology_warnings, ctx->n_topology_warnings);
        ctx->topology_warnings = copy;
        ctx->n_topology_warnings = n;
}

/**
 * cdm_topology_read() - take a snapshot of the NUMA topology under the context's root
 * @ctx: the context
 * @ret: the snapshot, to be freed with cdm_topology_free()
 *
 * A vendor hint that is present but unusable does not fail the read: it is a warning in the
 * snapshot, logged at LOG_WARNING when the previous read on @ctx did not have it.
 *
 * Return: 0 or a negative errno; cdm_ctx_last_error() then names the file and the fault.
 * Since: 1
 */
_public_ int cdm_topology_read(cdm_ctx *ctx, cdm_topology **ret)
{
        _cleanup_(cdm_topology_freep) cdm_topology *t = NULL;
        int r;

        t = cdm_topology_new();
        if (!t)
                return -ENOMEM;
        r = read_mask(ctx, "possible", &t->possible);
        if (r >= 0)
                r = read_mask(ctx, "online", &t->online);
        if (r >= 0)
                r = read_mask(ctx, "has_cpu", &t->has_cpu);
        if (r >= 0)
                r = read_mask(ctx, "has_memory", &t->has_memory);
        if (r >= 0)
                r = read_mask(ctx, "has_normal_memory", &t->has_normal_memory);
        if (r >= 0)
                r = read_memory_globals(ctx, t);
        if (r < 0)
                return r;
        if (cdm_nodemask_count(&t->online) == 0)
                return cdm_error(ctx, -EBADMSG, "%s/sys/" NODE_DIR "/online: no online node",
                                root_prefix(ctx));

        t->nodes = calloc(cdm_nodemask_count(&t->online), sizeof(cdm_node));
        if (!t->nodes)
                return -ENOMEM;
        for (int id = -1; (id = cdm_nodemask_next(&t->online, id)) >= 0;) {
                cdm_node *n = &t->nodes[t->n_nodes++];

                n->id = (unsigned) id;
                r = read_node(ctx, t, n);
                if (r < 0)
                        return r;
        }
        r = read_tiers(ctx, t);
        if (r >= 0)
                r = read_dax(ctx, t);
        if (r >= 0)
                r = read_nvidia(ctx, t);
        if (r < 0)
                return r;
        log_warnings(ctx, t);
        *ret = TAKE_PTR(t);
        return 0;
}
