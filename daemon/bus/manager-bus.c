/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.cdmd.cdmd1.Manager on /org/cdmd/cdmd1. Handlers unpack, check rights, call a manager
 * function that has its own tests, and pack the reply. Read-only members are
 * SD_BUS_VTABLE_UNPRIVILEGED; every other call is checked against the sender's credentials.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-signals.h"
#include "bus-util.h"
#include "config-ini.h"
#include "ev-sdbus.h"
#include "log.h"
#include "manager-bus.h"
#include "manager.h"
#include "systemd-backend.h"
#include "manager-devices.h"
#include "manager-jobs.h"
#include "manager-migrate.h"
#include "migration-bus.h"
#include "objects-bus.h"
#include "util/text.h"
#include "util/time-util.h"

#define CHECK_ADMIN(m, msg, error)                                                                 \
        do {                                                                                       \
                int _r = bus_check_admin(m, msg, error);                                           \
                if (_r <= 0)                                                                       \
                        return _r < 0 ? _r : -EACCES;                                              \
        } while (0)

static int method_list_devices(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(sossautt)");
        for (size_t i = 0; r >= 0 && m->layout && i < m->layout->n_devices; i++)
                r = bus_append_device_row(reply, m, &m->layout->devices[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

static int method_list_jobs(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(sosstts)");
        for (size_t i = 0; r >= 0 && i < m->jobs.n; i++)
                r = bus_append_job_row(reply, &m->jobs.items[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

static int method_get_device(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_free_ char *path = NULL;
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        if (!m->layout || !cdm_layout_find_device(m->layout, name))
                return bus_error_setf(error, CDM_BUS_ERROR("NoSuchDevice"), "no device '%.*s'",
                                UTF8_CUT(name, 64));
        path = bus_device_path(name);
        return path ? sd_bus_reply_method_return(msg, "o", path) : -ENOMEM;
}

static int method_get_job(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_free_ char *path = NULL;
        const char *id;
        int r;

        r = sd_bus_message_read(msg, "s", &id);
        if (r < 0)
                return r;
        if (!cdm_jobs_find(&m->jobs, id))
                return bus_error_setf(error, CDM_BUS_ERROR("NoSuchJob"), "no job '%.*s'",
                                UTF8_CUT(id, 64));
        path = bus_job_path(id);
        return path ? sd_bus_reply_method_return(msg, "o", path) : -ENOMEM;
}

static int method_grant(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *id, *cgroup, *device, *policy;
        _cleanup_free_ char *path = NULL, *why = NULL;
        uint64_t quota;
        int r;

        r = sd_bus_message_read(msg, "ssst", &id, &cgroup, &device, &quota);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "s", &policy);
        if (r < 0)
                return r;
        CHECK_ADMIN(m, msg, error);
        r = manager_grant(m, id, cgroup, device, quota, policy, &why);
        if (r != JOB_OK)
                return bus_job_error(error, r, why);
        path = bus_job_path(id);
        return path ? sd_bus_reply_method_return(msg, "o", path) : -ENOMEM;
}

static int method_revoke(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_free_ char *why = NULL;
        const char *id;
        int r;

        r = sd_bus_message_read(msg, "s", &id);
        if (r < 0)
                return r;
        CHECK_ADMIN(m, msg, error);
        r = manager_revoke(m, id, "revoked", &why);
        if (r != JOB_OK)
                return bus_job_error(error, r, why);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_sync_cgroup(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_free_ char *why = NULL;
        const char *cgroup;
        int r;

        r = sd_bus_message_read(msg, "s", &cgroup);
        if (r < 0)
                return r;
        CHECK_ADMIN(m, msg, error);
        r = manager_sync(m, cgroup, &why);
        if (r != JOB_OK)
                return bus_job_error(error, r, why);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_set_quota(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_free_ char *why = NULL;
        const char *id;
        uint64_t quota;
        int r;

        r = sd_bus_message_read(msg, "st", &id, &quota);
        if (r < 0)
                return r;
        CHECK_ADMIN(m, msg, error);
        r = manager_set_quota(m, id, quota, &why);
        if (r != JOB_OK)
                return bus_job_error(error, r, why);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_set_policy(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_free_ char *why = NULL;
        const char *id, *policy;
        int r;

        r = sd_bus_message_read(msg, "ss", &id, &policy);
        if (r < 0)
                return r;
        CHECK_ADMIN(m, msg, error);
        r = manager_set_policy(m, id, policy, &why);
        if (r != JOB_OK)
                return bus_job_error(error, r, why);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_audit(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        /* Read-only for the caller, but it runs a cycle (which may repair): admins only. */
        CHECK_ADMIN(m, msg, error);
        (void) manager_cycle(m);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = bus_append_audit(reply, m);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

/*
 * Plan reads the topology and the cgroup tree, which costs as much as a cycle's collect (tens
 * of milliseconds with thousands of jobs), and any client may call it. One answer serves
 * every call for up to PLAN_CACHE_USEC, as long as nothing changed in cdmd meanwhile (no
 * cycle, no write, no job or device change): pipelining callers cost one plan per interval.
 */
#define PLAN_CACHE_USEC (500 * 1000ULL)

static int method_plan(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        const cdm_plan *plan = &m->plan_cache.plan;
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        int r;

        if (!m->plan_cache.valid || m->plan_cache.generation != m->generation ||
                        now - m->plan_cache.usec >= PLAN_CACHE_USEC) {
                cdm_plan fresh = CDM_PLAN_NULL;

                r = manager_dry_plan(m, &fresh);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "cannot plan: %m");
                cdm_plan_done(&m->plan_cache.plan);
                m->plan_cache.plan = fresh;
                m->plan_cache.usec = now;
                m->plan_cache.generation = m->generation;
                m->plan_cache.valid = true;
        }
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssss)");
        for (size_t i = 0; r >= 0 && i < plan->n_items; i++)
                r = sd_bus_message_append(reply, "(ssss)", plan->items[i].object, plan->items[i].current,
                                plan->items[i].desired, plan->items[i].reason);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

static int method_plan_moves(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        cdm_move_plan moves = { 0 };
        int r;

        r = manager_plan_moves(m, &moves);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot plan: %m");
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssssts)");
        for (size_t i = 0; r >= 0 && i < moves.n; i++) {
                const cdm_move_plan_item *it = &moves.items[i];

                r = sd_bus_message_append(reply, "(ssssts)", cdm_move_prio_to_string(it->prio), it->cgroup ?: "",
                                it->device, it->to_system ? "system" : "device", it->bytes, it->reason);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        cdm_move_plan_done(&moves);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_free_ char *errors = NULL;
        int r;

        CHECK_ADMIN(m, msg, error);
        r = manager_reload(m, &errors);
        if (r == -EINVAL)
                return bus_error_setf(error, CDM_BUS_ERROR("InvalidConfig"),
                                "configuration rejected, the old one stays: %s", errors ?: "");
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "reload failed: %m");
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_drain_common(sd_bus_message *msg, Manager *m, sd_bus_error *error, bool fault)
{
        _cleanup_free_ char *why = NULL;
        const char *device, *reason;
        int r;

        r = sd_bus_message_read(msg, "ss", &device, &reason);
        if (r < 0)
                return r;
        CHECK_ADMIN(m, msg, error);
        /* The reason goes to the log, the devices file and DeviceStateChanged: one line. */
        if (strlen(reason) > 1024 || (fault && !*reason) || has_control(reason))
                return sd_bus_error_set(error, CDM_BUS_ERROR("InvalidArgument"),
                                fault ? "a fault needs a reason: 1-1024 bytes without control characters"
                                      : "a reason is at most 1024 bytes without control characters");
        r = manager_drain(m, device, *reason ? reason : "drain requested", fault, &why);
        if (r != JOB_OK)
                return bus_job_error(error, r, why);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_drain(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_drain_common(msg, userdata, error, false);
}

static int method_report_fault(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_drain_common(msg, userdata, error, true);
}

static int method_resume(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_free_ char *why = NULL;
        const char *device;
        int r;

        r = sd_bus_message_read(msg, "s", &device);
        if (r < 0)
                return r;
        CHECK_ADMIN(m, msg, error);
        r = manager_resume(m, device, &why);
        if (r != JOB_OK)
                return bus_job_error(error, r, why);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_migrate(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_free_ char *why = NULL;
        const char *id, *target;
        char path[64];
        unsigned mid = 0;
        uint64_t bytes;
        int r;

        r = sd_bus_message_read(msg, "sst", &id, &target, &bytes);
        if (r < 0)
                return r;
        CHECK_ADMIN(m, msg, error);
        r = manager_migrate(m, id, target, bytes, &mid, &why);
        if (r != JOB_OK)
                return bus_job_error(error, r, why);
        (void) snprintf(path, sizeof(path), CDM_BUS_MIGRATION_PREFIX "/%u", mid);
        return sd_bus_reply_method_return(msg, "o", path);
}

static int method_cancel_migration(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *path;
        unsigned id;
        int r;

        r = sd_bus_message_read(msg, "o", &path);
        if (r < 0)
                return r;
        CHECK_ADMIN(m, msg, error);
        if (bus_migration_path_id(path, &id) < 0)
                return bus_error_setf(error, CDM_BUS_ERROR("InvalidArgument"),
                                "'%.*s' is not a migration path (" CDM_BUS_MIGRATION_PREFIX "/N)",
                                UTF8_CUT(path, 128));
        if (manager_cancel_migration(m, id) < 0)
                return bus_error_setf(error, CDM_BUS_ERROR("NoSuchMigration"), "no migration %u", id);
        return sd_bus_reply_method_return(msg, NULL);
}

static int property_version(sd_bus *bus, const char *path, const char *interface,
                const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "s", CDM_VERSION);
}

static int property_isolated(sd_bus *bus, const char *path, const char *interface,
                const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;

        return sd_bus_message_append(reply, "b", m->isolated);
}

static int property_manager_u64(sd_bus *bus, const char *path, const char *interface,
                const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        uint64_t v = 0;

        if (streq(property, "AuditIntervalUSec"))
                v = m->config->audit_interval_usec;
        else if (streq(property, "LastAuditUSec"))
                v = m->last_audit_usec;
        else if (streq(property, "SpilledBytes"))
                v = m->audit.spilled_bytes;
        else if (streq(property, "RepairedBytes"))
                v = m->repaired_bytes;
        return sd_bus_message_append(reply, "t", v);
}

const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Isolated", "b", property_isolated, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("AuditIntervalUSec", "t", property_manager_u64, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastAuditUSec", "t", property_manager_u64, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SpilledBytes", "t", property_manager_u64, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RepairedBytes", "t", property_manager_u64, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_NAMES("ListDevices", "", "", "a(sossautt)", SD_BUS_PARAM(devices),
                        method_list_devices, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListJobs", "", "", "a(sosstts)", SD_BUS_PARAM(jobs),
                        method_list_jobs, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetDevice", "s", SD_BUS_PARAM(name), "o", SD_BUS_PARAM(device),
                        method_get_device, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetJob", "s", SD_BUS_PARAM(id), "o", SD_BUS_PARAM(job),
                        method_get_job, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Grant", "sssts", SD_BUS_PARAM(id) SD_BUS_PARAM(cgroup)
                        SD_BUS_PARAM(device) SD_BUS_PARAM(quota) SD_BUS_PARAM(policy),
                        "o", SD_BUS_PARAM(job), method_grant, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Revoke", "s", SD_BUS_PARAM(id), "", "", method_revoke,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SyncCGroup", "s", SD_BUS_PARAM(cgroup), "", "", method_sync_cgroup,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetQuota", "st", SD_BUS_PARAM(id) SD_BUS_PARAM(bytes), "", "",
                        method_set_quota, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetPolicy", "ss", SD_BUS_PARAM(id) SD_BUS_PARAM(policy), "", "",
                        method_set_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Audit", "", "", "a(ssttt)", SD_BUS_PARAM(findings), method_audit,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Plan", "", "", "a(ssss)", SD_BUS_PARAM(settings), method_plan,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("PlanMoves", "", "", "a(ssssts)", SD_BUS_PARAM(moves), method_plan_moves,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Migrate", "sst", SD_BUS_PARAM(id) SD_BUS_PARAM(target) SD_BUS_PARAM(bytes),
                        "o", SD_BUS_PARAM(migration), method_migrate, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("CancelMigration", "o", SD_BUS_PARAM(migration), "", "",
                        method_cancel_migration, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Drain", "ss", SD_BUS_PARAM(device) SD_BUS_PARAM(reason), "", "",
                        method_drain, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ReportFault", "ss", SD_BUS_PARAM(device) SD_BUS_PARAM(reason), "", "",
                        method_report_fault, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Resume", "s", SD_BUS_PARAM(device), "", "", method_resume,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reload", "", "", method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("DeviceStateChanged", "sss",
                        SD_BUS_PARAM(device) SD_BUS_PARAM(state) SD_BUS_PARAM(reason), 0),
        SD_BUS_SIGNAL_WITH_NAMES("SpillDetected", "sst",
                        SD_BUS_PARAM(owner) SD_BUS_PARAM(device) SD_BUS_PARAM(bytes), 0),
        SD_BUS_SIGNAL_WITH_NAMES("SpillRepaired", "sst",
                        SD_BUS_PARAM(owner) SD_BUS_PARAM(device) SD_BUS_PARAM(bytes), 0),
        SD_BUS_SIGNAL_WITH_NAMES("QuotaExceeded", "stt",
                        SD_BUS_PARAM(id) SD_BUS_PARAM(used) SD_BUS_PARAM(quota), 0),
        SD_BUS_SIGNAL_WITH_NAMES("JobRemoved", "ss", SD_BUS_PARAM(id) SD_BUS_PARAM(reason), 0),
        SD_BUS_SIGNAL_WITH_NAMES("MigrationFinished", "ostts",
                        SD_BUS_PARAM(migration) SD_BUS_PARAM(id) SD_BUS_PARAM(moved) SD_BUS_PARAM(failed)
                        SD_BUS_PARAM(result), 0),
        SD_BUS_VTABLE_END,
};

static void on_systemd_event(void *userdata)
{
        manager_request_cycle(userdata);
}

int manager_bus_start(Manager *m)
{
        int r;

        r = sd_bus_open_system(&m->bus);
        if (r < 0) {
                /* Isolation does not need the bus: keep guarding the device without the API. */
                log_warning_errno(r, "Cannot connect to the system bus, running without the D-Bus API: %m");
                m->bus = sd_bus_unref(m->bus);
                return 0;
        }
        r = sd_bus_add_object_vtable(m->bus, NULL, CDM_BUS_PATH, CDM_BUS_MANAGER, manager_vtable, m);
        if (r >= 0)
                r = bus_add_object_vtables(m);
        if (r >= 0)
                r = bus_add_migration_vtable(m);
        if (r >= 0)
                r = sd_bus_add_object_manager(m->bus, NULL, CDM_BUS_PATH);
        if (r < 0)
                return log_error_errno(r, "Failed to register the bus objects: %m");
        r = sd_bus_request_name(m->bus, CDM_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to take the bus name %s: %m", CDM_BUS_NAME);
        r = ev_sdbus_attach(m->loop, m->bus, &m->bus_glue);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the loop: %m");
        r = bus_signals_start(m);
        if (r < 0)
                return log_error_errno(r, "Out of memory.");
        /* systemd re-realizes cgroups on reloads, new units and finished jobs: check the
         * fences right after each. */
        if (m->systemd) {
                r = systemd_backend_subscribe(m->bus, on_systemd_event, m);
                if (r < 0)
                        log_warning_errno(r, "Cannot subscribe to systemd's signals, fences are checked every audit only: %m");
        }
        return 0;
}

void manager_bus_stop(Manager *m)
{
        bus_signals_stop(m);
        m->bus_glue = ev_sdbus_detach(m->bus_glue);
        if (m->bus) {
                (void) sd_bus_flush(m->bus);
                m->bus = sd_bus_flush_close_unref(m->bus);
        }
}
