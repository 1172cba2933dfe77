/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The table of spill left after the process repair, and when to sweep it (see sweep.h). */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"
#include "util/macro.h"

static cdm_sweep *find(cdm_sweeps *s, const char *owner, const char *device)
{
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->items[i].owner, owner) && streq(s->items[i].device, device))
                        return &s->items[i];
        return NULL;
}

static void sweep_free(cdm_sweep *sw)
{
        free(sw->owner);
        free(sw->device);
}

int cdm_sweeps_update(cdm_sweeps *s, const cdm_audit *a)
{
        size_t n_new = 0, k = 0;
        cdm_sweep *items;

        for (size_t i = 0; i < a->n_items; i++)
                n_new += !a->items[i].granted && !find(s, a->items[i].owner, a->items[i].device);
        items = realloc(s->items, (s->n + n_new + 1) * sizeof(*items));
        if (!items)
                return -ENOMEM;
        s->items = items;
        for (size_t i = 0; i < s->n; i++)
                s->items[i].seen = false;
        for (size_t i = 0; i < a->n_items; i++) {
                const cdm_audit_item *it = &a->items[i];
                cdm_sweep *sw;

                if (it->granted)
                        continue;
                sw = find(s, it->owner, it->device);
                if (!sw) {
                        char *o = strdup(it->owner), *d = strdup(it->device);

                        if (!o || !d) {
                                free(o);
                                free(d);
                                return -ENOMEM;
                        }
                        sw = &s->items[s->n++];
                        *sw = (cdm_sweep){ .owner = o, .device = d };
                }
                if (!sw->seen)
                        sw->audits++;
                sw->seen = true;
                sw->bytes = it->anon + it->file;
        }
        for (size_t i = 0; i < s->n; i++)
                if (s->items[i].seen)
                        s->items[k++] = s->items[i];
                else
                        sweep_free(&s->items[i]);
        s->n = k;
        return 0;
}

cdm_sweep_verdict cdm_sweep_decide(cdm_sweep *sw, uint64_t now_usec, bool repair_running)
{
        if (sw->gave_up)
                return CDM_SWEEP_IDLE;
        if (sw->run_usec == 0) {
                if (sw->audits < CDM_SWEEP_AFTER_AUDITS || repair_running)
                        return CDM_SWEEP_WAIT;
                sw->run_usec = now_usec ?: 1;
        }
        if (now_usec - sw->run_usec > CDM_SWEEP_MAX_USEC) {
                sw->gave_up = true;
                return CDM_SWEEP_GIVE_UP;
        }
        return CDM_SWEEP_RUN;
}

void cdm_sweeps_done(cdm_sweeps *s)
{
        for (size_t i = 0; i < s->n; i++)
                sweep_free(&s->items[i]);
        free(s->items);
        *s = (cdm_sweeps){ 0 };
}
