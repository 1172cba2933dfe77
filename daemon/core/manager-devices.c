/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device lifecycle: online → (Drain) → draining → drained → (Resume) → online; any state →
 * (ReportFault, or a fault source) → failed, evacuated, failed until Resume. Fault sources
 * besides ReportFault: the node's memory_failure counter rising, and its memory blocks going
 * offline underneath cdmd.
 *
 * Draining, in this order: fence (a device that is not online has its nodes removed from
 * every cpuset, jobs on it are suspended; in cgroup v2 the cpuset write moves their pages);
 * move what processes still map there (migrate_pages, then move_pages; on the executor's
 * threads, the loop goes on meanwhile, and Resume waits until it is done); reclaim the node's page
 * cache where the kernel can (nodeN/reclaim, 6.17+); offline the memory blocks, which moves
 * every movable page left, page cache and shmem included (both writes make the kernel move
 * pages before they return, so they too run on a worker). A block that will not go offline
 * keeps the device draining, and the processes that still hold pages there are named.
 * Nothing is lost: a page is moved or stays where it was. A fault drain has no bandwidth cap.
 * States are kept in state_dir/devices so a drained device stays drained across restarts.
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctx-roots.h"
#include "log.h"
#include "manager-devices.h"
#include "move-plan.h"
#include "manager-apply.h"
#include "manager-store.h"
#include "manager-move.h"
#include "proc-fs.h"
#include "record.h"
#include "sys.h"
#include "util/strbuf.h"
#include "util/strv.h"
#include "util/text.h"

#define OFFLINE_TRIES 20 /* each write already retries inside the kernel for a while */

/* The owner of a device's evacuation on the executor. */
bool manager_device_evacuating(Manager *m, const char *name)
{
        _cleanup_free_ char *owner = cdm_move_owner_device(name);

        return owner && manager_moving(m, owner);
}

int manager_drain(Manager *m, const char *device, const char *reason, bool fault, char **ret_msg)
{
        DeviceState *s;
        int r;

        *ret_msg = NULL;
        if (!m->layout || !cdm_layout_find_device(m->layout, device)) {
                return msg_printf(ret_msg, JOB_NO_DEVICE, "no device '%.*s'", UTF8_CUT(device, 64));
        }
        s = manager_find_device_state(m, device, true);
        if (!s)
                return -ENOMEM;
        if (!fault && s->state != DEV_ONLINE) {
                return msg_printf(ret_msg, JOB_NOT_ONLINE, "device '%s' is %s", device, dev_state_to_string(s->state));
        }
        r = manager_set_device_state(m, s, fault ? DEV_FAILED : DEV_DRAINING, reason, true);
        if (r < 0)
                return manager_state_error(m, r, ret_msg);
        s->fault = fault;
        /* Fence now, within the call (a cgroup that holds device memory is fenced on a worker:
         * the kernel moves its pages inside that write); the evacuation runs in the next cycle,
         * right after the reply, so the caller is not held for as long as moving pages takes. */
        (void) manager_apply_settings(m, NULL);
        s = manager_find_device_state(m, device, false);
        if (s)
                s->evacuation_pending = true;
        manager_request_cycle(m);
        return JOB_OK;
}

int manager_resume(Manager *m, const char *device, char **ret_msg)
{
        DeviceState *s = manager_find_device_state(m, device, false);
        int r;

        *ret_msg = NULL;
        if (!m->layout || !cdm_layout_find_device(m->layout, device)) {
                return msg_printf(ret_msg, JOB_NO_DEVICE, "no device '%.*s'", UTF8_CUT(device, 64));
        }
        if (!s || s->state == DEV_ONLINE)
                return JOB_OK;
        if (s->state == DEV_DRAINING && (s->evacuation_pending || manager_device_evacuating(m, device))) {
                return msg_printf(ret_msg, JOB_NOT_ONLINE, "device '%s' is still being drained", device);
        }
        r = manager_set_device_state(m, s, DEV_ONLINE, "resumed", true);
        if (r < 0)
                return manager_state_error(m, r, ret_msg);
        s->evacuation_pending = false;
        s->watching = false;
        {
                _cleanup_free_ char *owner = cdm_move_owner_device(device);

                if (owner)
                        manager_move_cancel(m, owner); /* a failed device's evacuation */
        }
        (void) manager_apply_settings(m, NULL); /* onlines the blocks (movable) and reopens the jobs */
        manager_request_cycle(m);
        return JOB_OK;
}

