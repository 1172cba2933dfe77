/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rendering of topology + layout + plan. The JSON document is the contract of
 * `cdmd --oneshot --dry-run --json` (API.md); keys are never renamed, only added. Key order
 * is fixed so that shell tests may match on it.
 */

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "report.h"
#include "util/format.h"
#include "util/strbuf.h"

static void json_nodes(strbuf *b, const cdm_nodemask *m)
{
        bool first = true;

        strbuf_append(b, "[");
        for (int id = -1; (id = cdm_nodemask_next(m, id)) >= 0; first = false)
                strbuf_printf(b, "%s%d", first ? "" : ",", id);
        strbuf_append(b, "]");
}

static const char *node_role(const cdm_layout *l, unsigned id)
{
        if (cdm_nodemask_test(&l->system_nodes, id))
                return "system";
        if (cdm_nodemask_test(&l->device_nodes, id))
                return "device";
        return "ignored";
}

static const char *node_memory_state(const cdm_node *n)
{
        unsigned online = cdm_node_blocks_online(n);

        if (n->n_blocks == 0)
                return n->has_memory ? "online" : "none";
        if (online == n->n_blocks)
                return "online";
        return online == 0 ? "offline" : "partial";
}

static void json_device(strbuf *b, const cdm_device *d)
{
        strbuf_append(b, "{\"name\":");
        strbuf_append_json_string(b, d->name);
        strbuf_printf(b, ",\"kind\":\"%s\",\"source\":\"%s\",\"nodes\":", cdm_kind_to_string(d->kind),
                        cdm_source_to_string(d->source));
        json_nodes(b, &d->nodes);
        strbuf_printf(b,
                        ",\"total_bytes\":%llu,\"free_bytes\":%llu,\"reserve_bytes\":%llu,"
                        "\"read_bandwidth_mbps\":%u,\"read_latency_ns\":%u}",
                        (unsigned long long) d->total_bytes, (unsigned long long) d->free_bytes,
                        (unsigned long long) d->reserve_bytes, d->read_bandwidth_mbps,
                        d->read_latency_ns);
}

static void json_node(strbuf *b, const cdm_topology *t, const cdm_layout *l, const cdm_node *n)
{
        strbuf_printf(b, "{\"id\":%u,\"role\":\"%s\",\"cpus\":", n->id, node_role(l, n->id));
        strbuf_append_json_string(b, n->cpulist ?: "");
        strbuf_printf(b,
                        ",\"total_bytes\":%llu,\"free_bytes\":%llu,\"normal_memory\":%s,"
                        "\"memory\":\"%s\",\"zone\":\"%s\",\"blocks\":%zu,\"blocks_online\":%u,"
                        "\"memory_tier\":%d,\"numa_miss\":%llu,\"kernel_bytes\":%llu",
                        (unsigned long long) cdm_node_size(t, n), (unsigned long long) n->mem.free,
                        n->has_normal_memory ? "true" : "false", node_memory_state(n),
                        cdm_zone_to_string(cdm_node_online_zone(n)), n->n_blocks,
                        cdm_node_blocks_online(n), n->memory_tier,
                        (unsigned long long) n->stat.numa_miss,
                        (unsigned long long) (n->mem.slab + n->mem.kernel_stack + n->mem.page_tables));
        if (n->hmat.present)
                strbuf_printf(b,
                                ",\"hmat\":{\"access\":%u,\"read_bandwidth_mbps\":%u,"
                                "\"write_bandwidth_mbps\":%u,\"read_latency_ns\":%u,"
                                "\"write_latency_ns\":%u}",
                                n->hmat.access_class, n->hmat.read_bandwidth_mbps,
                                n->hmat.write_bandwidth_mbps, n->hmat.read_latency_ns,
                                n->hmat.write_latency_ns);
        if (n->nvidia_gpu) {
                strbuf_append(b, ",\"nvidia_gpu\":");
                strbuf_append_json_string(b, n->nvidia_gpu);
        }
        if (n->dax_device) {
                strbuf_append(b, ",\"dax_device\":");
                strbuf_append_json_string(b, n->dax_device);
        }
        strbuf_append(b, "}");
}

