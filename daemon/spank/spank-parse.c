/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pure half of cdmd's Slurm plugin (spank-parse.h): option values and cgroup paths.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "spank-parse.h"

int cdm_spank_parse_size(const char *s, uint64_t *ret_bytes, const char **ret_why)
{
        static const char units[] = "KMGT";
        uint64_t v = 0, mult = 1;
        const char *p = s, *u = NULL;
        char c;

        if (!s || *s < '0' || *s > '9') {
                *ret_why = "a size starts with a digit (256M, 4G)";
                return -EINVAL;
        }
        for (; *p >= '0' && *p <= '9'; p++) {
                if (v > (UINT64_MAX - (uint64_t) (*p - '0')) / 10) {
                        *ret_why = "the size is too large";
                        return -ERANGE;
                }
                v = v * 10 + (uint64_t) (*p - '0');
        }
        if (*p) {
                c = (char) (*p & ~0x20); /* upper case */
                if (c)
                        u = strchr(units, c);
                if (!u || p[1]) {
                        *ret_why = "a size ends in K, M, G or T (powers of 1024), or in a digit";
                        return -EINVAL;
                }
                mult = UINT64_C(1) << (10 * (u - units + 1));
        }
        if (v == 0) {
                *ret_why = "the size is 0";
                return -EINVAL;
        }
        if (v > UINT64_MAX / mult) {
                *ret_why = "the size is too large";
                return -ERANGE;
        }
        *ret_bytes = v * mult;
        return 0;
}

bool cdm_spank_valid_name(const char *s)
{
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n > CDM_SPANK_NAME_MAX)
                return false;
        return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n &&
               strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

int cdm_spank_parse_mem(const char *arg, cdm_spank_mem *ret, const char **ret_why)
{
        char size[32];
        const char *colon;
        cdm_spank_mem mem = { 0 };
        size_t n;
        int r;

        if (!arg || !*arg) {
                *ret_why = "no value (SIZE[:DEVICE], e.g. 256M or 4G:gpu0)";
                return -EINVAL;
        }
        colon = strchr(arg, ':');
        n = colon ? (size_t) (colon - arg) : strlen(arg);
        if (n >= sizeof(size)) {
                *ret_why = "the size is too long";
                return -EINVAL;
        }
        memcpy(size, arg, n);
        size[n] = 0;
        r = cdm_spank_parse_size(size, &mem.bytes, ret_why);
        if (r < 0)
                return r;
        if (colon) {
                if (!cdm_spank_valid_name(colon + 1)) {
                        *ret_why = "a device name is 1-64 characters of A-Z a-z 0-9 _ . -";
                        return -EINVAL;
                }
                strcpy(mem.device, colon + 1);
        }
        *ret = mem;
        return 0;
}

bool cdm_spank_valid_policy(const char *s)
{
        return s && (strcmp(s, "manual") == 0 || strcmp(s, "device-first") == 0);
}

int cdm_spank_unified_path(const char *text, char *ret, size_t size)
{
        const char *line, *end;
        size_t n;

        for (line = text; line && *line; line = end ? end + 1 : NULL) {
                end = strchr(line, '\n');
                if (strncmp(line, "0::", 3) != 0)
                        continue;
                line += 3;
                n = end ? (size_t) (end - line) : strlen(line);
                if (n == 0 || line[0] != '/')
                        return -EINVAL;
                if (n >= size)
                        return -ENAMETOOLONG;
                memcpy(ret, line, n);
                ret[n] = 0;
                return 0;
        }
        return -ENOENT;
}

/* Is the component [s, s+n) "job_<jobid>"? 1 yes, 0 not of that form, -1 another job's. */
static int job_component(const char *s, size_t n, uint32_t jobid)
{
        char want[32];
        size_t digits;

        if (n <= 4 || strncmp(s, "job_", 4) != 0)
                return 0;
        digits = strspn(s + 4, "0123456789");
        if (digits < n - 4)
                return 0; /* not a numeric id (a SLUID) */
        snprintf(want, sizeof(want), "job_%" PRIu32, jobid);
        return strlen(want) == n && memcmp(s, want, n) == 0 ? 1 : -1;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
        size_t k = strlen(suffix);

        return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static int copy_prefix(const char *path, size_t n, char *ret, size_t size)
{
        if (n >= size)
                return -ENAMETOOLONG;
        memcpy(ret, path, n);
        ret[n] = 0;
        return 0;
}

int cdm_spank_split_cgroup(const char *path, uint32_t jobid, char *ret_job, size_t job_size,
                           char *ret_step, size_t step_size)
{
        const char *c, *job = NULL, *job_end = NULL, *by_name = NULL, *by_name_end = NULL;
        const char *step, *step_end;
        bool after_scope = false, other_job = false;
        int r;

        if (!path || path[0] != '/' || strstr(path, "/../") || strstr(path, "//"))
                return -EINVAL;
        /* Each component [c, e); the job is the one after the nearest scope. */
        for (c = path + 1; *c; ) {
                const char *e = strchrnul(c, '/');
                size_t n = (size_t) (e - c);

                if (after_scope) {
                        job = c;
                        job_end = e;
                        after_scope = false;
                }
                if (ends_with(c, n, "slurmstepd.scope"))
                        after_scope = true;
                if (!by_name) {
                        r = job_component(c, n, jobid);
                        if (r > 0) {
                                by_name = c;
                                by_name_end = e;
                        }
                        other_job |= r < 0;
                }
                c = *e ? e + 1 : e;
        }
        if (!job) {
                job = by_name;
                job_end = by_name_end;
        }
        if (!job)
                return other_job ? -ESRCH : -ENOENT;
        if (job_component(job, (size_t) (job_end - job), jobid) < 0)
                return -ESRCH;
        /* A job is always entered through a step ("system" below the scope is not a job). */
        if (!*job_end)
                return -ENOENT;
        step = job_end + 1;
        step_end = strchrnul(step, '/');
        if (step_end - step <= 5 || strncmp(step, "step_", 5) != 0)
                return -ENOENT;
        r = copy_prefix(path, (size_t) (job_end - path), ret_job, job_size);
        if (r < 0 || !ret_step)
                return r;
        return copy_prefix(path, (size_t) (step_end - path), ret_step, step_size);
}
