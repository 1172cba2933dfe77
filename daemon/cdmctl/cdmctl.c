/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cdmctl: the command-line client of cdmd, a thin layer over the org.cdmd.cdmd1 D-Bus API.
 *
 * main() parses the command line (cdmctl-args.c) and checks it against the verb table before
 * it connects anywhere, so that a usage error is always exit 2; then it connects to the system
 * bus (DBUS_SYSTEM_BUS_ADDRESS is honoured) and runs the verb, whose return value is the exit
 * status. This file holds the verbs that change something with one method call; the views are
 * in cdmctl-show.c, monitor in cdmctl-monitor.c, migrate in cdmctl-migrate.c.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdmctl-bus.h"

static int verb_grant(void *userdata, const cdmctl_args *args);
static int verb_revoke(void *userdata, const cdmctl_args *args);
static int verb_set_quota(void *userdata, const cdmctl_args *args);
static int verb_set_policy(void *userdata, const cdmctl_args *args);
static int verb_drain(void *userdata, const cdmctl_args *args);
static int verb_fault(void *userdata, const cdmctl_args *args);
static int verb_resume(void *userdata, const cdmctl_args *args);
static int verb_reload(void *userdata, const cdmctl_args *args);

/* The first entry is what "cdmctl" without a verb runs. */
static const cdmctl_verb verbs[] = {
        { "status", 0, 0, 0, 0, verb_status, "status" },
        { "devices", 0, 0, 0, 0, verb_devices, "devices" },
        { "device", 1, 1, 0, 0, verb_device, "device NAME" },
        { "jobs", 0, 0, 0, 0, verb_jobs, "jobs" },
        { "job", 1, 1, 0, 0, verb_job, "job ID" },
        { "grant", 1, 1, CDMCTL_OPT_CGROUP | CDMCTL_OPT_DEVICE | CDMCTL_OPT_SIZE | CDMCTL_OPT_POLICY,
          CDMCTL_OPT_CGROUP | CDMCTL_OPT_DEVICE | CDMCTL_OPT_SIZE, verb_grant,
          "grant ID --cgroup PATH --device NAME --size SIZE [--policy P]" },
        { "revoke", 1, 1, CDMCTL_OPT_NO_WAIT, 0, verb_revoke, "revoke ID [--no-wait]" },
        { "set-quota", 2, 2, 0, 0, verb_set_quota, "set-quota ID SIZE" },
        { "set-policy", 2, 2, 0, 0, verb_set_policy, "set-policy ID POLICY" },
        { "migrate", 1, 1, CDMCTL_OPT_TO | CDMCTL_OPT_SIZE | CDMCTL_OPT_NO_WAIT, CDMCTL_OPT_TO,
          verb_migrate, "migrate ID --to NAME|system [--size SIZE] [--no-wait]" },
        { "drain", 1, 1, CDMCTL_OPT_REASON, 0, verb_drain, "drain NAME [--reason TEXT]" },
        { "fault", 1, 1, CDMCTL_OPT_REASON, CDMCTL_OPT_REASON, verb_fault, "fault NAME --reason TEXT" },
        { "resume", 1, 1, 0, 0, verb_resume, "resume NAME" },
        { "audit", 0, 0, 0, 0, verb_audit, "audit" },
        { "plan", 0, 0, 0, 0, verb_plan, "plan" },
        { "moves", 0, 0, 0, 0, verb_moves, "moves" },
        { "reload", 0, 0, 0, 0, verb_reload, "reload" },
        { "monitor", 0, 0, 0, 0, verb_monitor, "monitor" },
};