static void json_audit(strbuf *b, const cdm_audit *a)
{
        strbuf_printf(b, ",\"spilled_bytes\":%llu,\"audit\":[", (unsigned long long) (a ? a->spilled_bytes : 0));
        for (size_t i = 0; a && i < a->n_items; i++) {
                const cdm_audit_item *it = &a->items[i];

                strbuf_append(b, i ? ",{\"owner\":" : "{\"owner\":");
                strbuf_append_json_string(b, it->owner);
                strbuf_append(b, ",\"device\":");
                strbuf_append_json_string(b, it->device);
                strbuf_printf(b, ",\"bytes\":%llu,\"anon_bytes\":%llu,\"file_bytes\":%llu,\"granted\":%s}",
                                (unsigned long long) (it->anon + it->file), (unsigned long long) it->anon,
                                (unsigned long long) it->file, it->granted ? "true" : "false");
        }
        strbuf_append(b, "],\"alarms\":[");
        for (size_t i = 0; a && i < a->n_alarms; i++) {
                if (i)
                        strbuf_append(b, ",");
                strbuf_append_json_string(b, a->alarms[i]);
        }
        strbuf_append(b, "],\"root_cgroup_user_pids\":[");
        for (size_t i = 0; a && i < a->n_root_pids; i++)
                strbuf_printf(b, "%s%d", i ? "," : "", a->root_pids[i]);
        strbuf_append(b, "]");
}

/* ,"KEY":[...] with the items of @p; a create item has "create":true. */
static void json_plan(strbuf *b, const char *key, const cdm_plan *p)
{
        strbuf_printf(b, ",\"%s\":[", key);
        for (size_t i = 0; p && i < p->n_items; i++) {
                const cdm_plan_item *it = &p->items[i];

                strbuf_append(b, i ? ",{\"object\":" : "{\"object\":");
                strbuf_append_json_string(b, it->object);
                strbuf_append(b, ",\"current\":");
                strbuf_append_json_string(b, it->current);
                strbuf_append(b, ",\"desired\":");
                strbuf_append_json_string(b, it->desired);
                strbuf_append(b, ",\"reason\":");
                strbuf_append_json_string(b, it->reason);
                strbuf_append(b, ",\"backend\":");
                strbuf_append_json_string(b, cdm_plan_object_backend(it->object));
                if (it->create)
                        strbuf_append(b, ",\"create\":true");
                strbuf_append(b, "}");
        }
        strbuf_append(b, "]");
}

static void json_moves(strbuf *b, const cdm_move_plan *moves)
{
        strbuf_append(b, ",\"moves\":[");
        for (size_t i = 0; moves && i < moves->n; i++) {
                const cdm_move_plan_item *it = &moves->items[i];

                strbuf_append(b, i ? ",{\"kind\":" : "{\"kind\":");
                strbuf_append_json_string(b, cdm_move_prio_to_string(it->prio));
                strbuf_append(b, ",\"cgroup\":");
                if (it->cgroup)
                        strbuf_append_json_string(b, it->cgroup);
                else
                        strbuf_append(b, "null");
                strbuf_append(b, ",\"device\":");
                strbuf_append_json_string(b, it->device);
                strbuf_printf(b, ",\"to\":\"%s\",\"bytes\":", it->to_system ? "system" : "device");
                if (it->bytes == CDM_MOVE_ALL)
                        strbuf_append(b, "null");
                else
                        strbuf_printf(b, "%llu", (unsigned long long) it->bytes);
                strbuf_append(b, ",\"reason\":");
                strbuf_append_json_string(b, it->reason);
                strbuf_append(b, "}");
        }
        strbuf_append(b, "]");
}

