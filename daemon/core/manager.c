/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One cycle: collect (topology, cgroup tree, knobs) → decide (layout, isolation plan) →
 * apply (unless dry-run). Each change is logged once, with its old value and its reason;
 * failures are classified (gone, transient, capacity, permanent) and logged once per cycle.
 */

#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "cgroup-backend.h"
#include "cgroup-tree-fs.h"
#include "cgroup-tree.h"
#include "config-ini.h"
#include "ctx-roots.h"
#include "jobs-store.h"
#include "knobs.h"
#include "log.h"
#include "manager-apply.h"
#include "manager-audit.h"
#include "manager-damon.h"
#include "manager-devices.h"
#include "manager-jobs.h"
#include "manager-migrate.h"
#include "manager-move.h"
#include "manager-numa.h"
#include "manager-store.h"
#include "manager.h"
#include "systemd-backend.h"
#include "util/strv.h"
#include "util/time-util.h"


_printf_(3, 0) static void lib_log(void *userdata, int priority, const char *format, va_list ap)
{
        if (priority > log_get_max_level())
                return;
        vfprintf(stderr, format, ap);
        fputc('\n', stderr);
}

/* Takes ownership of @config, also on failure. */
static void log_damage(const char *dir, const char *file, char **damage, size_t n, const char *what)
{
        for (size_t i = 0; i < n; i++)
                log_error("State damaged: %s/%s%s%s; %s", dir, file, *file ? ": " : "", damage[i], what);
        strv_free_n(damage, n);
}

/*
 * The state directory, locked for this process. A damaged store does not stop cdmd: what
 * cannot be read back is lost and said so, everything is isolated as if it had never been
 * granted (a job not read back is fenced; a device record not read back is a failed device).
 */