/* Name the processes that still map pages on the device. */
static char *holders(Manager *m, const cdm_device *d)
{
        _cleanup_free_ int *pids = NULL;
        strbuf b = STRBUF_NULL;
        size_t n = 0;

        if (cdm_proc_list_pids(m->ctx, &pids, &n) < 0)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *comm = NULL;
                cdm_vma_list *v = NULL;
                char path[32];
                uint64_t bytes;

                if (cdm_proc_vmas_read(m->ctx, pids[i], &d->nodes, &v) < 0)
                        continue;
                bytes = cdm_vma_list_bytes_on(v, &d->nodes);
                cdm_vma_list_free(v);
                if (bytes == 0)
                        continue;
                (void) snprintf(path, sizeof(path), "%d/comm", pids[i]);
                if (cdm_proc_read(m->ctx, path, 4096, &comm, NULL) >= 0)
                        comm[strcspn(comm, "\n")] = 0;
                strbuf_printf(&b, "%spid %d (%s) holds %llu bytes", b.len ? ", " : "", pids[i],
                                comm ?: "?", (unsigned long long) bytes);
        }
        return strbuf_steal(&b);
}

/*
 * What is left after the processes' pages: the nodes' page cache reclaimed where the kernel
 * can (nodeN/reclaim, 6.17+), then every online block offlined, which moves every movable page
 * left. Both make the kernel move or drop pages before the write returns, so they are one
 * write request on a worker, in this order (EBUSY and EAGAIN tried again). Return: 0 or
 * -ENOMEM; @ret_writes has object, value pairs (a reclaim, when @ret_reclaim, comes first).
 */
static int tail_writes(Manager *m, const cdm_device *d, char ***ret_writes, size_t *ret_n, size_t *ret_reclaim)
{
        char **v = NULL;
        size_t n = 0, reclaim = 0;
        int r = 0, id;

        for (id = -1; r >= 0 && (id = cdm_nodemask_next(&d->nodes, id)) >= 0;) {
                const cdm_node *node = cdm_topology_find_node(m->topo, (unsigned) id);

                if (!node || node->mem.file_pages == 0)
                        continue;
                r = strv_append_printf(&v, &n, "sys/devices/system/node/node%d/reclaim", id);
                if (r >= 0)
                        r = strv_append_printf(&v, &n, "%llu", (unsigned long long) node->mem.file_pages);
                reclaim++;
        }
        for (id = -1; r >= 0 && (id = cdm_nodemask_next(&d->nodes, id)) >= 0;) {
                const cdm_node *node = cdm_topology_find_node(m->topo, (unsigned) id);

                for (size_t i = 0; r >= 0 && node && i < node->n_blocks; i++)
                        if (node->blocks[i].state != CDM_BLOCK_OFFLINE) {
                                r = strv_append_printf(&v, &n, "sys/devices/system/memory/memory%u/state",
                                                node->blocks[i].id);
                                if (r >= 0)
                                        r = strv_append_printf(&v, &n, "offline");
                        }
        }
        if (r < 0) {
                strv_free_n(v, n);
                return r;
        }
        *ret_writes = v;
        *ret_n = n / 2;
        *ret_reclaim = reclaim;
        return 0;
}

/* Each step of an evacuation is announced with the device's current state. */
static void announce(Manager *m, DeviceState *s, const char *step)
{
        manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_DEVICE_STATE, .device = s->name,
                                         .text = dev_state_to_string(s->state), .text2 = step });
}

typedef struct EvacuateDone {
        Manager *m;
        char *device;
        bool fault;
} EvacuateDone;

static void evacuate_done_free(void *userdata)
{
        EvacuateDone *d = userdata;

        if (d)
                free(d->device);
        free(d);
}

/* The reclaim and offline writes of an evacuation, and what is needed when they are done. */
typedef struct TailDone {
        EvacuateDone *ed;
        char **writes; /* object, value pairs */
        size_t n_writes, n_reclaim;
} TailDone;

