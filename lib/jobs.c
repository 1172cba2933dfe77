/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The job table. A grant is checked before anything changes: the id and the cgroup path
 * are well-formed, the device exists and is online, the id is new and the cgroup has no
 * other grant, the number of jobs stays under max_jobs, and the quotas granted on the device
 * never exceed its total minus its reserve (no overflow: sums saturate). The jobs file has one
 * line per job, tab-separated, with the escapes of the settings file.
 */

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jobs.h"
#include "state.h"
#include "util/fileio.h"
#include "util/parse-util.h"
#include "util/strbuf.h"
#include "util/strv.h"
#include "util/text.h"

#define JOBS_FILE "jobs"

const char *cdm_job_state_to_string(cdm_job_state s)
{
        static const char *const names[] = { "active", "over-quota", "suspended", "revoking" };
        return s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

cdm_job *cdm_jobs_find(const cdm_jobs *j, const char *id)
{
        for (size_t i = 0; i < j->n; i++)
                if (streq(j->items[i].id, id))
                        return &j->items[i];
        return NULL;
}

cdm_job *cdm_jobs_find_cgroup(const cdm_jobs *j, const char *cgroup)
{
        for (size_t i = 0; i < j->n; i++)
                if (streq(j->items[i].cgroup, cgroup))
                        return &j->items[i];
        return NULL;
}

uint64_t cdm_jobs_granted(const cdm_jobs *j, const char *device, const cdm_job *except)
{
        uint64_t sum = 0;

        for (size_t i = 0; i < j->n; i++)
                if (&j->items[i] != except && streq(j->items[i].device, device))
                        sum = sum > UINT64_MAX - j->items[i].quota ? UINT64_MAX : sum + j->items[i].quota;
        return sum;
}

static bool device_online(const cdm_device *d)
{
        /* A device whose memory is not onlined (yet) cannot hold a job's pages. */
        return d->memory_online;
}

cdm_grant_error cdm_jobs_check_quota(const cdm_jobs *j, const cdm_layout *l, const cdm_job *job,
                uint64_t quota, char **ret_msg)
{
        const cdm_device *d = cdm_layout_find_device(l, job->device);
        uint64_t granted, room;

        if (!d)
                return (cdm_grant_error) msg_printf(ret_msg, CDM_GRANT_NO_DEVICE, "no device '%s'", job->device);
        granted = cdm_jobs_granted(j, job->device, job);
        room = d->total_bytes > d->reserve_bytes ? d->total_bytes - d->reserve_bytes : 0;
        if (quota > room || granted > room - quota) {
                return (cdm_grant_error) msg_printf(ret_msg, CDM_GRANT_CAPACITY,
                                "device '%s' has %llu bytes to grant (total minus reserve), %llu already granted",
                                d->name, (unsigned long long) room, (unsigned long long) granted);
        }
        return CDM_GRANT_OK;
}

/* A policy name a job may have: "tiered" is known but not supported yet. */
cdm_grant_error cdm_jobs_check_policy(const char *policy, cdm_policy *ret, char **ret_msg)
{
        if (cdm_policy_from_string(policy, ret) < 0)
                return (cdm_grant_error) msg_printf(ret_msg, CDM_GRANT_INVALID,
                                "unknown policy '%.64s' (manual, device-first, tiered)", policy);
        if (*ret == CDM_POLICY_TIERED)
                return (cdm_grant_error) msg_printf(ret_msg, CDM_GRANT_NOT_SUPPORTED,
                                "policy '%s' is not supported yet", policy);
        return CDM_GRANT_OK;
}

/* Whether cgroup path @a lies strictly below @b (both valid: absolute, no trailing '/'). */
static bool cgroup_below(const char *a, const char *b)
{
        size_t n = strlen(b);

        return strncmp(a, b, n) == 0 && a[n] == '/';
}

cdm_job *cdm_jobs_find_nested(const cdm_jobs *j, const char *cgroup)
{
        for (size_t i = 0; i < j->n; i++)
                if (cgroup_below(cgroup, j->items[i].cgroup) ||
                                cgroup_below(j->items[i].cgroup, cgroup))
                        return &j->items[i];
        return NULL;
}

/**
 * cdm_jobs_check_grant() - may this grant be made?
 * @j: the jobs
 * @l: the layout (devices and their sizes)
 * @c: the configuration (max_jobs)
 * @id: job id
 * @cgroup: cgroup path (its existence is checked by the caller, who has the file system)
 * @device: device name
 * @quota: bytes
 * @policy: policy name
 * @ret_msg: a heap message on failure (may be NULL if out of memory)
 *
 * Return: CDM_GRANT_OK or the reason it may not.
 */
cdm_grant_error cdm_jobs_check_grant(const cdm_jobs *j, const cdm_layout *l, const cdm_config *c,
                const char *id, const char *cgroup, const char *device, uint64_t quota,
                const char *policy, char **ret_msg)
{
        const cdm_device *d;
        cdm_grant_error e;
        cdm_policy p;
        cdm_job probe = { .device = (char *) device };
        const cdm_job *nested;

        *ret_msg = NULL;
        if (!cdm_name_valid(id))
                return (cdm_grant_error) msg_printf(ret_msg, CDM_GRANT_INVALID,
                                "job id '%.*s' is not 1-64 characters of [A-Za-z0-9_.:-] without '..'",
                                UTF8_CUT(id, 64));
        if (!cdm_cgroup_path_valid(cgroup))
                return (cdm_grant_error) msg_printf(ret_msg, CDM_GRANT_INVALID,
                                "cgroup '%.*s' is not an absolute path below the cgroup root without '.' or '..'",
                                UTF8_CUT(cgroup, 256));
        e = cdm_jobs_check_policy(policy, &p, ret_msg);
        if (e != CDM_GRANT_OK)
                return e;
        if (quota == 0)
                return (cdm_grant_error) msg_printf(ret_msg, CDM_GRANT_INVALID, "a quota of 0 bytes grants nothing");
        if (!cdm_name_valid(device) || !(d = cdm_layout_find_device(l, device)))
                return (cdm_grant_error) msg_printf(ret_msg, CDM_GRANT_NO_DEVICE, "no device '%.*s'",
                                UTF8_CUT(device, 64));
        if (!device_online(d))
                return (cdm_grant_error) msg_printf(ret_msg, CDM_GRANT_NOT_ONLINE, "device '%s' has no memory online", device);
        if (cdm_jobs_find(j, id))
                return (cdm_grant_error) msg_printf(ret_msg, CDM_GRANT_EXISTS, "job '%s' exists", id);
        if (cdm_jobs_find_cgroup(j, cgroup))
                return (cdm_grant_error) msg_printf(ret_msg, CDM_GRANT_EXISTS, "cgroup '%s' already has a grant", cgroup);
        /* The quota of the outer job would count, and move, the pages of the inner one. */
        nested = cdm_jobs_find_nested(j, cgroup);
        if (nested)
                return (cdm_grant_error) msg_printf(ret_msg, CDM_GRANT_INVALID,
                                "cgroup '%s' is %s the cgroup '%s' of job '%s': grants cannot nest",
                                cgroup, cgroup_below(cgroup, nested->cgroup) ? "inside" : "above",
                                nested->cgroup, nested->id);
        if (j->n >= c->max_jobs)
                return (cdm_grant_error) msg_printf(ret_msg, CDM_GRANT_TOO_MANY, "the number of jobs is limited by max_jobs (%llu)", (unsigned long long) c->max_jobs);
        return cdm_jobs_check_quota(j, l, &probe, quota, ret_msg);
}

int cdm_jobs_add(cdm_jobs *j, const char *id, const char *cgroup, const char *device,
                uint64_t quota, cdm_policy policy, uint64_t created_usec, bool from_config,
                cdm_job **ret)
{
        cdm_job *n;

        /* Grow by doubling: a scheduler may hold thousands of jobs. */
        if ((j->n & (j->n - 1)) == 0) {
                n = realloc(j->items, (j->n ? j->n * 2 : 1) * sizeof(cdm_job));
                if (!n)
                        return -ENOMEM;
                j->items = n;
        }
        n = &j->items[j->n];
        *n = (cdm_job){ .id = strdup(id), .cgroup = strdup(cgroup), .device = strdup(device),
                .quota = quota, .policy = policy, .created_usec = created_usec,
                .from_config = from_config };
        if (!n->id || !n->cgroup || !n->device) {
                free(n->id);
                free(n->cgroup);
                free(n->device);
                return -ENOMEM;
        }
        j->n++;
        if (ret)
                *ret = n;
        return 0;
}

static void job_done(cdm_job *job)
{
        free(job->id);
        free(job->cgroup);
        free(job->device);
        free(job->saved_memory_max);
        free(job->saved_memory_high);
}

void cdm_jobs_remove(cdm_jobs *j, const char *id)
{
        cdm_job *job = cdm_jobs_find(j, id);
        size_t i;

        if (!job)
                return;
        i = (size_t) (job - j->items);
        job_done(job);
        memmove(&j->items[i], &j->items[i + 1], (j->n - i - 1) * sizeof(cdm_job));
        j->n--;
        if (j->n && (j->n & (j->n - 1)) == 0) {
                cdm_job *shrunk = realloc(j->items, j->n * sizeof(cdm_job));
                if (shrunk)
                        j->items = shrunk;
        }
}

void cdm_jobs_done(cdm_jobs *j)
{
        for (size_t i = 0; i < j->n; i++)
                job_done(&j->items[i]);
        free(j->items);
        *j = (cdm_jobs){ 0 };
}

char *cdm_jobs_format(const cdm_jobs *j)
{
        strbuf b = STRBUF_NULL;

        strbuf_append(&b, "# cdmd jobs: id, cgroup, device, quota, policy, created, from config, memory.max and memory.high before the grant\n");
        for (size_t i = 0; i < j->n; i++) {
                const cdm_job *job = &j->items[i];

                /* Ids, paths and device names are validated: no tab or newline in them. */
                strbuf_printf(&b, "%s\t%s\t%s\t%llu\t%s\t%llu\t%d\t%s\t%s\n", job->id, job->cgroup,
                                job->device, (unsigned long long) job->quota,
                                cdm_policy_to_string(job->policy), (unsigned long long) job->created_usec,
                                job->from_config, job->saved_memory_max ?: "-",
                                job->saved_memory_high ?: "-");
        }
        return strbuf_steal(&b);
}

static int parse_line(char *line, cdm_jobs *j)
{
        char *f[9], *save = NULL, *tok;
        uint64_t quota, created;
        cdm_policy policy;
        cdm_job *job;
        size_t k = 0;
        int r;

        for (tok = strtok_r(line, "\t", &save); tok && k < 9; tok = strtok_r(NULL, "\t", &save))
                f[k++] = tok;
        if (k != 9 || !cdm_name_valid(f[0]) || !cdm_cgroup_path_valid(f[1]) || !cdm_name_valid(f[2]) ||
                        safe_atou64(f[3], &quota) < 0 || cdm_policy_from_string(f[4], &policy) < 0 ||
                        safe_atou64(f[5], &created) < 0 || cdm_jobs_find(j, f[0]))
                return -EBADMSG;
        r = cdm_jobs_add(j, f[0], f[1], f[2], quota, policy, created, streq(f[6], "1"), &job);
        if (r < 0)
                return r;
        if ((!streq(f[7], "-") && !(job->saved_memory_max = strdup(f[7]))) ||
                        (!streq(f[8], "-") && !(job->saved_memory_high = strdup(f[8]))))
                return -ENOMEM;
        return 0;
}

int cdm_jobs_parse(const char *text, size_t n, cdm_jobs *ret)
{
        _cleanup_free_ char *copy = strndup(text, n);
        cdm_jobs j = { 0 };
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                int r;

                if (line[0] == '#')
                        continue;
                r = parse_line(line, &j);
                if (r < 0) {
                        cdm_jobs_done(&j);
                        return r;
                }
        }
        *ret = j;
        return 0;
}

int cdm_jobs_save(const cdm_jobs *j, const char *state_dir)
{
        _cleanup_free_ char *text = cdm_jobs_format(j);

        if (!text)
                return -ENOMEM;
        return write_file_atomic_in(state_dir, JOBS_FILE, text, strlen(text));
}

int cdm_jobs_load(const char *state_dir, cdm_jobs *ret)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t len;
        int r;

        if (asprintf(&path, "%s/" JOBS_FILE, state_dir) < 0)
                return -ENOMEM;
        r = read_file_at(AT_FDCWD, path, 64u * 1024u * 1024u, &text, &len);
        if (r == -ENOENT) {
                *ret = (cdm_jobs){ 0 };
                return 0;
        }
        if (r < 0)
                return r;
        return cdm_jobs_parse(text, len, ret);
}
