/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.cdmd.cdmd1.Device and org.cdmd.cdmd1.Job: one fallback vtable each, below
 * /org/cdmd/cdmd1/device and /org/cdmd/cdmd1/job, found by name from the path (label
 * escaping of sd_bus_path_encode), enumerated for introspection and the object manager.
 * Also the signals and PropertiesChanged the manager emits.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "log.h"
#include "bus-names.h"
#include "manager-devices.h"
#include "objects-bus.h"

static const cdm_device *device_of(Manager *m, const char *path)
{
        _cleanup_free_ char *name = NULL;

        if (!m->layout || sd_bus_path_decode(path, CDM_BUS_DEVICE_PREFIX, &name) <= 0)
                return NULL;
        return cdm_layout_find_device(m->layout, name);
}

static cdm_job *job_of(Manager *m, const char *path)
{
        _cleanup_free_ char *id = NULL;

        if (sd_bus_path_decode(path, CDM_BUS_JOB_PREFIX, &id) <= 0)
                return NULL;
        return cdm_jobs_find(&m->jobs, id);
}

static int find_device(sd_bus *bus, const char *path, const char *interface, void *userdata,
                void **ret, sd_bus_error *error)
{
        /* The objects' userdata is the manager; getters look the device up from the path. */
        if (!device_of(userdata, path))
                return 0;
        *ret = userdata;
        return 1;
}

static int find_job(sd_bus *bus, const char *path, const char *interface, void *userdata,
                void **ret, sd_bus_error *error)
{
        if (!job_of(userdata, path))
                return 0;
        *ret = userdata;
        return 1;
}

static int enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***nodes, sd_bus_error *error)
{
        Manager *m = userdata;
        bool devices = streq(prefix, CDM_BUS_DEVICE_PREFIX);
        size_t n = devices ? (m->layout ? m->layout->n_devices : 0) : m->jobs.n;
        char **v = calloc(n + 1, sizeof(char *));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                v[i] = devices ? bus_device_path(m->layout->devices[i].name) : bus_job_path(m->jobs.items[i].id);
                if (!v[i]) {
                        for (size_t k = 0; k < i; k++)
                                free(v[k]);
                        free(v);
                        return -ENOMEM;
                }
        }
        *nodes = v;
        return 1;
}

static uint64_t granted_bytes(Manager *m, const cdm_device *d)
{
        return cdm_jobs_granted(&m->jobs, d->name, NULL);
}

static uint64_t job_bytes(Manager *m, const cdm_device *d)
{
        uint64_t sum = 0;

        for (size_t i = 0; i < m->jobs.n; i++)
                if (streq(m->jobs.items[i].device, d->name))
                        sum += m->jobs.items[i].device_bytes;
        return sum;
}

static uint64_t spilled_bytes(Manager *m, const cdm_device *d)
{
        uint64_t sum = 0;

        for (size_t i = 0; i < m->audit.n_items; i++)
                if (!m->audit.items[i].granted && streq(m->audit.items[i].device, d->name))
                        sum += m->audit.items[i].anon + m->audit.items[i].file;
        return sum;
}

