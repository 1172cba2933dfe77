/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Apply: the only place that writes kernel settings. Objects are paths below the root;
 * "sys/fs/cgroup/..." goes through the cgroup backend, anything else is a plain write below
 * DIR/sys or DIR/proc. Before the first change of an object its old value is recorded (and
 * saved atomically), so that a crash between the two leaves a restorable state.
 */

#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cgroup-backend.h"
#include "ctx.h"
#include "util/fileio.h"

#define CGROUP_PREFIX "sys/fs/cgroup/"

cdm_apply_class cdm_apply_classify(int r)
{
        switch (-r) {
        case 0:
                return CDM_APPLY_OK;
        case ENOENT:
        case ENODEV:
        case ESRCH:
                return CDM_APPLY_GONE;
        case EAGAIN:
        case EBUSY:
        case ENOMEM:
        case EINTR:
                return CDM_APPLY_TRANSIENT;
        case ENOSPC:
                return CDM_APPLY_CAPACITY;
        default:
                return CDM_APPLY_PERMANENT;
        }
}

const char *cdm_apply_class_to_string(cdm_apply_class c)
{
        static const char *const names[] = { "ok", "gone", "transient", "capacity", "permanent" };
        return c < ARRAY_SIZE(names) ? names[c] : "unknown";
}

int cdm_apply_write(cdm_ctx *ctx, const char *object, const char *value)
{
        _cleanup_free_ char *cgroup = NULL;
        const char *attr;

        if (strncmp(object, CGROUP_PREFIX, strlen(CGROUP_PREFIX)) == 0) {
                const char *rel = object + strlen(CGROUP_PREFIX);

                attr = strrchr(rel, '/');
                cgroup = attr ? strndup(rel - 1, (size_t) (attr - rel) + 1) : strdup("/");
                if (!cgroup)
                        return -ENOMEM;
                return cdm_cgroup_write(ctx, cgroup, attr ? attr + 1 : rel, value);
        }
        if (strncmp(object, "sys/", 4) == 0)
                return write_file_at(ctx->sys_fd, object + 4, value);
        if (strncmp(object, "proc/", 5) == 0)
                return ctx->proc_fd < 0 ? -ENOENT : write_file_at(ctx->proc_fd, object + 5, value);
        return -EINVAL;
}

/**
 * cdm_apply_plan() - write every item of a plan, recording old values first
 * @ctx: context
 * @p: the plan
 * @state: where old values are recorded (NULL: not recorded)
 * @results: one return value per item (may be NULL)
 * @ret_failed: number of items that failed, not counting vanished targets
 *
 * Return: 0, or the negative errno of recording an old value: then nothing more is written,
 * since a change that cannot be undone is not made.
 */
int cdm_apply_plan(cdm_ctx *ctx, const cdm_plan *p, cdm_state *state, int *results,
                size_t *ret_failed)
{
        size_t failed = 0;

        for (size_t i = 0; i < p->n_items; i++) {
                const cdm_plan_item *it = &p->items[i];
                int r;

                if (state) {
                        r = cdm_state_record(state, it->object, it->current);
                        if (r < 0) {
                                *ret_failed = failed;
                                return cdm_error(ctx, r, "%s/settings: cannot record the old value of %s: %m",
                                                state->dir, it->object);
                        }
                }
                r = cdm_apply_write(ctx, it->object, it->desired);
                if (r < 0 && cdm_apply_classify(r) != CDM_APPLY_GONE)
                        failed++;
                if (results)
                        results[i] = r;
        }
        *ret_failed = failed;
        return 0;
}

/* The value that undoes a change: "+cpuset" in subtree_control is undone by "-cpuset". */
static const char *undo_value(const cdm_setting *s)
{
        size_t n = strlen(s->object);

        if (n >= 22 && streq(s->object + n - 22, "cgroup.subtree_control"))
                return strstr(s->old, "cpuset") ? NULL : "-cpuset";
        /* An empty cpuset.mems is written as a newline: the kernel then inherits again. */
        return *s->old ? s->old : "\n";
}

size_t cdm_apply_restore(cdm_ctx *ctx, cdm_state *state, int *results)
{
        size_t failed = 0;

        for (size_t i = state->n_settings; i-- > 0;) {
                const char *v = undo_value(&state->settings[i]);
                int r = v ? cdm_apply_write(ctx, state->settings[i].object, v) : 0;

                if (r < 0 && cdm_apply_classify(r) != CDM_APPLY_GONE)
                        failed++;
                if (results)
                        results[i] = r;
        }
        return failed;
}
