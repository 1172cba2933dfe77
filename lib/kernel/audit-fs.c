/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Audit collection and its arithmetic. Cgroups that vanish while being read are skipped:
 * their memory is gone with them or shows up in the parent next time.
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit-fs.h"
#include "cgroup-backend.h"
#include "cgroup-parse.h"
#include "ctx.h"
#include "util/fileio.h"
#include "util/strv.h"

#define PF_KTHREAD 0x00200000u

static int add_item(cdm_audit *a, const char *owner, const char *device, const cdm_numa_usage *u,
                bool granted)
{
        cdm_audit_item *ni = a->items;

        /* Grow by doubling: an audit may list every job of a large host. */
        if ((a->n_items & (a->n_items - 1)) == 0) {
                ni = realloc(a->items, (a->n_items ? a->n_items * 2 : 16) * sizeof(*ni));
                if (!ni)
                        return -ENOMEM;
                a->items = ni;
        }
        ni[a->n_items] = (cdm_audit_item){ .owner = strdup(owner), .device = strdup(device),
                .anon = u->anon, .file = u->file, .kernel = u->kernel, .granted = granted };
        if (!ni[a->n_items].owner || !ni[a->n_items].device) {
                free(ni[a->n_items].owner);
                free(ni[a->n_items].device);
                return -ENOMEM;
        }
        a->n_items++;
        if (!granted)
                a->spilled_bytes += u->anon + u->file;
        return 0;
}

/* One cgroup's memory.numa_stat, read once and looked at for every device. */
static int audit_cgroup(cdm_ctx *ctx, const cdm_isolation_input *in, const cdm_cgroup_roles *roles,
                size_t i, uint64_t *children, cdm_audit *a)
{
        const cdm_cgroup *cg = &in->cgroups->items[i];
        cdm_cgroup_role role = roles->role[i];
        _cleanup_free_ char *buf = NULL;
        const char *what = NULL;
        size_t len;
        int r;

        r = cdm_cgroup_read(ctx, cg->path, "memory.numa_stat", &buf, &len);
        if (r == -ENOENT)
                return 0; /* vanished, or no memory controller there */
        if (r < 0)
                return r;
        for (size_t k = 0; k < in->layout->n_devices; k++) {
                const cdm_device *d = &in->layout->devices[k];
                bool own = role == CDM_CGROUP_JOB && streq(roles->grant[i]->device, d->name);
                cdm_numa_usage u;

                r = cdm_parse_numa_stat(buf, len, &d->nodes, &u, &what);
                if (r < 0)
                        return cdm_error(ctx, r, "%s/memory.numa_stat: %s", cg->path, what);
                if (cg->parent == 0)
                        children[k] += u.anon + u.file;
                if (own) {
                        cdm_job_usage *ju = &a->jobs[roles->grant[i] - in->grants];
                        cdm_numa_usage sys;

                        r = cdm_parse_numa_stat(buf, len, &in->layout->system_nodes, &sys, &what);
                        if (r < 0)
                                return cdm_error(ctx, r, "%s/memory.numa_stat: %s", cg->path, what);
                        *ju = (cdm_job_usage){ .measured = true, .device_bytes = u.anon + u.file,
                                .system_bytes = sys.anon + sys.file };
                }
                /* An ancestor's figures are its jobs' and its frontier children's. */
                if (role == CDM_CGROUP_ANCESTOR || u.anon + u.file == 0)
                        continue;
                r = add_item(a, cg->path, d->name, &u, own);
                if (r < 0)
                        return r;
        }
        return 0;
}

/*
 * The root cgroup's own share of a device: node usage minus what its children hold. The
 * node's figure was read with the topology, before the children's; a child that freed memory
 * in between (a process exiting, pages moved away) would show as the root's. So the node is
 * read again after the children and the smaller of the two reads counts: a child that grew
 * in between then makes the share smaller, never larger.
 */
static int audit_root_share(cdm_ctx *ctx, const cdm_isolation_input *in, const cdm_device *d,
                uint64_t children, cdm_audit *a)
{
        uint64_t node_use = 0;

        for (int id = -1; (id = cdm_nodemask_next(&d->nodes, id)) >= 0;) {
                const cdm_node *n = cdm_topology_find_node(in->topo, (unsigned) id);
                cdm_meminfo now;
                uint64_t use;

                if (!n)
                        continue;
                use = n->mem.anon_pages + n->mem.file_pages;
                if (cdm_node_read_meminfo(ctx, (unsigned) id, &now) >= 0)
                        use = MIN(use, now.anon_pages + now.file_pages);
                node_use += use;
        }
        if (node_use <= children + CDM_AUDIT_ROOT_NOISE_BYTES)
                return 0;
        return add_item(a, "/", d->name, &(cdm_numa_usage){ .anon = node_use - children }, false);
}