static int append_nodes(sd_bus_message *reply, const cdm_nodemask *nodes)
{
        int r = sd_bus_message_open_container(reply, 'a', "u");

        for (int id = -1; r >= 0 && (id = cdm_nodemask_next(nodes, id)) >= 0;)
                r = sd_bus_message_append(reply, "u", (uint32_t) id);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int device_property(sd_bus *bus, const char *path, const char *interface, const char *property,
                sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        const cdm_device *d = device_of(userdata, path);

        if (!d)
                return sd_bus_error_setf(error, CDM_BUS_ERROR("NoSuchDevice"), "device is gone");
        if (streq(property, "Name"))
                return sd_bus_message_append(reply, "s", d->name);
        if (streq(property, "Kind"))
                return sd_bus_message_append(reply, "s", cdm_kind_to_string(d->kind));
        if (streq(property, "Source"))
                return sd_bus_message_append(reply, "s", cdm_source_to_string(d->source));
        if (streq(property, "State"))
                return sd_bus_message_append(reply, "s", dev_state_to_string(manager_device_state(userdata, d->name)));
        if (streq(property, "Nodes"))
                return append_nodes(reply, &d->nodes);
        if (streq(property, "TotalBytes"))
                return sd_bus_message_append(reply, "t", d->total_bytes);
        if (streq(property, "FreeBytes"))
                return sd_bus_message_append(reply, "t", d->free_bytes);
        if (streq(property, "ReadBandwidthMBps"))
                return sd_bus_message_append(reply, "u", d->read_bandwidth_mbps);
        if (streq(property, "ReadLatencyNs"))
                return sd_bus_message_append(reply, "u", d->read_latency_ns);
        return -EINVAL;
}

static int device_manager_property(sd_bus *bus, const char *path, const char *interface,
                const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const cdm_device *d = device_of(m, path);
        int r;

        if (!d)
                return sd_bus_error_setf(error, CDM_BUS_ERROR("NoSuchDevice"), "device is gone");
        if (streq(property, "GrantedBytes"))
                return sd_bus_message_append(reply, "t", granted_bytes(m, d));
        if (streq(property, "JobBytes"))
                return sd_bus_message_append(reply, "t", job_bytes(m, d));
        if (streq(property, "SpilledBytes"))
                return sd_bus_message_append(reply, "t", spilled_bytes(m, d));
        /* Jobs */
        r = sd_bus_message_open_container(reply, 'a', "o");
        for (size_t i = 0; r >= 0 && i < m->jobs.n; i++) {
                _cleanup_free_ char *p = NULL;

                if (!streq(m->jobs.items[i].device, d->name))
                        continue;
                p = bus_job_path(m->jobs.items[i].id);
                r = p ? sd_bus_message_append(reply, "o", p) : -ENOMEM;
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int job_property(sd_bus *bus, const char *path, const char *interface, const char *property,
                sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        const cdm_job *j = job_of(userdata, path);

        if (!j)
                return sd_bus_error_setf(error, CDM_BUS_ERROR("NoSuchJob"), "job is gone");
        if (streq(property, "Id"))
                return sd_bus_message_append(reply, "s", j->id);
        if (streq(property, "CGroup"))
                return sd_bus_message_append(reply, "s", j->cgroup);
        if (streq(property, "Device"))
                return sd_bus_message_append(reply, "s", j->device);
        if (streq(property, "Policy"))
                return sd_bus_message_append(reply, "s", cdm_policy_to_string(j->policy));
        if (streq(property, "State"))
                return sd_bus_message_append(reply, "s", cdm_job_state_to_string(j->state));
        if (streq(property, "QuotaBytes"))
                return sd_bus_message_append(reply, "t", j->quota);
        if (streq(property, "DeviceBytes"))
                return sd_bus_message_append(reply, "t", j->device_bytes);
        if (streq(property, "SystemBytes"))
                return sd_bus_message_append(reply, "t", j->system_bytes);
        if (streq(property, "CreatedUSec"))
                return sd_bus_message_append(reply, "t", j->created_usec);
        if (streq(property, "MovedToDeviceBytes"))
                return sd_bus_message_append(reply, "t", j->moved_to_device);
        if (streq(property, "MovedToSystemBytes"))
                return sd_bus_message_append(reply, "t", j->moved_to_system);
        return -EINVAL;
}

#define DP(name, sig) SD_BUS_PROPERTY(name, sig, device_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)
#define DM(name, sig) SD_BUS_PROPERTY(name, sig, device_manager_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)
#define JP(name, sig) SD_BUS_PROPERTY(name, sig, job_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

const sd_bus_vtable device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        DP("Name", "s"), DP("Kind", "s"), DP("Source", "s"), DP("State", "s"), DP("Nodes", "au"),
        DP("TotalBytes", "t"), DP("FreeBytes", "t"), DM("GrantedBytes", "t"), DM("JobBytes", "t"),
        DM("SpilledBytes", "t"), DP("ReadBandwidthMBps", "u"), DP("ReadLatencyNs", "u"),
        /* Thousands of paths: a change says "invalid", a reader that cares asks again. */
        SD_BUS_PROPERTY("Jobs", "ao", device_manager_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_VTABLE_END,
};

const sd_bus_vtable job_vtable[] = {
        SD_BUS_VTABLE_START(0),
        JP("Id", "s"), JP("CGroup", "s"), JP("Device", "s"), JP("QuotaBytes", "t"),
        JP("DeviceBytes", "t"), JP("SystemBytes", "t"), JP("Policy", "s"), JP("State", "s"),
        JP("CreatedUSec", "t"), JP("MovedToDeviceBytes", "t"), JP("MovedToSystemBytes", "t"),
        SD_BUS_VTABLE_END,
};

int bus_add_object_vtables(Manager *m)
{
        int r;

        r = sd_bus_add_fallback_vtable(m->bus, NULL, CDM_BUS_DEVICE_PREFIX, CDM_BUS_DEVICE, device_vtable,
                        find_device, m);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(m->bus, NULL, CDM_BUS_DEVICE_PREFIX, enumerate, m);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(m->bus, NULL, CDM_BUS_JOB_PREFIX, CDM_BUS_JOB, job_vtable,
                                find_job, m);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(m->bus, NULL, CDM_BUS_JOB_PREFIX, enumerate, m);
        return r;
}

int bus_append_device_row(sd_bus_message *reply, Manager *m, const cdm_device *d)
{
        _cleanup_free_ char *path = bus_device_path(d->name);
        int r;

        if (!path)
                return -ENOMEM;
        r = sd_bus_message_open_container(reply, 'r', "sossautt");
        if (r >= 0)
                r = sd_bus_message_append(reply, "soss", d->name, path, cdm_kind_to_string(d->kind),
                                dev_state_to_string(manager_device_state(m, d->name)));
        if (r >= 0)
                r = append_nodes(reply, &d->nodes);
        if (r >= 0)
                r = sd_bus_message_append(reply, "tt", d->total_bytes, d->free_bytes);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

int bus_append_job_row(sd_bus_message *reply, const cdm_job *j)
{
        _cleanup_free_ char *path = bus_job_path(j->id);

        if (!path)
                return -ENOMEM;
        return sd_bus_message_append(reply, "(sosstts)", j->id, path, j->cgroup, j->device, j->quota,
                        j->device_bytes, cdm_job_state_to_string(j->state));
}

int bus_append_audit(sd_bus_message *reply, Manager *m)
{
        int r = sd_bus_message_open_container(reply, 'a', "(ssttt)");

        for (size_t i = 0; r >= 0 && i < m->audit.n_items; i++) {
                const cdm_audit_item *it = &m->audit.items[i];

                if (it->granted)
                        continue;
                r = sd_bus_message_append(reply, "(ssttt)", it->owner, it->device, it->anon + it->file,
                                it->repaired, it->kernel);
        }
        for (size_t i = 0; r >= 0 && i < m->audit.n_root_pids; i++) {
                char owner[32];

                (void) snprintf(owner, sizeof(owner), "pid:%d", m->audit.root_pids[i]);
                r = sd_bus_message_append(reply, "(ssttt)", owner, "", (uint64_t) 0, (uint64_t) 0, (uint64_t) 0);
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

void bus_emit_job_added(Manager *m, const char *id)
{
        _cleanup_free_ char *path = NULL, *dp = NULL;
        const cdm_job *j;

        if (!m->bus || !(path = bus_job_path(id)))
                return;
        (void) sd_bus_emit_object_added(m->bus, path);
        /* Only the job's device has changed. */
        j = cdm_jobs_find(&m->jobs, id);
        if (j && (dp = bus_device_path(j->device)))
                (void) sd_bus_emit_properties_changed(m->bus, dp, CDM_BUS_DEVICE, "GrantedBytes", "Jobs", NULL);
}

void bus_emit_job_removed(Manager *m, const char *id, const char *reason)
{
        _cleanup_free_ char *path = NULL;

        if (!m->bus || !(path = bus_job_path(id)))
                return;
        (void) sd_bus_emit_object_removed(m->bus, path);
        (void) sd_bus_emit_signal(m->bus, CDM_BUS_PATH, CDM_BUS_MANAGER, "JobRemoved", "ss", id, reason);
        for (size_t i = 0; m->layout && i < m->layout->n_devices; i++) {
                _cleanup_free_ char *dp = bus_device_path(m->layout->devices[i].name);
                if (dp)
                        (void) sd_bus_emit_properties_changed(m->bus, dp, CDM_BUS_DEVICE, "GrantedBytes", "Jobs", NULL);
        }
}

void bus_emit_job_changed(Manager *m, const char *id)
{
        _cleanup_free_ char *path = NULL;

        if (!m->bus || !cdm_jobs_find(&m->jobs, id) || !(path = bus_job_path(id)))
                return;
        (void) sd_bus_emit_properties_changed(m->bus, path, CDM_BUS_JOB, "QuotaBytes", "DeviceBytes",
                        "SystemBytes", "Policy", "State", "MovedToDeviceBytes", "MovedToSystemBytes", NULL);
}

void bus_emit_quota_exceeded(Manager *m, const char *id, uint64_t bytes, uint64_t quota)
{
        if (m->bus)
                (void) sd_bus_emit_signal(m->bus, CDM_BUS_PATH, CDM_BUS_MANAGER, "QuotaExceeded", "stt", id,
                                bytes, quota);
}

void bus_emit_spill(Manager *m, const char *signal, const char *owner, const char *device, uint64_t bytes)
{
        if (m->bus)
                (void) sd_bus_emit_signal(m->bus, CDM_BUS_PATH, CDM_BUS_MANAGER, signal, "sst", owner, device,
                                bytes);
}

void bus_emit_device_state(Manager *m, const char *device, const char *state, const char *reason)
{
        _cleanup_free_ char *path = NULL;

        if (!m->bus)
                return;
        (void) sd_bus_emit_signal(m->bus, CDM_BUS_PATH, CDM_BUS_MANAGER, "DeviceStateChanged", "sss", device,
                        state, reason);
        path = bus_device_path(device);
        if (path)
                (void) sd_bus_emit_properties_changed(m->bus, path, CDM_BUS_DEVICE, "State", NULL);
}

void bus_emit_manager_changed(Manager *m, const char *property)
{
        if (m->bus)
                (void) sd_bus_emit_properties_changed(m->bus, CDM_BUS_PATH, CDM_BUS_MANAGER, property, NULL);
}

void bus_emit_device_changed(Manager *m, const char *device)
{
        _cleanup_free_ char *path = NULL;

        if (!m->bus || !(path = bus_device_path(device)))
                return;
        (void) sd_bus_emit_properties_changed(m->bus, path, CDM_BUS_DEVICE, "GrantedBytes", "JobBytes", "Jobs", NULL);
}

void bus_emit_audit_done(Manager *m)
{
        if (!m->bus)
                return;
        (void) sd_bus_emit_properties_changed(m->bus, CDM_BUS_PATH, CDM_BUS_MANAGER, "Isolated",
                        "LastAuditUSec", "SpilledBytes", "RepairedBytes", NULL);
}
