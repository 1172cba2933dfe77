/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Apply: the only place that writes kernel settings. Objects are paths below the root;
 * "sys/fs/cgroup/..." goes through the cgroup backend, "systemd/CGROUP/AllowedMemoryNodes"
 * through the unit backend (systemd sets the property of the unit whose cgroup that is, and
 * writes the cgroup itself), anything else is a plain write below DIR/sys or DIR/proc. Before the first change of an object its old value is recorded (and
 * saved atomically), so that a crash between the two leaves a restorable state.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cgroup-backend.h"
#include "cgroup-parse.h"
#include "ctx.h"
#include "util/fileio.h"
#include "util/strv.h"

#define CGROUP_PREFIX "sys/fs/cgroup/"
#define UNIT_PREFIX "systemd/"
#define UNIT_DEFAULT "systemd-default/AllowedMemoryNodes"
#define UNIT_MEMS "/AllowedMemoryNodes"

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

static bool has_suffix(const char *s, const char *suffix)
{
        size_t n = strlen(s), k = strlen(suffix);

        return n >= k && streq(s + n - k, suffix);
}

/* "systemd/system.slice/foo.service/AllowedMemoryNodes": the unit is foo.service. */
static int write_unit(cdm_ctx *ctx, const char *object, const char *value)
{
        _cleanup_free_ char *cgroup = cdm_plan_object_cgroup(object);
        _cleanup_free_ char *nodes = strdup(value);
        const char *unit;

        if (!cgroup || !nodes)
                return -ENOMEM;
        if (!has_suffix(object, UNIT_MEMS) || streq(cgroup, "/"))
                return -EINVAL;
        if (!ctx->unit_backend)
                return -EOPNOTSUPP;
        unit = strrchr(cgroup, '/') + 1;
        nodes[strcspn(nodes, "\n")] = 0;
        return ctx->unit_backend->set_mems(ctx->unit_backend->userdata, unit, nodes);
}

int cdm_apply_write(cdm_ctx *ctx, const char *object, const char *value)
{
        _cleanup_free_ char *cgroup = NULL;
        const char *attr;

        if (strncmp(object, UNIT_PREFIX, strlen(UNIT_PREFIX)) == 0)
                return write_unit(ctx, object, value);
        if (streq(object, UNIT_DEFAULT)) {
                _cleanup_free_ char *nodes = strdup(value);

                if (!nodes)
                        return -ENOMEM;
                if (!ctx->unit_backend)
                        return -EOPNOTSUPP;
                nodes[strcspn(nodes, "\n")] = 0;
                return ctx->unit_backend->set_default_mems(ctx->unit_backend->userdata, nodes);
        }
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

int cdm_apply_create(cdm_ctx *ctx, const char *object)
{
        _cleanup_free_ char *cgroup = NULL;
        int r;

        if (strncmp(object, CGROUP_PREFIX, strlen(CGROUP_PREFIX)) != 0)
                return -EINVAL;
        if (asprintf(&cgroup, "/%s", object + strlen(CGROUP_PREFIX)) < 0)
                return -ENOMEM;
        r = cdm_cgroup_mkdir(ctx, cgroup, 0755);
        return r == -EEXIST ? 0 : r;
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

                if (it->create) {
                        r = cdm_apply_create(ctx, it->object);
                        failed += r < 0;
                        if (results)
                                results[i] = r;
                        continue;
                }
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

static int read_effective(cdm_ctx *ctx, const char *cgroup, cdm_nodemask *ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t n;
        int r = cdm_cgroup_read(ctx, cgroup, "cpuset.mems.effective", &buf, &n);

        if (r < 0)
                return r;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                n--;
        return cdm_nodemask_parse(buf, n, ret);
}

/*
 * A cgroup that inherited its nodes before cdmd fenced it must reach what its parent reaches
 * again. Clearing cpuset.mems does not always do that: the kernel refuses to empty it while
 * the cgroup has tasks, and systemd's own write of "" fails the same way. Then the parent's
 * effective nodes are written explicitly. 0 when the cgroup reaches them (or has no cpuset
 * any more, which restricts nothing), else a negative errno.
 */
static int give_back_cgroup(cdm_ctx *ctx, const char *cgroup)
{
        _cleanup_free_ char *parent = NULL, *list = NULL;
        cdm_nodemask mine, theirs;
        char *slash;
        int r;

        if (read_effective(ctx, cgroup, &mine) < 0)
                return 0;
        parent = strdup(cgroup);
        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        slash[slash == parent ? 1 : 0] = 0;
        r = read_effective(ctx, parent, &theirs);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        if (memcmp(&mine, &theirs, sizeof(mine)) == 0)
                return 0;
        list = cdm_nodemask_format(&theirs);
        if (!list)
                return -ENOMEM;
        r = cdm_cgroup_write(ctx, cgroup, "cpuset.mems", list);
        if (r < 0)
                return r;
        r = read_effective(ctx, cgroup, &mine);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        return memcmp(&mine, &theirs, sizeof(mine)) == 0 ? 0 : -EIO;
}

static int give_back_inherited(cdm_ctx *ctx, const char *object)
{
        _cleanup_free_ char *cgroup = cdm_plan_object_cgroup(object);

        return cgroup ? give_back_cgroup(ctx, cgroup) : -ENOMEM;
}

/*
 * After the default fence of systemd's units is gone: every unit's cgroup (units live below
 * slices, a few levels deep) without an AllowedMemoryNodes= of its own reaches what its parent
 * reaches again. Units that have one keep it: that is someone's setting.
 */
static int give_back_units(cdm_ctx *ctx, const char *cgroup, unsigned depth, size_t *failed)
{
        char **children = NULL;
        size_t n = 0;
        int r;

        r = cdm_cgroup_list_children(ctx, cgroup, 100000, &children, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *unit = NULL, *mems = NULL;

                if (cdm_cgroup_systemd_unit(children[i], &unit) <= 0)
                        continue;
                if (ctx->unit_backend->get_mems(ctx->unit_backend->userdata, unit, &mems) >= 0 && !*mems &&
                                give_back_cgroup(ctx, children[i]) < 0)
                        (*failed)++;
                if (depth > 1 && cdm_unit_is_slice(unit))
                        (void) give_back_units(ctx, children[i], depth - 1, failed);
        }
        strv_free_n(children, n);
        return 0;
}

static bool is_inherited_mems(const cdm_setting *s)
{
        return !*s->old && cdm_plan_object_is_cgroup(s->object) &&
                        (has_suffix(s->object, "/cpuset.mems") || has_suffix(s->object, UNIT_MEMS));
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
        /* What systemd was told is applied before the check below reads it back. */
        if (ctx->unit_backend)
                (void) ctx->unit_backend->sync(ctx->unit_backend->userdata);
        for (size_t i = 0; i < state->n_settings; i++) {
                int r;

                if (!is_inherited_mems(&state->settings[i]) || (results && results[i] < 0))
                        continue;
                r = give_back_inherited(ctx, state->settings[i].object);
                if (r < 0) {
                        failed++;
                        if (results)
                                results[i] = r;
                }
        }
        for (size_t i = 0; ctx->unit_backend && i < state->n_settings; i++)
                if (streq(state->settings[i].object, UNIT_DEFAULT) && !*state->settings[i].old &&
                                (!results || results[i] >= 0))
                        (void) give_back_units(ctx, "/", 4, &failed);
        return failed;
}
