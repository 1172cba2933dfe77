/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cdmctl monitor: subscribe to the Manager's signals and to PropertiesChanged of every cdmd
 * object, and print one line per signal as it arrives (cdmctl_event_format()), until SIGINT
 * or SIGTERM. The matches are installed before the check that cdmd owns its name, so nothing
 * sent after the check is missed; a change of owner (daemon restart) is printed as well.
 */

#include <stdio.h>
#include <string.h>

#include "cdmctl-bus.h"

typedef struct monitor {
        bool json;
        int status; /* first failure, CDMCTL_EXIT_SUCCESS until then */
} monitor;

/* Argument names of the Manager's signals, from API.md, for "name=value" output. */
static const struct {
        const char *signal;
        const char *args[6];
} signal_args[] = {
        { "DeviceStateChanged", { "device", "state", "reason" } },
        { "SpillDetected", { "owner", "device", "bytes" } },
        { "SpillRepaired", { "owner", "device", "bytes" } },
        { "QuotaExceeded", { "id", "used", "quota" } },
        { "JobRemoved", { "id", "reason" } },
        { "MigrationFinished", { "migration", "id", "moved", "failed", "result" } },
        { "NameOwnerChanged", { "name", "old_owner", "new_owner" } },
};

static const char *arg_name(const char *signal, size_t i, char *buf, size_t size)
{
        for (size_t s = 0; s < ARRAY_SIZE(signal_args); s++)
                if (streq(signal_args[s].signal, signal) && i < ARRAY_SIZE(signal_args[s].args) &&
                    signal_args[s].args[i])
                        return signal_args[s].args[i];
        /* A signal newer than this client: still shown, with positional names. */
        (void) snprintf(buf, size, "arg%zu", i);
        return buf;
}

static void monitor_print(monitor *mon, const cdmctl_event *e)
{
        _cleanup_strbuf_ strbuf b = STRBUF_NULL;

        cdmctl_event_format(&b, e, mon->json);
        if (cdmctl_output(&b) != CDMCTL_EXIT_SUCCESS && mon->status == CDMCTL_EXIT_SUCCESS)
                mon->status = CDMCTL_EXIT_FAILURE;
}

static void monitor_bad_message(monitor *mon, sd_bus_message *m, int r)
{
        fprintf(stderr, "cdmctl: cannot decode signal %s: %s\n", sd_bus_message_get_member(m) ?: "?",
                strerror(-r));
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        _cleanup_props_ cdmctl_props args = CDMCTL_PROPS_NULL;
        monitor *mon = userdata;
        const char *member = sd_bus_message_get_member(m);
        int r = 0;

        if (!member)
                return 0;
        for (size_t i = 0; (r = sd_bus_message_at_end(m, /* complete= */ true)) == 0; i++) {
                char buf[16];

                r = cdmctl_read_value(m, &args, arg_name(member, i, buf, sizeof(buf)));
                if (r < 0)
                        break;
        }
        if (r < 0 || args.oom) {
                monitor_bad_message(mon, m, r < 0 ? r : -ENOMEM);
                return 0;
        }
        monitor_print(mon, &(cdmctl_event){ .signal = member, .args = &args });
        return 0;
}

static void strv_free(char **l)
{
        for (char **s = l; s && *s; s++)
                free(*s);
        free(l);
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        _cleanup_props_ cdmctl_props changed = CDMCTL_PROPS_NULL;
        monitor *mon = userdata;
        char **invalidated = NULL;
        const char *interface;
        int r;

        r = sd_bus_message_read(m, "s", &interface);
        if (r >= 0)
                r = cdmctl_read_props(m, &changed);
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &invalidated);
        if (r < 0) {
                monitor_bad_message(mon, m, r);
                return 0;
        }
        monitor_print(mon, &(cdmctl_event){ .signal = "PropertiesChanged",
                                            .path = sd_bus_message_get_path(m),
                                            .interface = interface,
                                            .args = &changed,
                                            .invalidated = invalidated });
        strv_free(invalidated);
        return 0;
}

static int add_matches(sd_bus *bus, monitor *mon)
{
        static const struct {
                const char *match;
                sd_bus_message_handler_t handler;
        } matches[] = {
                { "type='signal',sender='" CDMD_BUS_NAME "',path='" CDMD_PATH "',interface='" CDMD_MANAGER "'",
                  on_signal },
                { "type='signal',sender='" CDMD_BUS_NAME "',interface='" DBUS_PROPERTIES "',"
                  "member='PropertiesChanged',path_namespace='" CDMD_PATH "'",
                  on_properties_changed },
                { "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                  "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" CDMD_BUS_NAME "'",
                  on_signal },
        };
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(matches); i++) {
                /* Floating slots: they live as long as the connection. */
                r = sd_bus_add_match(bus, NULL, matches[i].match, matches[i].handler, mon);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_daemon(sd_bus *bus)
{
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_bus_message_ sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "GetNameOwner", &error, &reply, "s",
                               CDMD_BUS_NAME);
        if (r < 0)
                return cdmctl_fail(&error, r, "look up " CDMD_BUS_NAME);
        return CDMCTL_EXIT_SUCCESS;
}

/*
 * verb_monitor() - "cdmctl monitor": print signals until SIGINT/SIGTERM.
 * Return: 0 after a signal, 3 when cdmd is not on the bus, 1 on a bus or output failure.
 */
int verb_monitor(void *userdata, const cdmctl_args *args)
{
        sd_bus *bus = userdata;
        monitor mon = { .json = args->json, .status = CDMCTL_EXIT_SUCCESS };
        int r;

        r = add_matches(bus, &mon);
        if (r < 0)
                return cdmctl_fail(NULL, r, "subscribe to cdmd's signals");
        r = check_daemon(bus);
        if (r != CDMCTL_EXIT_SUCCESS)
                return r;
        r = cdmctl_quit_signals_install();
        if (r < 0)
                return cdmctl_fail(NULL, r, "install signal handlers");
        while (cdmctl_quit_requested() == 0 && mon.status == CDMCTL_EXIT_SUCCESS) {
                /* Bounded wait: a signal landing just before sd_bus_wait() is seen within 0.5s. */
                r = cdmctl_dispatch(bus, 500 * 1000);
                if (r < 0)
                        return cdmctl_fail(NULL, r, "read from the bus");
        }
        return mon.status;
}
