/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The context's fields, for lib/ alone: this directory is a private include path of the
 * library's objects, so the daemon and other programs cannot reach into a context. They use
 * the functions of each concern (ctx-roots.h, cgroup-backend.h, proc-fs.h, apply.h).
 * Through lib/, the public include root, it would be "internal/ctx.h": refused here too.
 */

#ifndef CDM_BUILDING_LIBCDM
#error "ctx.h is private to lib/: use ctx-roots.h, cgroup-backend.h, proc-fs.h or apply.h"
#endif

#include "cdm/cdm.h"
#include "ctx-roots.h"
#include "util/macro.h"

struct cdm_ctx {
        unsigned n_ref;
        int root_fd;   /* DIR */
        int sys_fd;    /* DIR/sys, -1 when absent */
        int proc_fd;   /* DIR/proc, -1 when absent */
        int cgroup_fd; /* DIR/sys/fs/cgroup, -1 when absent */
        char *root;
        cdm_log_fn log_fn;
        void *log_userdata;
        char *last_error;
        char **topology_warnings; /* those of the last cdm_topology_read(), already logged */
        size_t n_topology_warnings;
        const struct cdm_cgroup_backend *cgroup_backend; /* NULL: plain files */
        const struct cdm_unit_backend *unit_backend;     /* NULL: no service manager */
};

_printf_(3, 4) int cdm_error(cdm_ctx *ctx, int r, const char *fmt, ...);
_printf_(2, 3) void cdm_debug(cdm_ctx *ctx, const char *fmt, ...);
_printf_(3, 4) void cdm_log(cdm_ctx *ctx, int priority, const char *fmt, ...);

DEFINE_TRIVIAL_CLEANUP_FUNC(cdm_ctx *, cdm_ctx_unref);
