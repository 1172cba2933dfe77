/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The configuration as a value: defaults, one table of keys, validation. Parsing of INI text
 * (config-ini.c) only dispatches through the table, so everything here is pure.
 */

#include <stdbool.h>
#include <stdint.h>

#include "cdm/cdm.h"
#include "util/macro.h"

#define CDM_NAME_MAX 64
#define CDM_CONFIG_DEVICES_MAX 256
#define CDM_CONFIG_JOBS_MAX 4096

typedef enum cdm_kind {
        CDM_KIND_AUTO = 0, /* not configured: detected */
        CDM_KIND_GPU,
        CDM_KIND_CXL,
        CDM_KIND_GENERIC,
} cdm_kind;

typedef enum cdm_source {
        CDM_SOURCE_AUTO = 0,
        CDM_SOURCE_CONFIG,
        CDM_SOURCE_NVIDIA,
        CDM_SOURCE_DAX,
        CDM_SOURCE_CXL,
        CDM_SOURCE_HMAT,
        CDM_SOURCE_CPULESS,
} cdm_source;

typedef enum cdm_policy {
        CDM_POLICY_MANUAL,
        CDM_POLICY_DEVICE_FIRST,
        CDM_POLICY_TIERED,
} cdm_policy;

typedef enum cdm_online_mode {
        CDM_ONLINE_MOVABLE, /* online offline device blocks as ZONE_MOVABLE */
        CDM_ONLINE_MANUAL,  /* leave onlining to someone else; still alarm on ZONE_NORMAL */
} cdm_online_mode;

typedef struct cdm_config_device {
        char *name;
        cdm_nodemask nodes;
        bool has_nodes;
        cdm_kind kind;
        cdm_source source;
        uint64_t reserve;
        char *file;
        unsigned line;
} cdm_config_device;

typedef struct cdm_config_job {
        char *name;
        char *cgroup;
        char *device;
        uint64_t quota;
        bool has_quota;
        cdm_policy policy;
        char *file;
        unsigned line;
} cdm_config_job;

typedef struct cdm_config {
        /* [daemon] */
        uint64_t audit_interval_usec;
        char *state_dir;
        char *metrics_file;
        /* [isolation] */
        bool system_nodes_auto;
        cdm_nodemask system_nodes;
        cdm_online_mode online;
        bool demotion_disable;
        bool root_cgroup_move;
        bool repair_migrate;
        /* [migration] */
        uint64_t max_stall_usec;
        uint64_t bandwidth_mbps;
        uint64_t workers; /* threads moving pages; 0: auto (CPUs of the system nodes, at most 16) */
        /* [policy] */
        uint64_t cold_after_usec; /* tiered: no access for this long makes memory cold */
        /* [api] */
        char *admin_group;
        uint64_t max_jobs;

        cdm_config_device *devices;
        size_t n_devices;
        cdm_config_job *jobs;
        size_t n_jobs;
} cdm_config;

int cdm_config_new(cdm_config **ret);
cdm_config *cdm_config_free(cdm_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(cdm_config *, cdm_config_free);

/* Set one key. Return: 0, or a negative errno with *ret_what describing a bad value. */
int cdm_config_set(cdm_config *c, const char *section, const char *key, const char *value,
                const char *file, unsigned line, const char **ret_what);
bool cdm_config_section_valid(const char *section, const char **ret_what);
/* Checks across keys; appends "file:line: message" lines to *errors. Return: error count. */
unsigned cdm_config_validate(const cdm_config *c, char **errors);
const cdm_config_device *cdm_config_find_device(const cdm_config *c, const char *name);
const cdm_config_device *cdm_config_device_for_node(const cdm_config *c, unsigned node);

bool cdm_name_valid(const char *s);
bool cdm_cgroup_path_valid(const char *s);
const char *cdm_kind_to_string(cdm_kind k);
const char *cdm_source_to_string(cdm_source s);
const char *cdm_policy_to_string(cdm_policy p);
int cdm_policy_from_string(const char *s, cdm_policy *ret);
/* Print every key with its effective value, as an INI document. */
char *cdm_config_dump(const cdm_config *c);