/* The blocks are offline, or some would not go: the device's state says which. */
static void tail_finish(void *userdata, const char *owner, const ExecResult *res)
{
        TailDone *td = userdata;
        Manager *m = td->ed->m;
        DeviceState *s = manager_find_device_state(m, td->ed->device, false);
        _cleanup_free_ char *who = NULL;
        const cdm_device *d;
        unsigned left = 0;

        if (res->cancelled || !s || s->state == DEV_ONLINE || s->fault != td->ed->fault)
                return;
        for (size_t i = 0; i < res->n_writes; i++) {
                int r = res->write_results[i];

                if (i < td->n_reclaim) {
                        if (r == -ENOENT)
                                log_info("%s: this kernel has no per-node reclaim (6.17+), offlining moves the page cache.",
                                                td->writes[2 * i]);
                        else if (r < 0)
                                log_debug("Reclaim %s: %s", td->writes[2 * i], strerror(-r));
                } else if (r < 0) {
                        log_warning_errno(r, "Failed to offline %s of %s: %m", td->writes[2 * i], td->ed->device);
                        left++;
                }
        }
        log_info("Device %s: page cache reclaimed and memory blocks offlined in %llu ms.", td->ed->device,
                        (unsigned long long) (res->usec / 1000));
        (void) manager_reread_topology(m);
        if (left == 0) {
                (void) manager_set_device_state(m, s, s->fault ? DEV_FAILED : DEV_DRAINED,
                                s->fault ? "evacuated after a fault" : "evacuated, memory offline", false);
                return;
        }
        d = m->layout ? cdm_layout_find_device(m->layout, s->name) : NULL;
        who = d ? holders(m, d) : NULL;
        {
                _cleanup_free_ char *reason = NULL;

                if (asprintf(&reason, "%u memory blocks cannot go offline%s%s", left, who && *who ? "; " : "",
                                    who ?: "") < 0)
                        reason = NULL;
                log_error("Device %s: %s.", s->name, reason ?: "blocks cannot go offline");
                s->reason = (free(s->reason), reason ? strdup(reason) : NULL);
                manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_DEVICE_STATE, .device = s->name,
                                                 .text = dev_state_to_string(s->state), .text2 = reason ?: "" });
        }
}

static void tail_done_free(void *userdata)
{
        TailDone *td = userdata;

        if (!td)
                return;
        evacuate_done_free(td->ed);
        strv_free_n(td->writes, 2 * td->n_writes);
        free(td);
}

static void tail(Manager *m, EvacuateDone *ed_in, const cdm_device *d)
{
        _cleanup_free_ char *owner = cdm_move_owner_device(d->name);
        TailDone *td = calloc(1, sizeof(*td));

        if (!owner || !td || !(td->ed = calloc(1, sizeof(EvacuateDone))) ||
                        !(td->ed->device = strdup(ed_in->device)) ||
                        tail_writes(m, d, &td->writes, &td->n_writes, &td->n_reclaim) < 0) {
                log_error_errno(-ENOMEM, "Out of memory.");
                tail_done_free(td);
                return;
        }
        td->ed->m = m;
        td->ed->fault = ed_in->fault;
        (void) manager_write_submit(m, &(ExecRequest){ .owner = owner, .prio = ed_in->fault ? CDM_MOVE_FAULT : CDM_MOVE_DRAIN,
                        .writes = (const char *const *) td->writes, .n_writes = td->n_writes,
                        .write_tries = OFFLINE_TRIES, .done = tail_finish, .userdata = td,
                        .free_userdata = tail_done_free });
}

/* The processes' pages are off the device: reclaim and offline what is left. */
static void evacuate_finish(void *userdata, const char *owner, const ExecResult *res)
{
        EvacuateDone *ed = userdata;
        Manager *m = ed->m;
        DeviceState *s = manager_find_device_state(m, ed->device, false);
        const cdm_device *d;

        /* Cancelled: a fault took over a drain (its own evacuation follows), or cdmd stops
         * (the evacuation goes on at the next start). */
        if (res->cancelled || !s || s->state == DEV_ONLINE || s->fault != ed->fault)
                return;
        (void) manager_reread_topology(m);
        d = m->layout ? cdm_layout_find_device(m->layout, s->name) : NULL;
        if (!d)
                return;
        log_info("Device %s: %llu bytes of mapped memory moved to system nodes in %llu ms.", d->name,
                        (unsigned long long) res->stats.bytes_moved, (unsigned long long) (res->usec / 1000));
        {
                char step[96];

                (void) snprintf(step, sizeof(step), "mapped memory moved to system nodes: %llu bytes",
                                (unsigned long long) res->stats.bytes_moved);
                announce(m, s, step);
        }
        announce(m, s, "reclaiming the page cache where the kernel can; offlining the memory blocks");
        tail(m, ed, d);
}

/* Fenced already: queue moving every process's pages on the device to the system nodes (a
 * fault evacuation first of all and without the bandwidth cap); the rest follows when done. */