char *cdm_report_json(const cdm_topology *t, const cdm_layout *l, const cdm_plan *p,
                const cdm_audit *a, const cdm_move_plan *moves)
{
        strbuf b = STRBUF_NULL;

        strbuf_append(&b, "{\"version\":\"" CDM_VERSION "\",\"system_nodes\":");
        json_nodes(&b, &l->system_nodes);
        strbuf_append(&b, ",\"devices\":[");
        for (size_t i = 0; i < l->n_devices; i++) {
                if (i)
                        strbuf_append(&b, ",");
                json_device(&b, &l->devices[i]);
        }
        strbuf_append(&b, "],\"ignored_nodes\":");
        json_nodes(&b, &l->ignored_nodes);
        strbuf_append(&b, ",\"auto_online_blocks\":");
        strbuf_append_json_string(&b, t->auto_online_blocks ?: "");
        strbuf_printf(&b, ",\"block_size_bytes\":%llu,\"nodes\":[", (unsigned long long) t->block_size);
        for (size_t i = 0; i < t->n_nodes; i++) {
                if (i)
                        strbuf_append(&b, ",");
                json_node(&b, t, l, &t->nodes[i]);
        }
        strbuf_append(&b, "],\"warnings\":[");
        for (size_t i = 0; i < l->n_warnings; i++) {
                if (i)
                        strbuf_append(&b, ",");
                strbuf_append_json_string(&b, l->warnings[i]);
        }
        strbuf_append(&b, "]");
        json_plan(&b, "plan", p);
        json_plan(&b, "moves_prepare", moves ? &moves->prepare : NULL);
        json_moves(&b, moves);
        json_audit(&b, a);
        strbuf_append(&b, "}\n");
        return strbuf_steal(&b);
}

static char *nodes_text(const cdm_nodemask *m, char *buf, size_t size)
{
        _cleanup_free_ char *s = cdm_nodemask_format(m);

        (void) snprintf(buf, size, "%s", s && *s ? s : "-");
        return buf;
}

