/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Named errors, access control and object paths of the bus API. Changes are allowed to
 * uid 0 and to members of [api] admin_group; the daemon checks the sender's credentials
 * itself (the bus policy file is a second fence, not the only one).
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

static int in_group(uid_t uid, gid_t egid, const gid_t *gids, int n, gid_t want)
{
        struct passwd pw, *ppw = NULL;
        char buf[4096];
        gid_t groups[256];
        int ng = 256;

        if (egid == want)
                return 1;
        for (int i = 0; i < n; i++)
                if (gids[i] == want)
                        return 1;
        /* The bus may not tell the supplementary groups: ask the user database. */
        if (getpwuid_r(uid, &pw, buf, sizeof(buf), &ppw) != 0 || !ppw)
                return 0;
        if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ng) < 0)
                return 0;
        for (int i = 0; i < ng; i++)
                if (groups[i] == want)
                        return 1;
        return 0;
}

int bus_check_admin(Manager *m, sd_bus_message *msg, sd_bus_error *error)
{
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        const gid_t *gids = NULL;
        uid_t uid;
        gid_t gid = (gid_t) -1;
        int r, n = 0;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_EGID |
                                      SD_BUS_CREDS_SUPPLEMENTARY_GIDS | SD_BUS_CREDS_AUGMENT, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;
        if (uid == 0)
                return 1;
        if (m->config->admin_group) {
                struct group gr, *pgr = NULL;
                char buf[4096];

                (void) sd_bus_creds_get_egid(creds, &gid);
                n = sd_bus_creds_get_supplementary_gids(creds, &gids);
                if (getgrnam_r(m->config->admin_group, &gr, buf, sizeof(buf), &pgr) == 0 && pgr &&
                                in_group(uid, gid, gids, n < 0 ? 0 : n, gr.gr_gid))
                        return 1;
        }
        sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                        "changes need uid 0%s%s", m->config->admin_group ? " or membership of group " : "",
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
