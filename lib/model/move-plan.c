/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The page moves a cycle decides (see move-plan.h). Pure: no file, no clock. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "move-plan.h"
#include "util/macro.h"

static char *dup_or_null(const char *s, bool *fail)
{
        char *d;

        if (!s)
                return NULL;
        d = strdup(s);
        if (!d)
                *fail = true;
        return d;
}

static void item_free(cdm_move_plan_item *it)
{
        free(it->owner);
        free(it->cgroup);
        free(it->device);
        free(it->reason);
}

int cdm_move_plan_add(cdm_move_plan *p, const cdm_move_plan_item *it)
{
        cdm_move_plan_item *items, c = *it;
        bool fail = false;

        c.owner = dup_or_null(it->owner, &fail);
        c.cgroup = dup_or_null(it->cgroup, &fail);
        c.device = dup_or_null(it->device, &fail);
        c.reason = dup_or_null(it->reason, &fail);
        items = fail ? NULL : realloc(p->items, (p->n + 1) * sizeof(*items));
        if (!items) {
                item_free(&c);
                return -ENOMEM;
        }
        p->items = items;
        p->items[p->n++] = c;
        return 0;
}

int cdm_move_plan_append(cdm_move_plan *dst, const cdm_move_plan *src)
{
        int r = 0;

        for (size_t i = 0; r >= 0 && i < src->prepare.n_items; i++) {
                const cdm_plan_item *it = &src->prepare.items[i];

                r = it->create ? cdm_plan_add_create(&dst->prepare, it->object, it->reason)
                               : cdm_plan_add(&dst->prepare, it->object, it->current, it->desired, it->reason);
        }
        for (size_t i = 0; r >= 0 && i < src->n; i++)
                r = cdm_move_plan_add(dst, &src->items[i]);
        return r;
}

void cdm_move_plan_done(cdm_move_plan *p)
{
        for (size_t i = 0; i < p->n; i++)
                item_free(&p->items[i]);
        free(p->items);
        cdm_plan_done(&p->prepare);
        *p = (cdm_move_plan){ 0 };
}

char *cdm_move_owner_job(const char *id)
{
        char *s;

        return asprintf(&s, "job:%s", id) < 0 ? NULL : s;
}

char *cdm_move_owner_spill(const char *device, const char *cgroup)
{
        char *s;

        return asprintf(&s, "spill:%s:%s", device, cgroup) < 0 ? NULL : s;
}

char *cdm_move_owner_device(const char *device)
{
        char *s;

        return asprintf(&s, "device:%s", device) < 0 ? NULL : s;
}

cdm_job_verdict cdm_decide_job(const cdm_job *j, bool device_online, bool moving)
{
        cdm_job_verdict v = { .state = CDM_JOB_ACTIVE };

        if (!device_online) {
                /* The device's evacuation moves everything; nothing moves onto it. */
                v.state = CDM_JOB_SUSPENDED;
                v.cancel = moving;
                return v;
        }
        if (j->device_bytes > j->quota) {
                v.state = CDM_JOB_OVER_QUOTA;
                v.over_quota_now = j->state != CDM_JOB_OVER_QUOTA;
                if (moving) {
                        /* A device-first move onto the device goes the wrong way now; a move
                         * back runs already. */
                        v.cancel = j->policy == CDM_POLICY_DEVICE_FIRST;
                        return v;
                }
                v.move = true;
                v.to_system = true;
                v.bytes = j->device_bytes - j->quota;
                return v;
        }
        if (j->policy == CDM_POLICY_DEVICE_FIRST && j->system_bytes > 0 && !moving &&
                        j->quota > j->device_bytes + CDM_DEVICE_FIRST_SLACK) {
                v.move = true;
                v.bytes = j->quota - j->device_bytes - CDM_DEVICE_FIRST_SLACK;
        }
        return v;
}

bool cdm_decide_repair(const cdm_audit_item *it, bool repair_enabled, bool moving)
{
        return repair_enabled && !it->granted && it->anon + it->file > 0 && !moving;
}

int cdm_plan_job_move(const cdm_job *j, const cdm_job_verdict *v, cdm_move_plan *p)
{
        _cleanup_free_ char *owner = cdm_move_owner_job(j->id), *reason = NULL;
        int r;

        if (!owner)
                return -ENOMEM;
        if (v->to_system)
                r = asprintf(&reason, "job %s uses %llu bytes of %s, over its quota of %llu", j->id,
                                (unsigned long long) j->device_bytes, j->device, (unsigned long long) j->quota);
        else
                r = asprintf(&reason, "job %s is device-first: %llu bytes of its quota of %llu are free", j->id,
                                (unsigned long long) (j->quota - j->device_bytes), (unsigned long long) j->quota);
        if (r < 0)
                return -ENOMEM;
        return cdm_move_plan_add(p, &(cdm_move_plan_item){ .prio = v->to_system ? CDM_MOVE_QUOTA : CDM_MOVE_POLICY,
                        .owner = owner, .cgroup = j->cgroup, .device = j->device, .to_system = v->to_system,
                        .bytes = v->bytes, .reason = reason });
}