static void evacuate(Manager *m, DeviceState *s, const cdm_device *d)
{
        _cleanup_free_ char *owner = NULL;
        _cleanup_free_ int *pids = NULL;
        EvacuateDone *ed;
        size_t n = 0;

        s->evacuation_pending = false;
        (void) manager_reread_topology(m);
        d = cdm_layout_find_device(m->layout, s->name);
        owner = cdm_move_owner_device(s->name);
        ed = calloc(1, sizeof(*ed));
        if (!d || !owner || !ed || !(ed->device = strdup(s->name))) {
                evacuate_done_free(ed);
                return;
        }
        ed->m = m;
        ed->fault = s->fault;
        /* A drain under way gives way to the evacuation after a fault. */
        manager_move_cancel(m, owner);
        announce(m, s, "fenced: no cgroup may allocate there, its jobs are suspended");
        if (cdm_ctx_is_live(m->ctx) && !m->dry_run && cdm_proc_list_pids(m->ctx, &pids, &n) < 0)
                n = 0;
        for (size_t i = 0; i < n; i++)
                if (pids[i] == getpid())
                        pids[i] = pids[--n];
        (void) manager_move_submit(m, &(ExecRequest){ .owner = owner,
                        .prio = s->fault ? CDM_MOVE_FAULT : CDM_MOVE_DRAIN, .pids = pids, .n_pids = n,
                        .from = d->nodes, .to = m->layout->system_nodes, .budget = UINT64_MAX,
                        .capped = !s->fault, .after_write = true, .done = evacuate_finish, .userdata = ed,
                        .free_userdata = evacuate_done_free });
}

/*
 * Fault sources, checked right after the topology is read and before anything is planned
 * (the plan would otherwise online again blocks that went offline underneath cdmd).
 */
void manager_detect_faults(Manager *m)
{
        /* The devices file was damaged beyond telling whose record it was: fail them all. */
        for (size_t i = 0; m->devices_unknown && m->layout && i < m->layout->n_devices; i++) {
                DeviceState *s = manager_find_device_state(m, m->layout->devices[i].name, true);

                if (!s || s->state == DEV_FAILED)
                        continue;
                s->fault = true;
                s->evacuation_pending = true;
                (void) manager_set_device_state(m, s, DEV_FAILED, "the devices state file was damaged: Resume brings it back", false);
        }
        if (m->layout)
                m->devices_unknown = false;
        manager_save_device_states(m);

        for (size_t i = 0; m->layout && m->topo && !m->dry_run && i < m->layout->n_devices; i++) {
                const cdm_device *d = &m->layout->devices[i];
                DeviceState *s = manager_find_device_state(m, d->name, true);
                _cleanup_free_ char *why = NULL;
                uint64_t failures = 0;
                unsigned online = 0;

                if (!s)
                        return;
                for (int id = -1; (id = cdm_nodemask_next(&d->nodes, id)) >= 0;) {
                        const cdm_node *n = cdm_topology_find_node(m->topo, (unsigned) id);
                        if (n) {
                                failures += n->memory_failures;
                                online += cdm_node_blocks_online(n);
                        }
                }
                if (s->state == DEV_ONLINE && s->watching) {
                        if (failures > s->memory_failures_seen && asprintf(&why,
                                            "memory_failure counter rose to %llu", (unsigned long long) failures) < 0)
                                why = NULL;
                        else if (!why && online < s->blocks_online_seen &&
                                        asprintf(&why, "%u memory blocks went offline underneath cdmd",
                                                        s->blocks_online_seen - online) < 0)
                                why = NULL;
                        if (why) {
                                s->fault = true;
                                s->evacuation_pending = true;
                                (void) manager_set_device_state(m, s, DEV_FAILED, why, false);
                        }
                }
                s->memory_failures_seen = failures;
                if (s->state == DEV_ONLINE)
                        s->blocks_online_seen = s->watching ? MAX(online, s->blocks_online_seen) : online;
                s->watching = s->state == DEV_ONLINE;
        }
}

/* After each audit: the evacuation of draining and failed devices. */
void manager_watch_devices(Manager *m)
{
        for (size_t i = 0; m->layout && m->topo && i < m->layout->n_devices; i++) {
                const cdm_device *d = &m->layout->devices[i];
                DeviceState *s = manager_find_device_state(m, d->name, false);

                if (s && s->evacuation_pending && !m->dry_run) {
                        _cleanup_free_ char *name = strdup(d->name);

                        evacuate(m, s, d);
                        if (!name || !m->layout || !cdm_layout_find_device(m->layout, name))
                                return;
                }
        }
}
