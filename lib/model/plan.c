/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plan data type. Building a plan is the policy's business; this file only holds it. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

int cdm_plan_add(cdm_plan *p, const char *object, const char *current, const char *desired,
                const char *reason)
{
        cdm_plan_item *ni, *it;

        ni = realloc(p->items, (p->n_items + 1) * sizeof(*ni));
        if (!ni)
                return -ENOMEM;
        p->items = ni;
        it = &p->items[p->n_items];
        *it = (cdm_plan_item){
                .object = strdup(object),
                .current = strdup(current),
                .desired = strdup(desired),
                .reason = strdup(reason),
        };
        if (!it->object || !it->current || !it->desired || !it->reason) {
                free(it->object);
                free(it->current);
                free(it->desired);
                free(it->reason);
                return -ENOMEM;
        }
        p->n_items++;
        return 0;
}

int cdm_plan_add_create(cdm_plan *p, const char *object, const char *reason)
{
        int r;

        if (!streq(cdm_plan_object_backend(object), "cgroupfs") || !object[strlen("sys/fs/cgroup/")])
                return -EINVAL;
        r = cdm_plan_add(p, object, "(none)", "(created)", reason);
        if (r >= 0)
                p->items[p->n_items - 1].create = true;
        return r;
}

void cdm_plan_done(cdm_plan *p)
{
        for (size_t i = 0; i < p->n_items; i++) {
                free(p->items[i].object);
                free(p->items[i].current);
                free(p->items[i].desired);
                free(p->items[i].reason);
        }
        free(p->items);
        *p = CDM_PLAN_NULL;
}

const char *cdm_plan_object_backend(const char *object)
{
        if (strncmp(object, "systemd/", 8) == 0 || strncmp(object, "systemd-default/", 16) == 0)
                return "systemd";
        if (strncmp(object, "sys/fs/cgroup/", 14) == 0)
                return "cgroupfs";
        if (strncmp(object, "proc/", 5) == 0)
                return "procfs";
        return "sysfs";
}

bool cdm_plan_object_is_cgroup(const char *object)
{
        return strncmp(object, "systemd/", 8) == 0 || strncmp(object, "sys/fs/cgroup/", 14) == 0;
}

char *cdm_plan_object_cgroup(const char *object)
{
        const char *rel, *slash;

        if (strncmp(object, "systemd/", 8) == 0)
                rel = object + 7;
        else if (strncmp(object, "sys/fs/cgroup/", 14) == 0)
                rel = object + 13;
        else
                return NULL;
        slash = strrchr(rel, '/');
        return slash == rel ? strdup("/") : strndup(rel, (size_t) (slash - rel));
}