int cdm_plan_repair(const cdm_audit_item *it, cdm_move_plan *p)
{
        _cleanup_free_ char *owner = cdm_move_owner_spill(it->device, it->owner), *reason = NULL;

        if (!owner)
                return -ENOMEM;
        if (asprintf(&reason, "%s has %llu bytes on %s without a grant", it->owner,
                            (unsigned long long) (it->anon + it->file), it->device) < 0)
                return -ENOMEM;
        return cdm_move_plan_add(p, &(cdm_move_plan_item){ .prio = CDM_MOVE_REPAIR, .owner = owner,
                        .cgroup = it->owner, .device = it->device, .to_system = true, .bytes = CDM_MOVE_ALL,
                        .reason = reason });
}

bool cdm_decide_root_move(const cdm_audit *a, bool root_cgroup_move, bool moving)
{
        return root_cgroup_move && !moving && a->n_root_pids > 0;
}

int cdm_plan_root_move(const cdm_audit *a, const char *system_mems, cdm_move_plan *p)
{
        _cleanup_free_ char *reason = NULL;
        int r;

        if (!system_mems || !*system_mems)
                return -EINVAL;
        r = cdm_plan_add_create(&p->prepare, "sys/fs/cgroup" CDM_ROOT_MOVE_CGROUP,
                        "where the root cgroup's user processes go");
        if (r >= 0)
                r = cdm_plan_add(&p->prepare, "sys/fs/cgroup" CDM_ROOT_MOVE_CGROUP "/cpuset.mems", "",
                                system_mems, "the root cgroup's user processes: system nodes only");
        if (r < 0)
                return r;
        if (asprintf(&reason, "%zu user process%s in the root cgroup, which no cpuset restricts: moved into %s",
                                a->n_root_pids, a->n_root_pids == 1 ? "" : "es", CDM_ROOT_MOVE_CGROUP) < 0)
                return -ENOMEM;
        return cdm_move_plan_add(p, &(cdm_move_plan_item){ .prio = CDM_MOVE_REPAIR, .owner = (char *) CDM_MOVE_OWNER_ROOT,
                        .cgroup = (char *) "/", .device = (char *) "all", .to_system = true, .bytes = CDM_MOVE_ALL,
                        .reason = reason });
}

int cdm_plan_moves(const cdm_move_plan_input *in, cdm_move_plan *p)
{
        int r = 0;

        for (size_t i = 0; r >= 0 && in->jobs && i < in->jobs->n; i++) {
                const cdm_job *j = &in->jobs->items[i];
                _cleanup_free_ char *owner = cdm_move_owner_job(j->id);
                cdm_job_verdict v;

                if (!owner)
                        return -ENOMEM;
                v = cdm_decide_job(j, in->device_online(j->device, in->userdata), in->moving(owner, in->userdata));
                if (v.move)
                        r = cdm_plan_job_move(j, &v, p);
        }
        for (size_t i = 0; r >= 0 && in->audit && i < in->audit->n_items; i++) {
                const cdm_audit_item *it = &in->audit->items[i];
                _cleanup_free_ char *owner = cdm_move_owner_spill(it->device, it->owner);

                if (!owner)
                        return -ENOMEM;
                if (cdm_decide_repair(it, in->repair, in->moving(owner, in->userdata)))
                        r = cdm_plan_repair(it, p);
        }
        if (r >= 0 && in->audit && in->system_mems && *in->system_mems &&
                        cdm_decide_root_move(in->audit, in->root_move, in->moving(CDM_MOVE_OWNER_ROOT, in->userdata)))
                r = cdm_plan_root_move(in->audit, in->system_mems, p);
        return r;
}

int cdm_plan_revoke(const cdm_job *j, cdm_move_plan *p)
{
        _cleanup_free_ char *owner = cdm_move_owner_job(j->id), *reason = NULL;

        if (!owner || asprintf(&reason, "job %s is revoked: its pages on %s go back", j->id, j->device) < 0)
                return -ENOMEM;
        return cdm_move_plan_add(p, &(cdm_move_plan_item){ .prio = CDM_MOVE_REVOKE, .owner = owner,
                        .cgroup = j->cgroup, .device = j->device, .to_system = true, .bytes = CDM_MOVE_ALL,
                        .reason = reason });
}

int cdm_plan_evacuation(const char *device, bool fault, cdm_move_plan *p)
{
        _cleanup_free_ char *owner = cdm_move_owner_device(device), *reason = NULL;

        if (!owner || asprintf(&reason, "%s is %s: every page on it goes back", device,
                                      fault ? "failed" : "draining") < 0)
                return -ENOMEM;
        return cdm_move_plan_add(p, &(cdm_move_plan_item){ .prio = fault ? CDM_MOVE_FAULT : CDM_MOVE_DRAIN,
                        .owner = owner, .device = (char *) device, .to_system = true, .bytes = CDM_MOVE_ALL,
                        .reason = reason });
}
