/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pure parsers for the node and memory-block files of sysfs. They take bytes, never paths,
 * so the unit tests and the fuzzer feed them directly. Formats (drivers/base/node.c,
 * drivers/base/memory.c):
 *   nodeN/meminfo    "Node 1 MemTotal:        4194304 kB" per line; HugePages_* in pages
 *   nodeN/numastat   "numa_miss 42" per line
 *   nodeN/distance   "10 21 21\n", one figure per online node in id order
 *   memoryM/state    "online" | "offline" | "going-offline"; also "online_movable" and
 *                    "online_kernel", which are only written to it: a tree below --root holds
 *                    what cdmd wrote, and reads back as online
 *   valid_zones      "Movable" for an online block; "Normal Movable" (preferred first) or
 *                    "none" for an offline one
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "topology-parse.h"
#include "util/parse-util.h"

/* Copy one line (without its newline) into a bounded buffer; return the next line. */
static const char *next_line(const char *p, const char *end, char *buf, size_t size,
                bool *ret_too_long)
{
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        size_t len = (size_t) ((nl ?: end) - p);

        *ret_too_long = len >= size;
        len = MIN(len, size - 1);
        memcpy(buf, p, len);
        buf[len] = 0;
        return nl ? nl + 1 : end;
}

static const struct {
        const char *key;
        size_t offset;
        bool pages;
} meminfo_keys[] = {
        { "MemTotal", offsetof(cdm_meminfo, total), false },
        { "MemFree", offsetof(cdm_meminfo, free), false },
        { "FilePages", offsetof(cdm_meminfo, file_pages), false },
        { "AnonPages", offsetof(cdm_meminfo, anon_pages), false },
        { "Shmem", offsetof(cdm_meminfo, shmem), false },
        { "KernelStack", offsetof(cdm_meminfo, kernel_stack), false },
        { "PageTables", offsetof(cdm_meminfo, page_tables), false },
        { "Slab", offsetof(cdm_meminfo, slab), false },
        { "SUnreclaim", offsetof(cdm_meminfo, sunreclaim), false },
        { "HugePages_Total", offsetof(cdm_meminfo, hugepages_total), true },
};

/**
 * cdm_parse_meminfo() - parse a node's meminfo
 * @data: file contents
 * @n: length
 * @node: the node the file belongs to; every line must name it
 * @ret: filled on success (sizes in bytes)
 * @ret_what: on failure, what was wrong
 *
 * Return: 0, or -EBADMSG when a line is malformed, names another node, or MemTotal or MemFree
 * is missing; -ERANGE when a figure overflows.
 */
int cdm_parse_meminfo(const char *data, size_t n, unsigned node, cdm_meminfo *ret,
                const char **ret_what)
{
        const char *p = data, *end = data + n;
        cdm_meminfo m = { 0 };
        bool seen_total = false, seen_free = false;

        while (p < end) {
                char line[256], *colon, *key, *value, *unit;
                unsigned line_node;
                uint64_t v;
                bool too_long;

                p = next_line(p, end, line, sizeof(line), &too_long);
                if (too_long)
                        return *ret_what = "line too long", -EBADMSG;
                if (*skip_space(line) == 0)
                        continue;
                if (strncmp(line, "Node ", 5) != 0)
                        return *ret_what = "line does not start with 'Node N'", -EBADMSG;
                key = line + 5;
                {
                        char *sp = strchr(key, ' ');
                        if (!sp)
                                return *ret_what = "line has no key", -EBADMSG;
                        *sp = 0;
                        if (safe_atou32(key, &line_node) < 0)
                                return *ret_what = "bad node number", -EBADMSG;
                        if (line_node != node)
                                return *ret_what = "line names another node", -EBADMSG;
                        key = sp + 1;
                }
                colon = strchr(key, ':');
                if (!colon)
                        return *ret_what = "line has no ':'", -EBADMSG;
                *colon = 0;
                value = colon + 1;
                unit = strstr(value, " kB");
                if (unit)
                        *unit = 0;
                if (safe_atou64(value, &v) < 0)
                        return *ret_what = "value is not a number", -EBADMSG;

                for (size_t i = 0; i < ARRAY_SIZE(meminfo_keys); i++) {
                        if (!streq(key, meminfo_keys[i].key))
                                continue;
                        if (!meminfo_keys[i].pages) {
                                if (!unit)
                                        return *ret_what = "size without 'kB'", -EBADMSG;
                                if (v > UINT64_MAX / 1024)
                                        return *ret_what = "size overflows", -ERANGE;
                                v *= 1024;
                        }
                        *(uint64_t *) ((char *) &m + meminfo_keys[i].offset) = v;
                        seen_total |= i == 0;
                        seen_free |= i == 1;
                }
        }
        if (!seen_total)
                return *ret_what = "no MemTotal", -EBADMSG;
        if (!seen_free)
                return *ret_what = "no MemFree", -EBADMSG;
        if (m.free > m.total)
                return *ret_what = "MemFree exceeds MemTotal", -EBADMSG;
        *ret = m;
        return 0;
}

