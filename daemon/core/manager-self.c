/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's own place. The kernel allocates the pages that move_pages() moves within the
 * *caller's* cpuset (alloc_migration_target() with __GFP_HARDWALL): a cdmd fenced off a device
 * by its own rules could move nothing onto it (ENOMEM). So the daemon's cgroup is opened to
 * every device like a job's, and its own memory is kept on the system nodes by a memory
 * policy instead (MPOL_BIND), which placement of its own pages obeys and migration targets do
 * not.
 */

#include <errno.h>
#include <linux/mempolicy.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctx-roots.h"
#include "log.h"
#include "manager-self.h"
#include "proc-fs.h"

int manager_find_self(Manager *m)
{
        _cleanup_free_ char *buf = NULL;
        char *line, *nl;
        int r;

        if (!cdm_ctx_is_live(m->ctx))
                return 0;
        r = cdm_proc_read(m->ctx, "self/cgroup", 65536, &buf, NULL);
        if (r == -ENOENT) /* no /proc, or a kernel without cgroups: nothing to open */
                return 0;
        if (r < 0)
                return log_warning_errno(r, "Cannot read /proc/self/cgroup, moves onto devices may fail: %m"), 0;
        /* cgroup2: the one line "0::/PATH". */
        line = strstr(buf, "0::/");
        if (!line || (line != buf && line[-1] != '\n'))
                return 0;
        line += 3;
        nl = strchr(line, '\n');
        if (nl)
                *nl = 0;
        free(m->self_cgroup);
        m->self_cgroup = streq(line, "/") ? NULL : strdup(line);
        if (!streq(line, "/") && !m->self_cgroup)
                return -ENOMEM;
        if (m->self_cgroup)
                log_debug("Running in %s, which is opened to the devices.", m->self_cgroup);
        return 0;
}

void manager_bind_self(Manager *m)
{
        unsigned long mask[CDM_NODES_MAX / (8 * sizeof(unsigned long))] = { 0 };
        int top = -1;

        if (!cdm_ctx_is_live(m->ctx) || !m->layout)
                return;
        for (int id = -1; (id = cdm_nodemask_next(&m->layout->system_nodes, id)) >= 0; top = id)
                mask[id / (8 * sizeof(unsigned long))] |= 1UL << (id % (8 * sizeof(unsigned long)));
        if (top < 0)
                return;
        if (syscall(SYS_set_mempolicy, MPOL_BIND, mask, (unsigned long) top + 2) < 0)
                log_warning_errno(-errno, "Cannot bind cdmd's own memory to the system nodes: %m");
}
