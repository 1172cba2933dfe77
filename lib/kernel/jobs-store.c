/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The jobs in the store: one file per job, jobs.d/ID.job (see jobs-store.h). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs-store.h"
#include "record.h"
#include "util/strv.h"

#define LEGACY_JOBS_FILE "jobs"

static int job_file(const char *id, char **ret)
{
        return asprintf(ret, "jobs.d/%s.job", id) < 0 ? -ENOMEM : 0;
}

int cdm_jobs_save_job(cdm_store *s, const cdm_job *job)
{
        _cleanup_free_ char *text = cdm_job_format(job), *name = NULL;
        int r;

        if (!text)
                return -ENOMEM;
        r = job_file(job->id, &name);
        return r < 0 ? r : cdm_store_write(s, name, text);
}

int cdm_jobs_forget(cdm_store *s, const char *id)
{
        _cleanup_free_ char *name = NULL;
        int r = job_file(id, &name);

        return r < 0 ? r : cdm_store_remove(s, name);
}

static int damaged(cdm_store *s, const char *name, const char *what, const char *line, size_t len,
                char ***damage, size_t *n_damage)
{
        _cleanup_free_ char *q = cdm_record_quote(line ?: "", line ? len : 0, 200);
        int r = cdm_store_keep_damaged(s, name);

        return strv_append_printf(damage, n_damage, "%s: %s: \"%s\"; not restored, kept as %s.damaged%s",
                        name, what, q ?: "", name, r < 0 ? " (failed: the file stays)" : "");
}

/* The jobs file of cdmd before jobs.d/: one record a line. Its jobs move to jobs.d/. */
static int load_legacy(cdm_store *s, char ***damage, size_t *n_damage)
{
        _cleanup_(cdm_jobs_done) cdm_jobs table = { 0 };
        cdm_jobs *j = &table;
        _cleanup_free_ char *text = NULL;
        const char *line;
        size_t len, pos = 0, n;
        unsigned lineno = 0;
        bool bad = false;
        int r;

        r = cdm_store_read(s, LEGACY_JOBS_FILE, 64u * 1024u * 1024u, &text, &n);
        if (r == -ENOENT)
                return 0;
        if (r == -EBADF || r == -EFBIG)
                return damaged(s, LEGACY_JOBS_FILE, r == -EBADF ? "not a regular file" : "too large", NULL, 0,
                                damage, n_damage);
        if (r < 0)
                return r;
        while ((r = cdm_record_next(text, n, &pos, &lineno, &line, &len)) != 0) {
                const char *what = r < 0 ? "torn" : NULL;
                _cleanup_free_ char *q = NULL;

                if (r > 0 && memchr(line, 0, len))
                        what = "a NUL byte";
                if (!what && (r = cdm_job_parse_record(line, len, j, &what)) == -ENOMEM)
                        return r;
                if (!what)
                        continue;
                bad = true;
                q = cdm_record_quote(line, len, 200);
                r = strv_append_printf(damage, n_damage, LEGACY_JOBS_FILE ":%u: %s: \"%s\"; not restored",
                                lineno, what, q ?: "");
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < j->n; i++) {
                r = cdm_jobs_save_job(s, &j->items[i]);
                if (r < 0)
                        return r;
        }
        return bad ? cdm_store_keep_damaged(s, LEGACY_JOBS_FILE) : cdm_store_remove(s, LEGACY_JOBS_FILE);
}

int cdm_jobs_load(cdm_store *s, cdm_jobs *ret, char ***damage, size_t *n_damage)
{
        cdm_jobs j = { 0 };
        char **names = NULL;
        size_t n = 0;
        int r;

        r = load_legacy(s, damage, n_damage);
        if (r >= 0)
                r = cdm_store_list_jobs(s, &names, &n);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ char *text = NULL, *want = NULL;
                const char *what = NULL;
                size_t len, before = j.n;

                r = cdm_store_read(s, names[i], 1u << 20, &text, &len);
                if (r == -ENOENT) {
                        r = 0;
                        continue;
                }
                if (r == -EBADF || r == -EFBIG) {
                        r = damaged(s, names[i], r == -EBADF ? "not a regular file" : "too large", NULL, 0,
                                        damage, n_damage);
                        continue;
                }
                if (r < 0)
                        break;
                r = cdm_job_parse(text, len, &j, &what);
                if (r == -ENOMEM)
                        break;
                /* The file's name is its job's id: a record under another name is no record. */
                if (r >= 0 && (job_file(j.items[before].id, &want) < 0 || !streq(want, names[i]))) {
                        cdm_jobs_remove(&j, j.items[before].id);
                        what = "the record is of another job than its file's name";
                        r = -EBADMSG;
                }
                if (r == -EBADMSG)
                        r = damaged(s, names[i], what, text, len, damage, n_damage);
        }
        strv_free_n(names, n);
        if (r < 0) {
                cdm_jobs_done(&j);
                return r;
        }
        cdm_jobs_sort_created(&j);
        *ret = j;
        return 0;
}