int cdm_parse_numastat(const char *data, size_t n, cdm_numastat *ret, const char **ret_what)
{
        static const struct {
                const char *key;
                size_t offset;
        } keys[] = {
                { "numa_hit", offsetof(cdm_numastat, numa_hit) },
                { "numa_miss", offsetof(cdm_numastat, numa_miss) },
                { "numa_foreign", offsetof(cdm_numastat, numa_foreign) },
                { "other_node", offsetof(cdm_numastat, other_node) },
        };
        const char *p = data, *end = data + n;
        cdm_numastat s = { 0 };
        bool seen_miss = false;

        while (p < end) {
                char line[128], *sp;
                uint64_t v;
                bool too_long;

                p = next_line(p, end, line, sizeof(line), &too_long);
                if (too_long)
                        return *ret_what = "line too long", -EBADMSG;
                if (*skip_space(line) == 0)
                        continue;
                sp = strchr(line, ' ');
                if (!sp)
                        return *ret_what = "line has no value", -EBADMSG;
                *sp = 0;
                if (safe_atou64(sp + 1, &v) < 0)
                        return *ret_what = "value is not a number", -EBADMSG;
                for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                        if (streq(line, keys[i].key)) {
                                *(uint64_t *) ((char *) &s + keys[i].offset) = v;
                                seen_miss |= i == 1;
                        }
        }
        if (!seen_miss)
                return *ret_what = "no numa_miss", -EBADMSG;
        *ret = s;
        return 0;
}

int cdm_parse_distance(const char *data, size_t n, unsigned **ret, size_t *ret_n,
                const char **ret_what)
{
        _cleanup_free_ unsigned *v = NULL;
        const char *p = data, *end = data + n;
        size_t count = 0;

        while (p < end) {
                unsigned d = 0;
                const char *start;
                unsigned *nv;

                while (p < end && (*p == ' ' || *p == '\n'))
                        p++;
                if (p == end)
                        break;
                start = p;
                for (; p < end && *p >= '0' && *p <= '9'; p++) {
                        d = d * 10 + (unsigned) (*p - '0');
                        if (d > 255)
                                return *ret_what = "distance above 255", -EBADMSG;
                }
                if (p == start || (p < end && *p != ' ' && *p != '\n'))
                        return *ret_what = "not a list of numbers", -EBADMSG;
                if (count >= CDM_NODES_MAX)
                        return *ret_what = "too many entries", -EBADMSG;
                nv = realloc(v, (count + 1) * sizeof(*v));
                if (!nv)
                        return -ENOMEM;
                v = nv;
                v[count++] = d;
        }
        if (count == 0)
                return *ret_what = "empty", -EBADMSG;
        *ret = TAKE_PTR(v);
        *ret_n = count;
        return 0;
}

int cdm_parse_block_state(const char *data, cdm_block_state *ret)
{
        size_t len = strcspn(data, "\n");

        if ((len == 6 && strncmp(data, "online", 6) == 0) || (len == 14 && strncmp(data, "online_movable", 14) == 0) ||
                        (len == 13 && strncmp(data, "online_kernel", 13) == 0))
                *ret = CDM_BLOCK_ONLINE;
        else if (len == 7 && strncmp(data, "offline", 7) == 0)
                *ret = CDM_BLOCK_OFFLINE;
        else if (len == 13 && strncmp(data, "going-offline", 13) == 0)
                *ret = CDM_BLOCK_GOING_OFFLINE;
        else
                return -EBADMSG;
        return 0;
}

