/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The read-only verbs of cdmctl: status, devices, device, jobs, job, audit, plan. Each one
 * makes its calls, decodes the replies into the row structs of cdmctl-table.h (whose strings
 * stay inside the reply messages, so the replies live until the output is written) or into a
 * property list, and hands them to the pure formatters.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdmctl-bus.h"
#include "cdmctl-table.h"

/* Make room for one more element of an array of @size-byte elements. */
static int grow(void *array, size_t n, size_t size)
{
        void **p = array;
        void *q = reallocarray(*p, n + 1, size);

        if (!q)
                return -ENOMEM;
        *p = q;
        return 0;
}

/*
 * The rows of an array reply of structs @sig, each read by @one into a row of @size bytes
 * (> 0 read, 0 at the end). The rows borrow the reply's strings.
 */
static int read_rows(sd_bus_message *m, const char *sig, size_t size, int (*one)(sd_bus_message *m, void *row),
                void **ret, size_t *ret_n)
{
        _cleanup_free_ unsigned char *rows = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', sig);
        if (r < 0)
                return r;
        for (;;) {
                if (grow(&rows, n, size) < 0)
                        return -ENOMEM;
                r = one(m, rows + n * size);
                if (r <= 0)
                        break;
                n++;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(rows);
        *ret_n = n;
        return sd_bus_message_exit_container(m);
}

static int read_device(sd_bus_message *m, void *row)
{
        cdmctl_device_row *d = row;
        const void *nodes;
        size_t size;
        int r;

        r = sd_bus_message_enter_container(m, 'r', "sossautt");
        if (r <= 0)
                return r;
        r = sd_bus_message_read(m, "soss", &d->name, &d->object, &d->kind, &d->state);
        if (r >= 0)
                r = sd_bus_message_read_array(m, 'u', &nodes, &size);
        if (r < 0)
                return r;
        d->nodes = nodes;
        d->n_nodes = size / sizeof(uint32_t);
        r = sd_bus_message_read(m, "tt", &d->total_bytes, &d->free_bytes);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        return r < 0 ? r : 1;
}

static int read_job(sd_bus_message *m, void *row)
{
        cdmctl_job_row *j = row;

        return sd_bus_message_read(m, "(sosstts)", &j->id, &j->object, &j->cgroup, &j->device, &j->quota_bytes,
                        &j->device_bytes, &j->state);
}

static int read_audit_row(sd_bus_message *m, void *row)
{
        cdmctl_audit_row *a = row;

        return sd_bus_message_read(m, "(ssttt)", &a->owner, &a->device, &a->spilled_bytes, &a->repaired_bytes,
                        &a->kernel_bytes);
}

static int read_plan_row(sd_bus_message *m, void *row)
{
        cdmctl_plan_row *p = row;

        return sd_bus_message_read(m, "(ssss)", &p->object, &p->current, &p->desired, &p->reason);
}

static int read_move_row(sd_bus_message *m, void *row)
{
        cdmctl_move_row *p = row;

        return sd_bus_message_read(m, "(ssssts)", &p->kind, &p->cgroup, &p->device, &p->to, &p->bytes, &p->reason);
}

#define READ_ROWS(m, sig, one, rows, n) read_rows((m), (sig), sizeof(**(rows)), (one), (void **) (rows), (n))

/* A Manager list method, decoded; the reply stays alive in *ret_reply for the borrowed strings. */
static int list_call(sd_bus *bus, const char *method, sd_bus_message **ret_reply)
{
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = cdmctl_manager_call(bus, method, &error, ret_reply, NULL);

        if (r < 0)
                return cdmctl_fail(&error, r, method);
        return CDMCTL_EXIT_SUCCESS;
}

static int bad_reply(const char *method, int r)
{
        fprintf(stderr, "cdmctl: cannot decode the reply of %s: %s\n", method, strerror(-r));
        return CDMCTL_EXIT_FAILURE;
}

/*
 * A list verb: @method's array of @sig rows, read by @one, printed by @to_json or @to_text
 * (cdmctl-format.c). Return of the verb: exit status.
 */
#define DEFINE_LIST_VERB(verb, method, sig, row_type, one, to_json, to_text)                              \
        int verb(void *userdata, const cdmctl_args *args)                                         \
        {                                                                                         \
                _cleanup_bus_message_ sd_bus_message *reply = NULL;                               \
                _cleanup_free_ row_type *rows = NULL;                                             \
                _cleanup_strbuf_ strbuf b = STRBUF_NULL;                                          \
                size_t n;                                                                         \
                int r = list_call(userdata, method, &reply);                                      \
                                                                                                  \
                if (r != CDMCTL_EXIT_SUCCESS)                                                     \
                        return r;                                                                 \
                r = READ_ROWS(reply, sig, one, &rows, &n);                                        \
                if (r < 0)                                                                        \
                        return bad_reply(method, r);                                              \
                if (args->json) {                                                                 \
                        to_json(&b, rows, n);                                                        \
                        strbuf_append(&b, "\n");                                                  \
                } else if (to_text(&b, rows, n, args->legend) < 0)                                   \
                        b.oom = true;                                                             \
                return cdmctl_output(&b);                                                         \
        }


/* "cdmctl devices": ListDevices as a table or JSON array. */
DEFINE_LIST_VERB(verb_devices, "ListDevices", "(sossautt)", cdmctl_device_row, read_device, cdmctl_devices_json,
                cdmctl_devices_text)

/* "cdmctl jobs": ListJobs as a table or JSON array. */
DEFINE_LIST_VERB(verb_jobs, "ListJobs", "(sosstts)", cdmctl_job_row, read_job, cdmctl_jobs_json, cdmctl_jobs_text)

/* GetDevice/GetJob, then GetAll of the object, printed as a key/value view or JSON object. */
static int show_object(sd_bus *bus, const char *getter, const char *key, const char *interface,
                       const cdmctl_args *args)
{
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_bus_message_ sd_bus_message *reply = NULL;
        _cleanup_props_ cdmctl_props props = CDMCTL_PROPS_NULL;
        _cleanup_strbuf_ strbuf b = STRBUF_NULL;
        const char *path;
        cdmctl_now now;
        int r;

        r = cdmctl_manager_call(bus, getter, &error, &reply, "s", key);
        if (r < 0)
                return cdmctl_fail(&error, r, getter);
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return bad_reply(getter, r);
        r = cdmctl_get_all(bus, path, interface, &props, &error);
        if (r < 0)
                return cdmctl_fail(&error, r, "get properties");
        if (args->json) {
                cdmctl_props_json(&b, &props);
                strbuf_append(&b, "\n");
        } else {
                cdmctl_now_get(&now);
                cdmctl_props_text(&b, &props, &now);
        }
        return cdmctl_output(&b);
}

/* verb_device() - "cdmctl device NAME": every Device property. Return: exit status. */
int verb_device(void *userdata, const cdmctl_args *args)
{
        return show_object(userdata, "GetDevice", args->positional[1], CDMD_DEVICE, args);
}

/* verb_job() - "cdmctl job ID": every Job property. Return: exit status. */
int verb_job(void *userdata, const cdmctl_args *args)
{
        if (!cdmctl_job_id_valid(args->positional[1]))
                return cdmctl_usage("invalid job id '%s': 1-64 characters of A-Z a-z 0-9 _ . : -",
                                    args->positional[1]);
        return show_object(userdata, "GetJob", args->positional[1], CDMD_JOB, args);
}

static void status_format(strbuf *b, const cdmctl_args *args, const cdmctl_props *manager,
                          const cdmctl_device_row *devs, size_t n_devs,
                          const cdmctl_job_row *jobs, size_t n_jobs)
{
        cdmctl_now now;

        if (args->json) {
                strbuf_append(b, "{");
                cdmctl_props_json_members(b, manager);
                strbuf_append(b, manager->n ? ",\"devices\":" : "\"devices\":");
                cdmctl_devices_json(b, devs, n_devs);
                strbuf_append(b, ",\"jobs\":");
                cdmctl_jobs_json(b, jobs, n_jobs);
                strbuf_append(b, "}\n");
                return;
        }
        cdmctl_now_get(&now);
        cdmctl_status_text(b, manager, &now);
        strbuf_append(b, "\n");
        if (cdmctl_devices_text(b, devs, n_devs, args->legend) < 0)
                b->oom = true;
        strbuf_append(b, "\n");
        if (cdmctl_jobs_text(b, jobs, n_jobs, args->legend) < 0)
                b->oom = true;
}

/*
 * verb_status() - "cdmctl status": the Manager's isolation properties, then the devices and
 * jobs tables; with --json one object: Manager properties plus "devices" and "jobs" arrays.
 * Return: exit status.
 */
int verb_status(void *userdata, const cdmctl_args *args)
{
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_bus_message_ sd_bus_message *dev_reply = NULL, *job_reply = NULL;
        _cleanup_props_ cdmctl_props manager = CDMCTL_PROPS_NULL;
        _cleanup_free_ cdmctl_device_row *devs = NULL;
        _cleanup_free_ cdmctl_job_row *jobs = NULL;
        _cleanup_strbuf_ strbuf b = STRBUF_NULL;
        size_t n_devs, n_jobs;
        int r;

        r = cdmctl_get_all(userdata, CDMD_PATH, CDMD_MANAGER, &manager, &error);
        if (r < 0)
                return cdmctl_fail(&error, r, "get the manager's properties");
        r = list_call(userdata, "ListDevices", &dev_reply);
        if (r != CDMCTL_EXIT_SUCCESS)
                return r;
        r = READ_ROWS(dev_reply, "(sossautt)", read_device, &devs, &n_devs);
        if (r < 0)
                return bad_reply("ListDevices", r);
        r = list_call(userdata, "ListJobs", &job_reply);
        if (r != CDMCTL_EXIT_SUCCESS)
                return r;
        r = READ_ROWS(job_reply, "(sosstts)", read_job, &jobs, &n_jobs);
        if (r < 0)
                return bad_reply("ListJobs", r);
        status_format(&b, args, &manager, devs, n_devs, jobs, n_jobs);
        return cdmctl_output(&b);
}

/* "cdmctl audit": run Audit, list the spill it found. */
DEFINE_LIST_VERB(verb_audit, "Audit", "(ssttt)", cdmctl_audit_row, read_audit_row, cdmctl_audit_json,
                cdmctl_audit_text)

/* verb_plan() - "cdmctl plan": the kernel settings cdmd would change, then (as text) the page
 * moves it would make. Return: exit status. */
int verb_plan(void *userdata, const cdmctl_args *args)
{
        _cleanup_bus_message_ sd_bus_message *reply = NULL, *moves_reply = NULL;
        _cleanup_free_ cdmctl_plan_row *rows = NULL;
        _cleanup_free_ cdmctl_move_row *moves = NULL;
        _cleanup_strbuf_ strbuf b = STRBUF_NULL;
        size_t n, n_moves = 0;
        int r;

        r = list_call(userdata, "Plan", &reply);
        if (r != CDMCTL_EXIT_SUCCESS)
                return r;
        r = READ_ROWS(reply, "(ssss)", read_plan_row, &rows, &n);
        if (r < 0)
                return bad_reply("Plan", r);
        if (args->json) {
                cdmctl_plan_json(&b, rows, n);
                strbuf_append(&b, "\n");
                return cdmctl_output(&b);
        }
        if (cdmctl_plan_text(&b, rows, n, args->legend) < 0)
                b.oom = true;
        r = list_call(userdata, "PlanMoves", &moves_reply);
        if (r != CDMCTL_EXIT_SUCCESS)
                return r;
        r = READ_ROWS(moves_reply, "(ssssts)", read_move_row, &moves, &n_moves);
        if (r < 0)
                return bad_reply("PlanMoves", r);
        if (n_moves > 0) {
                strbuf_append(&b, "\n");
                if (cdmctl_moves_text(&b, moves, n_moves, args->legend) < 0)
                        b.oom = true;
        }
        return cdmctl_output(&b);
}

/* "cdmctl moves": the page moves cdmd would make now. */
DEFINE_LIST_VERB(verb_moves, "PlanMoves", "(ssssts)", cdmctl_move_row, read_move_row, cdmctl_moves_json,
                cdmctl_moves_text)