static int audit_cgroups(cdm_ctx *ctx, const cdm_isolation_input *in, const cdm_cgroup_roles *roles,
                cdm_audit *a)
{
        _cleanup_free_ uint64_t *children = calloc(in->layout->n_devices ?: 1, sizeof(uint64_t));
        int r = 0;

        a->jobs = calloc(in->n_grants ?: 1, sizeof(cdm_job_usage));
        if (!children || !a->jobs)
                return -ENOMEM;
        a->n_jobs = in->n_grants;
        for (size_t i = 0; r >= 0 && i < in->cgroups->n; i++)
                if (roles->role[i] != CDM_CGROUP_ROOT && roles->role[i] != CDM_CGROUP_INNER &&
                                roles->role[i] != CDM_CGROUP_JOB_INNER)
                        r = audit_cgroup(ctx, in, roles, i, children, a);
        for (size_t k = 0; r >= 0 && k < in->layout->n_devices; k++)
                r = audit_root_share(ctx, in, &in->layout->devices[k], children[k], a);
        return r;
}

static bool is_kernel_thread(cdm_ctx *ctx, int pid)
{
        _cleanup_free_ char *buf = NULL;
        char path[32];
        const char *p;
        unsigned long flags;

        (void) snprintf(path, sizeof(path), "%d/stat", pid);
        if (ctx->proc_fd < 0 || read_file_at(ctx->proc_fd, path, 4096, &buf, NULL) < 0)
                return true; /* gone, or unknowable: nothing to move */
        p = strrchr(buf, ')'); /* comm may contain anything, even spaces and ')' */
        if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
                return true;
        return flags & PF_KTHREAD;
}

static int audit_root_pids(cdm_ctx *ctx, cdm_audit *a)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ int *pids = NULL;
        size_t len, n;
        int r;

        r = cdm_cgroup_read(ctx, "/", "cgroup.procs", &buf, &len);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        r = cdm_parse_pids(buf, len, &pids, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                int *np;

                if (is_kernel_thread(ctx, pids[i]))
                        continue;
                np = realloc(a->root_pids, (a->n_root_pids + 1) * sizeof(int));
                if (!np)
                        return -ENOMEM;
                a->root_pids = np;
                a->root_pids[a->n_root_pids++] = pids[i];
        }
        return 0;
}

/* Whether @cgroup holds memory on @nodes; false when it is gone or has no memcg. */
static bool holds_on(cdm_ctx *ctx, const char *cgroup, const cdm_nodemask *nodes)
{
        _cleanup_free_ char *buf = NULL;
        const char *what = NULL;
        cdm_numa_usage u;
        size_t len;

        if (cdm_cgroup_read(ctx, cgroup, "memory.numa_stat", &buf, &len) < 0)
                return false;
        return cdm_parse_numa_stat(buf, len, nodes, &u, &what) >= 0 && u.anon + u.file > 0;
}

#define HOLDER_CHILDREN_MAX 256

int cdm_audit_holders(cdm_ctx *ctx, const char *owner, const cdm_nodemask *nodes, size_t max,
                char ***ret, size_t *ret_n)
{
        char **v = NULL;
        size_t n = 0;
        int r = 0;

        *ret = NULL;
        *ret_n = 0;
        if (max == 0 || !holds_on(ctx, owner, nodes))
                return 0;
        r = strv_append_printf(&v, &n, "%s", owner);
        /* Breadth first over the holders found so far: v grows while it is walked. */
        for (size_t i = 0; r >= 0 && i < n && n < max && !streq(owner, "/"); i++) {
                char **children = NULL;
                size_t n_children = 0;

                r = cdm_cgroup_list_children(ctx, v[i], HOLDER_CHILDREN_MAX, &children, &n_children);
                for (size_t k = 0; r >= 0 && k < n_children && n < max; k++)
                        if (holds_on(ctx, children[k], nodes))
                                r = strv_append_printf(&v, &n, "%s", children[k]);
                strv_free_n(children, n_children);
        }
        if (r < 0) {
                strv_free_n(v, n);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/**
 * cdm_audit_run() - audit every device of the layout
 * @ctx: context
 * @in: the collected input of the cycle (its tree and grants decide the frontier)
 * @ret: the findings
 *
 * Return: 0 or a negative errno.
 */
int cdm_audit_run(cdm_ctx *ctx, const cdm_isolation_input *in, cdm_audit *ret)
{
        cdm_audit a = CDM_AUDIT_NULL;
        cdm_cgroup_roles roles = { 0 };
        int r;

        r = cdm_audit_alarms(in->topo, in->layout, &a);
        if (r >= 0 && in->cgroups && in->cgroups->n > 0) {
                r = cdm_cgroup_roles_compute(in, &roles);
                if (r >= 0)
                        r = audit_cgroups(ctx, in, &roles, &a);
                if (r >= 0)
                        r = audit_root_pids(ctx, &a);
        }
        cdm_cgroup_roles_done(&roles);
        if (r < 0) {
                cdm_audit_done(&a);
                return r;
        }
        *ret = a;
        return 0;
}
