/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cdmctl migrate: Manager.Migrate returns at once with a Migration object; unless --no-wait,
 * cdmctl follows it until its State leaves "running" or MigrationFinished names it. Progress
 * comes from PropertiesChanged of the object when the daemon sends them, and from polling its
 * properties every 200 ms in any case (a daemon need not announce every byte). On a terminal a
 * progress bar is redrawn in place; otherwise one final line is printed.
 *
 * The matches are added before the Migrate call, so a migration that finishes at once is not
 * missed. The first SIGINT/SIGTERM cancels the migration (CancelMigration) and keeps
 * following it to its end; a second one stops following.
 */

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cdmctl-bus.h"

#define POLL_USEC (200 * 1000)

typedef struct follow {
        const char *path;
        char *job, *target, *state;
        uint64_t total, moved, failed;
        bool finished; /* MigrationFinished seen */
        bool cancel_sent;
} follow;

static void follow_done(follow *f)
{
        free(f->job);
        free(f->target);
        free(f->state);
}

static void set_string(char **dst, const char *s)
{
        char *n = strdup(s);

        if (!n)
                return; /* keep the old value: only the display suffers */
        free(*dst);
        *dst = n;
}

/* Take what is new from a property list (GetAll reply or PropertiesChanged). */
static void follow_update(follow *f, const cdmctl_props *p)
{
        for (size_t i = 0; i < p->n; i++) {
                const cdmctl_prop *x = &p->items[i];

                if (x->type == CDMCTL_VALUE_STRING && streq(x->name, "Job"))
                        set_string(&f->job, x->str);
                else if (x->type == CDMCTL_VALUE_STRING && streq(x->name, "Target"))
                        set_string(&f->target, x->str);
                else if (x->type == CDMCTL_VALUE_STRING && streq(x->name, "State"))
                        set_string(&f->state, x->str);
                else if (x->type == CDMCTL_VALUE_UNSIGNED && streq(x->name, "TotalBytes"))
                        f->total = x->u;
                else if (x->type == CDMCTL_VALUE_UNSIGNED && streq(x->name, "MovedBytes"))
                        f->moved = x->u;
                else if (x->type == CDMCTL_VALUE_UNSIGNED && streq(x->name, "FailedBytes"))
                        f->failed = x->u;
        }
}

static bool follow_running(const follow *f)
{
        return !f->finished && (!f->state || streq(f->state, "running"));
}

static int on_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        _cleanup_props_ cdmctl_props changed = CDMCTL_PROPS_NULL;
        follow *f = userdata;
        const char *interface;

        if (!f->path || !streq(sd_bus_message_get_path(m) ?: "", f->path))
                return 0;
        if (sd_bus_message_read(m, "s", &interface) < 0 || !streq(interface, CDMD_MIGRATION))
                return 0;
        if (cdmctl_read_props(m, &changed) >= 0)
                follow_update(f, &changed);
        return 0;
}

static int on_finished(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        follow *f = userdata;
        const char *path, *id, *result;
        uint64_t moved, failed;

        if (sd_bus_message_read(m, "ostts", &path, &id, &moved, &failed, &result) < 0)
                return 0;
        if (!f->path || !streq(path, f->path))
                return 0;
        f->finished = true;
        f->moved = moved;
        f->failed = failed;
        set_string(&f->state, result);
        return 0;
}

static int add_matches(sd_bus *bus, follow *f)
{
        int r;

        r = sd_bus_add_match(bus, NULL,
                             "type='signal',sender='" CDMD_BUS_NAME "',path='" CDMD_PATH "',"
                             "interface='" CDMD_MANAGER "',member='MigrationFinished'",
                             on_finished, f);
        if (r < 0)
                return r;
        return sd_bus_add_match(bus, NULL,
                                "type='signal',sender='" CDMD_BUS_NAME "',interface='" DBUS_PROPERTIES "',"
                                "member='PropertiesChanged',path_namespace='" CDMD_PATH "/migration'",
                                on_changed, f);
}

/* Poll the object. Return: 0, or an exit status (> 0) after reporting the failure. */
static int follow_poll(sd_bus *bus, follow *f)
{
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_props_ cdmctl_props props = CDMCTL_PROPS_NULL;
        int r;

        r = cdmctl_get_all(bus, f->path, CDMD_MIGRATION, &props, &error);
        if (r >= 0) {
                follow_update(f, &props);
                return 0;
        }
        /* Ctrl-C during the call: not a failure, the loop turns it into a cancel. */
        if (r == -EINTR || sd_bus_error_has_name(&error, "System.Error.EINTR"))
                return 0;
        if (!sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_OBJECT))
                return cdmctl_fail(&error, r, "get the migration's properties");
        /* Gone: the daemon drops finished migrations. Its MigrationFinished was sent before the
         * object went away, so it is already queued if it was sent at all. */
        r = cdmctl_dispatch(bus, 0);
        if (r < 0)
                return cdmctl_fail(NULL, r, "read from the bus");
        if (!f->finished) {
                fprintf(stderr, "cdmctl: migration %s vanished without MigrationFinished\n", f->path);
                return CDMCTL_EXIT_FAILURE;
        }
        return 0;
}

static unsigned terminal_columns(void)
{
        struct winsize ws;

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
                return 80;
        return ws.ws_col;
}

