/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The Manager's fields, for every part of the daemon. The Manager owns everything with a lifetime longer than one cycle: the library context,
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
#include "manager-events.h"
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
        ManagerEvents events;       /* what changed, for the bus layer (manager-events.h) */
        uint64_t generation;        /* counts changes: a cycle, a write, an event */
        struct {                    /* the last Plan answer (manager-bus.c) */
                cdm_plan plan;
                uint64_t usec, generation;
                bool valid;
        } plan_cache;

        struct ev_loop *loop;
        void *watchers; /* manager-loop.c's private state */
        bool use_bus; /* continuous mode on the system bus */
        bool cycle_requested; /* manager_request_cycle() */
        struct sd_bus *bus;
        struct EvSdBus *bus_glue;
        struct BusSignals *bus_signals; /* bus-signals.c */
} Manager;

/* Record what changed, for whoever announces it (the bus layer). */
static inline void manager_event(Manager *m, const ManagerEvent *ev)
{
        m->generation++;
        manager_events_add(&m->events, ev);
}

/* Ask for a cycle: the loop runs one soon, outside the caller's stack (manager-loop.c). */
static inline void manager_request_cycle(Manager *m)
{
        m->cycle_requested = true;
}
