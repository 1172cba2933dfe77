/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AllowedMemoryNodes= of systemd units over org.freedesktop.systemd1. The property is an
 * "ay" bitmask (byte i, bit j: node 8i+j); an empty array resets it. Calls go over a
 * connection of this backend's own, so that --restore and --oneshot, which run no event loop,
 * use the same code as the daemon.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "cgroup-backend.h"
#include "log.h"
#include "systemd-backend.h"
#include "util/fileio.h"
#include "util/macro.h"

/*
 * The default: a drop-in for every unit type that has a cgroup. Its name sorts before the
 * "50-AllowedMemoryNodes.conf" that SetUnitProperties writes, so a unit's own value (a grant,
 * an ancestor) wins over it.
 */
#define DEFAULT_DIR "/run/systemd/system"
#define DEFAULT_NAME "00-cdmd-fence.conf"
static const struct {
        const char *type, *section;
} default_types[] = {
        { "service", "Service" }, { "scope", "Scope" }, { "slice", "Slice" },
        { "socket", "Socket" }, { "mount", "Mount" }, { "swap", "Swap" },
};

#define SYSTEMD_NAME "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"
#define SYSTEMD_UNIT_PREFIX "/org/freedesktop/systemd1/unit"
/* systemd answers within milliseconds unless it is reloading; do not hang on it longer. */
#define CALL_TIMEOUT_USEC (10 * 1000 * 1000ULL)

struct SystemdBackend {
        sd_bus *bus;
        cdm_unit_backend ops;
        bool reload_pending; /* the default drop-ins changed, systemd has not reloaded yet */
};

/* The unit type's interface, which carries the cgroup properties. */
static const char *unit_interface(const char *unit)
{
        static const struct {
                const char *suffix, *interface;
        } types[] = {
                { ".slice", "org.freedesktop.systemd1.Slice" },
                { ".service", "org.freedesktop.systemd1.Service" },
                { ".scope", "org.freedesktop.systemd1.Scope" },
                { ".mount", "org.freedesktop.systemd1.Mount" },
                { ".socket", "org.freedesktop.systemd1.Socket" },
                { ".swap", "org.freedesktop.systemd1.Swap" },
        };
        size_t n = strlen(unit);

        for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
                size_t k = strlen(types[i].suffix);

                if (n > k && streq(unit + n - k, types[i].suffix))
                        return types[i].interface;
        }
        return NULL;
}

/* Errors that mean "systemd does not manage this unit (this way)": write the cgroup instead. */
static int call_errno(const sd_bus_error *e, int r)
{
        if (sd_bus_error_has_names(e, "org.freedesktop.systemd1.NoSuchUnit",
                            "org.freedesktop.systemd1.LoadFailed",
                            "org.freedesktop.DBus.Error.UnknownObject",
                            "org.freedesktop.DBus.Error.UnknownInterface",
                            "org.freedesktop.DBus.Error.UnknownProperty",
                            "org.freedesktop.DBus.Error.PropertyReadOnly"))
                return -ENOENT;
        return r < 0 ? r : -EIO;
}

static int get_mems(void *userdata, const char *unit, char **ret)
{
        SystemdBackend *b = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *path = NULL;
        const char *iface = unit_interface(unit);
        const uint8_t *bytes;
        cdm_nodemask nodes = { 0 };
        size_t n;
        int r;

        if (!iface)
                return -ENOENT;
        r = sd_bus_path_encode(SYSTEMD_UNIT_PREFIX, unit, &path);
        if (r < 0)
                return r;
        r = sd_bus_get_property(b->bus, SYSTEMD_NAME, path, iface, "AllowedMemoryNodes", &e, &reply, "ay");
        if (r < 0)
                return call_errno(&e, r);
        r = sd_bus_message_read_array(reply, 'y', (const void **) &bytes, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n && i < CDM_NODES_MAX / 8; i++)
                for (unsigned bit = 0; bit < 8; bit++)
                        if (bytes[i] & (1u << bit))
                                cdm_nodemask_set(&nodes, (unsigned) (i * 8 + bit));
        *ret = cdm_nodemask_format(&nodes);
        return *ret ? 0 : -ENOMEM;
}

static int set_mems(void *userdata, const char *unit, const char *list)
{
        SystemdBackend *b = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        uint8_t bytes[CDM_NODES_MAX / 8] = { 0 };
        cdm_nodemask nodes = { 0 };
        size_t n = 0;
        int r;

        if (*list) {
                r = cdm_nodemask_parse(list, strlen(list), &nodes);
                if (r < 0)
                        return r;
        }
        for (int id = -1; (id = cdm_nodemask_next(&nodes, id)) >= 0;) {
                bytes[id / 8] |= (uint8_t) (1u << (id % 8));
                n = (size_t) id / 8 + 1;
        }
        r = sd_bus_message_new_method_call(b->bus, &m, SYSTEMD_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER,
                        "SetUnitProperties");
        if (r >= 0)
                r = sd_bus_message_append(m, "sb", unit, 1);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "AllowedMemoryNodes");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "ay");
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', bytes, n);
        for (int k = 0; r >= 0 && k < 3; k++)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        r = sd_bus_call(b->bus, m, CALL_TIMEOUT_USEC, &e, NULL);
        if (r < 0) {
                log_debug("SetUnitProperties(%s, AllowedMemoryNodes=%s): %s", unit, list,
                                e.message ?: strerror(-r));
                return call_errno(&e, r);
        }
        return 0;
}

/*
 * systemd realizes cgroups from its main loop before it reads the next message, so once a
 * later call is answered, what was set before is in the cgroups.
 */