static int open_store(Manager *m)
{
        const char *dir = m->config->state_dir;
        char **damage = NULL;
        size_t n = 0;
        pid_t holder;
        int r;

        r = cdm_store_open(dir, &m->store, &holder);
        if (r == -EBUSY) {
                if (holder > 0)
                        return log_error_errno(r, "State directory '%s' is in use by another cdmd (pid %d): "
                                        "one cdmd at a time (stop the service first).", dir, (int) holder);
                return log_error_errno(r, "State directory '%s' is in use by another cdmd: one at a time.", dir);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to open the state directory '%s': %m", dir);
        r = cdm_state_load(m->store, &m->state, &damage, &n);
        if (r < 0)
                return log_error_errno(r, "Failed to load '%s/settings': %m", dir);
        log_damage(dir, "settings", damage, n,
                        "the previous value of that setting is lost; --restore cannot put it back");
        damage = NULL;
        n = 0;
        r = cdm_jobs_load(m->store, &m->jobs, &damage, &n);
        if (r < 0)
                return log_error_errno(r, "Failed to load the jobs of '%s': %m", dir);
        log_damage(dir, "", damage, n, "that job has no grant now: its cgroup is fenced");
        r = manager_load_device_states(m);
        if (r < 0)
                return log_error_errno(r, "Failed to load '%s/devices': %m", dir);
        return 0;
}

int manager_new(const char *root, cdm_config *config, bool dry_run, Manager **ret)
{
        _cleanup_(manager_freep) Manager *m = calloc(1, sizeof(Manager));
        int r;

        if (!m) {
                cdm_config_free(config);
                return -ENOMEM;
        }
        m->config = config;
        m->dry_run = dry_run;
        r = cdm_ctx_new(root, &m->ctx);
        if (r < 0)
                return log_error_errno(r, "Failed to open root '%s' (it needs sys/ below it): %m",
                                root ?: "/");
        cdm_ctx_set_log_fn(m->ctx, lib_log, NULL);
        /* On the real root, cgroup writes go through libcgroup; below --root, plain files. */
        if (cdm_ctx_is_live(m->ctx)) {
                r = cdm_cgroup_libcgroup_init();
                if (r < 0)
                        log_warning_errno(r, "libcgroup cannot be initialised, writing cgroup files directly: %m");
                else
                        cdm_ctx_set_cgroup_backend(m->ctx, &cdm_cgroup_backend_libcgroup);
                r = systemd_backend_new(&m->systemd);
                if (r < 0)
                        return log_error_errno(r, "Failed to set up the systemd backend: %m");
                if (m->systemd) {
                        cdm_ctx_set_unit_backend(m->ctx, systemd_backend_ops(m->systemd));
                        log_info("systemd manages the cgroup tree: its units get AllowedMemoryNodes=, "
                                        "other cgroups are written directly.");
                }
        }
        if (!dry_run) {
                r = open_store(m);
                if (r < 0)
                        return r;
        }
        r = manager_set_grants_from_config(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m)
{
        if (!m)
                return NULL;
        manager_damon_free(m);
        cdm_sweeps_done(&m->sweeps);
        cdm_move_plan_done(&m->moves);
        manager_numa_free(m);
        cdm_plan_done(&m->plan);
        cdm_audit_done(&m->audit);
        cdm_cgroup_tree_free(m->cgroups);
        cdm_layout_free(m->layout);
        cdm_topology_free(m->topo);
        cdm_state_done(&m->state);
        cdm_jobs_done(&m->jobs);
        cdm_store_free(m->store);
        manager_device_states_free(m);
        manager_migrations_free(m);
        manager_events_done(&m->events);
        cdm_plan_done(&m->plan_cache.plan);
        for (size_t i = 0; i < m->n_written; i++) {
                free(m->written[i].object);
                free(m->written[i].value);
        }
        free(m->written);
        free(m->self_cgroup);
        cdm_ctx_unref(m->ctx);
        systemd_backend_free(m->systemd);
        cdm_config_free(m->config);
        free(m);
        return NULL;
}

/*
 * Static grants: the [job] sections become jobs (from_config). A reload removes the
 * configuration's jobs that are gone from it and adds new ones; jobs granted over the bus are
 * left alone.
 */
int manager_set_grants_from_config(Manager *m)
{
        uint64_t now = now_usec(CLOCK_REALTIME);

        for (size_t i = m->jobs.n; i-- > 0;) {
                cdm_job *j;
                bool keep;

                if (i >= m->jobs.n) /* a revoke's cycle dropped vanished jobs */
                        continue;
                j = &m->jobs.items[i];
                keep = !j->from_config;

                for (size_t k = 0; !keep && k < m->config->n_jobs; k++)
                        keep = streq(m->config->jobs[k].name, j->id);
                if (keep)
                        continue;
                /* A [job] section that is gone is revoked like any job; before the first cycle
                 * (no layout yet) its limits are put back, and the cycle fences it. */
                {
                        _cleanup_free_ char *msg = NULL, *id = strdup(j->id);

                        if (!id)
                                return log_error_errno(-ENOMEM, "Out of memory.");
                        if (m->layout)
                                (void) manager_revoke(m, id, "removed from the configuration", &msg);
                        else
                                (void) manager_drop_job(m, id, "removed from the configuration");
                }
        }
        for (size_t k = 0; k < m->config->n_jobs; k++) {
                const cdm_config_job *cj = &m->config->jobs[k];
                cdm_job *j = cdm_jobs_find(&m->jobs, cj->name);
                cdm_policy policy = cj->policy;
                int r;

                if (policy == CDM_POLICY_TIERED && !m->dry_run) {
                        _cleanup_free_ char *msg = NULL;

                        if (manager_damon_check(m, &msg) != JOB_OK) {
                                log_warning("[job %s] in %s:%u: %s; it runs with policy manual.", cj->name,
                                                cj->file, cj->line, msg ?: "tiered is not supported here");
                                policy = CDM_POLICY_MANUAL;
                        }
                }
                if (j && j->from_config) {
                        if (j->quota == cj->quota && j->policy == policy)
                                continue;
                        cdm_jobs_set_quota(&m->jobs, j, cj->quota);
                        j->policy = policy;
                        /* The configuration is the record of a [job]: a failed save is logged
                         * and the next start reads the section again. */
                        (void) manager_save_job(m, j);
                        continue;
                }
                if (j || cdm_jobs_find_cgroup(&m->jobs, cj->cgroup) || cdm_jobs_find_nested(&m->jobs, cj->cgroup)) {
                        log_warning("[job %s] in %s:%u clashes with a granted job (the same cgroup, or one "
                                        "inside or above it), ignoring.", cj->name, cj->file, cj->line);
                        continue;
                }
                r = cdm_jobs_add(&m->jobs, cj->name, cj->cgroup, cj->device, cj->quota, policy,
                                now, true, &j);
                if (r < 0)
                        return log_error_errno(r, "Out of memory.");
                (void) manager_save_job(m, j);
        }
        manager_raise_static_jobs(m);
        return 0;
}

static bool plan_device_online(const char *device, void *userdata)
{
        return manager_device_state(userdata, device) == DEV_ONLINE;
}

static bool plan_moving(const char *owner, void *userdata)
{
        return manager_moving(userdata, owner);
}

int manager_plan_moves(Manager *m, cdm_move_plan *ret)
{
        _cleanup_free_ char *sys = m->layout ? cdm_nodemask_format(&m->layout->system_nodes) : NULL;
        int r;

        *ret = (cdm_move_plan){ 0 };
        r = cdm_plan_moves(&(cdm_move_plan_input){ .audit = &m->audit, .jobs = &m->jobs,
                                   .repair = m->config->repair_migrate, .root_move = m->config->root_cgroup_move,
                                   .system_mems = sys,
                                   .device_online = plan_device_online,
                                   .moving = plan_moving, .userdata = m },
                        ret);
        for (size_t i = 0; r >= 0 && m->layout && i < m->layout->n_devices; i++) {
                const char *name = m->layout->devices[i].name;
                _cleanup_free_ char *owner = cdm_move_owner_device(name);
                DevState state = manager_device_state(m, name);

                if (!owner)
                        r = -ENOMEM;
                else if ((state == DEV_DRAINING || state == DEV_FAILED) && manager_moving(m, owner))
                        r = cdm_plan_evacuation(name, state == DEV_FAILED, ret);
        }
        if (r < 0)
                cdm_move_plan_done(ret);
        return r;
}

/*
 * What a cycle would write now, for Plan: a fresh look at the topology and the cgroups, with
 * none of a cycle's side effects (no device fault handling, no state file written, the
 * daemon's own topology, tree and plan left as they are). Any client may call it.
 */
int manager_dry_plan(Manager *m, cdm_plan *ret)
{
        _cleanup_(cdm_cgroup_tree_freep) cdm_cgroup_tree *tree = NULL;
        _cleanup_free_ const char **paths = NULL;
        cdm_topology *topo = NULL, *saved_topo;
        cdm_layout *layout = NULL, *saved_layout;
        cdm_plan plan = CDM_PLAN_NULL;
        ManagerInput i;
        int r;

        r = cdm_topology_read(m->ctx, &topo);
        if (r < 0)
                return log_error_errno(r, "Failed to read the topology: %s", cdm_ctx_last_error(m->ctx));
        r = cdm_layout_build(topo, m->config, &layout);
        if (r < 0) {
                cdm_topology_free(topo);
                return log_error_errno(r, "Failed to classify nodes: %m");
        }
        paths = calloc(m->jobs.n + 1, sizeof(char *));
        if (!paths) {
                r = log_error_errno(-ENOMEM, "Out of memory.");
                goto out;
        }
        for (size_t k = 0; k < m->jobs.n; k++)
                paths[k] = m->jobs.items[k].cgroup;
        if (m->self_cgroup)
                paths[m->jobs.n] = m->self_cgroup;
        r = cdm_cgroup_tree_read(m->ctx, paths, m->jobs.n + !!m->self_cgroup, &tree);
        if (r < 0 && r != -ENOENT) {
                r = log_error_errno(r, "Failed to read the cgroup tree: %s", cdm_ctx_last_error(m->ctx));
                goto out;
        }
        /* The input is made from the manager's topology: this one, for the time of the plan. */
        saved_topo = m->topo;
        saved_layout = m->layout;
        m->topo = topo;
        m->layout = layout;
        r = manager_input_begin(m, tree, /* read_knobs= */ true, &i);
        if (r >= 0) {
                r = cdm_isolation_plan(&i.in, &plan);
                manager_input_end(&i);
                if (r < 0)
                        log_error_errno(r, "Failed to plan: %m");
        }
        m->topo = saved_topo;
        m->layout = saved_layout;
        if (r < 0) {
                cdm_plan_done(&plan);
                goto out;
        }
        *ret = plan;
        r = 0;
out:
        cdm_layout_free(layout);
        cdm_topology_free(topo);
        return r;
}

/*
 * One cycle, every phase in its order. Collect and decide the settings (topology, faults,
 * cgroup tree, plan), apply them, then audit what is now and act on it: repair spill, move
 * the root cgroup's processes, enforce the jobs' quotas and policies, hand the tiered jobs
 * and the sweeps to DAMON, follow the drains, and publish the result. Page moves are only
 * queued here; the executor makes them.
 */
int manager_cycle(Manager *m)
{
        int r;

        m->cycle_requested = false;
        m->generation++;
        if (!m->dry_run)
                manager_drop_vanished_jobs(m);
        manager_damon_drop_granted(m); /* a [job] section of a reload */
        r = manager_apply_settings(m, manager_detect_faults);
        if (r < 0)
                return r;
        r = manager_audit(m);
        if (r <= 0)
                return r;
        manager_repair(m);
        manager_check_numa_counters(m); /* after the repair: it counts what was found there */
        manager_repair_root(m);
        manager_enforce_jobs(m);
        manager_damon_sync(m);
        manager_watch_devices(m);
        manager_publish_audit(m);
        return 0;
}

int manager_reload(Manager *m, char **ret_errors)
{
        cdm_config *c = NULL;
        int r;

        (void) sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%llu",
                        (unsigned long long) now_usec(CLOCK_MONOTONIC));
        r = cdm_config_load(m->config_path, true, &c, ret_errors);
        if (r >= 0 && !streq(c->state_dir, m->config->state_dir)) {
                /* The store is locked and read once: moving it under a running daemon would
                 * leave its records behind. */
                if (asprintf(ret_errors, "%s: state_dir cannot change while cdmd runs ('%s' -> '%s'); "
                                    "restart cdmd to move it", m->config_path, m->config->state_dir, c->state_dir) < 0)
                        *ret_errors = NULL;
                cdm_config_free(c);
                c = NULL;
                r = -EINVAL;
        }
        if (r < 0) {
                /* "file:line: message" lines: one log line each. */
                for (const char *p = *ret_errors ?: ""; *p;) {
                        size_t n = strcspn(p, "\n");

                        log_error("%.*s", (int) n, p);
                        p += n + (p[n] == '\n');
                }
                log_error_errno(r, "Configuration '%s' is invalid, reload ignored: %m", m->config_path);
        } else {
                cdm_config_free(m->config);
                m->config = c;
                if (m->executor) /* the new cap for the moves under way too */
                        executor_set_bandwidth(m->executor, m->config->bandwidth_mbps * 1000000ULL);
                (void) manager_set_grants_from_config(m);
                manager_event(m, &(ManagerEvent){ .kind = MANAGER_EVENT_MANAGER_CHANGED, .id = "AuditIntervalUSec" });
                log_info("Configuration reloaded.");
                manager_request_cycle(m);
        }
        (void) sd_notify(false, "READY=1");
        return r;
}

int manager_restore(Manager *m)
{
        _cleanup_free_ int *results = NULL;
        size_t failed;

        if (m->state.n_settings == 0) {
                log_info("Nothing to restore.");
                return 0;
        }
        results = calloc(m->state.n_settings, sizeof(int));
        if (!results)
                return log_error_errno(-ENOMEM, "Out of memory.");
        failed = cdm_apply_restore(m->ctx, &m->state, results);
        for (size_t i = m->state.n_settings; i-- > 0;) {
                const cdm_setting *s = &m->state.settings[i];

                if (results[i] < 0 && cdm_apply_classify(results[i]) != CDM_APPLY_GONE)
                        log_error_errno(results[i], "Failed to restore %s to '%s': %m", s->object, s->old);
                else if (results[i] >= 0)
                        log_info("Restored %s to '%s'.", s->object, s->old);
        }
        if (failed)
                return log_error_errno(-EIO, "%zu settings could not be restored; they stay recorded.", failed);
        return cdm_state_forget_all(&m->state);
}
