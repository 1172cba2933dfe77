/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The job table. A grant is checked before anything changes: the id and the cgroup path
 * are well-formed, the device exists and is online, the id is new and the cgroup has no
 * other grant, the number of jobs stays under max_jobs, and the quotas granted on the device
 * never exceed its total minus its reserve (no overflow: sums saturate). Each job is one
 * record (record.h), kept in its own file of the store by jobs-store.c.
 */

#include <assert.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jobs.h"
#include "record.h"
#include "util/fileio.h"
#include "util/parse-util.h"
#include "util/strbuf.h"
#include "util/strv.h"
#include "util/text.h"


const char *cdm_job_state_to_string(cdm_job_state s)
{
        static const char *const names[] = { "active", "over-quota", "suspended", "revoking" };
        return s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

enum { BY_ID, BY_CGROUP, BY_DEVICE, _BY_MAX };

static size_t **index_of(const cdm_jobs *j, unsigned which)
{
        cdm_jobs *w = (cdm_jobs *) j;

        return which == BY_ID ? &w->by_id : which == BY_CGROUP ? &w->by_cgroup : &w->by_device;
}

/* What an index is searched for: the first @len bytes of @s (an id or a cgroup). */
typedef struct job_key {
        const char *device; /* by_device: the device, then the cgroup */
        const char *s;
        size_t len;
        bool below; /* s + "/": where the cgroups strictly below s begin */
        bool last;  /* by_device: after every cgroup of the device */
} job_key;

static int cmp_str(const char *a, const job_key *k)
{
        int c = strncmp(a, k->s, k->len);

        if (c != 0)
                return c;
        if (k->below)
                return a[k->len] == '/' ? 0 : (unsigned char) a[k->len] < '/' ? -1 : 1;
        return a[k->len] != 0;
}

static int cmp_item(const cdm_jobs *j, unsigned which, size_t item, const job_key *k)
{
        const cdm_job *job = &j->items[item];
        int c;

        if (which == BY_ID)
                return cmp_str(job->id, k);
        if (which == BY_CGROUP)
                return cmp_str(job->cgroup, k);
        c = strcmp(job->device, k->device);
        return c != 0 ? c : k->last ? -1 : cmp_str(job->cgroup, k);
}

static job_key key_of(const cdm_job *job, unsigned which)
{
        const char *s = which == BY_ID ? job->id : job->cgroup;

        return (job_key){ .device = job->device, .s = s, .len = strlen(s) };
}

/* The first of the @n entries of index @which that is not less than @k. */
static size_t lower_bound(const cdm_jobs *j, unsigned which, size_t n, const job_key *k)
{
        const size_t *index = *index_of(j, which);
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (cmp_item(j, which, index[mid], k) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static const size_t *find_exact(const cdm_jobs *j, unsigned which, const job_key *k)
{
        size_t p = lower_bound(j, which, j->n, k);

        return p < j->n && cmp_item(j, which, (*index_of(j, which))[p], k) == 0 ? &(*index_of(j, which))[p] : NULL;
}

cdm_job *cdm_jobs_find(const cdm_jobs *j, const char *id)
{
        const size_t *i = find_exact(j, BY_ID, &(job_key){ .s = id, .len = strlen(id) });

        return i ? &j->items[*i] : NULL;
}

cdm_job *cdm_jobs_find_cgroup(const cdm_jobs *j, const char *cgroup)
{
        const size_t *i = find_exact(j, BY_CGROUP, &(job_key){ .s = cgroup, .len = strlen(cgroup) });

        return i ? &j->items[*i] : NULL;
}

const cdm_job *cdm_jobs_next_below(const cdm_jobs *j, const char *cgroup, size_t *pos)
{
        size_t len = strlen(cgroup);

        while (*pos < j->n) {
                const cdm_job *first = &j->items[j->by_device[*pos]];
                size_t p = lower_bound(j, BY_DEVICE, j->n,
                                &(job_key){ .device = first->device, .s = cgroup, .len = len, .below = true });
                size_t end = lower_bound(j, BY_DEVICE, j->n, &(job_key){ .device = first->device, .last = true });
                const cdm_job *job = p < end ? &j->items[j->by_device[p]] : NULL;

                *pos = end;
                if (job && strncmp(job->cgroup, cgroup, len) == 0 && job->cgroup[len] == '/')
                        return job;
        }
        return NULL;
}

static struct cdm_jobs_total *total_of(const cdm_jobs *j, const char *device)
{
        for (size_t i = 0; i < j->n_totals; i++)
                if (streq(j->totals[i].device, device))
                        return &j->totals[i];
        return NULL;
}

static int total_add(cdm_jobs *j, const char *device, uint64_t quota)
{
        struct cdm_jobs_total *t = total_of(j, device);

        if (!t) {
                char *d = strdup(device);

                t = d ? realloc(j->totals, (j->n_totals + 1) * sizeof(*t)) : NULL;
                if (!t) {
                        free(d);
                        return -ENOMEM;
                }
                j->totals = t;
                t = &j->totals[j->n_totals++];
                *t = (struct cdm_jobs_total){ .device = d };
        }
        t->quota += quota;
        return 0;
}

void cdm_jobs_set_quota(cdm_jobs *j, cdm_job *job, uint64_t quota)
{
        struct cdm_jobs_total *t = total_of(j, job->device);

        /* A job's device always has its total. */
        assert(t);
        t->quota = t->quota - job->quota + quota;
        job->quota = quota;
}

uint64_t cdm_jobs_granted(const cdm_jobs *j, const char *device, const cdm_job *except)
{
        const struct cdm_jobs_total *t = total_of(j, device);
        unsigned __int128 sum = t ? t->quota : 0;

        /* @except may be a probe that is not in the table. */
        if (except && t && except >= j->items && except < j->items + j->n && streq(except->device, device))
                sum -= except->quota;
        return sum > UINT64_MAX ? UINT64_MAX : (uint64_t) sum;
}

bool cdm_jobs_on_device(const cdm_jobs *j, const char *device)
{
        /* The empty cgroup sorts before every cgroup of the device. */
        size_t p = lower_bound(j, BY_DEVICE, j->n, &(job_key){ .device = device, .s = "", .len = 0 });

        return p < j->n && streq(j->items[j->by_device[p]].device, device);
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

/* A policy name a job may have ("tiered" also needs the kernel: the daemon checks it). */
cdm_grant_error cdm_jobs_check_policy(const char *policy, cdm_policy *ret, char **ret_msg)
{
        if (cdm_policy_from_string(policy, ret) < 0)
                return (cdm_grant_error) msg_printf(ret_msg, CDM_GRANT_INVALID,
                                "unknown policy '%.64s' (manual, device-first, tiered)", policy);
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
        size_t len = strlen(cgroup), p;
        const size_t *i;

        /* Above: each proper prefix /a, /a/b, ... of @cgroup. */
        for (const char *slash = strchr(cgroup + 1, '/'); slash; slash = strchr(slash + 1, '/'))
                if ((i = find_exact(j, BY_CGROUP, &(job_key){ .s = cgroup, .len = (size_t) (slash - cgroup) })))
                        return &j->items[*i];
        /* Below: the first cgroup from @cgroup + "/" on, if it starts so. */
        p = lower_bound(j, BY_CGROUP, j->n, &(job_key){ .s = cgroup, .len = len, .below = true });
        if (p < j->n && cgroup_below(j->items[j->by_cgroup[p]].cgroup, cgroup))
                return &j->items[j->by_cgroup[p]];
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

static void index_insert(cdm_jobs *j, unsigned which, size_t item)
{
        size_t *index = *index_of(j, which);
        job_key k = key_of(&j->items[item], which);
        size_t p = lower_bound(j, which, j->n, &k);

        memmove(&index[p + 1], &index[p], (j->n - p) * sizeof(size_t));
        index[p] = item;
}

static void index_delete(cdm_jobs *j, unsigned which, size_t item)
{
        size_t *index = *index_of(j, which);
        job_key k = key_of(&j->items[item], which);
        size_t p = lower_bound(j, which, j->n, &k);

        while (p < j->n && index[p] != item)
                p++;
        assert(p < j->n);
        memmove(&index[p], &index[p + 1], (j->n - p - 1) * sizeof(size_t));
}

static int cmp_index(const void *a, const void *b, void *userdata)
{
        const cdm_jobs *j = ((void **) userdata)[0];
        unsigned which = *(const unsigned *) ((void **) userdata)[1];
        job_key k = key_of(&j->items[*(const size_t *) b], which);

        return cmp_item(j, which, *(const size_t *) a, &k);
}

/* After the items were reordered: sort the indexes anew. */
static void reindex(cdm_jobs *j)
{
        for (unsigned which = 0; which < _BY_MAX; which++) {
                size_t *index = *index_of(j, which);
                void *ctx[2] = { j, &which };

                for (size_t i = 0; i < j->n; i++)
                        index[i] = i;
                qsort_r(index, j->n, sizeof(size_t), cmp_index, ctx);
        }
}

static int cmp_created(const void *a, const void *b)
{
        const cdm_job *x = a, *y = b;

        if (x->created_usec != y->created_usec)
                return x->created_usec < y->created_usec ? -1 : 1;
        return strcmp(x->id, y->id);
}

void cdm_jobs_sort_created(cdm_jobs *j)
{
        if (j->n < 2)
                return;
        qsort(j->items, j->n, sizeof(cdm_job), cmp_created);
        reindex(j);
}

static void job_done(cdm_job *job)
{
        free(job->id);
        free(job->cgroup);
        free(job->device);
        free(job->saved_memory_max);
        free(job->saved_memory_high);
}

int cdm_jobs_add(cdm_jobs *j, const char *id, const char *cgroup, const char *device,
                uint64_t quota, cdm_policy policy, uint64_t created_usec, bool from_config,
                cdm_job **ret)
{
        cdm_job *n;

        /* Grow by doubling: a scheduler may hold thousands of jobs. The indexes never shrink,
         * so they always have room for as many items. */
        if ((j->n & (j->n - 1)) == 0) {
                size_t cap = j->n ? j->n * 2 : 1;

                n = realloc(j->items, cap * sizeof(cdm_job));
                if (!n)
                        return -ENOMEM;
                j->items = n;
                for (unsigned which = 0; which < _BY_MAX; which++) {
                        size_t *index = realloc(*index_of(j, which), cap * sizeof(size_t));

                        if (!index)
                                return -ENOMEM;
                        *index_of(j, which) = index;
                }
        }
        n = &j->items[j->n];
        *n = (cdm_job){ .id = strdup(id), .cgroup = strdup(cgroup), .device = strdup(device),
                .quota = quota, .policy = policy, .created_usec = created_usec,
                .from_config = from_config };
        if (!n->id || !n->cgroup || !n->device || total_add(j, device, quota) < 0) {
                job_done(n);
                return -ENOMEM;
        }
        for (unsigned which = 0; which < _BY_MAX; which++)
                index_insert(j, which, j->n);
        j->n++;
        if (ret)
                *ret = n;
        return 0;
}

void cdm_jobs_remove(cdm_jobs *j, const char *id)
{
        cdm_job *job = cdm_jobs_find(j, id);
        size_t i;

        if (!job)
                return;
        i = (size_t) (job - j->items);
        for (unsigned which = 0; which < _BY_MAX; which++)
                index_delete(j, which, i);
        total_of(j, job->device)->quota -= job->quota;
        job_done(job);
        memmove(&j->items[i], &j->items[i + 1], (j->n - i - 1) * sizeof(cdm_job));
        j->n--;
        for (unsigned which = 0; which < _BY_MAX; which++) {
                size_t *index = *index_of(j, which);

                for (size_t p = 0; p < j->n; p++)
                        if (index[p] > i)
                                index[p]--;
        }
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
        free(j->by_id);
        free(j->by_cgroup);
        free(j->by_device);
        for (size_t i = 0; i < j->n_totals; i++)
                free(j->totals[i].device);
        free(j->totals);
        *j = (cdm_jobs){ 0 };
}

#define JOB_FIELDS 9

char *cdm_job_format(const cdm_job *job)
{
        strbuf b = STRBUF_NULL;
        char quota[32], created[32];

        (void) snprintf(quota, sizeof(quota), "%llu", (unsigned long long) job->quota);
        (void) snprintf(created, sizeof(created), "%llu", (unsigned long long) job->created_usec);
        strbuf_append(&b, "# cdmd job: id, cgroup, device, quota, policy, created, from config, "
                        "memory.max and memory.high before the grant\n");
        cdm_record_add(&b, job->id, 1);
        cdm_record_add(&b, job->cgroup, 0);
        cdm_record_add(&b, job->device, 0);
        cdm_record_add(&b, quota, 0);
        cdm_record_add(&b, cdm_policy_to_string(job->policy), 0);
        cdm_record_add(&b, created, 0);
        cdm_record_add(&b, job->from_config ? "1" : "0", 0);
        cdm_record_add(&b, job->saved_memory_max ?: "-", 0);
        cdm_record_add(&b, job->saved_memory_high ?: "-", 0);
        strbuf_append(&b, "\n");
        return strbuf_steal(&b);
}

static bool saved_limit_valid(const char *s)
{
        uint64_t v;

        return streq(s, "-") || safe_atou64(s, &v) >= 0;
}

/* One record line into the table; *what says why not. */
int cdm_job_parse_record(const char *line, size_t len, cdm_jobs *j, const char **what)
{
        char **f = NULL;
        size_t nf = 0;
        uint64_t quota, created;
        cdm_policy policy;
        cdm_job *job;
        int r;

        r = cdm_record_split(line, len, &f, &nf, what);
        if (r < 0)
                return r;
        if (nf != JOB_FIELDS)
                *what = "not 9 fields";
        else if (!cdm_name_valid(f[0]))
                *what = "field 1: not a job id";
        else if (!cdm_cgroup_path_valid(f[1]))
                *what = "field 2: not a cgroup path";
        else if (!cdm_name_valid(f[2]))
                *what = "field 3: not a device name";
        else if (safe_atou64(f[3], &quota) < 0 || quota == 0)
                *what = "field 4: not a quota in bytes";
        else if (cdm_policy_from_string(f[4], &policy) < 0)
                *what = "field 5: not a policy";
        else if (safe_atou64(f[5], &created) < 0)
                *what = "field 6: not a time";
        else if (!streq(f[6], "0") && !streq(f[6], "1"))
                *what = "field 7: not 0 or 1";
        else if (!saved_limit_valid(f[7]) || !saved_limit_valid(f[8]))
                *what = "fields 8-9: not memory limits";
        else if (cdm_jobs_find(j, f[0]) || cdm_jobs_find_cgroup(j, f[1]))
                *what = "a second record of the same job or cgroup";
        if (*what) {
                strv_free_n(f, nf);
                return -EBADMSG;
        }
        r = cdm_jobs_add(j, f[0], f[1], f[2], quota, policy, created, streq(f[6], "1"), &job);
        if (r >= 0 && ((!streq(f[7], "-") && !(job->saved_memory_max = strdup(f[7]))) ||
                                (!streq(f[8], "-") && !(job->saved_memory_high = strdup(f[8])))))
                r = -ENOMEM;
        strv_free_n(f, nf);
        return r;
}

int cdm_job_parse(const char *text, size_t n, cdm_jobs *j, const char **what)
{
        const char *line;
        size_t pos = 0, len, before = j->n;
        unsigned lineno = 0;
        int r;

        *what = NULL;
        r = cdm_record_next(text, n, &pos, &lineno, &line, &len);
        if (r == 0)
                return *what = "no record", -EBADMSG;
        if (r < 0)
                return *what = "the record has no newline (torn)", -EBADMSG;
        if (memchr(text, 0, n))
                return *what = "a NUL byte", -EBADMSG;
        r = cdm_job_parse_record(line, len, j, what);
        if (r < 0)
                return r;
        r = cdm_record_next(text, n, &pos, &lineno, &line, &len);
        if (r != 0) {
                cdm_jobs_remove(j, j->items[before].id);
                return *what = "more than one record", -EBADMSG;
        }
        return 0;
}