static void draw_bar(const follow *f)
{
        _cleanup_strbuf_ strbuf b = STRBUF_NULL;
        _cleanup_free_ char *label = NULL;

        if (asprintf(&label, "%s -> %s", f->job ?: "?", f->target ?: "?") < 0)
                return;
        strbuf_append(&b, "\r");
        cdmctl_progress_bar(&b, label, f->moved, f->total, terminal_columns() - 1);
        strbuf_append(&b, "\x1b[K"); /* erase what a longer earlier line left */
        (void) cdmctl_output(&b);
}

static void cancel(sd_bus *bus, follow *f)
{
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        f->cancel_sent = true;
        r = cdmctl_manager_call(bus, "CancelMigration", &error, NULL, "o", f->path);
        if (r < 0)
                (void) cdmctl_fail(&error, r, "cancel the migration");
}

/* Follow until the end. Return: 0, or an exit status after reporting a failure. */
static int follow_run(sd_bus *bus, follow *f, bool tty)
{
        int r;

        for (;;) {
                r = f->finished ? 0 : follow_poll(bus, f);
                if (r != 0)
                        return r;
                if (tty)
                        draw_bar(f);
                if (!follow_running(f))
                        return 0;
                if (cdmctl_quit_requested() > 1) {
                        fprintf(stderr, "%scdmctl: stopped following %s\n", tty ? "\n" : "", f->path);
                        return CDMCTL_EXIT_FAILURE;
                }
                if (cdmctl_quit_requested() == 1 && !f->cancel_sent)
                        cancel(bus, f);
                r = cdmctl_dispatch(bus, POLL_USEC);
                if (r < 0)
                        return cdmctl_fail(NULL, r, "read from the bus");
        }
}

static int follow_report(const follow *f, bool json, bool tty)
{
        _cleanup_strbuf_ strbuf b = STRBUF_NULL;
        cdmctl_migration m = { .object = f->path, .job = f->job, .target = f->target,
                               .state = f->state, .total_bytes = f->total,
                               .moved_bytes = f->moved, .failed_bytes = f->failed };
        bool ok = f->state && streq(f->state, "done");

        if (tty && !json)
                strbuf_append(&b, "\n");
        if (!tty || json)
                cdmctl_migration_format(&b, &m, json);
        if (cdmctl_output(&b) != CDMCTL_EXIT_SUCCESS)
                return CDMCTL_EXIT_FAILURE;
        if (!ok)
                fprintf(stderr, "cdmctl: migration %s ended %s\n", f->path, f->state ?: "unknown");
        return ok ? CDMCTL_EXIT_SUCCESS : CDMCTL_EXIT_FAILURE;
}

static int start(sd_bus *bus, const cdmctl_args *args, uint64_t size, sd_bus_message **ret_reply,
                 const char **ret_path)
{
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = cdmctl_manager_call(bus, "Migrate", &error, ret_reply, "sst", args->positional[1],
                                args->to, size);
        if (r < 0)
                return cdmctl_fail(&error, r, "Migrate");
        r = sd_bus_message_read(*ret_reply, "o", ret_path);
        if (r < 0)
                return cdmctl_fail(NULL, r, "decode the reply of Migrate");
        return CDMCTL_EXIT_SUCCESS;
}

static int print_object(const char *path, bool json)
{
        _cleanup_strbuf_ strbuf b = STRBUF_NULL;

        if (json) {
                strbuf_append(&b, "{");
                cdmctl_json_str(&b, "object", path, true);
                strbuf_append(&b, "}\n");
        } else
                strbuf_printf(&b, "%s\n", path);
        return cdmctl_output(&b);
}

/*
 * verb_migrate() - "cdmctl migrate ID --to NAME|system [--size SIZE] [--no-wait]".
 * Return: 0 when the migration ended "done" (or was started, with --no-wait), 1 when it
 * failed or was cancelled, 2/3 as for every verb.
 */
int verb_migrate(void *userdata, const cdmctl_args *args)
{
        _cleanup_bus_message_ sd_bus_message *reply = NULL;
        _cleanup_(follow_done) follow f = { 0 };
        sd_bus *bus = userdata;
        bool tty = isatty(STDOUT_FILENO) && !args->json;
        uint64_t size = 0;
        int r;

        if (!cdmctl_job_id_valid(args->positional[1]))
                return cdmctl_usage("invalid job id '%s': 1-64 characters of A-Z a-z 0-9 _ . : -",
                                    args->positional[1]);
        r = args->size ? cdmctl_parse_size_arg(args->size, &size) : 0;
        if (r < 0)
                return cdmctl_usage("%s size '%s'", r == -ERANGE ? "too large" : "invalid", args->size);
        if (!args->no_wait) {
                r = add_matches(bus, &f);
                if (r >= 0)
                        r = cdmctl_quit_signals_install();
                if (r < 0)
                        return cdmctl_fail(NULL, r, "subscribe to the migration's signals");
        }
        r = start(bus, args, size, &reply, &f.path);
        if (r != CDMCTL_EXIT_SUCCESS)
                return r;
        if (args->no_wait)
                return print_object(f.path, args->json);
        r = follow_run(bus, &f, tty);
        if (r != 0)
                return r;
        return follow_report(&f, args->json, tty);
}
