/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * libcdm: the coherent-device-memory model of cdmd.
 *
 * A cdm_ctx holds the roots everything is read from (DIR/sys, DIR/proc, DIR/sys/fs/cgroup)
 * and a log callback (silent by default). cdm_topology_read() takes one read-only snapshot
 * of the NUMA topology; cdm_topology_classify() sorts its nodes into system nodes, device
 * nodes grouped into devices, and ignored nodes. Functions return 0 or a negative errno;
 * cdm_ctx_last_error() names the file and the fault of the last failure.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest node id + 1 that libcdm handles (the kernel's MAX_NUMNODES on x86_64). Since: 1 */
#define CDM_NODES_MAX 1024

/* A set of NUMA node ids. Since: 1 */
typedef struct cdm_nodemask {
        uint64_t bits[CDM_NODES_MAX / 64];
} cdm_nodemask;

int cdm_nodemask_parse(const char *s, size_t n, cdm_nodemask *ret);
char *cdm_nodemask_format(const cdm_nodemask *m);
bool cdm_nodemask_test(const cdm_nodemask *m, unsigned node);
void cdm_nodemask_set(cdm_nodemask *m, unsigned node);
void cdm_nodemask_clear(cdm_nodemask *m, unsigned node);
unsigned cdm_nodemask_count(const cdm_nodemask *m);
int cdm_nodemask_next(const cdm_nodemask *m, int after);

typedef struct cdm_ctx cdm_ctx;
typedef void (*cdm_log_fn)(void *userdata, int priority, const char *format, va_list ap);

int cdm_ctx_new(const char *root, cdm_ctx **ret);
cdm_ctx *cdm_ctx_ref(cdm_ctx *ctx);
cdm_ctx *cdm_ctx_unref(cdm_ctx *ctx);
void cdm_ctx_set_log_fn(cdm_ctx *ctx, cdm_log_fn fn, void *userdata);
const char *cdm_ctx_last_error(const cdm_ctx *ctx);

typedef struct cdm_topology cdm_topology;

int cdm_topology_read(cdm_ctx *ctx, cdm_topology **ret);
cdm_topology *cdm_topology_free(cdm_topology *t);
size_t cdm_topology_node_count(const cdm_topology *t);
unsigned cdm_topology_node_id(const cdm_topology *t, size_t i);
bool cdm_topology_node_has_cpu(const cdm_topology *t, size_t i);
uint64_t cdm_topology_node_total_bytes(const cdm_topology *t, size_t i);
uint64_t cdm_topology_node_free_bytes(const cdm_topology *t, size_t i);

/* How a node is used. Since: 1 */
typedef enum cdm_node_role {
        CDM_NODE_SYSTEM,
        CDM_NODE_DEVICE,
        CDM_NODE_IGNORED,
} cdm_node_role;

/* Classification without configuration: CPU-less nodes with memory are device nodes. */
int cdm_topology_node_role(const cdm_topology *t, size_t i, cdm_node_role *ret);

#ifdef __cplusplus
}
#endif
