/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The devices' lifecycle states (online, draining, drained, failed) and their record in
 * state_dir/devices, so that a drained device stays drained across restarts. What moves a
 * device from one state to the next is manager-devices.c.
 */

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "manager-device-state.h"
#include "record.h"
#include "util/strbuf.h"
#include "util/strv.h"
#include "util/text.h"

const char *dev_state_to_string(DevState s)
{
        static const char *const names[] = { "online", "draining", "drained", "failed" };
        return s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

DeviceState *manager_find_device_state(Manager *m, const char *name, bool create)
{
        DeviceState *v = m->device_states;

        for (size_t i = 0; i < m->n_device_states; i++)
                if (streq(v[i].name, name))
                        return &v[i];
        if (!create)
                return NULL;
        v = realloc(m->device_states, (m->n_device_states + 1) * sizeof(DeviceState));
        if (!v)
                return NULL;
        m->device_states = v;
        v[m->n_device_states] = (DeviceState){ .name = strdup(name) };
        if (!v[m->n_device_states].name)
                return NULL;
        return &v[m->n_device_states++];
}

DevState manager_device_state(Manager *m, const char *name)
{
        DeviceState *s = manager_find_device_state(m, name, false);
        const cdm_device *d;

        if (s && s->state != DEV_ONLINE)
                return s->state;
        /* Memory that nobody onlined (online = manual, or not yet): as good as drained. */
        d = m->layout ? cdm_layout_find_device(m->layout, name) : NULL;
        if (d && !d->memory_online)
                return DEV_DRAINED;
        return DEV_ONLINE;
}

void manager_fenced_nodes(Manager *m, cdm_nodemask *ret)
{
        *ret = (cdm_nodemask){ { 0 } };
        for (size_t i = 0; m->layout && i < m->layout->n_devices; i++) {
                const cdm_device *d = &m->layout->devices[i];

                DeviceState *st = manager_find_device_state(m, d->name, false);

                /* Only the lifecycle fences: memory nobody onlined yet is onlined by the plan. */
                if (!st || st->state == DEV_ONLINE)
                        continue;
                for (size_t w = 0; w < ARRAY_SIZE(ret->bits); w++)
                        ret->bits[w] |= d->nodes.bits[w];
        }
}

#define DEVICES_FILE "devices"

static int save_states(Manager *m)
{
        strbuf b = STRBUF_NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        if (m->dry_run || !m->store)
                return 0;
        strbuf_append(&b, "# cdmd devices that are not online: name, state, reason\n");
        for (size_t i = 0; i < m->n_device_states; i++)
                if (m->device_states[i].state != DEV_ONLINE) {
                        cdm_record_add(&b, m->device_states[i].name, 1);
                        cdm_record_add(&b, dev_state_to_string(m->device_states[i].state), 0);
                        cdm_record_add(&b, m->device_states[i].reason ?: "", 0);
                        strbuf_append(&b, "\n");
                }
        text = strbuf_steal(&b);
        r = text ? cdm_store_write(m->store, DEVICES_FILE, text) : -ENOMEM;
        m->devices_dirty = r < 0;
        if (r < 0)
                return log_error_errno(r, "Failed to save '%s/" DEVICES_FILE "': %m", m->config->state_dir);
        return 0;
}

void manager_save_device_states(Manager *m)
{
        if (m->devices_dirty)
                (void) save_states(m);
}

static int load_record(Manager *m, const char *line, size_t len, const char **what)
{
        char **f = NULL;
        size_t nf = 0;
        DeviceState *s;
        int r, state = -1;

        r = cdm_record_split(line, len, &f, &nf, what);
        if (r == -ENOMEM)
                return r;
        for (unsigned k = 1; r >= 0 && nf == 3 && k < _DEV_STATE_MAX; k++)
                if (streq(f[1], dev_state_to_string(k)))
                        state = (int) k;
        if (r >= 0 && nf != 3)
                *what = "not 3 fields";
        else if (r >= 0 && !cdm_name_valid(f[0]))
                *what = "not a device name";
        else if (r >= 0 && state < 0)
                *what = "not a state (draining, drained or failed)";
        /* A record that names its device but says nothing sure: that device stays fenced. */
        if (nf >= 1 && cdm_name_valid(f[0]) && (s = manager_find_device_state(m, f[0], true))) {
                s->state = *what ? DEV_FAILED : (DevState) state;
                free(s->reason);
                s->reason = strdup(*what ? "its state record is damaged: Resume brings it back" : f[2]);
                /* An evacuation interrupted by a restart goes on. */
                s->evacuation_pending = s->state == DEV_DRAINING || s->state == DEV_FAILED;
                s->fault = s->state == DEV_FAILED;
                strv_free_n(f, nf);
                return *what ? 1 : 0;
        }
        strv_free_n(f, nf);
        return -EBADMSG;
}

/*
 * A devices record that does not parse keeps its device failed (fenced, evacuated) until a
 * Resume; one that does not even name its device fails every device (see
 * manager_detect_faults): a lost record must not bring memory back online.
 */
int manager_load_device_states(Manager *m)
{
        _cleanup_free_ char *text = NULL;
        const char *line;
        size_t len, pos = 0, n = 0;
        unsigned lineno = 0;
        bool damaged = false;
        int r;

        r = cdm_store_read(m->store, DEVICES_FILE, 1u << 20, &text, &n);
        if (r == -ENOENT)
                return 0;
        if (r == -EBADF || r == -EFBIG) {
                log_error("State damaged: %s/" DEVICES_FILE ": %s; every device is failed until Resume.",
                                m->config->state_dir, r == -EBADF ? "not a regular file" : "too large");
                m->devices_unknown = true;
                (void) cdm_store_keep_damaged(m->store, DEVICES_FILE);
                return 0;
        }
        if (r < 0)
                return r;
        while ((r = cdm_record_next(text, n, &pos, &lineno, &line, &len)) != 0) {
                const char *what = r < 0 ? "torn (no newline)" : NULL;
                _cleanup_free_ char *q = NULL;

                if (r > 0 && (r = load_record(m, line, len, &what)) == 0)
                        continue;
                if (r == -ENOMEM)
                        return r;
                damaged = true;
                q = cdm_record_quote(line, len, 200);
                if (r == 1)
                        log_error("State damaged: %s/" DEVICES_FILE ":%u: %s: \"%s\"; that device is failed until Resume.",
                                        m->config->state_dir, lineno, what, q ?: "");
                else {
                        log_error("State damaged: %s/" DEVICES_FILE ":%u: %s: \"%s\"; every device is failed until Resume.",
                                        m->config->state_dir, lineno, what ?: "not a device record", q ?: "");
                        m->devices_unknown = true;
                }
        }
        if (damaged) {
                (void) cdm_store_keep_damaged(m->store, DEVICES_FILE);
                m->devices_dirty = true;
        }
        return 0;
}

void manager_device_states_free(Manager *m)
{
        for (size_t i = 0; i < m->n_device_states; i++) {
                free(m->device_states[i].name);
                free(m->device_states[i].reason);
        }
        free(m->device_states);
        m->device_states = NULL;
        m->n_device_states = 0;
}

int manager_set_device_state(Manager *m, DeviceState *s, DevState state, const char *reason, bool must_save)
{
        char *r = strdup(reason ?: ""), *old_reason = s->reason;
        DevState old = s->state;
        int e;

        if (!r)
                return -ENOMEM;
        s->reason = r;
        if (s->state == state) {
                free(old_reason);
                return 0;
        }
        s->state = state;
        e = save_states(m);
        if (e < 0 && must_save) {
                s->state = old;
                s->reason = old_reason;
                free(r);
                m->devices_dirty = false;
                (void) save_states(m);
                return e;
        }
        free(old_reason);
        log_event(state == DEV_FAILED ? LOG_ERR : LOG_NOTICE,
                        &(LogEvent){ .message_id = state == DEV_FAILED ? CDMD_MESSAGE_FAULT : CDMD_MESSAGE_DRAIN,
                                .device = s->name },
                        "Device %s is now %s: %s.", s->name, dev_state_to_string(state), reason ?: "");
        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_DEVICE_STATE, .device = s->name,
                                         .text = dev_state_to_string(state), .text2 = reason ?: "" });
        return 0;
}