static int sync_manager(void *userdata)
{
        SystemdBackend *b = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

        return sd_bus_call_method(b->bus, SYSTEMD_NAME, SYSTEMD_PATH, "org.freedesktop.DBus.Peer", "Ping",
                        &e, NULL, NULL);
}

/* systemd finds drop-in directories at a reload only (its unit path cache). */
static int reload_manager(SystemdBackend *b)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(b->bus, SYSTEMD_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER, "Reload", &e, NULL, NULL);
        if (r < 0) {
                log_warning("systemd did not reload for cdmd's default AllowedMemoryNodes= (%s: %s); "
                                "trying again next cycle.", e.name ?: "error", e.message ?: strerror(-r));
                b->reload_pending = true;
                return 0;
        }
        b->reload_pending = false;
        return 0;
}

static int get_default_mems(void *userdata, char **ret)
{
        SystemdBackend *b = userdata;
        _cleanup_free_ char *buf = NULL;
        const char *v;
        char path[128];
        int r;

        if (b->reload_pending)
                (void) reload_manager(b);
        (void) snprintf(path, sizeof(path), "%s/%s.d/%s", DEFAULT_DIR, default_types[0].type, DEFAULT_NAME);
        r = read_file_at(AT_FDCWD, path, 4096, &buf, NULL);
        v = r >= 0 ? strstr(buf, "\nAllowedMemoryNodes=") : NULL;
        if (r < 0 && r != -ENOENT)
                return r;
        if (!v) {
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        v += strlen("\nAllowedMemoryNodes=");
        *ret = strndup(v, strcspn(v, "\n"));
        return *ret ? 0 : -ENOMEM;
}

static int set_default_mems(void *userdata, const char *nodes)
{
        SystemdBackend *b = userdata;
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(default_types); i++) {
                _cleanup_free_ char *dir = NULL, *text = NULL, *path = NULL;

                if (asprintf(&dir, "%s/%s.d", DEFAULT_DIR, default_types[i].type) < 0 ||
                                asprintf(&path, "%s/%s", dir, DEFAULT_NAME) < 0)
                        return -ENOMEM;
                if (!*nodes) {
                        if (unlink(path) < 0 && errno != ENOENT)
                                return log_warning_errno(-errno, "Cannot remove %s: %m", path);
                        (void) rmdir(dir); /* only when empty */
                        continue;
                }
                if (asprintf(&text, "# Written by cdmd: every %s without AllowedMemoryNodes= of its own\n"
                                        "# is kept off device memory. Removed by cdmd --restore.\n[%s]\n"
                                        "AllowedMemoryNodes=%s\n",
                                    default_types[i].type, default_types[i].section, nodes) < 0)
                        return -ENOMEM;
                r = write_file_atomic_in(dir, DEFAULT_NAME, text, strlen(text));
                if (r < 0)
                        return log_warning_errno(r, "Cannot write %s: %m", path);
        }
        return reload_manager(b);
}

int systemd_backend_new(SystemdBackend **ret)
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        SystemdBackend *b;
        int r;

        *ret = NULL;
        if (access("/run/systemd/system", F_OK) < 0)
                return 0;
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                log_warning_errno(r, "systemd runs, but the system bus cannot be reached (%m): writing the cgroups of its units directly.");
                return 0;
        }
        r = sd_bus_set_method_call_timeout(bus, CALL_TIMEOUT_USEC);
        if (r < 0)
                return r;
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->bus = TAKE_PTR(bus);
        b->ops = (cdm_unit_backend){ .name = "systemd", .get_mems = get_mems, .set_mems = set_mems,
                .sync = sync_manager, .get_default_mems = get_default_mems,
                .set_default_mems = set_default_mems, .userdata = b };
        r = sync_manager(b);
        if (r < 0) {
                log_warning_errno(r, "systemd does not answer on the system bus (%m): writing the cgroups of its units directly.");
                systemd_backend_free(b);
                return 0;
        }
        *ret = b;
        return 1;
}

SystemdBackend *systemd_backend_free(SystemdBackend *b)
{
        if (!b)
                return NULL;
        sd_bus_flush_close_unref(b->bus);
        free(b);
        return NULL;
}

const cdm_unit_backend *systemd_backend_ops(SystemdBackend *b)
{
        return b ? &b->ops : NULL;
}

typedef struct Subscription {
        void (*callback)(void *userdata);
        void *userdata;
} Subscription;

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const Subscription *s = userdata;
        int active = 0;

        /* Reloading is sent twice: true when it starts, false when it is done. */
        if (sd_bus_message_is_signal(m, SYSTEMD_MANAGER, "Reloading") &&
                        sd_bus_message_read(m, "b", &active) >= 0 && active)
                return 0;
        s->callback(s->userdata);
        return 0;
}

int systemd_backend_subscribe(sd_bus *bus, void (*callback)(void *userdata), void *userdata)
{
        static const char *const signals[] = { "Reloading", "UnitNew", "JobRemoved" };
        /* One daemon, one subscription: the floating matches below point at it. */
        static Subscription s;
        int r;

        s = (Subscription){ .callback = callback, .userdata = userdata };
        for (size_t i = 0; i < ARRAY_SIZE(signals); i++) {
                r = sd_bus_match_signal(bus, NULL, SYSTEMD_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER, signals[i],
                                on_signal, &s);
                if (r < 0)
                        return r;
        }
        /* systemd sends UnitNew and JobRemoved only while someone is subscribed. */
        return sd_bus_call_method_async(bus, NULL, SYSTEMD_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER, "Subscribe",
                        NULL, NULL, NULL);
}
