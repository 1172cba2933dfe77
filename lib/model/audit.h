/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The audit (ISOLATION.md invariant 5): where memory on device nodes comes from. Per device,
 * the usage of every frontier cgroup and job (memory.numa_stat, hierarchical, so the
 * frontier covers the whole tree), the root cgroup's own share (node usage minus its
 * children's), user processes in the root cgroup, and kernel memory on device nodes.
 */

#include "isolation.h"

typedef struct cdm_audit_item {
        char *owner;  /* cgroup path; "/" is the root cgroup's own share */
        char *device;
        uint64_t anon;
        uint64_t file;     /* page cache, shmem included */
        uint64_t kernel;   /* kernel stacks, page tables, slab charged to it on the device */
        uint64_t repaired; /* set by whoever repairs it */
        bool granted;      /* a job's use of its own device: not spill */
} cdm_audit_item;

/* A granted job's memory, on its device and on the system nodes. */
typedef struct cdm_job_usage {
        bool measured; /* false when its memory.numa_stat could not be read */
        uint64_t device_bytes;
        uint64_t system_bytes;
} cdm_job_usage;

typedef struct cdm_audit {
        cdm_audit_item *items;
        size_t n_items;
        uint64_t spilled_bytes; /* sum over items that are not granted */
        char **alarms;          /* kernel memory or normal zones on device nodes, ... */
        size_t n_alarms;
        int *root_pids; /* user processes (not kernel threads) in the root cgroup */
        size_t n_root_pids;
        cdm_job_usage *jobs; /* parallel to the input's grants */
        size_t n_jobs;
} cdm_audit;

#define CDM_AUDIT_NULL ((cdm_audit){ 0 })
/* The root share is computed from two reads that race with allocations: ignore less. */
#define CDM_AUDIT_ROOT_NOISE_BYTES (4ULL * 1024 * 1024)

void cdm_audit_done(cdm_audit *a);
/* Alarms that the topology alone shows. */
int cdm_audit_alarms(const cdm_topology *t, const cdm_layout *l, cdm_audit *a);
