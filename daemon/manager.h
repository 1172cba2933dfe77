/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The Manager owns everything with a lifetime longer than one cycle: the library context,
 * the configuration, the state directory, the jobs, the event loop and its watchers.
 */

#include <stdbool.h>
#include <stdint.h>

#include "cdm/cdm.h"
#include "config.h"
#include "audit.h"
#include "isolation.h"
#include "jobs.h"
#include "knobs.h"
#include "move-plan.h"
#include "layout.h"
#include "plan.h"
#include "state.h"
#include "sweep.h"
#include "topology.h"

struct ev_loop;

/* A cgroup object (file or unit property) and the value this daemon last wrote to it. */
typedef struct WrittenFence {
        char *object;
        char *value;
} WrittenFence;

typedef struct Manager {
        cdm_ctx *ctx;
        cdm_config *config;
        char *config_path;
        bool dry_run;
        cdm_store *store; /* state_dir, locked; NULL in dry-run mode */
        cdm_state state;
        cdm_jobs jobs; /* granted jobs: the configuration's and the bus's */

        /* The last cycle's view, kept for the report and the audit. */
        cdm_topology *topo;
        cdm_layout *layout;
        cdm_plan plan;
        size_t plan_failures;
        struct cdm_cgroup_tree *cgroups;
        cdm_audit audit;
        uint64_t repaired_bytes;   /* since start */
        uint64_t last_spilled;     /* of the last audit, to log changes once */
        size_t last_alarms;

        bool isolated; /* last cycle: no spill, no alarm, every setting as planned */
        struct SystemdBackend *systemd; /* systemd owns the tree: its units get AllowedMemoryNodes= */
        char *self_cgroup; /* the daemon's own cgroup, opened to the devices (manager-self.c) */
        /* What this daemon last wrote to each cgroup object, to tell drift from a change of plan. */
        WrittenFence *written;
        size_t n_written;
        uint64_t fence_drift_total;
        bool metrics_failed;
        struct Migration **migrations; /* Migrate requests, running and recently finished */
        size_t n_migrations;
        unsigned last_migration_id;
        struct DeviceState *device_states; /* devices that are or were not online */
        size_t n_device_states;
        bool devices_dirty;   /* device states not yet on disk (saved again each cycle) */
        bool devices_unknown; /* the devices file was damaged: every device fails at first sight */
        uint64_t last_audit_usec;
        uint64_t audits_total; /* audits done since the start */
        struct ManagerDamon *damon; /* the tiered jobs' kdamond (manager-damon.c) */
        cdm_sweeps sweeps;          /* spill left after the process repair (manager-sweep.c) */
        cdm_move_plan moves;        /* the page moves the last audit queued */
        struct ManagerNuma *numa;   /* numastat baselines (manager-numa.c) */
        uint64_t numa_miss_pages;    /* on device nodes, since start */
        uint64_t numa_foreign_pages;
        uint64_t numa_alarms;        /* audits that alarmed on them */
        struct Executor *executor;  /* the threads that move pages (executor.c), with the loop */

        struct ev_loop *loop;
        void *watchers; /* manager-loop.c's private state */
        bool use_bus; /* continuous mode on the system bus */
        struct sd_bus *bus;
        struct EvSdBus *bus_glue;
} Manager;

int manager_new(const char *root, cdm_config *config, bool dry_run, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);
/* collect → decide → (unless dry-run) apply. */
int manager_cycle(Manager *m);
int manager_restore(Manager *m);
int manager_set_grants_from_config(Manager *m);
/* The isolation input of the moment: its grants are the jobs, in the jobs' order (the
 * audit's per-job figures are indexed by it). */
typedef struct ManagerInput {
        cdm_isolation_input in;
        cdm_grant *grants;
        cdm_knobs knobs;
        cdm_nodemask fenced;
        char *unit_default_mems;
} ManagerInput;

int manager_input_begin(Manager *m, const struct cdm_cgroup_tree *cgroups, bool read_knobs,
                ManagerInput *ret);
void manager_input_end(ManagerInput *i);
int manager_dry_plan(Manager *m, cdm_plan *ret);
/* The page moves the next audit would queue, from the last one's figures, and the
 * evacuations under way; no side effect. Return: 0 or -ENOMEM. */
int manager_plan_moves(Manager *m, cdm_move_plan *ret);
int manager_apply_job(Manager *m, const char *cgroup);
int manager_sync_cgroup(Manager *m, const char *cgroup);
int manager_fence_cgroup(Manager *m, const char *cgroup);
int manager_reread_topology(Manager *m);
/* Run a cycle from the loop soon (not inside the caller's stack). */
void manager_schedule_cycle(Manager *m);
/* Re-read the configuration; -EINVAL with *ret_errors when invalid (the old one stays). */
int manager_reload(Manager *m, char **ret_errors);
/* Write one job's record, or forget it: 0 or a negative errno (logged). A change is made in
 * memory only after it is on disk. */
int manager_save_job(Manager *m, const cdm_job *j);
int manager_forget_job(Manager *m, const char *id);
/* Audit (and, with repair = migrate, repair) what the last cycle collected. */
/* The phases of a cycle after the settings are applied (manager_cycle() lists them): */
/* measure every cgroup's use of each device; 1 when there was something to audit */
int manager_audit(Manager *m);
/* spill found: logged, swept (manager-sweep.c) or queued back to system memory */
void manager_repair(Manager *m);
/* user processes in the root cgroup moved into a fenced cgroup ([isolation] root_cgroup) */
void manager_repair_root(Manager *m);
/* @bytes of @owner's spill on @device are back (a repair's move, a sweep): counted, announced. */
void manager_spill_repaired(Manager *m, const char *owner, const char *device, uint64_t bytes);
/* Isolated, LastAuditUSec, the metrics file and AuditDone */
void manager_publish_audit(Manager *m);
