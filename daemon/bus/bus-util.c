/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Named errors, access control and object paths of the bus API. Changes are allowed to
 * uid 0 and to members of [api] admin_group; the daemon checks the sender's credentials
 * itself (the bus policy file is a second fence, not the only one), from what the bus
 * vouches for only.
 */

#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-util.h"
#include "log.h"
#include "util/text.h"

int bus_error_setf(sd_bus_error *error, const char *name, const char *fmt, ...)
{
        _cleanup_free_ char *text = NULL, *valid = NULL;
        const char *out;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&text, fmt, ap);
        va_end(ap);
        if (r < 0)
                return sd_bus_error_set(error, name, NULL);
        /* sd-bus cannot send an error whose message is not valid UTF-8: the call would get no
         * reply at all. */
        out = text;
        if (!utf8_is_valid(text))
                out = valid = utf8_make_valid(text);
        return sd_bus_error_set(error, name, out);
}

int bus_job_error(sd_bus_error *error, int e, const char *msg)
{
        static const char *const names[_JOB_ERROR_MAX] = {
                [JOB_INVALID] = CDM_BUS_ERROR("InvalidArgument"),
                [JOB_NO_DEVICE] = CDM_BUS_ERROR("NoSuchDevice"),
                [JOB_NO_CGROUP] = CDM_BUS_ERROR("NoSuchCGroup"),
                [JOB_EXISTS] = CDM_BUS_ERROR("JobExists"),
                [JOB_NOT_ONLINE] = CDM_BUS_ERROR("DeviceNotOnline"),
                [JOB_CAPACITY] = CDM_BUS_ERROR("InsufficientCapacity"),
                [JOB_TOO_MANY] = CDM_BUS_ERROR("TooManyJobs"),
                [JOB_NOT_SUPPORTED] = CDM_BUS_ERROR("NotSupported"),
                [JOB_NO_JOB] = CDM_BUS_ERROR("NoSuchJob"),
                [JOB_STATE] = CDM_BUS_ERROR("StateNotSaved"),
        };
        _cleanup_free_ char *valid = NULL;

        if (msg && !utf8_is_valid(msg))
                msg = valid = utf8_make_valid(msg);
        if (e < 0)
                return sd_bus_error_set_errnof(error, e, "%s", msg ?: strerror(-e));
        if (e <= 0 || e >= _JOB_ERROR_MAX)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, msg ?: "failed");
        return sd_bus_error_set(error, names[e], msg ?: names[e]);
}

/* The NSS lookups below start with the buffer size sysconf() suggests and double it on
 * ERANGE, up to this: a group of many members has a long line. */
#define NSS_BUFFER_MAX (64u * 1024u * 1024u)

static size_t nss_buffer_size(int name)
{
        long n = sysconf(name);

        return n > 0 && n < 65536 ? (size_t) n : 1024;
}

static int group_gid(const char *name, gid_t *ret)
{
        for (size_t size = nss_buffer_size(_SC_GETGR_R_SIZE_MAX);; size *= 2) {
                _cleanup_free_ char *buf = malloc(size);
                struct group gr, *res = NULL;
                int r;

                if (!buf)
                        return -ENOMEM;
                r = getgrnam_r(name, &gr, buf, size, &res);
                if (r == 0 && !res)
                        return -ESRCH;
                if (r == 0) {
                        *ret = res->gr_gid;
                        return 0;
                }
                if (r != ERANGE || size >= NSS_BUFFER_MAX)
                        return -r;
        }
}

/* Whether @want is among the groups the user database gives @uid: its primary group and every
 * group that lists it. */
static int uid_in_group_nss(uid_t uid, gid_t want)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ gid_t *groups = NULL;
        struct passwd pw, *res = NULL;
        int r, n = 64;

        for (size_t size = nss_buffer_size(_SC_GETPW_R_SIZE_MAX);; size *= 2) {
                free(buf);
                buf = malloc(size);
                if (!buf)
                        return -ENOMEM;
                r = getpwuid_r(uid, &pw, buf, size, &res);
                if (r == 0 && !res)
                        return 0; /* no such user: only the bus could vouch for its groups */
                if (r == 0)
                        break;
                if (r != ERANGE || size >= NSS_BUFFER_MAX)
                        return -r;
        }
        if (res->pw_gid == want)
                return 1;
        for (;;) {
                gid_t *g = realloc(groups, (size_t) n * sizeof(gid_t));
                int got = n;

                if (!g)
                        return -ENOMEM;
                groups = g;
                if (getgrouplist(res->pw_name, res->pw_gid, groups, &got) >= 0) {
                        n = got;
                        break;
                }
                /* glibc says how many there are; grow by that (or double) and ask again. */
                if (n >= (1 << 20))
                        return -E2BIG;
                n = got > n ? got : n * 2;
        }
        for (int i = 0; i < n; i++)
                if (groups[i] == want)
                        return 1;
        return 0;
}