static void help(void)
{
        printf("Usage: cdmctl [--json] [--no-legend] VERB [ARGS]\n\n"
               "Query and control cdmd, which keeps ordinary memory off coherent device memory\n"
               "and grants jobs quotas of it.\n\n"
               "Verbs:\n"
               "  status                     isolation, last audit, devices and jobs (default)\n"
               "  devices                    list devices\n"
               "  device NAME                all properties of one device\n"
               "  jobs                       list jobs\n"
               "  job ID                     all properties of one job\n"
               "  grant ID --cgroup PATH --device NAME --size SIZE [--policy P]\n"
               "                             grant a cgroup a quota of a device (policy: manual,\n"
               "                             device-first, tiered; default manual)\n"
               "  revoke ID [--no-wait]      take a grant back; waits until its pages are back in\n"
               "                             system memory (JobRemoved) unless --no-wait\n"
               "  set-quota ID SIZE          change a job's quota\n"
               "  set-policy ID POLICY       change a job's policy\n"
               "  migrate ID --to NAME|system [--size SIZE] [--no-wait]\n"
               "                             move a job's memory; follows the progress unless\n"
               "                             --no-wait (a bar on a terminal, a line otherwise)\n"
               "  drain NAME [--reason TEXT] fence and evacuate a device for maintenance\n"
               "  fault NAME --reason TEXT   report a device as failed\n"
               "  resume NAME                bring a drained device back online\n"
               "  audit                      run a full audit now, list spill found\n"
               "  plan                       every kernel setting cdmd would change, then the\n"
               "                             page moves it would make (dry run)\n"
               "  moves                      the page moves cdmd would make now, and evacuations\n"
               "  reload                     re-read the configuration\n"
               "  monitor                    print cdmd's signals as they arrive, until ^C\n\n"
               "Options:\n"
               "  --json        print one JSON document (monitor: one object per line); keys are\n"
               "                the D-Bus property and argument names in snake_case\n"
               "                (TotalBytes -> total_bytes), sizes are exact bytes\n"
               "  --no-legend   no table headers and footers\n"
               "  -h --help     show this help\n"
               "     --version  show the version\n\n"
               "SIZE is bytes, or a number with K, M, G or T (powers of 1024).\n"
               "Exit status: 0 success, 1 failure reported by cdmd, 2 usage error,\n"
               "3 cdmd not reachable.\n");
}

static int parse_size_option(const char *what, const char *s, uint64_t *ret)
{
        int r = cdmctl_parse_size_arg(s, ret);

        if (r == -ERANGE)
                return cdmctl_usage("%s '%s' is too large", what, s);
        if (r < 0)
                return cdmctl_usage("invalid %s '%s': bytes, or a number with K, M, G or T", what, s);
        return CDMCTL_EXIT_SUCCESS;
}

static int check_job_id(const char *id)
{
        if (!cdmctl_job_id_valid(id))
                return cdmctl_usage("invalid job id '%s': 1-64 characters of A-Z a-z 0-9 _ . : -", id);
        return CDMCTL_EXIT_SUCCESS;
}

/* One Manager call without output; the usual end of the verbs that change something. */
static int simple_call(sd_bus *bus, const char *method, const char *types, ...)
{
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_bus_message_ sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, CDMD_BUS_NAME, CDMD_PATH, CDMD_MANAGER, method);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, &error, NULL);
        if (r < 0)
                return cdmctl_fail(&error, r, method);
        return CDMCTL_EXIT_SUCCESS;
}

static int verb_grant(void *userdata, const cdmctl_args *args)
{
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_bus_message_ sd_bus_message *reply = NULL;
        _cleanup_strbuf_ strbuf b = STRBUF_NULL;
        const char *id = args->positional[1], *policy = args->policy ?: "manual", *path;
        uint64_t size;
        int r;

        r = check_job_id(id) ?: parse_size_option("size", args->size, &size);
        if (r != CDMCTL_EXIT_SUCCESS)
                return r;
        if (args->cgroup[0] != '/')
                return cdmctl_usage("cgroup '%s' must be an absolute path below the cgroup2 root",
                                    args->cgroup);
        r = cdmctl_manager_call(userdata, "Grant", &error, &reply, "sssts", id, args->cgroup,
                                args->device, size, policy);
        if (r < 0)
                return cdmctl_fail(&error, r, "Grant");
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return cdmctl_fail(NULL, r, "decode the reply of Grant");
        /* The job's object path on stdout, for scripts that want to follow it. */
        if (args->json) {
                strbuf_append(&b, "{");
                cdmctl_json_str(&b, "id", id, true);
                cdmctl_json_str(&b, "object", path, false);
                strbuf_append(&b, "}\n");
        } else
                strbuf_printf(&b, "%s\n", path);
        return cdmctl_output(&b);
}

typedef struct revoke_wait {
        const char *id;
        bool removed; /* JobRemoved of the job seen */
        bool daemon_gone;
} revoke_wait;

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        revoke_wait *w = userdata;
        const char *id, *reason;

        if (sd_bus_message_read(m, "ss", &id, &reason) >= 0 && streq(id, w->id))
                w->removed = true;
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        revoke_wait *w = userdata;
        const char *name, *old, *new;

        if (sd_bus_message_read(m, "sss", &name, &old, &new) >= 0 && streq(name, CDMD_BUS_NAME))
                w->daemon_gone = true;
        return 0;
}

/*
 * Revoke answers once the job is fenced; its pages go back to system memory afterwards and
 * JobRemoved says when they are. Like systemctl with its jobs, cdmctl waits for that unless
 * --no-wait; ^C stops waiting (the revoke goes on).
 */