static const char *const zone_names[_CDM_ZONE_MAX] = {
        [CDM_ZONE_NONE] = "none",     [CDM_ZONE_DMA] = "DMA",         [CDM_ZONE_DMA32] = "DMA32",
        [CDM_ZONE_NORMAL] = "Normal", [CDM_ZONE_MOVABLE] = "Movable", [CDM_ZONE_DEVICE] = "Device",
};

const char *cdm_zone_to_string(cdm_zone z)
{
        return z < _CDM_ZONE_MAX ? zone_names[z] : "unknown";
}

int cdm_parse_valid_zones(const char *data, unsigned *ret_mask, cdm_zone *ret_first)
{
        cdm_zone first = CDM_ZONE_NONE;
        unsigned mask = 0;
        const char *p = data;

        for (;;) {
                size_t len;
                unsigned z;

                p += strspn(p, " \n");
                if (!*p)
                        break;
                len = strcspn(p, " \n");
                for (z = 0; z < _CDM_ZONE_MAX; z++)
                        if (strlen(zone_names[z]) == len && strncmp(p, zone_names[z], len) == 0)
                                break;
                if (z == _CDM_ZONE_MAX)
                        return -EBADMSG;
                if (z != CDM_ZONE_NONE) {
                        if (first == CDM_ZONE_NONE)
                                first = (cdm_zone) z;
                        mask |= 1u << z;
                }
                p += len;
        }
        if (first == CDM_ZONE_NONE && mask == 0 && strncmp(skip_space(data), "none", 4) != 0)
                return -EBADMSG;
        *ret_mask = mask;
        *ret_first = first;
        return 0;
}

/* Count the CPUs of a cpulist ("0-71,144-215"); CPU ids are not bounded by CDM_NODES_MAX. */
int cdm_parse_cpulist_count(const char *data, size_t n, unsigned *ret)
{
        const char *p = data, *end = data + n;
        uint64_t count = 0;

        while (end > p && (end[-1] == '\n' || end[-1] == ' '))
                end--;
        while (p < end) {
                uint64_t lo = 0, hi;
                const char *s = p;

                for (; p < end && *p >= '0' && *p <= '9'; p++)
                        if ((lo = lo * 10 + (uint64_t) (*p - '0')) > 1u << 24)
                                return -ERANGE;
                if (p == s)
                        return -EBADMSG;
                hi = lo;
                if (p < end && *p == '-') {
                        s = ++p;
                        hi = 0;
                        for (; p < end && *p >= '0' && *p <= '9'; p++)
                                if ((hi = hi * 10 + (uint64_t) (*p - '0')) > 1u << 24)
                                        return -ERANGE;
                        if (p == s || hi < lo)
                                return -EBADMSG;
                }
                count += hi - lo + 1;
                if (p < end) {
                        if (*p != ',' || p + 1 == end)
                                return -EBADMSG;
                        p++;
                }
        }
        *ret = (unsigned) count;
        return 0;
}

/*
 * /proc/driver/nvidia/gpus/<bdf>/numa_status (NUMA mode only): "Node: 1", "Status: online",
 * "Address: ...", "Size: ..." lines. Node -1 means the GPU has no node.
 */
int cdm_parse_nvidia_numa_status(const char *data, size_t n, int *ret_node, char **ret_status)
{
        const char *p = data, *end = data + n;
        _cleanup_free_ char *status = NULL;
        bool seen_node = false;
        int node = -1;

        while (p < end) {
                char line[128];
                bool too_long;

                p = next_line(p, end, line, sizeof(line), &too_long);
                if (too_long)
                        return -EBADMSG;
                if (strncmp(line, "Node:", 5) == 0) {
                        const char *v = skip_space(line + 5);
                        uint32_t u;

                        if (strncmp(v, "-1", 2) == 0 && *skip_space(v + 2) == 0)
                                node = -1;
                        else if (safe_atou32(v, &u) < 0 || u >= CDM_NODES_MAX)
                                return -EBADMSG;
                        else
                                node = (int) u;
                        seen_node = true;
                } else if (strncmp(line, "Status:", 7) == 0) {
                        free(status);
                        status = strndup(skip_space(line + 7), strcspn(skip_space(line + 7), " \n"));
                        if (!status)
                                return -ENOMEM;
                }
        }
        if (!seen_node)
                return -EBADMSG;
        *ret_node = node;
        *ret_status = TAKE_PTR(status);
        return 0;
}