/* Whether @want is among the groups the bus vouches for: UnixGroupIDs of
 * GetConnectionCredentials, which dbus-daemon and dbus-broker take from the socket
 * (SO_PEERGROUPS, and the gid of SO_PEERCRED) when the sender connected. */
static int sender_in_group_bus(sd_bus_message *msg, gid_t want)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *sender = sd_bus_message_get_sender(msg);
        int r, found = 0;

        if (!sender)
                return 0;
        r = sd_bus_call_method(sd_bus_message_get_bus(msg), "org.freedesktop.DBus",
                "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionCredentials", NULL,
                &reply, "s", sender);
        if (r < 0)
                return 0; /* an older bus: nothing vouched for */
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(reply, "s", &key);
                if (r >= 0 && streq(key, "UnixGroupIDs")) {
                        const uint32_t *gids;
                        size_t size = 0;

                        r = sd_bus_message_enter_container(reply, 'v', "au");
                        if (r >= 0)
                                r = sd_bus_message_read_array(
                                        reply, 'u', (const void **) &gids, &size);
                        for (size_t i = 0; r >= 0 && i < size / sizeof(uint32_t); i++)
                                if (gids[i] == want)
                                        found = 1;
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                } else if (r >= 0)
                        r = sd_bus_message_skip(reply, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        return r < 0 ? r : found;
}

/*
 * Only what the bus vouches for counts: the uid the bus took from the socket when the sender
 * connected, and groups from the bus or from the user database for that uid. Never anything
 * sd-bus read from /proc/<pid> (SD_BUS_CREDS_AUGMENT): that is whatever runs under the pid now,
 * e.g. a setgid program the connecting process exec'd after handing its socket to a child.
 */
int bus_check_admin(Manager *m, sd_bus_message *msg, sd_bus_error *error)
{
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uint64_t vouched;
        const gid_t *gids = NULL;
        uid_t uid;
        gid_t admin = (gid_t) -1;
        int r, n;

        r = sd_bus_query_sender_creds(
                msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_SUPPLEMENTARY_GIDS, &creds);
        if (r < 0)
                return r;
        vouched = sd_bus_creds_get_mask(creds) & ~sd_bus_creds_get_augmented_mask(creds);
        if (!(vouched & SD_BUS_CREDS_EUID) || sd_bus_creds_get_euid(creds, &uid) < 0)
                goto denied;
        if (uid == 0)
                return 1;
        if (!m->config->admin_group)
                goto denied;
        /* Debug only: any caller can trigger these, and must not be able to flood the log. */
        r = group_gid(m->config->admin_group, &admin);
        if (r < 0) {
                log_debug("Cannot look up admin_group '%s', refusing changes by uid %u: %s",
                        m->config->admin_group, (unsigned) uid,
                        r == -ESRCH ? "no such group" : strerror(-r));
                goto denied;
        }
        if (vouched & SD_BUS_CREDS_SUPPLEMENTARY_GIDS) {
                n = sd_bus_creds_get_supplementary_gids(creds, &gids);
                for (int i = 0; i < n; i++)
                        if (gids[i] == admin)
                                return 1;
        }
        r = uid_in_group_nss(uid, admin);
        if (r == 0)
                r = sender_in_group_bus(msg, admin);
        if (r > 0)
                return 1;
        if (r < 0)
                log_debug("Cannot check whether uid %u is in admin_group '%s': %s", (unsigned) uid,
                        m->config->admin_group, strerror(-r));
denied:
        bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "changes need uid 0%s%s",
                m->config->admin_group ? " or membership of group " : "",
                m->config->admin_group ?: "");
        return 0;
}

char *bus_device_path(const char *name)
{
        char *p = NULL;

        return sd_bus_path_encode(CDM_BUS_DEVICE_PREFIX, name, &p) < 0 ? NULL : p;
}

char *bus_job_path(const char *id)
{
        char *p = NULL;

        return sd_bus_path_encode(CDM_BUS_JOB_PREFIX, id, &p) < 0 ? NULL : p;
}
