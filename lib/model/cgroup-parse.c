/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memory.numa_stat (mm/memcontrol.c, cgroup v2, 5.10+): one line per item,
 * "anon N0=1073741824 N1=0", values in bytes, one Nx= per node with memory. Items this file
 * does not know are skipped (newer kernels add some); a line that is not "key Nx=v ..." is
 * an error. cgroup.controllers and cgroup.subtree_control are space-separated words;
 * cgroup.procs is one PID per line.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-parse.h"
#include "util/macro.h"
#include "util/parse-util.h"

static const struct {
        const char *key;
        size_t offset;
} usage_keys[] = {
        { "anon", offsetof(cdm_numa_usage, anon) },
        { "file", offsetof(cdm_numa_usage, file) },
        { "shmem", offsetof(cdm_numa_usage, shmem) },
        { "kernel_stack", offsetof(cdm_numa_usage, kernel) },
        { "pagetables", offsetof(cdm_numa_usage, kernel) },
        { "slab_reclaimable", offsetof(cdm_numa_usage, kernel) },
        { "slab_unreclaimable", offsetof(cdm_numa_usage, kernel) },
};

static int parse_entries(const char *p, const char *end, const cdm_nodemask *nodes,
                uint64_t *ret_sum, const char **ret_what)
{
        uint64_t sum = 0;

        while (p < end) {
                uint64_t node = 0, v = 0;
                const char *s;

                while (p < end && *p == ' ')
                        p++;
                if (p == end)
                        break;
                if (*p != 'N')
                        return *ret_what = "expected Nx=bytes", -EBADMSG;
                for (s = ++p; p < end && *p >= '0' && *p <= '9'; p++)
                        if ((node = node * 10 + (uint64_t) (*p - '0')) >= CDM_NODES_MAX)
                                return *ret_what = "node id out of range", -EBADMSG;
                if (p == s || p == end || *p != '=')
                        return *ret_what = "expected Nx=bytes", -EBADMSG;
                for (s = ++p; p < end && *p >= '0' && *p <= '9'; p++) {
                        if (v > (UINT64_MAX - 9) / 10)
                                return *ret_what = "value overflows", -EBADMSG;
                        v = v * 10 + (uint64_t) (*p - '0');
                }
                if (p == s || (p < end && *p != ' '))
                        return *ret_what = "value is not a number", -EBADMSG;
                if (cdm_nodemask_test(nodes, (unsigned) node))
                        sum = sum > UINT64_MAX - v ? UINT64_MAX : sum + v;
        }
        *ret_sum = sum;
        return 0;
}

/**
 * cdm_parse_numa_stat() - sum a cgroup's memory.numa_stat over a set of nodes
 * @data: file contents
 * @n: length
 * @nodes: the nodes to sum (e.g. a device's nodes)
 * @ret: the sums, in bytes
 * @ret_what: on failure, what was wrong
 *
 * Return: 0 or -EBADMSG.
 */
int cdm_parse_numa_stat(const char *data, size_t n, const cdm_nodemask *nodes,
                cdm_numa_usage *ret, const char **ret_what)
{
        const char *p = data, *end = data + n;
        cdm_numa_usage u = { 0 };

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *line_end = nl ?: end;
                const char *sp = memchr(p, ' ', (size_t) (line_end - p));
                uint64_t sum;
                int r;

                if (line_end == p) {
                        p = line_end + 1;
                        continue;
                }
                if (!sp || sp == p)
                        return *ret_what = "line has no key", -EBADMSG;
                r = parse_entries(sp + 1, line_end, nodes, &sum, ret_what);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < ARRAY_SIZE(usage_keys); i++)
                        if (strlen(usage_keys[i].key) == (size_t) (sp - p) &&
                                        memcmp(p, usage_keys[i].key, (size_t) (sp - p)) == 0) {
                                uint64_t *f = (uint64_t *) ((char *) &u + usage_keys[i].offset);
                                *f = *f > UINT64_MAX - sum ? UINT64_MAX : *f + sum;
                        }
                p = nl ? nl + 1 : end;
        }
        *ret = u;
        return 0;
}

bool cdm_word_list_contains(const char *list, const char *word)
{
        size_t n = strlen(word);

        for (const char *p = list; p && *p;) {
                size_t len;

                p += strspn(p, " \t\n");
                len = strcspn(p, " \t\n");
                if (len == n && strncmp(p, word, n) == 0)
                        return true;
                p += len;
        }
        return false;
}

int cdm_parse_pids(const char *data, size_t n, int **ret, size_t *ret_n)
{
        _cleanup_free_ int *pids = NULL;
        const char *p = data, *end = data + n;
        size_t count = 0, size = 0;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *line_end = nl ?: end;
                uint64_t v = 0;
                const char *s = p;

                for (; p < line_end && *p >= '0' && *p <= '9'; p++)
                        if ((v = v * 10 + (uint64_t) (*p - '0')) > INT32_MAX)
                                return -EBADMSG;
                if (p != line_end || (p == s && p != line_end))
                        return -EBADMSG;
                if (p != s) {
                        if (count == size) {
                                int *np = realloc(pids, (size ? size * 2 : 64) * sizeof(int));
                                if (!np)
                                        return -ENOMEM;
                                pids = np;
                                size = size ? size * 2 : 64;
                        }
                        pids[count++] = (int) v;
                }
                p = nl ? nl + 1 : end;
        }
        *ret = TAKE_PTR(pids);
        *ret_n = count;
        return 0;
}

static bool has_suffix(const char *s, size_t n, const char *suffix)
{
        size_t k = strlen(suffix);

        return n > k && memcmp(s + n - k, suffix, k) == 0;
}

bool cdm_unit_is_slice(const char *unit)
{
        return has_suffix(unit, strlen(unit), ".slice");
}

static int dup_unit(const char *name, char **ret)
{
        *ret = strdup(name);
        return *ret ? 1 : -ENOMEM;
}

int cdm_cgroup_systemd_unit(const char *path, char **ret)
{
        static const char *const types[] = { ".slice", ".service", ".scope", ".mount", ".socket", ".swap" };
        const char *p, *last;

        *ret = NULL;
        if (!path || path[0] != '/')
                return 0;
        if (path[1] == 0)
                return dup_unit("-.slice", ret);
        for (p = path + 1;; p = last + 1) {
                last = strchr(p, '/');
                if (!last)
                        break;
                if (!has_suffix(p, (size_t) (last - p), ".slice"))
                        return 0;
        }
        for (size_t i = 0; i < ARRAY_SIZE(types); i++)
                if (has_suffix(p, strlen(p), types[i]))
                        return dup_unit(p, ret);
        return 0;
}