char *cdm_report_text(const cdm_topology *t, const cdm_layout *l, const cdm_plan *p,
                const cdm_audit *a, const cdm_move_plan *moves)
{
        char n1[64], s1[FORMAT_BYTES_MAX], s2[FORMAT_BYTES_MAX], s3[FORMAT_BYTES_MAX];
        strbuf b = STRBUF_NULL;

        strbuf_printf(&b, "System nodes: %s\n", nodes_text(&l->system_nodes, n1, sizeof(n1)));
        if (cdm_nodemask_count(&l->ignored_nodes))
                strbuf_printf(&b, "Ignored nodes: %s\n", nodes_text(&l->ignored_nodes, n1, sizeof(n1)));
        strbuf_append(&b, "\n");
        if (l->n_devices == 0)
                strbuf_append(&b, "No device memory found.\n");
        else
                strbuf_printf(&b, "%-12s %-8s %-8s %-10s %8s %8s %8s %12s %10s\n", "DEVICE", "KIND",
                                "SOURCE", "NODES", "TOTAL", "FREE", "RESERVE", "READ BW",
                                "LATENCY");
        for (size_t i = 0; i < l->n_devices; i++) {
                const cdm_device *d = &l->devices[i];
                char bw[32] = "-", lat[32] = "-";

                if (d->read_bandwidth_mbps)
                        (void) snprintf(bw, sizeof(bw), "%u MB/s", d->read_bandwidth_mbps);
                if (d->read_latency_ns)
                        (void) snprintf(lat, sizeof(lat), "%u ns", d->read_latency_ns);
                strbuf_printf(&b, "%-12s %-8s %-8s %-10s %8s %8s %8s %12s %10s\n", d->name,
                                cdm_kind_to_string(d->kind), cdm_source_to_string(d->source),
                                nodes_text(&d->nodes, n1, sizeof(n1)),
                                format_bytes(s1, sizeof(s1), d->total_bytes),
                                format_bytes(s2, sizeof(s2), d->free_bytes),
                                format_bytes(s3, sizeof(s3), d->reserve_bytes), bw, lat);
        }

        strbuf_printf(&b, "\n%-6s %-8s %-12s %8s %8s %-8s %-8s %7s %5s\n", "NODE", "ROLE", "CPUS",
                        "TOTAL", "FREE", "MEMORY", "ZONE", "BLOCKS", "TIER");
        for (size_t i = 0; i < t->n_nodes; i++) {
                const cdm_node *n = &t->nodes[i];
                char blocks[32] = "-", tier[16] = "-";

                if (n->n_blocks)
                        (void) snprintf(blocks, sizeof(blocks), "%u/%zu", cdm_node_blocks_online(n),
                                        n->n_blocks);
                if (n->memory_tier >= 0)
                        (void) snprintf(tier, sizeof(tier), "%d", n->memory_tier);
                strbuf_printf(&b, "%-6u %-8s %-12s %8s %8s %-8s %-8s %7s %5s\n", n->id,
                                node_role(l, n->id), n->cpulist && *n->cpulist ? n->cpulist : "-",
                                format_bytes(s1, sizeof(s1), cdm_node_size(t, n)),
                                format_bytes(s2, sizeof(s2), n->mem.free), node_memory_state(n),
                                n->n_blocks ? cdm_zone_to_string(cdm_node_online_zone(n)) : "-",
                                blocks, tier);
        }
        for (size_t i = 0; i < l->n_warnings; i++)
                strbuf_printf(&b, "%sWarning: %s\n", i ? "" : "\n", l->warnings[i]);

        for (size_t i = 0; a && i < a->n_alarms; i++)
                strbuf_printf(&b, "%sAlarm: %s\n", i ? "" : "\n", a->alarms[i]);
        if (a && a->n_items) {
                strbuf_printf(&b, "\n%-40s %-12s %10s %10s %s\n", "OWNER", "DEVICE", "ANON", "FILE", "");
                for (size_t i = 0; i < a->n_items; i++)
                        strbuf_printf(&b, "%-40s %-12s %10s %10s %s\n", a->items[i].owner, a->items[i].device,
                                        format_bytes(s1, sizeof(s1), a->items[i].anon),
                                        format_bytes(s2, sizeof(s2), a->items[i].file),
                                        a->items[i].granted ? "granted" : "SPILL");
        }
        for (size_t i = 0; a && i < a->n_root_pids; i++)
                strbuf_printf(&b, "%sUser process %d in the root cgroup (no cpuset can restrict it)\n",
                                i ? "" : "\n", a->root_pids[i]);

        if (!p || p->n_items == 0)
                strbuf_append(&b, "\nPlan: nothing to change.\n");
        else {
                strbuf_printf(&b, "\nPlan (%zu changes):\n", p->n_items);
                for (size_t i = 0; i < p->n_items; i++)
                        strbuf_printf(&b, "  [%s] %s: '%s' -> '%s'  (%s)\n",
                                        cdm_plan_object_backend(p->items[i].object), p->items[i].object,
                                        p->items[i].current, p->items[i].desired, p->items[i].reason);
        }
        if (moves && moves->prepare.n_items) {
                strbuf_printf(&b, "\nBefore the page moves (%zu):\n", moves->prepare.n_items);
                for (size_t i = 0; i < moves->prepare.n_items; i++) {
                        const cdm_plan_item *it = &moves->prepare.items[i];

                        if (it->create)
                                strbuf_printf(&b, "  [%s] create %s  (%s)\n", cdm_plan_object_backend(it->object),
                                                it->object, it->reason);
                        else
                                strbuf_printf(&b, "  [%s] %s: -> '%s'  (%s)\n", cdm_plan_object_backend(it->object),
                                                it->object, it->desired, it->reason);
                }
        }
        if (moves && moves->n) {
                strbuf_printf(&b, "\nPage moves (%zu):\n", moves->n);
                for (size_t i = 0; i < moves->n; i++) {
                        const cdm_move_plan_item *it = &moves->items[i];

                        strbuf_printf(&b, "  [%s] %s %s %s: %s  (%s)\n", cdm_move_prio_to_string(it->prio),
                                        it->cgroup ?: "every process", it->to_system ? "from" : "onto", it->device,
                                        it->bytes == CDM_MOVE_ALL ? "all"
                                                                  : format_bytes(s1, sizeof(s1), it->bytes),
                                        it->reason);
                }
        }
        return strbuf_steal(&b);
}
