/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bus helpers of cdmctl: decoding D-Bus values of any basic type (and arrays of them) into a
 * cdmctl_props list, Properties.GetAll, Manager method calls, and the single place where a
 * failure becomes a message on stderr and an exit status.
 */

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cdmctl-bus.h"
#include "util/time-util.h"

/**
 * cdmctl_usage() - print "cdmctl: <message>" for a bad command line.
 * @fmt: printf format of the message.
 * Return: CDMCTL_EXIT_USAGE.
 */
int cdmctl_usage(const char *fmt, ...)
{
        va_list ap;

        fputs("cdmctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return CDMCTL_EXIT_USAGE;
}

/**
 * cdmctl_fail() - report a failed bus operation.
 * @error: the D-Bus error of the reply, if any.
 * @r: negative errno of the failure.
 * @what: what was being done, for failures without a D-Bus error ("connect to the system bus").
 *
 * A D-Bus error is printed as "cdmctl: <name>: <message>", with a hint in front when it means
 * that cdmd is not running.
 * Return: CDMCTL_EXIT_FAILURE or CDMCTL_EXIT_UNREACHABLE.
 */
int cdmctl_fail(const sd_bus_error *error, int r, const char *what)
{
        const char *name = sd_bus_error_is_set(error) ? error->name : NULL;
        int status = cdmctl_exit_status(name, r);

        if (name)
                fprintf(stderr, "cdmctl: %s%s: %s\n",
                        status == CDMCTL_EXIT_UNREACHABLE ? "cdmd is not reachable: " : "", name,
                        error->message ?: strerror(-r));
        else
                fprintf(stderr, "cdmctl: failed to %s: %s\n", what, strerror(-r));
        return status;
}

/**
 * cdmctl_output() - write @b to stdout.
 * @b: the text; an allocation failure while building it is reported here.
 * Return: CDMCTL_EXIT_SUCCESS, or CDMCTL_EXIT_FAILURE.
 */
int cdmctl_output(strbuf *b)
{
        if (b->oom) {
                fprintf(stderr, "cdmctl: out of memory\n");
                return CDMCTL_EXIT_FAILURE;
        }
        if (b->len > 0 && fwrite(b->s, 1, b->len, stdout) != b->len)
                return CDMCTL_EXIT_FAILURE;
        if (fflush(stdout) != 0) {
                fprintf(stderr, "cdmctl: failed to write output: %m\n");
                return CDMCTL_EXIT_FAILURE;
        }
        return CDMCTL_EXIT_SUCCESS;
}

/* cdmctl_now_get() - read CLOCK_REALTIME and CLOCK_MONOTONIC for relative times. */
void cdmctl_now_get(cdmctl_now *ret)
{
        *ret = (cdmctl_now){ .realtime_usec = now_usec(CLOCK_REALTIME),
                             .monotonic_usec = now_usec(CLOCK_MONOTONIC) };
}

static int read_unsigned(sd_bus_message *m, char type, uint64_t *ret)
{
        union {
                uint8_t y;
                uint16_t q;
                uint32_t u;
                uint64_t t;
        } v = { 0 };
        int r = sd_bus_message_read_basic(m, type, &v);

        if (r < 0)
                return r;
        *ret = type == 'y' ? v.y : type == 'q' ? v.q : type == 'u' ? v.u : v.t;
        return 0;
}

static int read_signed(sd_bus_message *m, char type, int64_t *ret)
{
        union {
                int16_t n;
                int32_t i;
                int64_t x;
        } v = { 0 };
        int r = sd_bus_message_read_basic(m, type, &v);

        if (r < 0)
                return r;
        *ret = type == 'n' ? v.n : type == 'i' ? v.i : v.x;
        return 0;
}

static int read_array(sd_bus_message *m, cdmctl_props *props, const char *name, const char *contents)
{
        bool strings = strchr("sog", contents[0]) && contents[1] == 0;
        bool numbers = strchr("yqut", contents[0]) && contents[1] == 0;
        cdmctl_prop *p;
        int r;

        if (!strings && !numbers) {
                r = sd_bus_message_skip(m, NULL);
                if (r < 0)
                        return r;
                cdmctl_props_add_string(props, name, "[unsupported array]");
                return 0;
        }
        p = cdmctl_props_add(props, name, strings ? CDMCTL_VALUE_STRING_ARRAY : CDMCTL_VALUE_UNSIGNED_ARRAY);
        if (!p)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', contents);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_at_end(m, /* complete= */ false)) == 0) {
                const char *s;
                uint64_t u;

                if (strings) {
                        r = sd_bus_message_read_basic(m, contents[0], &s);
                        if (r >= 0)
                                cdmctl_prop_append_string(props, p, s);
                } else {
                        r = read_unsigned(m, contents[0], &u);
                        if (r >= 0)
                                cdmctl_prop_append_unsigned(props, p, u);
                }
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/**
 * cdmctl_read_value() - read the next value of @m, of any basic type, a variant, or an array
 * of strings/unsigned numbers, and add it to @props as @name.
 * @m: a message positioned before the value.
 * @props: the list to add to.
 * @name: the property or argument name (copied).
 * Return: 0, or negative errno.
 */
int cdmctl_read_value(sd_bus_message *m, cdmctl_props *props, const char *name)
{
        const char *contents, *s;
        char type;
        int r, b;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        switch (type) {
        case 'v':
                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        return r;
                r = cdmctl_read_value(m, props, name);
                return r < 0 ? r : sd_bus_message_exit_container(m);
        case 's':
        case 'o':
        case 'g':
                r = sd_bus_message_read_basic(m, type, &s);
                if (r >= 0)
                        cdmctl_props_add_string(props, name, s);
                return r < 0 ? r : 0;
        case 'b':
                r = sd_bus_message_read_basic(m, 'b', &b);
                if (r >= 0)
                        cdmctl_props_add_bool(props, name, b);
                return r < 0 ? r : 0;
        case 'y':
        case 'q':
        case 'u':
        case 't': {
                uint64_t u;

                r = read_unsigned(m, type, &u);
                if (r >= 0)
                        cdmctl_props_add_unsigned(props, name, u);
                return r;
        }
        case 'n':
        case 'i':
        case 'x': {
                cdmctl_prop *p = cdmctl_props_add(props, name, CDMCTL_VALUE_SIGNED);

                return p ? read_signed(m, type, &p->i) : -ENOMEM;
        }
        case 'a':
                return read_array(m, props, name, contents);
        default:
                r = sd_bus_message_skip(m, NULL);
                if (r >= 0)
                        cdmctl_props_add_string(props, name, "[unsupported type]");
                return r < 0 ? r : 0;
        }
}

/**
 * cdmctl_read_props() - read an a{sv} (GetAll reply, PropertiesChanged) into @props.
 * @m: a message positioned before the array.
 * @props: the list to add to.
 * Return: 0, or negative errno.
 */
int cdmctl_read_props(sd_bus_message *m, cdmctl_props *props)
{
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *name;

                r = sd_bus_message_read_basic(m, 's', &name);
                if (r < 0)
                        return r;
                r = cdmctl_read_value(m, props, name);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        if (props->oom)
                return -ENOMEM;
        return sd_bus_message_exit_container(m);
}

/**
 * cdmctl_get_all() - org.freedesktop.DBus.Properties.GetAll of one of cdmd's objects.
 * @bus: the connection.
 * @path: object path.
 * @interface: interface whose properties to get.
 * @ret: filled with the properties on success (free with cdmctl_props_done()).
 * @error: the D-Bus error, on failure.
 * Return: 0, or negative errno.
 */
int cdmctl_get_all(sd_bus *bus, const char *path, const char *interface, cdmctl_props *ret,
                   sd_bus_error *error)
{
        _cleanup_bus_message_ sd_bus_message *reply = NULL;
        _cleanup_props_ cdmctl_props props = CDMCTL_PROPS_NULL;
        int r;

        r = sd_bus_call_method(bus, CDMD_BUS_NAME, path, DBUS_PROPERTIES, "GetAll", error, &reply,
                               "s", interface);
        if (r < 0)
                return r;
        r = cdmctl_read_props(reply, &props);
        if (r < 0)
                return r;
        *ret = props;
        props = CDMCTL_PROPS_NULL;
        return 0;
}

/**
 * cdmctl_manager_call() - call a method of org.cdmd.cdmd1.Manager.
 * @bus: the connection.
 * @method: member name.
 * @error: the D-Bus error, on failure.
 * @ret_reply: the reply, on success; may be NULL.
 * @types: signature of the arguments that follow, or NULL.
 * Return: 0, or negative errno.
 */
int cdmctl_manager_call(sd_bus *bus, const char *method, sd_bus_error *error,
                        sd_bus_message **ret_reply, const char *types, ...)
{
        _cleanup_bus_message_ sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, CDMD_BUS_NAME, CDMD_PATH, CDMD_MANAGER, method);
        if (r < 0)
                return r;
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        return sd_bus_call(bus, m, 0, error, ret_reply);
}

/* ---- waiting for signals ---- */

static volatile sig_atomic_t quit_requested = 0;

static void on_quit_signal(int sig)
{
        quit_requested++;
}

/**
 * cdmctl_quit_signals_install() - count SIGINT and SIGTERM instead of dying, and let them
 * interrupt sd_bus_wait() (no SA_RESTART).
 * Return: 0, or negative errno.
 */
int cdmctl_quit_signals_install(void)
{
        struct sigaction sa = { .sa_handler = on_quit_signal };

        if (sigemptyset(&sa.sa_mask) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
            sigaction(SIGTERM, &sa, NULL) < 0)
                return negative_errno();
        return 0;
}

/* Return: how many SIGINT/SIGTERM arrived since cdmctl_quit_signals_install(). */
unsigned cdmctl_quit_requested(void)
{
        return (unsigned) quit_requested;
}

/**
 * cdmctl_dispatch() - dispatch every queued message, then wait for more for at most @usec.
 * @bus: the connection.
 * @usec: longest wait; UINT64_MAX for no limit.
 *
 * A signal interrupts the wait (the caller checks cdmctl_quit_requested()). Because the flag
 * may be set just before the wait starts, callers waiting for a signal pass a bounded @usec.
 * Return: 0, or negative errno when the connection failed.
 */
int cdmctl_dispatch(sd_bus *bus, uint64_t usec)
{
        int r;

        do {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
        } while (r > 0 && !quit_requested);
        if (quit_requested)
                return 0;
        r = sd_bus_wait(bus, usec);
        return r == -EINTR ? 0 : MIN(r, 0);
}
