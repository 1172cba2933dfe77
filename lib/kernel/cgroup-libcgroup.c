/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libcgroup backend: the only file that includes <libcgroup.h>. libcgroup finds the
 * cgroup2 mount itself (from /proc/mounts), so this backend serves the real root only.
 * Controller attributes ("cpuset.mems", "memory.max") go through cgroup_set_value_string()
 * and cgroup_modify_cgroup(); core files of cgroup2 that belong to no controller
 * ("cgroup.subtree_control") are written as plain files, which libcgroup 2.0 does not model.
 * libcgroup's positive ECG* codes and its thread-local errno become negative errno here.
 */

#include <libcgroup.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-backend.h"
#include "ctx.h"

static int ecg_to_errno(int r)
{
        switch (r) {
        case 0:
                return 0;
        case ECGOTHER:
        case ECGCANTSETVALUE: {
                int e = cgroup_get_last_errno();
                return e > 0 ? -e : r == ECGOTHER ? -EIO : -EINVAL;
        }
        case ECGROUPNOTEXIST:
                return -ENOENT;
        case ECGROUPNOTALLOWED:
        case ECGROUPNOTOWNER:
                return -EPERM;
        case ECGROUPNOTMOUNTED:
        case ECGROUPSUBSYSNOTMOUNTED:
                return -ENODEV;
        case ECGINVAL:
        case ECGROUPVALUENOTEXIST:
                return -EINVAL;
        case ECGFAIL:
        default:
                return -EIO;
        }
}

int cdm_cgroup_libcgroup_init(void)
{
        return ecg_to_errno(cgroup_init());
}

static void cgroup_freep(struct cgroup **cg)
{
        if (*cg)
                cgroup_free(cg);
}

static int libcgroup_write(cdm_ctx *ctx, const char *cgroup, const char *attr, const char *value)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        struct cgroup_controller *ctrl;
        _cleanup_free_ char *controller = NULL;
        const char *dot = strchr(attr, '.');

        if (!dot || strncmp(attr, "cgroup.", 7) == 0)
                return cdm_cgroup_backend_fs.write(ctx, cgroup, attr, value);
        controller = strndup(attr, (size_t) (dot - attr));
        if (!controller)
                return -ENOMEM;
        /* libcgroup names cgroups relative to the mount point, without the leading '/'. */
        cg = cgroup_new_cgroup(cgroup[0] == '/' && cgroup[1] ? cgroup + 1 : cgroup);
        if (!cg)
                return -ENOMEM;
        ctrl = cgroup_add_controller(cg, controller);
        if (!ctrl)
                return -ENOMEM;
        if (cgroup_set_value_string(ctrl, attr, value) != 0)
                return -EINVAL;
        return ecg_to_errno(cgroup_modify_cgroup(cg));
}

const cdm_cgroup_backend cdm_cgroup_backend_libcgroup = {
        .name = "libcgroup",
        .write = libcgroup_write,
};