static int verb_revoke(void *userdata, const cdmctl_args *args)
{
        revoke_wait w = { .id = args->positional[1] };
        sd_bus *bus = userdata;
        int r;

        r = check_job_id(w.id);
        if (r != CDMCTL_EXIT_SUCCESS || args->no_wait)
                return r ?: simple_call(bus, "Revoke", "s", w.id);
        r = sd_bus_add_match(bus, NULL,
                             "type='signal',sender='" CDMD_BUS_NAME "',path='" CDMD_PATH "',"
                             "interface='" CDMD_MANAGER "',member='JobRemoved'",
                             on_job_removed, &w);
        if (r >= 0)
                r = sd_bus_add_match(bus, NULL,
                                     "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                                     "member='NameOwnerChanged',arg0='" CDMD_BUS_NAME "'",
                                     on_owner_changed, &w);
        if (r >= 0)
                r = cdmctl_quit_signals_install();
        if (r < 0)
                return cdmctl_fail(NULL, r, "subscribe to JobRemoved");
        r = simple_call(bus, "Revoke", "s", w.id);
        if (r != CDMCTL_EXIT_SUCCESS)
                return r;
        while (!w.removed) {
                if (w.daemon_gone) {
                        fprintf(stderr, "cdmctl: cdmd left the bus before job %s was removed\n", w.id);
                        return CDMCTL_EXIT_FAILURE;
                }
                if (cdmctl_quit_requested() > 0) {
                        fprintf(stderr, "cdmctl: stopped waiting; job %s is fenced, its pages are still moving back\n", w.id);
                        return CDMCTL_EXIT_FAILURE;
                }
                r = cdmctl_dispatch(bus, 200 * 1000);
                if (r < 0)
                        return cdmctl_fail(NULL, r, "read from the bus");
        }
        return CDMCTL_EXIT_SUCCESS;
}

static int verb_set_quota(void *userdata, const cdmctl_args *args)
{
        uint64_t size;
        int r;

        r = check_job_id(args->positional[1]) ?: parse_size_option("size", args->positional[2], &size);
        if (r != CDMCTL_EXIT_SUCCESS)
                return r;
        return simple_call(userdata, "SetQuota", "st", args->positional[1], size);
}

static int verb_set_policy(void *userdata, const cdmctl_args *args)
{
        return check_job_id(args->positional[1])
                       ?: simple_call(userdata, "SetPolicy", "ss", args->positional[1], args->positional[2]);
}

static int verb_drain(void *userdata, const cdmctl_args *args)
{
        return simple_call(userdata, "Drain", "ss", args->positional[1], args->reason ?: "");
}

static int verb_fault(void *userdata, const cdmctl_args *args)
{
        if (args->reason[0] == 0)
                return cdmctl_usage("'fault' needs a non-empty --reason");
        return simple_call(userdata, "ReportFault", "ss", args->positional[1], args->reason);
}

static int verb_resume(void *userdata, const cdmctl_args *args)
{
        return simple_call(userdata, "Resume", "s", args->positional[1]);
}

static int verb_reload(void *userdata, const cdmctl_args *args)
{
        return simple_call(userdata, "Reload", NULL);
}

static int connect_bus(sd_bus **ret)
{
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                const char *addr = getenv("DBUS_SYSTEM_BUS_ADDRESS");

                fprintf(stderr, "cdmctl: cannot connect to the system bus%s%s: %s\n",
                        addr ? " at " : "", addr ?: "", strerror(-r));
                return cdmctl_exit_status(NULL, r) == CDMCTL_EXIT_UNREACHABLE ? CDMCTL_EXIT_UNREACHABLE
                                                                              : CDMCTL_EXIT_FAILURE;
        }
        *ret = bus;
        return CDMCTL_EXIT_SUCCESS;
}

static int run(int argc, char *argv[])
{
        _cleanup_(cdmctl_args_done) cdmctl_args args = { 0 };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *error = NULL;
        const cdmctl_verb *verb;
        int r;

        r = cdmctl_parse_args(argc, argv, &args, &error);
        if (r < 0)
                return r == -EINVAL ? cdmctl_usage("%s", error) : cdmctl_fail(NULL, r, "parse arguments");
        if (args.help) {
                help();
                return CDMCTL_EXIT_SUCCESS;
        }
        if (args.version) {
                printf("cdmctl %s\n", CDM_VERSION);
                return CDMCTL_EXIT_SUCCESS;
        }
        r = cdmctl_verb_find(verbs, ARRAY_SIZE(verbs), &args, &verb, &error);
        if (r < 0)
                return r == -EINVAL ? cdmctl_usage("%s", error) : cdmctl_fail(NULL, r, "parse arguments");
        r = connect_bus(&bus);
        if (r != CDMCTL_EXIT_SUCCESS)
                return r;
        return verb->run(bus, &args);
}

int main(int argc, char *argv[])
{
        return run(argc, argv);
}
