/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * How cgroup attributes are written. Reads always go to the files below the context's
 * cgroup root; writes go through a backend: plain files (fixture roots, tests) or libcgroup
 * (a real system). Where systemd manages the tree, the cpuset.mems of its units' own cgroups
 * are not written at all: a unit backend asks the service manager to set AllowedMemoryNodes=
 * on the unit, and the manager writes (and keeps re-writing) the cgroup itself.
 * Cgroup paths are absolute below the cgroup2 root: "/" or "/system.slice/x.service".
 */

#include <sys/types.h>

#include "cdm/cdm.h"

typedef struct cdm_cgroup_backend {
        const char *name;
        int (*write)(cdm_ctx *ctx, const char *cgroup, const char *attr, const char *value);
} cdm_cgroup_backend;

/*
 * A service manager that owns units' cgroups (systemd). Node lists are in cpuset.mems form,
 * "" for unset. Provided by the program (the library links no bus).
 */
typedef struct cdm_unit_backend {
        const char *name;
        /* The unit's AllowedMemoryNodes=; -ENOENT when the manager does not know the unit. */
        int (*get_mems)(void *userdata, const char *unit, char **ret);
        /* Set it for the runtime of the system ("" resets it). */
        int (*set_mems)(void *userdata, const char *unit, const char *nodes);
        /* Return once the manager has applied everything set before (a round trip). */
        int (*sync)(void *userdata);
        /*
         * The AllowedMemoryNodes= every unit gets unless it has its own ("" none): so that a
         * unit the manager creates is fenced by the manager itself, before its first process.
         */
        int (*get_default_mems)(void *userdata, char **ret);
        /* Set it ("" removes it); returns once the manager has reloaded. */
        int (*set_default_mems)(void *userdata, const char *nodes);
        void *userdata;
} cdm_unit_backend;

extern const cdm_cgroup_backend cdm_cgroup_backend_fs;
extern const cdm_cgroup_backend cdm_cgroup_backend_libcgroup;

/* "system.slice/cpuset.mems" for ("/system.slice", "cpuset.mems"); "cpuset.mems" for the root. */
char *cdm_cgroup_attr_path(const char *cgroup, const char *attr);
int cdm_cgroup_read(cdm_ctx *ctx, const char *cgroup, const char *attr, char **ret, size_t *ret_len);
/* The paths of a cgroup's children, at most @max; none (0) when the cgroup is gone. */
int cdm_cgroup_list_children(cdm_ctx *ctx, const char *cgroup, size_t max, char ***ret, size_t *ret_n);
/* Every PID in a cgroup and below it (bounded). */
int cdm_cgroup_pids_recursive(cdm_ctx *ctx, const char *cgroup, int **ret, size_t *ret_n);
int cdm_cgroup_write(cdm_ctx *ctx, const char *cgroup, const char *attr, const char *value);
bool cdm_cgroup_exists(cdm_ctx *ctx, const char *cgroup);
/* mkdir(2) below the cgroup root: -EEXIST when the cgroup is there, -ENOENT without a root. */
int cdm_cgroup_mkdir(cdm_ctx *ctx, const char *cgroup, mode_t mode);
/* "/proc/self/fd/N/a/b": the cgroup's directory, for inotify_add_watch(); free() it. */
int cdm_cgroup_watch_path(cdm_ctx *ctx, const char *cgroup, char **ret);
void cdm_ctx_set_cgroup_backend(cdm_ctx *ctx, const cdm_cgroup_backend *b);
/* NULL: no service manager owns cgroups, every cgroup attribute is written directly. */
void cdm_ctx_set_unit_backend(cdm_ctx *ctx, const cdm_unit_backend *b);
const cdm_unit_backend *cdm_ctx_get_unit_backend(const cdm_ctx *ctx);
int cdm_cgroup_libcgroup_init(void);
