/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Configuration model: defaults, the key table and validation. A key's parser gets the raw
 * value; an empty value means "the default". Unknown sections and keys are errors, never
 * silently ignored: a typo in an isolation setting must not quietly leave a device exposed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util/parse-util.h"
#include "util/strbuf.h"

#define DEFAULT_AUDIT_INTERVAL_USEC 1000000ULL /* 1 s: memory.numa_stat lags; faster wastes CPU */
#define DEFAULT_COLD_AFTER_USEC 5000000ULL     /* 5 s without access: cold (tiered) */
#define DEFAULT_MAX_STALL_USEC 20000ULL        /* 20 ms: longest move_pages() a job may feel */
#define DEFAULT_MAX_JOBS 1024ULL
#define BANDWIDTH_MAX_MBPS 1000000ULL /* 1 TB/s */
#define WORKERS_MAX 64
#define DEFAULT_STATE_DIR CDM_LOCALSTATEDIR "/lib/cdmd"

static const char *const kind_names[] = {
        [CDM_KIND_AUTO] = "auto", [CDM_KIND_GPU] = "gpu", [CDM_KIND_CXL] = "cxl",
        [CDM_KIND_GENERIC] = "generic",
};
static const char *const source_names[] = {
        [CDM_SOURCE_AUTO] = "auto", [CDM_SOURCE_CONFIG] = "config", [CDM_SOURCE_NVIDIA] = "nvidia",
        [CDM_SOURCE_DAX] = "dax",   [CDM_SOURCE_CXL] = "cxl",       [CDM_SOURCE_HMAT] = "hmat",
        [CDM_SOURCE_CPULESS] = "cpuless",
};
static const char *const policy_names[] = {
        [CDM_POLICY_MANUAL] = "manual",
        [CDM_POLICY_DEVICE_FIRST] = "device-first",
        [CDM_POLICY_TIERED] = "tiered",
};

const char *cdm_kind_to_string(cdm_kind k)
{
        return k < ARRAY_SIZE(kind_names) ? kind_names[k] : "unknown";
}

const char *cdm_source_to_string(cdm_source s)
{
        return s < ARRAY_SIZE(source_names) ? source_names[s] : "unknown";
}

const char *cdm_policy_to_string(cdm_policy p)
{
        return p < ARRAY_SIZE(policy_names) ? policy_names[p] : "unknown";
}

int cdm_policy_from_string(const char *s, cdm_policy *ret)
{
        for (size_t i = 0; i < ARRAY_SIZE(policy_names); i++)
                if (streq(s, policy_names[i])) {
                        *ret = (cdm_policy) i;
                        return 0;
                }
        return -EINVAL;
}

static int lookup(const char *const *names, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (names[i] && streq(s, names[i]))
                        return (int) i;
        return -EINVAL;
}

/* Names of devices and jobs: 1-64 characters of [A-Za-z0-9_.:-], never "..". */
bool cdm_name_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > CDM_NAME_MAX || strstr(s, ".."))
                return false;
        return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-") == n;
}

/* A cgroup path below the cgroup2 root: absolute, no "." or ".." component, no "//", not "/". */
bool cdm_cgroup_path_valid(const char *s)
{
        size_t n = strlen(s);

        if (n < 2 || n > 4096 || s[0] != '/' || s[n - 1] == '/')
                return false;
        for (const char *p = s; *p;) {
                size_t len;

                p++; /* the '/' */
                len = strcspn(p, "/");
                if (len == 0 || len > 255)
                        return false;
                if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                for (size_t i = 0; i < len; i++)
                        if ((unsigned char) p[i] < 0x20 || p[i] == 0x7f)
                                return false;
                p += len;
        }
        return true;
}

int cdm_config_new(cdm_config **ret)
{
        cdm_config *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->audit_interval_usec = DEFAULT_AUDIT_INTERVAL_USEC;
        c->state_dir = strdup(DEFAULT_STATE_DIR);
        c->system_nodes_auto = true;
        c->online = CDM_ONLINE_MOVABLE;
        c->demotion_disable = true;
        c->root_cgroup_move = false;
        c->repair_migrate = true;
        c->max_stall_usec = DEFAULT_MAX_STALL_USEC;
        c->bandwidth_mbps = 0;
        c->cold_after_usec = DEFAULT_COLD_AFTER_USEC;
        c->max_jobs = DEFAULT_MAX_JOBS;
        if (!c->state_dir) {
                free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

cdm_config *cdm_config_free(cdm_config *c)
{
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_devices; i++) {
                free(c->devices[i].name);
                free(c->devices[i].file);
        }
        for (size_t i = 0; i < c->n_jobs; i++) {
                free(c->jobs[i].name);
                free(c->jobs[i].cgroup);
                free(c->jobs[i].device);
                free(c->jobs[i].file);
        }
        free(c->devices);
        free(c->jobs);
        free(c->state_dir);
        free(c->metrics_file);
        free(c->admin_group);
        free(c);
        return NULL;
}

/* --- value parsers: (config, field pointer, value) → 0 or -EINVAL with *what --- */

typedef int (*value_parser)(void *field, const char *v, const char **what);

static int set_string(char **field, const char *v, const char *dflt)
{
        char *s = NULL;

        if (*v ? !(s = strdup(v)) : dflt && !(s = strdup(dflt)))
                return -ENOMEM;
        free(*field);
        *field = s;
        return 0;
}

static int p_duration(void *field, const char *v, const char **what)
{
        uint64_t u;

        if (parse_duration_usec(v, &u) < 0 || u < 1000 || u > 3600ULL * 1000000ULL)
                return *what = "expected a duration between 1ms and 1h, such as 1s or 20ms",
                       -EINVAL;
        *(uint64_t *) field = u;
        return 0;
}

static int p_stall(void *field, const char *v, const char **what)
{
        uint64_t u;

        if (parse_duration_usec(v, &u) < 0 || u < 100 || u > 10ULL * 1000000ULL)
                return *what = "expected a duration between 100us and 10s, such as 20ms", -EINVAL;
        *(uint64_t *) field = u;
        return 0;
}

static int p_bandwidth(void *field, const char *v, const char **what)
{
        uint64_t u;

        /* move_pages() copies far below 1 TB/s, so a larger cap is a mistake (bytes or KB/s
         * written for MB/s); the bound also keeps the pacer's MB/s × 10^6 far from overflow. */
        if (safe_atou64(v, &u) < 0 || u > BANDWIDTH_MAX_MBPS)
                return *what = "expected a rate in MB/s between 0 (no cap) and 1000000 (1 TB/s)", -EINVAL;
        *(uint64_t *) field = u;
        return 0;
}

static int p_workers(void *field, const char *v, const char **what)
{
        uint64_t u;

        if (streq(v, "auto")) {
                *(uint64_t *) field = 0;
                return 0;
        }
        if (safe_atou64(v, &u) < 0 || u < 1 || u > WORKERS_MAX)
                return *what = "expected 'auto' or a number of threads between 1 and 64", -EINVAL;
        *(uint64_t *) field = u;
        return 0;
}

static int p_max_jobs(void *field, const char *v, const char **what)
{
        uint64_t u;

        if (safe_atou64(v, &u) < 0 || u < 1 || u > 65536)
                return *what = "expected an integer between 1 and 65536", -EINVAL;
        *(uint64_t *) field = u;
        return 0;
}

static int p_size(void *field, const char *v, const char **what)
{
        if (parse_size(v, field) < 0)
                return *what = "expected a size such as 512M, 4G or a number of bytes", -EINVAL;
        return 0;
}

static int p_path(void *field, const char *v, const char **what)
{
        if (*v && v[0] != '/')
                return *what = "expected an absolute path", -EINVAL;
        if (strstr(v, "/../") || (strlen(v) >= 3 && streq(v + strlen(v) - 3, "/..")))
                return *what = "path must not contain '..'", -EINVAL;
        return 0; /* stored by the caller through set_string */
}

static int p_group(void *field, const char *v, const char **what)
{
        size_t n = strlen(v);

        if (n > 32 || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n ||
                        v[0] == '-')
                return *what = "expected a group name", -EINVAL;
        return 0;
}

typedef struct choice_field {
        const char *const *names;
        size_t n;
        const char *what;
} choice_field;

static int p_choice(const choice_field *cf, bool *field, const char *v, const char **what)
{
        int i = lookup(cf->names, cf->n, v);

        if (i < 0)
                return *what = cf->what, -EINVAL;
        *field = i == 1;
        return 0;
}

/* --- [daemon], [isolation], [migration], [api] --- */

typedef enum key_type { K_DURATION, K_STALL, K_BANDWIDTH, K_WORKERS, K_MAX_JOBS, K_PATH, K_GROUP, K_CHOICE, K_NODES, K_ONLINE } key_type;

static const char *const demotion_names[] = { "keep", "disable" };
static const char *const root_cgroup_names[] = { "warn", "move" };
static const char *const repair_names[] = { "report", "migrate" };
static const choice_field demotion_choice = { demotion_names, 2, "expected 'keep' or 'disable'" };
static const choice_field root_choice = { root_cgroup_names, 2, "expected 'warn' or 'move'" };
static const choice_field repair_choice = { repair_names, 2, "expected 'migrate' or 'report'" };

static const struct config_key {
        const char *section;
        const char *key;
        key_type type;
        size_t offset;
        const choice_field *choice;
} keys[] = {
        { "daemon", "audit_interval", K_DURATION, offsetof(cdm_config, audit_interval_usec), NULL },
        { "daemon", "state_dir", K_PATH, offsetof(cdm_config, state_dir), NULL },
        { "daemon", "metrics_file", K_PATH, offsetof(cdm_config, metrics_file), NULL },
        { "isolation", "system_nodes", K_NODES, 0, NULL },
        { "isolation", "online", K_ONLINE, offsetof(cdm_config, online), NULL },
        { "isolation", "demotion", K_CHOICE, offsetof(cdm_config, demotion_disable), &demotion_choice },
        { "isolation", "root_cgroup", K_CHOICE, offsetof(cdm_config, root_cgroup_move), &root_choice },
        { "isolation", "repair", K_CHOICE, offsetof(cdm_config, repair_migrate), &repair_choice },
        { "migration", "max_stall", K_STALL, offsetof(cdm_config, max_stall_usec), NULL },
        { "migration", "bandwidth", K_BANDWIDTH, offsetof(cdm_config, bandwidth_mbps), NULL },
        { "migration", "workers", K_WORKERS, offsetof(cdm_config, workers), NULL },
        { "policy", "cold_after", K_DURATION, offsetof(cdm_config, cold_after_usec), NULL },
        { "api", "admin_group", K_GROUP, offsetof(cdm_config, admin_group), NULL },
        { "api", "max_jobs", K_MAX_JOBS, offsetof(cdm_config, max_jobs), NULL },
};

static int set_nodes(cdm_nodemask *m, const char *v, const char **what)
{
        if (cdm_nodemask_parse(v, strlen(v), m) < 0 || cdm_nodemask_count(m) == 0)
                return *what = "expected a node list such as 0-1,8", -EINVAL;
        return 0;
}

static int set_global(cdm_config *c, const struct config_key *k, const char *v, const char **what)
{
        cdm_config defaults = { 0 };
        void *field = (char *) c + k->offset;
        int r;

        /* An empty value restores the default. */
        if (*v == 0 && k->type != K_PATH && k->type != K_GROUP) {
                cdm_config *d;

                if (k->type == K_NODES) {
                        c->system_nodes_auto = true;
                        c->system_nodes = (cdm_nodemask){ 0 };
                        return 0;
                }
                r = cdm_config_new(&d);
                if (r < 0)
                        return r;
                defaults = *d;
                memcpy(field, (char *) &defaults + k->offset,
                                k->type == K_CHOICE ? sizeof(bool)
                                : k->type == K_ONLINE ? sizeof(cdm_online_mode)
                                                      : sizeof(uint64_t));
                cdm_config_free(d);
                return 0;
        }

        switch (k->type) {
        case K_DURATION:
                return p_duration(field, v, what);
        case K_STALL:
                return p_stall(field, v, what);
        case K_BANDWIDTH:
                return p_bandwidth(field, v, what);
        case K_WORKERS:
                return p_workers(field, v, what);
        case K_MAX_JOBS:
                return p_max_jobs(field, v, what);
        case K_CHOICE:
                return p_choice(k->choice, field, v, what);
        case K_PATH:
                r = p_path(field, v, what);
                return r < 0 ? r : set_string(field, v, streq(k->key, "state_dir") ? DEFAULT_STATE_DIR : NULL);
        case K_GROUP:
                r = p_group(field, v, what);
                return r < 0 ? r : set_string(field, v, NULL);
        case K_ONLINE:
                if (streq(v, "movable"))
                        c->online = CDM_ONLINE_MOVABLE;
                else if (streq(v, "manual"))
                        c->online = CDM_ONLINE_MANUAL;
                else
                        return *what = "expected 'movable' or 'manual'", -EINVAL;
                return 0;
        case K_NODES:
                if (streq(v, "auto")) {
                        c->system_nodes_auto = true;
                        c->system_nodes = (cdm_nodemask){ 0 };
                        return 0;
                }
                r = set_nodes(&c->system_nodes, v, what);
                if (r >= 0)
                        c->system_nodes_auto = false;
                return r;
        }
        return -EINVAL;
}

/* --- [device NAME] and [job NAME] --- */

static bool section_prefix(const char *section, const char *prefix, const char **ret_name)
{
        size_t n = strlen(prefix);

        if (strncmp(section, prefix, n) != 0 || section[n] != ' ')
                return false;
        *ret_name = section + n + 1;
        while (**ret_name == ' ')
                (*ret_name)++;
        return true;
}

bool cdm_config_section_valid(const char *section, const char **ret_what)
{
        const char *name;

        for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                if (streq(section, keys[i].section))
                        return true;
        if (section_prefix(section, "device", &name) || section_prefix(section, "job", &name)) {
                if (cdm_name_valid(name))
                        return true;
                *ret_what = "section name must be 1-64 characters of [A-Za-z0-9_.:-]";
                return false;
        }
        *ret_what = "unknown section";
        return false;
}

const cdm_config_device *cdm_config_find_device(const cdm_config *c, const char *name)
{
        for (size_t i = 0; i < c->n_devices; i++)
                if (streq(c->devices[i].name, name))
                        return &c->devices[i];
        return NULL;
}

const cdm_config_device *cdm_config_device_for_node(const cdm_config *c, unsigned node)
{
        for (size_t i = 0; i < c->n_devices; i++)
                if (cdm_nodemask_test(&c->devices[i].nodes, node))
                        return &c->devices[i];
        return NULL;
}

static int get_device(cdm_config *c, const char *name, const char *file, unsigned line,
                cdm_config_device **ret)
{
        cdm_config_device *d, *nd;

        d = (cdm_config_device *) cdm_config_find_device(c, name);
        if (d) {
                *ret = d;
                return 0;
        }
        if (c->n_devices >= CDM_CONFIG_DEVICES_MAX)
                return -E2BIG;
        nd = realloc(c->devices, (c->n_devices + 1) * sizeof(*nd));
        if (!nd)
                return -ENOMEM;
        c->devices = nd;
        d = &c->devices[c->n_devices];
        *d = (cdm_config_device){ .name = strdup(name), .file = strdup(file ?: ""), .line = line };
        if (!d->name || !d->file) {
                free(d->name);
                free(d->file);
                return -ENOMEM;
        }
        c->n_devices++;
        *ret = d;
        return 0;
}

static int get_job(cdm_config *c, const char *name, const char *file, unsigned line,
                cdm_config_job **ret)
{
        cdm_config_job *j, *nj;

        for (size_t i = 0; i < c->n_jobs; i++)
                if (streq(c->jobs[i].name, name)) {
                        *ret = &c->jobs[i];
                        return 0;
                }
        if (c->n_jobs >= CDM_CONFIG_JOBS_MAX)
                return -E2BIG;
        nj = realloc(c->jobs, (c->n_jobs + 1) * sizeof(*nj));
        if (!nj)
                return -ENOMEM;
        c->jobs = nj;
        j = &c->jobs[c->n_jobs];
        *j = (cdm_config_job){ .name = strdup(name), .file = strdup(file ?: ""), .line = line };
        if (!j->name || !j->file) {
                free(j->name);
                free(j->file);
                return -ENOMEM;
        }
        c->n_jobs++;
        *ret = j;
        return 0;
}

static int set_device(cdm_config *c, const char *name, const char *key, const char *v,
                const char *file, unsigned line, const char **what)
{
        cdm_config_device *d;
        int r, i;

        r = get_device(c, name, file, line, &d);
        if (r == -E2BIG)
                return *what = "too many [device] sections", -EINVAL;
        if (r < 0)
                return r;
        if (streq(key, "nodes")) {
                r = set_nodes(&d->nodes, v, what);
                d->has_nodes = r >= 0;
                return r;
        }
        if (streq(key, "kind")) {
                i = lookup(kind_names, ARRAY_SIZE(kind_names), *v ? v : "auto");
                if (i < 0)
                        return *what = "expected 'gpu', 'cxl', 'generic' or 'auto'", -EINVAL;
                d->kind = (cdm_kind) i;
                return 0;
        }
        if (streq(key, "source")) {
                i = lookup(source_names, ARRAY_SIZE(source_names), *v ? v : "auto");
                if (i < 0)
                        return *what = "expected one of config, nvidia, dax, cxl, hmat, cpuless, auto",
                               -EINVAL;
                d->source = (cdm_source) i;
                return 0;
        }
        if (streq(key, "reserve")) {
                if (!*v) {
                        d->reserve = 0;
                        return 0;
                }
                return p_size(&d->reserve, v, what);
        }
        return *what = "unknown key", -ENOENT;
}

static int set_job(cdm_config *c, const char *name, const char *key, const char *v,
                const char *file, unsigned line, const char **what)
{
        cdm_config_job *j;
        int r;

        r = get_job(c, name, file, line, &j);
        if (r == -E2BIG)
                return *what = "too many [job] sections", -EINVAL;
        if (r < 0)
                return r;
        if (streq(key, "cgroup")) {
                if (!cdm_cgroup_path_valid(v))
                        return *what = "expected an absolute cgroup path such as /system.slice/x.service, without '..'",
                               -EINVAL;
                return set_string(&j->cgroup, v, NULL);
        }
        if (streq(key, "device")) {
                if (!cdm_name_valid(v))
                        return *what = "expected a device name", -EINVAL;
                return set_string(&j->device, v, NULL);
        }
        if (streq(key, "quota")) {
                r = p_size(&j->quota, v, what);
                j->has_quota = r >= 0;
                return r;
        }
        if (streq(key, "policy")) {
                if (cdm_policy_from_string(v, &j->policy) < 0)
                        return *what = "expected 'manual', 'device-first' or 'tiered'", -EINVAL;
                return 0;
        }
        return *what = "unknown key", -ENOENT;
}

/**
 * cdm_config_set() - set one key from its text
 * @c: the configuration
 * @section: section name as written ("isolation", "device gpu0")
 * @key: key name
 * @value: the value, "" for the default
 * @file: file name for later messages (device and job sections remember where they start)
 * @line: line of the section's header, likewise
 * @ret_what: on failure, what is wrong ("unknown key", "expected ...")
 *
 * Return: 0; -ENOENT for an unknown section or key; -EINVAL for a bad value; -ENOMEM.
 */
int cdm_config_set(cdm_config *c, const char *section, const char *key, const char *value,
                const char *file, unsigned line, const char **ret_what)
{
        const char *name;

        if (section_prefix(section, "device", &name) && cdm_name_valid(name))
                return set_device(c, name, key, value, file, line, ret_what);
        if (section_prefix(section, "job", &name) && cdm_name_valid(name))
                return set_job(c, name, key, value, file, line, ret_what);
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                if (streq(section, keys[i].section) && streq(key, keys[i].key))
                        return set_global(c, &keys[i], value, ret_what);
        if (!cdm_config_section_valid(section, ret_what))
                return -ENOENT;
        *ret_what = "unknown key";
        return -ENOENT;
}

unsigned cdm_config_validate(const cdm_config *c, char **errors)
{
        strbuf b = STRBUF_NULL;
        unsigned n = 0;

#define ERR(file, line, ...)                                                                       \
        do {                                                                                       \
                strbuf_printf(&b, "%s:%u: ", file, line);                                          \
                strbuf_printf(&b, __VA_ARGS__);                                                    \
                strbuf_append(&b, "\n");                                                           \
                n++;                                                                               \
        } while (0)

        for (size_t i = 0; i < c->n_devices; i++) {
                const cdm_config_device *d = &c->devices[i];

                if (!d->has_nodes) {
                        ERR(d->file, d->line, "[device %s] needs 'nodes ='", d->name);
                        continue;
                }
                for (size_t k = 0; k < i; k++)
                        for (int id = -1; (id = cdm_nodemask_next(&d->nodes, id)) >= 0;)
                                if (cdm_nodemask_test(&c->devices[k].nodes, (unsigned) id)) {
                                        ERR(d->file, d->line,
                                                        "[device %s] node %d already belongs to [device %s]",
                                                        d->name, id, c->devices[k].name);
                                        break;
                                }
                if (!c->system_nodes_auto)
                        for (int id = -1; (id = cdm_nodemask_next(&d->nodes, id)) >= 0;)
                                if (cdm_nodemask_test(&c->system_nodes, (unsigned) id)) {
                                        ERR(d->file, d->line,
                                                        "[device %s] node %d is also listed in system_nodes",
                                                        d->name, id);
                                        break;
                                }
        }
        for (size_t i = 0; i < c->n_jobs; i++) {
                const cdm_config_job *j = &c->jobs[i];

                if (!j->cgroup)
                        ERR(j->file, j->line, "[job %s] needs 'cgroup ='", j->name);
                if (!j->device)
                        ERR(j->file, j->line, "[job %s] needs 'device ='", j->name);
                if (!j->has_quota)
                        ERR(j->file, j->line, "[job %s] needs 'quota ='", j->name);
                for (size_t k = 0; k < i; k++)
                        if (j->cgroup && c->jobs[k].cgroup && streq(j->cgroup, c->jobs[k].cgroup))
                                ERR(j->file, j->line, "[job %s] cgroup '%s' is already granted to [job %s]",
                                                j->name, j->cgroup, c->jobs[k].name);
        }
        if (c->n_jobs > c->max_jobs)
                ERR("config", 0, "%zu [job] sections exceed max_jobs=%llu", c->n_jobs,
                                (unsigned long long) c->max_jobs);
#undef ERR
        if (errors)
                *errors = strbuf_steal(&b);
        else
                strbuf_done(&b);
        return n;
}

static void dump_duration(strbuf *b, const char *key, uint64_t usec)
{
        if (usec % 1000000 == 0)
                strbuf_printf(b, "%s = %llus\n", key, (unsigned long long) (usec / 1000000));
        else if (usec % 1000 == 0)
                strbuf_printf(b, "%s = %llums\n", key, (unsigned long long) (usec / 1000));
        else
                strbuf_printf(b, "%s = %lluus\n", key, (unsigned long long) usec);
}

char *cdm_config_dump(const cdm_config *c)
{
        _cleanup_free_ char *sys = NULL;
        strbuf b = STRBUF_NULL;

        if (!c->system_nodes_auto)
                sys = cdm_nodemask_format(&c->system_nodes);
        strbuf_append(&b, "[daemon]\n");
        dump_duration(&b, "audit_interval", c->audit_interval_usec);
        strbuf_printf(&b, "state_dir = %s\nmetrics_file = %s\n", c->state_dir ?: "",
                        c->metrics_file ?: "");
        strbuf_printf(&b, "\n[isolation]\nsystem_nodes = %s\nonline = %s\ndemotion = %s\n",
                        sys ?: "auto", c->online == CDM_ONLINE_MOVABLE ? "movable" : "manual",
                        demotion_names[c->demotion_disable]);
        strbuf_printf(&b, "root_cgroup = %s\nrepair = %s\n", root_cgroup_names[c->root_cgroup_move],
                        repair_names[c->repair_migrate]);
        strbuf_append(&b, "\n[migration]\n");
        dump_duration(&b, "max_stall", c->max_stall_usec);
        strbuf_printf(&b, "bandwidth = %llu\n", (unsigned long long) c->bandwidth_mbps);
        if (c->workers == 0)
                strbuf_append(&b, "workers = auto\n");
        else
                strbuf_printf(&b, "workers = %llu\n", (unsigned long long) c->workers);
        strbuf_append(&b, "\n[policy]\n");
        dump_duration(&b, "cold_after", c->cold_after_usec);
        strbuf_printf(&b, "\n[api]\nadmin_group = %s\nmax_jobs = %llu\n", c->admin_group ?: "",
                        (unsigned long long) c->max_jobs);
        for (size_t i = 0; i < c->n_devices; i++) {
                const cdm_config_device *d = &c->devices[i];
                _cleanup_free_ char *nodes = cdm_nodemask_format(&d->nodes);

                strbuf_printf(&b, "\n[device %s]\nnodes = %s\nkind = %s\nsource = %s\nreserve = %llu\n",
                                d->name, nodes ?: "", cdm_kind_to_string(d->kind),
                                cdm_source_to_string(d->source), (unsigned long long) d->reserve);
        }
        for (size_t i = 0; i < c->n_jobs; i++) {
                const cdm_config_job *j = &c->jobs[i];

                strbuf_printf(&b, "\n[job %s]\ncgroup = %s\ndevice = %s\nquota = %llu\npolicy = %s\n",
                                j->name, j->cgroup ?: "", j->device ?: "",
                                (unsigned long long) j->quota, cdm_policy_to_string(j->policy));
        }
        return strbuf_steal(&b);
}
