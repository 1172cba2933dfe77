/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cdmd-bus-fuzz: hostile and random method calls against cdmd on the bus, for the bus tests.
 *
 *   cdmd-bus-fuzz [--seed N] [--calls N] [--seconds S] [--window N] [--check-every N]
 *                 [--timeout S] [--cgroup PATH]... [--seed-jobs N] [--max-failures N] [--verbose]
 *
 * Finds every object below /org/cdmd/cdmd1 by introspection (recursively) and every method and
 * property of every org.cdmd.cdmd1.* interface with its signature, then sends calls, up to
 * --window of them in flight: each method with arguments of its signature built from hostile
 * and random values (empty, 64 KiB and multi-byte strings, '..', '/', control characters,
 * extreme numbers, empty and 10,000-element arrays), each method with a wrong signature,
 * Get/GetAll/Set of every property through org.freedesktop.DBus.Properties, and members,
 * interfaces and objects that do not exist. Every call must get a reply (a method return or an
 * error) within --timeout; every --check-every calls cdmd must answer ListDevices. A caller
 * other than root must never succeed with a changing method, nobody may Set a read-only
 * property. As root, each check also puts things back so that the run keeps exercising: it
 * resumes every device, revokes jobs the run created and grants the --seed-jobs seed jobs (ids
 * fuzz-seed<N>, default 2) on the first --cgroup paths again and asks for a migration of the
 * first (which a daemon below --root refuses); the other --cgroup paths are offered to Grant.
 *
 * The seed (default 1, or $CDMD_FUZZ_SEED) is printed: the same seed against a daemon in the
 * same state sends the same calls, in the same order. The run stops after --calls calls (4000)
 * or --seconds seconds (15), whichever comes first, or after --max-failures failures (5).
 * Defaults: --window 8, --check-every 200, --timeout 8. Exit status: 0 no failure, 1 failures (each printed with the call
 * and its arguments), 2 usage, 3 no bus or no cdmd. The bus is the system bus
 * (DBUS_SYSTEM_BUS_ADDRESS is honoured).
 */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#define BUS_NAME "org.cdmd.cdmd1"
#define ROOT_PATH "/org/cdmd/cdmd1"
#define IFACE_PREFIX "org.cdmd.cdmd1."
#define MANAGER_IFACE "org.cdmd.cdmd1.Manager"
#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"
#define MAX_OBJECTS 4096
#define DESC_MAX 700
#define BIG_STRING 65536
#define HUGE_ARRAY 10000

typedef struct Member {
        char *name;
        char *sig; /* in-arguments of a method, the type of a property */
        char **arg_names;
        size_t n_args;
        bool property;
        bool writable;
} Member;

typedef struct Interface {
        char *name;
        Member *members;
        size_t n_members;
} Interface;

typedef struct Object {
        char *path;
        size_t *ifaces;
        size_t n_ifaces;
} Object;

typedef struct Pool {
        char **v;
        size_t n;
} Pool;

/* What a call was, for the report: its member and a summary of each argument. */
typedef struct Desc {
        char buf[DESC_MAX];
        size_t n;
        bool split_utf8; /* a string argument that a cut at 64 or 256 bytes splits inside a
                            character */
        bool changing;   /* a cdmd method that changes something (must be refused to nobody) */
        bool set_readonly;
} Desc;

typedef struct Pending {
        uint64_t n;
        uint64_t sent_usec;
        Desc desc;
} Pending;

static struct {
        uint64_t seed, calls, window, check_every, max_failures;
        double seconds, timeout;
        unsigned seed_jobs;
        bool verbose;
} arg = {.seed = 1,
        .calls = 4000,
        .window = 8,
        .check_every = 200,
        .max_failures = 5,
        .seconds = 15,
        .timeout = 8,
        .seed_jobs = 2};

static sd_bus *bus;
static uint64_t rng_state;
static Interface *ifaces;
static size_t n_ifaces;
static Object *objects;
static size_t n_objects;
static Pool pool_devices, pool_jobs, pool_cgroups, pool_given_cgroups, pool_initial_jobs;
static uint64_t in_flight, n_sent, n_ok, n_errors, n_failures;
static bool is_root, stop_sending;
static char *big_a, *big_euro, *big_path, *deep_path;

/* Error names and how often each came (for the summary). */
static struct {
        char *name;
        uint64_t count;
} error_counts[64];

static const char *const readonly_methods[] = {
        "ListDevices", "ListJobs", "GetDevice", "GetJob", "Plan", "PlanMoves"};

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static void *xmalloc(size_t n)
{
        void *p = malloc(n ? n : 1);

        if (!p) {
                fprintf(stderr, "cdmd-bus-fuzz: out of memory\n");
                exit(3);
        }
        return p;
}

static char *xstrdup(const char *s)
{
        size_t n = strlen(s);

        return memcpy(xmalloc(n + 1), s, n + 1);
}

static char *xstrndup(const char *s, size_t n)
{
        char *p = xmalloc(n + 1);

        memcpy(p, s, n);
        p[n] = 0;
        return p;
}

static void *xrealloc(void *p, size_t n)
{
        p = realloc(p, n ? n : 1);
        if (!p) {
                fprintf(stderr, "cdmd-bus-fuzz: out of memory\n");
                exit(3);
        }
        return p;
}

/* splitmix64: small, fast, and the same sequence on every machine. */
static uint64_t rnd(void)
{
        uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
        return n ? rnd() % n : 0;
}

static bool chance(unsigned percent)
{
        return below(100) < percent;
}

static void pool_add(Pool *p, const char *s)
{
        for (size_t i = 0; i < p->n; i++)
                if (strcmp(p->v[i], s) == 0)
                        return;
        p->v = xrealloc(p->v, (p->n + 1) * sizeof(char *));
        p->v[p->n++] = xstrdup(s);
}

static void pool_clear(Pool *p)
{
        for (size_t i = 0; i < p->n; i++)
                free(p->v[i]);
        free(p->v);
        *p = (Pool){0};
}

static bool pool_has(const Pool *p, const char *s)
{
        for (size_t i = 0; i < p->n; i++)
                if (strcmp(p->v[i], s) == 0)
                        return true;
        return false;
}

static void desc_add(Desc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void desc_add(Desc *d, const char *fmt, ...)
{
        va_list ap;
        int k;

        if (d->n >= sizeof(d->buf) - 1)
                return;
        va_start(ap, fmt);
        k = vsnprintf(d->buf + d->n, sizeof(d->buf) - d->n, fmt, ap);
        va_end(ap);
        if (k > 0)
                d->n = d->n + (size_t) k < sizeof(d->buf) ? d->n + (size_t) k : sizeof(d->buf) - 1;
        if (d->n >= sizeof(d->buf) - 1)
                memcpy(d->buf + sizeof(d->buf) - 5, "...", 4);
}

/* A string argument for the report: its length and its first bytes, escaped. */
static void desc_string(Desc *d, const char *s)
{
        size_t n = strlen(s);
        char out[200];
        size_t k = 0;

        for (size_t i = 0; i < n && k < 48 * 4; i++) {
                unsigned char c = (unsigned char) s[i];

                if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
                        out[k++] = (char) c;
                else
                        k += (size_t) snprintf(out + k, sizeof(out) - k, "\\x%02x", c);
                if (i == 47 && n > 48) {
                        k += (size_t) snprintf(out + k, sizeof(out) - k, "...");
                        break;
                }
        }
        out[k] = 0;
        desc_add(d, "\"%s\"(%zu bytes)", out, n);
        /* The error messages quote arguments with %.64s or %.256s: a cut there inside a
         * multi-byte character makes the message invalid UTF-8. */
        if ((n > 64 && ((unsigned char) s[64] & 0xc0) == 0x80) ||
                (n > 256 && ((unsigned char) s[256] & 0xc0) == 0x80))
                d->split_utf8 = true;
}

/* --- introspection --- */

static const char *attr(const char *tag, size_t len, const char *name, size_t *ret_len)
{
        size_t nl = strlen(name);

        for (const char *p = tag; p + nl + 2 < tag + len; p++) {
                if ((p == tag || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n') &&
                        strncmp(p, name, nl) == 0 && p[nl] == '=' &&
                        (p[nl + 1] == '"' || p[nl + 1] == '\'')) {
                        const char *v = p + nl + 2,
                                   *e = memchr(v, p[nl + 1], (size_t) (tag + len - v));

                        if (!e)
                                return NULL;
                        *ret_len = (size_t) (e - v);
                        return v;
                }
        }
        return NULL;
}

static char *attr_dup(const char *tag, size_t len, const char *name)
{
        size_t n;
        const char *v = attr(tag, len, name, &n);

        return v ? xstrndup(v, n) : NULL;
}

static size_t find_iface(const char *name, bool add)
{
        for (size_t i = 0; i < n_ifaces; i++)
                if (strcmp(ifaces[i].name, name) == 0)
                        return i;
        if (!add)
                return SIZE_MAX;
        ifaces = xrealloc(ifaces, (n_ifaces + 1) * sizeof(Interface));
        ifaces[n_ifaces] = (Interface){.name = xstrdup(name)};
        return n_ifaces++;
}

static void free_member(Member *m)
{
        free(m->name);
        free(m->sig);
        for (size_t i = 0; i < m->n_args; i++)
                free(m->arg_names[i]);
        free(m->arg_names);
}

/*
 * Parse sd-bus' introspection XML (well-formed, one tag at a time is enough): the cdmd
 * interfaces with their methods (in-arguments) and properties, and the child nodes.
 */
static int parse_introspection(
        const char *path, const char *xml, char ***ret_children, size_t *ret_n)
{
        size_t cur_if = SIZE_MAX, n_children = 0, depth = 0;
        Member *cur = NULL;
        bool cur_known = false;
        char **children = NULL;
        size_t obj = SIZE_MAX;

        if (n_objects >= MAX_OBJECTS)
                return -E2BIG;
        objects = xrealloc(objects, (n_objects + 1) * sizeof(Object));
        objects[n_objects] = (Object){.path = xstrdup(path)};
        obj = n_objects++;

        for (const char *p = strchr(xml, '<'); p; p = strchr(p + 1, '<')) {
                const char *e = strchr(p, '>');
                size_t len;
                bool closing, empty;

                if (!e)
                        break;
                len = (size_t) (e - p);
                if (p[1] == '!' || p[1] == '?')
                        continue;
                closing = p[1] == '/';
                empty = e[-1] == '/';
                if (strncmp(p + 1 + closing, "node", 4) == 0) {
                        /* The children are <node name="x"/> right inside the root <node>. */
                        if (closing)
                                depth--;
                        else if (!empty)
                                depth++;
                        else if (depth == 1) {
                                char *name = attr_dup(p, len, "name");

                                if (name && name[0] != '/') {
                                        children = xrealloc(
                                                children, (n_children + 1) * sizeof(char *));
                                        children[n_children++] = name;
                                } else
                                        free(name);
                        }
                } else if (strncmp(p + 1 + closing, "interface", 9) == 0) {
                        if (closing) {
                                cur_if = SIZE_MAX;
                                continue;
                        }
                        char *name = attr_dup(p, len, "name");

                        cur_if = SIZE_MAX;
                        if (name && strncmp(name, IFACE_PREFIX, strlen(IFACE_PREFIX)) == 0) {
                                Object *o = &objects[obj];

                                cur_if = find_iface(name, true);
                                cur_known = ifaces[cur_if].n_members > 0;
                                o->ifaces = xrealloc(o->ifaces, (o->n_ifaces + 1) * sizeof(size_t));
                                o->ifaces[o->n_ifaces++] = cur_if;
                        }
                        free(name);
                } else if (cur_if != SIZE_MAX && !closing &&
                           (strncmp(p + 1, "method", 6) == 0 ||
                                   strncmp(p + 1, "property", 8) == 0)) {
                        Interface *i = &ifaces[cur_if];
                        bool prop = p[1] == 'p';

                        cur = NULL;
                        if (cur_known) /* the same interface on another object */
                                continue;
                        i->members = xrealloc(i->members, (i->n_members + 1) * sizeof(Member));
                        cur = &i->members[i->n_members++];
                        *cur = (Member){.name = attr_dup(p, len, "name"), .property = prop};
                        if (!cur->name)
                                cur->name = xstrdup("?");
                        if (prop) {
                                char *access = attr_dup(p, len, "access");

                                cur->sig = attr_dup(p, len, "type");
                                if (!cur->sig)
                                        cur->sig = xstrdup("s");
                                cur->writable = access && strstr(access, "write");
                                free(access);
                                cur = NULL;
                        } else
                                cur->sig = xstrdup("");
                        if (empty)
                                cur = NULL;
                } else if (cur && !closing && strncmp(p + 1, "arg", 3) == 0) {
                        char *type = attr_dup(p, len, "type"), *dir = attr_dup(p, len, "direction");

                        if (type && (!dir || strcmp(dir, "in") == 0)) {
                                size_t n = strlen(cur->sig);

                                cur->sig = xrealloc(cur->sig, n + strlen(type) + 1);
                                strcpy(cur->sig + n, type);
                                cur->arg_names = xrealloc(
                                        cur->arg_names, (cur->n_args + 1) * sizeof(char *));
                                cur->arg_names[cur->n_args++] =
                                        attr_dup(p, len, "name") ?: xstrdup("");
                        }
                        free(type);
                        free(dir);
                } else if (closing && strncmp(p + 2, "method", 6) == 0)
                        cur = NULL;
        }
        *ret_children = children;
        *ret_n = n_children;
        return 0;
}

static int introspect(const char *path, unsigned depth)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        char **children = NULL;
        size_t n = 0;
        const char *xml;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, path, "org.freedesktop.DBus.Introspectable",
                "Introspect", &error, &reply, NULL);
        if (r < 0) {
                fprintf(stderr, "cdmd-bus-fuzz: Introspect %s: %s\n", path,
                        error.message ?: strerror(-r));
                sd_bus_error_free(&error);
                return r;
        }
        r = sd_bus_message_read(reply, "s", &xml);
        if (r >= 0)
                r = parse_introspection(path, xml, &children, &n);
        sd_bus_message_unref(reply);
        for (size_t i = 0; i < n; i++) {
                char child[4096];

                if (r >= 0 && depth < 8) {
                        (void) snprintf(child, sizeof(child), "%s/%s", path, children[i]);
                        r = introspect(child, depth + 1);
                }
                free(children[i]);
        }
        free(children);
        return r;
}

static void forget_objects(void)
{
        for (size_t i = 0; i < n_objects; i++) {
                free(objects[i].path);
                free(objects[i].ifaces);
        }
        free(objects);
        objects = NULL;
        n_objects = 0;
}

/* The devices and jobs cdmd has now, as good values for the arguments. */
static int list_pools(void)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *name, *cgroup;
        int r;

        pool_clear(&pool_devices);
        pool_clear(&pool_jobs);
        pool_clear(&pool_cgroups);
        for (size_t i = 0; i < pool_given_cgroups.n; i++)
                pool_add(&pool_cgroups, pool_given_cgroups.v[i]);
        r = sd_bus_call_method(
                bus, BUS_NAME, ROOT_PATH, MANAGER_IFACE, "ListDevices", &error, &reply, NULL);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(sossautt)");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "sossautt")) > 0) {
                r = sd_bus_message_read(reply, "s", &name);
                if (r >= 0)
                        pool_add(&pool_devices, name);
                if (r >= 0)
                        r = sd_bus_message_skip(reply, "ossautt");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        reply = sd_bus_message_unref(reply);
        if (r < 0)
                goto fail;
        r = sd_bus_call_method(
                bus, BUS_NAME, ROOT_PATH, MANAGER_IFACE, "ListJobs", &error, &reply, NULL);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(sosstts)");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "sosstts")) > 0) {
                r = sd_bus_message_read(reply, "s", &name);
                if (r >= 0)
                        r = sd_bus_message_skip(reply, "o");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "s", &cgroup);
                if (r >= 0) {
                        pool_add(&pool_jobs, name);
                        pool_add(&pool_cgroups, cgroup);
                        r = sd_bus_message_skip(reply, "stts");
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        reply = sd_bus_message_unref(reply);
        if (r >= 0)
                return 0;
fail:
        fprintf(stderr, "cdmd-bus-fuzz: ListDevices/ListJobs: %s\n", error.message ?: strerror(-r));
        sd_bus_error_free(&error);
        return r;
}

static int discover(void)
{
        forget_objects();
        return introspect(ROOT_PATH, 0);
}

/* --- values --- */

static uint64_t gen_u64(unsigned bits)
{
        uint64_t max = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;

        switch (below(12)) {
        case 0:
                return 0;
        case 1:
                return 1;
        case 2:
                return max;
        case 3:
                return max - 1;
        case 4:
                return max >> 1; /* INT*_MAX */
        case 5:
                return (max >> 1) + 1; /* INT*_MIN */
        case 6:
                return (UINT64_C(1) << below(bits)) & max;
        case 7:
                return ((UINT64_C(1) << below(bits)) - 1) & max;
        case 8: /* sizes a quota might be */
                return (UINT64_C(4096) << below(22)) & max;
        case 9:
                return below(4096) & max;
        default:
                return rnd() & max;
        }
}

/* A random valid UTF-8 string of @n code points (no NUL; surrogates skipped). */
static char *gen_utf8(size_t n)
{
        char *s = xmalloc(n * 4 + 1), *p = s;

        for (size_t i = 0; i < n; i++) {
                uint32_t c;

                switch (below(4)) {
                case 0:
                        c = 1 + (uint32_t) below(0x7f);
                        break;
                case 1:
                        c = 0x80 + (uint32_t) below(0x800 - 0x80);
                        break;
                case 2:
                        c = 0x800 + (uint32_t) below(0x10000 - 0x800);
                        if (c >= 0xd800 && c <= 0xdfff)
                                c = 0x20ac;
                        break;
                default:
                        c = 0x10000 + (uint32_t) below(0x110000 - 0x10000);
                }
                if (c < 0x80)
                        *p++ = (char) c;
                else if (c < 0x800) {
                        *p++ = (char) (0xc0 | (c >> 6));
                        *p++ = (char) (0x80 | (c & 0x3f));
                } else if (c < 0x10000) {
                        *p++ = (char) (0xe0 | (c >> 12));
                        *p++ = (char) (0x80 | ((c >> 6) & 0x3f));
                        *p++ = (char) (0x80 | (c & 0x3f));
                } else {
                        *p++ = (char) (0xf0 | (c >> 18));
                        *p++ = (char) (0x80 | ((c >> 12) & 0x3f));
                        *p++ = (char) (0x80 | ((c >> 6) & 0x3f));
                        *p++ = (char) (0x80 | (c & 0x3f));
                }
        }
        *p = 0;
        return s;
}

static char *repeat(const char *unit, size_t times)
{
        size_t u = strlen(unit);
        char *s = xmalloc(u * times + 1);

        for (size_t i = 0; i < times; i++)
                memcpy(s + i * u, unit, u);
        s[u * times] = 0;
        return s;
}

static char *concat(const char *a, const char *b)
{
        size_t na = strlen(a), nb = strlen(b);
        char *s = xmalloc(na + nb + 1);

        memcpy(s, a, na);
        memcpy(s + na, b, nb + 1);
        return s;
}

/* A good value for an argument of this name, or NULL when there is none. */
static const char *good_string(const char *argname)
{
        static const char *const policies[] = {"manual", "device-first", "tiered"};
        const Pool *p = NULL;

        if (!argname)
                argname = "";
        if (strcmp(argname, "id") == 0)
                p = &pool_jobs;
        else if (strcmp(argname, "cgroup") == 0)
                p = &pool_cgroups;
        else if (strcmp(argname, "device") == 0 || strcmp(argname, "name") == 0)
                p = &pool_devices;
        else if (strcmp(argname, "target") == 0) {
                if (chance(40))
                        return "system";
                p = &pool_devices;
        } else if (strcmp(argname, "policy") == 0)
                return policies[below(3)];
        else if (strcmp(argname, "reason") == 0)
                return "fuzz";
        else {
                const Pool *all[] = {&pool_jobs, &pool_cgroups, &pool_devices};
                p = all[below(3)];
        }
        return p->n ? p->v[below(p->n)] : NULL;
}

/* A string argument: half good values (so that calls get past the first check), half hostile. */
static char *gen_string(const char *argname, bool small)
{
        static const char *const fixed[] = {
                "",
                "..",
                ".",
                "/",
                "//",
                "/..",
                "/../..",
                "a/../b",
                "/user.slice/..",
                "/./user.slice",
                " ",
                "a b",
                " leading",
                "trailing ",
                "\t",
                "\n",
                "a\nb",
                "\r\n",
                "\x01\x02\x03",
                "\x1b[31mred\x1b[0m",
                "\x7f",
                "ö",
                "jöb",
                "€",
                "%s%s%s%n%x%p",
                "%64s",
                "\\",
                "'\"<>&;|$()",
                "-",
                "-1",
                "0",
                "18446744073709551615",
                "18446744073709551616",
                "system",
                "cdm0",
                "cdm99",
                "gpu0",
                "manual ",
                "MANUAL",
                "device_first",
                "_",
                ":",
                "a:b",
                "x.y-z_0",
                "/system.slice/nope.service",
                "/sys/fs/cgroup",
                "/proc/self",
                "\357\273\277bom", /* a byte order mark */
        };
        const char *good;
        size_t k;

        good = good_string(argname);
        if (good && chance(45))
                return xstrdup(good);
        k = below(small ? 4 : 16);
        switch (k) {
        case 0:
                return xstrdup(fixed[below(sizeof(fixed) / sizeof(fixed[0]))]);
        case 1:
                return gen_utf8(below(small ? 8 : 300));
        case 2: /* a good value spoilt: a suffix */
                if (good) {
                        static const char *const tails[] = {
                                " ", "/..", "/", "€", "\n", "x", ".", "\x01"};
                        return concat(good, tails[below(8)]);
                }
                return gen_utf8(1 + below(8));
        case 3: /* a valid-looking id of 1-70 characters */
        {
                static const char cs[] =
                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-";
                size_t n = 1 + below(70);
                char *s = xmalloc(n + 1);

                for (size_t i = 0; i < n; i++)
                        s[i] = cs[below(sizeof(cs) - 1)];
                s[n] = 0;
                return s;
        }
        case 4:
                return xstrdup(big_a);
        case 5:
                return xstrdup(big_euro);
        case 6:
                return repeat("€", 30);
        case 7: /* a multi-byte character across byte 64 (or 256) */
        {
                char *pad = repeat("a", below(2) ? 63 : 255), *s = concat(pad, "€tail");

                free(pad);
                return s;
        }
        case 8:
                return repeat("a", 63 + below(4));
        case 9:
                return repeat("../", 1 + below(40));
        case 10:
                return repeat("ö", 1 + below(200));
        case 11: {
                char *pad = repeat("/x", 1 + below(3000)), *s = concat(pad, "/..");

                free(pad);
                return s;
        }
        default:
                return xstrdup(fixed[below(sizeof(fixed) / sizeof(fixed[0]))]);
        }
}

static char *gen_path(bool small)
{
        static const char *const fixed[] = {
                "/",
                ROOT_PATH,
                ROOT_PATH "/migration",
                ROOT_PATH "/migration/0",
                ROOT_PATH "/migration/1",
                ROOT_PATH "/migration/4294967295",
                ROOT_PATH "/migration/4294967296",
                ROOT_PATH "/migration/99999999999999999999",
                ROOT_PATH "/migration/1/2",
                ROOT_PATH "/migration/1a",
                ROOT_PATH "/migration/_",
                ROOT_PATH "/migration/00000000000000000000001",
                ROOT_PATH "/job/_",
                ROOT_PATH "/job/_2e_2e",
                ROOT_PATH "/job/_e2_82_ac",
                ROOT_PATH "/device/cdm1/x",
                ROOT_PATH "/device/_",
                ROOT_PATH "/nope",
                "/org",
                "/org/freedesktop/DBus",
        };

        switch (below(5)) {
        case 0:
                if (n_objects)
                        return xstrdup(objects[below(n_objects)].path);
                return xstrdup("/");
        case 1:
                if (small) /* 10,000 of them would pass the bus' limit on a message's size */
                        return xstrdup(ROOT_PATH);
                return xstrdup(below(2) ? big_path : deep_path);
        case 2: {
                static const char cs[] = "abcXYZ019_";
                size_t parts = 1 + below(6);
                char buf[256], *p = buf;

                for (size_t i = 0; i < parts; i++) {
                        *p++ = '/';
                        for (size_t k = 1 + below(8); k > 0; k--)
                                *p++ = cs[below(sizeof(cs) - 1)];
                }
                *p = 0;
                return xstrdup(buf);
        }
        default:
                return xstrdup(fixed[below(sizeof(fixed) / sizeof(fixed[0]))]);
        }
}

static const char *random_type(void)
{
        static const char *const types[] = {
                "s",
                "t",
                "u",
                "i",
                "b",
                "y",
                "n",
                "q",
                "x",
                "d",
                "o",
                "g",
                "v",
                "as",
                "at",
                "au",
                "ay",
                "ao",
                "a{sv}",
                "a{ss}",
                "(st)",
                "(sossautt)",
                "a(sosstts)",
                "aas",
                "a(st)",
                "(s)",
                "((s))",
        };
        return types[below(sizeof(types) / sizeof(types[0]))];
}

static size_t type_len(const char *s)
{
        size_t i = 1, k;

        switch (*s) {
        case 0:
                return 0;
        case 'a':
                k = type_len(s + 1);
                return k ? 1 + k : 0;
        case '(':
        case '{':
                while (s[i] && s[i] != ')' && s[i] != '}') {
                        k = type_len(s + i);
                        if (!k)
                                return 0;
                        i += k;
                }
                return s[i] ? i + 1 : 0;
        default:
                return 1;
        }
}

static int gen_value(sd_bus_message *m, const char *t, size_t tl, const char *argname,
        unsigned depth, bool small, Desc *d);

static int gen_array(
        sd_bus_message *m, const char *elem, size_t el, unsigned depth, bool small, Desc *d)
{
        char contents[256];
        uint64_t n;
        bool huge = false;
        int r;

        if (el >= sizeof(contents))
                return -EINVAL;
        memcpy(contents, elem, el);
        contents[el] = 0;
        switch (below(10)) {
        case 0:
        case 1:
        case 2:
                n = 0;
                break;
        case 3:
                n = small || depth > 1 ? below(3) : HUGE_ARRAY;
                huge = n == HUGE_ARRAY;
                break;
        case 4:
                n = small ? below(3) : below(300);
                break;
        default:
                n = 1 + below(5);
        }
        r = sd_bus_message_open_container(m, 'a', contents);
        desc_add(d, "a%s[%" PRIu64 "]{", contents, n);
        for (uint64_t i = 0; r >= 0 && i < n; i++) {
                Desc *dd = i < 3 ? d : NULL;

                r = gen_value(m, contents, el, NULL, depth + 1, small || huge || n > 5, dd);
                if (dd && i + 1 < n)
                        desc_add(d, ",");
        }
        desc_add(d, n > 3 ? ",...}" : "}");
        return r < 0 ? r : sd_bus_message_close_container(m);
}

static int gen_dict(
        sd_bus_message *m, const char *entry, size_t len, unsigned depth, bool small, Desc *d)
{
        char contents[256], kv[256];
        uint64_t n = chance(30) ? 0 : small ? below(3) : (chance(10) ? HUGE_ARRAY : 1 + below(5));
        size_t kl, vl;
        int r;

        if (len >= sizeof(contents))
                return -EINVAL;
        memcpy(contents, entry, len); /* "{kv}" */
        contents[len] = 0;
        memcpy(kv, entry + 1, len - 2);
        kv[len - 2] = 0;
        kl = type_len(kv);
        vl = type_len(kv + kl);
        r = sd_bus_message_open_container(m, 'a', contents);
        desc_add(d, "a%s[%" PRIu64 "]", contents, n);
        for (uint64_t i = 0; r >= 0 && i < n; i++) {
                r = sd_bus_message_open_container(m, 'e', kv);
                if (r >= 0)
                        r = gen_value(m, kv, kl, NULL, depth + 1, true, NULL);
                if (r >= 0)
                        r = gen_value(m, kv + kl, vl, NULL, depth + 1, true, NULL);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        return r < 0 ? r : sd_bus_message_close_container(m);
}

/* Append one value of the complete type t[0..tl) with random content. */
static int gen_value(sd_bus_message *m, const char *t, size_t tl, const char *argname,
        unsigned depth, bool small, Desc *d)
{
        Desc scratch;
        int r;

        if (!d) {
                d = &scratch;
                d->n = 0;
                d->split_utf8 = false;
        }
        switch (t[0]) {
        case 's':
        case 'o':
        case 'g': {
                char *s;

                if (t[0] == 's')
                        s = gen_string(argname, small);
                else if (t[0] == 'o')
                        s = gen_path(small);
                else
                        s = xstrdup(small ? "s" : random_type());
                r = sd_bus_message_append_basic(m, t[0], s);
                if (t[0] == 's')
                        desc_string(d, s);
                else
                        desc_add(d, "%c:%.80s%s", t[0], s, strlen(s) > 80 ? "..." : "");
                free(s);
                return r;
        }
        case 'b': {
                int v = (int) below(2);

                desc_add(d, "%s", v ? "true" : "false");
                return sd_bus_message_append_basic(m, 'b', &v);
        }
        case 'y': {
                uint8_t v = (uint8_t) gen_u64(8);

                desc_add(d, "y%u", v);
                return sd_bus_message_append_basic(m, 'y', &v);
        }
        case 'n':
        case 'q': {
                uint16_t v = (uint16_t) gen_u64(16);

                desc_add(d, t[0] == 'n' ? "n%d" : "q%u", t[0] == 'n' ? (int) (int16_t) v : (int) v);
                return sd_bus_message_append_basic(m, t[0], &v);
        }
        case 'i':
        case 'u': {
                uint32_t v = (uint32_t) gen_u64(32);

                if (t[0] == 'i')
                        desc_add(d, "i%" PRId32, (int32_t) v);
                else
                        desc_add(d, "u%" PRIu32, v);
                return sd_bus_message_append_basic(m, t[0], &v);
        }
        case 'x':
        case 't': {
                uint64_t v = gen_u64(64);

                if (t[0] == 'x')
                        desc_add(d, "x%" PRId64, (int64_t) v);
                else
                        desc_add(d, "t%" PRIu64, v);
                return sd_bus_message_append_basic(m, t[0], &v);
        }
        case 'd': {
                static const double vals[] = {0.0, -0.0, 1.0, -1.0, 1e308, -1e308, 5e-324};
                double v = chance(20) ? NAN : chance(20) ? INFINITY : vals[below(7)];

                desc_add(d, "d%g", v);
                return sd_bus_message_append_basic(m, 'd', &v);
        }
        case 'h': {
                int fd = STDIN_FILENO;

                desc_add(d, "h0");
                return sd_bus_message_append_basic(m, 'h', &fd);
        }
        case 'v': {
                const char *inner = depth > 3 ? "s" : random_type();

                desc_add(d, "v<%s>", inner);
                r = sd_bus_message_open_container(m, 'v', inner);
                if (r >= 0)
                        r = gen_value(m, inner, strlen(inner), NULL, depth + 1, small, d);
                return r < 0 ? r : sd_bus_message_close_container(m);
        }
        case 'a':
                if (t[1] == '{')
                        return gen_dict(m, t + 1, tl - 1, depth, small, d);
                return gen_array(m, t + 1, tl - 1, depth, small, d);
        case '(': {
                char contents[256];
                size_t cl = tl - 2;

                if (cl >= sizeof(contents))
                        return -EINVAL;
                memcpy(contents, t + 1, cl);
                contents[cl] = 0;
                r = sd_bus_message_open_container(m, 'r', contents);
                desc_add(d, "(");
                for (size_t i = 0; r >= 0 && i < cl;) {
                        size_t k = type_len(contents + i);

                        if (!k)
                                return -EINVAL;
                        r = gen_value(m, contents + i, k, NULL, depth + 1, small, d);
                        i += k;
                        if (i < cl)
                                desc_add(d, ",");
                }
                desc_add(d, ")");
                return r < 0 ? r : sd_bus_message_close_container(m);
        }
        default:
                return -EINVAL;
        }
}

/* Append arguments for the signature @sig (concatenated complete types). */
static int gen_args(sd_bus_message *m, const char *sig, char *const *names, size_t n_names, Desc *d)
{
        size_t i = 0, k;
        int r = 0;

        desc_add(d, "(");
        for (size_t a = 0; sig[i] && r >= 0; a++) {
                k = type_len(sig + i);
                if (!k)
                        return -EINVAL;
                if (a > 0)
                        desc_add(d, ", ");
                r = gen_value(m, sig + i, k, a < n_names ? names[a] : NULL, 0, false, d);
                i += k;
        }
        desc_add(d, ")");
        return r;
}

/* --- calls --- */

static void count_error(const char *name)
{
        size_t i;

        for (i = 0; i < sizeof(error_counts) / sizeof(error_counts[0]) && error_counts[i].name; i++)
                if (strcmp(error_counts[i].name, name) == 0)
                        break;
        if (i == sizeof(error_counts) / sizeof(error_counts[0]))
                return;
        if (!error_counts[i].name)
                error_counts[i].name = xstrdup(name);
        error_counts[i].count++;
}

static void fail(const Pending *p, const char *what)
{
        n_failures++;
        printf("FAIL call #%" PRIu64 ": %s\n    call: %s\n", p->n, what, p->desc.buf);
        if (p->desc.split_utf8)
                printf("    known fault: an error message that quotes an argument with %%.64s or %%.256s cuts a multi-byte\n"
                       "    character of it in two (byte 64 or 256 here), so the error reply is not UTF-8 and is never sent\n");
        if (n_failures >= arg.max_failures)
                stop_sending = true;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Pending *p = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        in_flight--;
        if (!e) {
                n_ok++;
                if (p->desc.changing && !is_root)
                        fail(p, "a changing method succeeded for a caller that is not root");
                else if (p->desc.set_readonly)
                        fail(p, "Set of a read-only property succeeded");
        } else {
                n_errors++;
                count_error(e->name);
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY)) {
                        char what[512];

                        (void) snprintf(what, sizeof(what), "no reply within %.0f s (%s: %s)",
                                arg.timeout, e->name, e->message ?: "");
                        fail(p, what);
                } else if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                   SD_BUS_ERROR_NAME_HAS_NO_OWNER, SD_BUS_ERROR_DISCONNECTED)) {
                        fail(p, "cdmd is gone from the bus");
                        stop_sending = true;
                }
        }
        if (arg.verbose)
                printf("#%" PRIu64 " -> %s%s%.80s (%.1f ms)\n", p->n, e ? e->name : "ok",
                        e ? ": " : "", e ? e->message ?: "" : "",
                        (double) (now_usec() - p->sent_usec) / 1e3);
        free(p);
        return 0;
}

static int new_call(sd_bus_message **m, const char *path, const char *iface, const char *member)
{
        return sd_bus_message_new_method_call(bus, m, BUS_NAME, path, iface, member);
}

static const Member *pick_member(const Interface *i, bool property)
{
        size_t n = 0;

        for (size_t k = 0; k < i->n_members; k++)
                n += i->members[k].property == property;
        if (!n)
                return NULL;
        n = below(n);
        for (size_t k = 0; k < i->n_members; k++)
                if (i->members[k].property == property && n-- == 0)
                        return &i->members[k];
        return NULL;
}

static bool is_readonly_method(const char *name)
{
        for (size_t i = 0; i < sizeof(readonly_methods) / sizeof(readonly_methods[0]); i++)
                if (strcmp(name, readonly_methods[i]) == 0)
                        return true;
        return false;
}

static const char *random_member_name(void)
{
        static const char *const names[] = {"NoSuchMethod", "grant", "Grant_", "ListDevices2",
                "Get", "Introspect", "_",
                "X0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"};
        return names[below(sizeof(names) / sizeof(names[0]))];
}

static const char *random_iface_name(void)
{
        static const char *const names[] = {"org.cdmd.cdmd1.Nope", "org.cdmd.cdmd1",
                "org.cdmd.cdmd1.Manager.Sub", "org.cdmd.cdmd2.Manager", "a.b",
                "org.freedesktop.DBus.Nope", MANAGER_IFACE, "org.cdmd.cdmd1.Device",
                "org.cdmd.cdmd1.Job", "org.cdmd.cdmd1.Migration"};
        return names[below(sizeof(names) / sizeof(names[0]))];
}

/* Build one random call into *ret; its description in @d. */
static int build_call(sd_bus_message **ret, Desc *d)
{
        sd_bus_message *m = NULL;
        unsigned kind = (unsigned) below(100);
        const Object *o = NULL;
        const Interface *i = NULL;
        const Member *mb;
        int r;

        /* An object with a cdmd interface that has methods (for the first two kinds) or
         * properties (for the third); a few tries, then whatever came. */
        for (unsigned tries = 0; tries < 16 && n_objects > 0; tries++) {
                o = &objects[below(n_objects)];
                i = o->n_ifaces ? &ifaces[o->ifaces[below(o->n_ifaces)]] : NULL;
                if (i && pick_member(i, kind >= 65))
                        break;
        }
        if (!i)
                kind = 95;
        if (kind < 50 && (mb = pick_member(i, false))) {
                /* A method with arguments of its signature. */
                r = new_call(&m, o->path, i->name, mb->name);
                desc_add(d, "%s %s.%s%s", o->path, i->name, mb->name, "");
                d->changing = strncmp(i->name, IFACE_PREFIX, strlen(IFACE_PREFIX)) == 0 &&
                              !is_readonly_method(mb->name);
                if (r >= 0)
                        r = gen_args(m, mb->sig, mb->arg_names, mb->n_args, d);
        } else if (kind < 65 && (mb = pick_member(i, false))) {
                /* A method with a wrong signature. */
                char sig[512] = "";
                size_t k = strlen(mb->sig);

                switch (below(4)) {
                case 0: /* no arguments */
                        break;
                case 1: /* one argument too many */
                        (void) snprintf(sig, sizeof(sig), "%s%s", mb->sig, random_type());
                        break;
                case 2: /* a prefix */
                        if (k > 0) {
                                size_t cut = 0, want = below(k), l;

                                while (cut < want && (l = type_len(mb->sig + cut)) > 0 &&
                                        cut + l <= want)
                                        cut += l;
                                memcpy(sig, mb->sig, cut);
                                sig[cut] = 0;
                        }
                        break;
                default: /* random types */
                        for (size_t n = 1 + below(4); n > 0; n--)
                                strncat(sig, random_type(), sizeof(sig) - strlen(sig) - 1);
                }
                r = new_call(&m, o->path, i->name, mb->name);
                desc_add(d, "%s %s.%s [wrong signature '%s', wants '%s']", o->path, i->name,
                        mb->name, sig, mb->sig);
                d->changing = false; /* a wrong signature may still match by chance: no verdict */
                if (r >= 0)
                        r = gen_args(m, sig, NULL, 0, d);
        } else if (kind < 88) {
                /* org.freedesktop.DBus.Properties: Get, GetAll, Set. */
                const char *in = chance(85) ? i->name : random_iface_name();
                const Member *p = pick_member(i, true);
                char *pname = p && chance(85) ? xstrdup(p->name) : gen_string(NULL, true);
                unsigned what = (unsigned) below(3);

                if (!p && what == 2)
                        what = 0;
                if (chance(5))
                        in = "";
                r = new_call(&m, o->path, PROPERTIES_IFACE,
                        what == 0   ? "Get"
                        : what == 1 ? "GetAll"
                                    : "Set");
                if (what == 1) {
                        desc_add(d, "%s Properties.GetAll(\"%s\")", o->path, in);
                        if (r >= 0)
                                r = sd_bus_message_append(m, "s", in);
                } else {
                        desc_add(d, "%s Properties.%s(\"%s\", ", o->path, what == 0 ? "Get" : "Set",
                                in);
                        desc_string(d, pname);
                        if (r >= 0)
                                r = sd_bus_message_append(m, "ss", in, pname);
                        if (r >= 0 && what == 2) {
                                /* The property's own type, or another one. */
                                const char *t = chance(60) ? p->sig : random_type();

                                desc_add(d, ", v<%s>", t);
                                d->set_readonly = !p->writable && strcmp(t, p->sig) == 0 &&
                                                  strcmp(in, i->name) == 0 &&
                                                  strcmp(pname, p->name) == 0;
                                r = sd_bus_message_open_container(m, 'v', t);
                                if (r >= 0)
                                        r = gen_value(m, t, strlen(t), p->name, 0, false, d);
                                if (r >= 0)
                                        r = sd_bus_message_close_container(m);
                        }
                        desc_add(d, ")");
                }
                free(pname);
        } else if (kind < 95) {
                /* What does not exist: a member, an interface, an object. */
                const char *path = o ? o->path : ROOT_PATH;
                char *rpath = NULL;

                switch (below(3)) {
                case 0:
                        r = new_call(&m, path, i ? i->name : MANAGER_IFACE, random_member_name());
                        break;
                case 1:
                        r = new_call(&m, path, random_iface_name(),
                                i && i->n_members ? i->members[0].name : "Grant");
                        break;
                default:
                        rpath = gen_path(false);
                        r = new_call(&m, rpath, MANAGER_IFACE, "ListDevices");
                        path = rpath;
                }
                if (r >= 0)
                        desc_add(d, "%.100s %s.%s", path, sd_bus_message_get_interface(m),
                                sd_bus_message_get_member(m));
                if (r >= 0 && chance(50))
                        r = gen_args(m, random_type(), NULL, 0, d);
                free(rpath);
        } else {
                /* The standard interfaces on any path. */
                char *path = gen_path(false);

                switch (below(4)) {
                case 0:
                        r = new_call(&m, path, "org.freedesktop.DBus.Introspectable", "Introspect");
                        break;
                case 1:
                        r = new_call(&m, path, "org.freedesktop.DBus.ObjectManager",
                                "GetManagedObjects");
                        break;
                case 2:
                        r = new_call(&m, path, "org.freedesktop.DBus.Peer", "Ping");
                        break;
                default:
                        r = new_call(&m, path, PROPERTIES_IFACE, "GetAll");
                        if (r >= 0)
                                r = sd_bus_message_append(m, "s", random_iface_name());
                }
                if (r >= 0)
                        desc_add(d, "%.100s %s.%s", path, sd_bus_message_get_interface(m),
                                sd_bus_message_get_member(m));
                free(path);
        }
        if (r < 0) {
                sd_bus_message_unref(m);
                return r;
        }
        *ret = m;
        return 0;
}

static void send_one(void)
{
        Pending *p = xmalloc(sizeof(Pending));
        sd_bus_message *m = NULL;
        int r;

        *p = (Pending){.n = n_sent};
        r = build_call(&m, &p->desc);
        n_sent++;
        if (r < 0) {
                /* sd-bus refused to build it (a value D-Bus forbids): not a call. */
                if (arg.verbose)
                        printf("#%" PRIu64 " not built (%s): %s\n", p->n, strerror(-r),
                                p->desc.buf);
                free(p);
                return;
        }
        if (arg.verbose)
                printf("#%" PRIu64 " %s\n", p->n, p->desc.buf);
        r = sd_bus_call_async(bus, NULL, m, on_reply, p, (uint64_t) (arg.timeout * 1e6));
        sd_bus_message_unref(m);
        if (r < 0) {
                printf("#%" PRIu64 " not sent (%s): %s\n", p->n, strerror(-r), p->desc.buf);
                free(p);
                stop_sending = r == -ENOTCONN || r == -ECONNRESET;
                return;
        }
        p->sent_usec = now_usec();
        in_flight++;
}

static int pump(uint64_t wait_usec)
{
        int r;

        r = sd_bus_process(bus, NULL);
        if (r < 0) {
                fprintf(stderr, "cdmd-bus-fuzz: bus: %s\n", strerror(-r));
                return r;
        }
        if (r > 0) /* more may be queued: back to the caller, which may send again */
                return 0;
        r = sd_bus_wait(bus, wait_usec);
        return r < 0 && r != -EINTR ? r : 0;
}

static int drain(void)
{
        while (in_flight > 0) {
                int r = sd_bus_process(bus, NULL);

                if (r > 0)
                        continue;
                if (r >= 0)
                        r = sd_bus_wait(bus, 100000); /* and look at in_flight again */
                if (r < 0 && r != -EINTR) {
                        fprintf(stderr, "cdmd-bus-fuzz: bus: %s\n", strerror(-r));
                        return r;
                }
        }
        return 0;
}

/* cdmd answers ListDevices within the timeout. */
static bool answers(const char *when)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        uint64_t t0 = now_usec();
        int r;

        r = new_call(&m, ROOT_PATH, MANAGER_IFACE, "ListDevices");
        if (r >= 0)
                r = sd_bus_call(bus, m, (uint64_t) (arg.timeout * 1e6), &error, &reply);
        sd_bus_message_unref(m);
        sd_bus_message_unref(reply);
        if (r < 0) {
                n_failures++;
                printf("FAIL cdmd does not answer ListDevices %s (%s: %s, after %.1f s)\n", when,
                        error.name ?: "-", error.message ?: strerror(-r),
                        (double) (now_usec() - t0) / 1e6);
                sd_bus_error_free(&error);
                stop_sending = true;
                return false;
        }
        return true;
}

static void call_quiet(const char *member, const char *types, ...)
{
        sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        r = new_call(&m, ROOT_PATH, MANAGER_IFACE, member);
        va_start(ap, types);
        if (r >= 0)
                r = sd_bus_message_appendv(m, types, ap);
        va_end(ap);
        if (r >= 0)
                (void) sd_bus_call(bus, m, (uint64_t) (arg.timeout * 1e6), &error, &reply);
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        sd_bus_message_unref(m);
}

/* Put back what keeps the run exercising: devices online, seed jobs there, no other new jobs. */
static void housekeeping(void)
{
        if (!is_root)
                return;
        for (size_t i = 0; i < pool_devices.n; i++)
                call_quiet("Resume", "s", pool_devices.v[i]);
        if (list_pools() < 0)
                return;
        for (size_t i = 0; i < pool_jobs.n; i++)
                if (!pool_has(&pool_initial_jobs, pool_jobs.v[i]) &&
                        strncmp(pool_jobs.v[i], "fuzz-seed", 9) != 0)
                        call_quiet("Revoke", "s", pool_jobs.v[i]);
        for (unsigned k = 0; k < arg.seed_jobs && k < pool_given_cgroups.n && pool_devices.n > 0;
                k++) {
                char id[32];

                (void) snprintf(id, sizeof(id), "fuzz-seed%u", k);
                call_quiet("Grant", "sssts", id, pool_given_cgroups.v[k], pool_devices.v[0],
                        (uint64_t) (16u << 20), "manual");
                if (k == 0)
                        call_quiet("Migrate", "sst", id, "system", (uint64_t) 0);
        }
}

static bool checkpoint(const char *when)
{
        if (!answers(when))
                return false;
        housekeeping();
        if (list_pools() < 0 || discover() < 0) {
                n_failures++;
                printf("FAIL cannot list or introspect cdmd's objects %s\n", when);
                stop_sending = true;
                return false;
        }
        return answers(when);
}

static int usage(void)
{
        fprintf(stderr,
                "usage: cdmd-bus-fuzz [--seed N] [--calls N] [--seconds S] [--window N] [--check-every N]\n"
                "                     [--timeout S] [--cgroup PATH]... [--seed-jobs N] [--max-failures N] [--verbose]\n");
        return 2;
}

static int parse_args(int argc, char *argv[])
{
        const char *e = getenv("CDMD_FUZZ_SEED");

        if (e && *e)
                arg.seed = strtoull(e, NULL, 0);
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

                if (strcmp(a, "--verbose") == 0) {
                        arg.verbose = true;
                        continue;
                }
                if (!v)
                        return -EINVAL;
                i++;
                if (strcmp(a, "--seed") == 0)
                        arg.seed = strtoull(v, NULL, 0);
                else if (strcmp(a, "--calls") == 0)
                        arg.calls = strtoull(v, NULL, 0);
                else if (strcmp(a, "--seconds") == 0)
                        arg.seconds = strtod(v, NULL);
                else if (strcmp(a, "--window") == 0)
                        arg.window = strtoull(v, NULL, 0);
                else if (strcmp(a, "--check-every") == 0)
                        arg.check_every = strtoull(v, NULL, 0);
                else if (strcmp(a, "--timeout") == 0)
                        arg.timeout = strtod(v, NULL);
                else if (strcmp(a, "--max-failures") == 0)
                        arg.max_failures = strtoull(v, NULL, 0);
                else if (strcmp(a, "--seed-jobs") == 0)
                        arg.seed_jobs = (unsigned) strtoul(v, NULL, 0);
                else if (strcmp(a, "--cgroup") == 0)
                        pool_add(&pool_given_cgroups, v);
                else
                        return -EINVAL;
        }
        if (arg.window == 0 || arg.check_every == 0 || arg.timeout <= 0 || arg.max_failures == 0)
                return -EINVAL;
        return 0;
}

static size_t count_members(bool property)
{
        size_t n = 0;

        for (size_t i = 0; i < n_ifaces; i++)
                for (size_t k = 0; k < ifaces[i].n_members; k++)
                        n += ifaces[i].members[k].property == property;
        return n;
}

static void cleanup(void)
{
        forget_objects();
        for (size_t i = 0; i < n_ifaces; i++) {
                for (size_t k = 0; k < ifaces[i].n_members; k++)
                        free_member(&ifaces[i].members[k]);
                free(ifaces[i].members);
                free(ifaces[i].name);
        }
        free(ifaces);
        pool_clear(&pool_devices);
        pool_clear(&pool_jobs);
        pool_clear(&pool_cgroups);
        pool_clear(&pool_given_cgroups);
        pool_clear(&pool_initial_jobs);
        for (size_t i = 0; i < sizeof(error_counts) / sizeof(error_counts[0]); i++)
                free(error_counts[i].name);
        free(big_a);
        free(big_euro);
        free(big_path);
        free(deep_path);
        bus = sd_bus_flush_close_unref(bus);
}

int main(int argc, char *argv[])
{
        uint64_t t0, deadline, next_check;
        int r;

        if (parse_args(argc, argv) < 0)
                return usage();
        setvbuf(stdout, NULL, _IOLBF, 0);
        rng_state = arg.seed;
        is_root = geteuid() == 0;
        big_a = repeat("a", BIG_STRING);
        big_euro = repeat("€", BIG_STRING / 3);
        {
                /* sd-bus takes object paths shorter than 64 KiB. It looks a path up one prefix
                 * at a time, so the cost of a deep path grows with the square of its depth:
                 * 32,000 elements take cdmd's sd-bus about 0.6 s per call. Deep is 1024 here. */
                char *p = repeat("a", BIG_STRING - 64);

                big_path = concat(ROOT_PATH "/job/", p);
                free(p);
                p = repeat("/a", 1024);
                deep_path = concat(ROOT_PATH "/job", p);
                free(p);
        }

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "cdmd-bus-fuzz: cannot connect to the system bus: %s\n",
                        strerror(-r));
                cleanup();
                return 3;
        }
        printf("seed %" PRIu64 " (replay with --seed %" PRIu64 " or CDMD_FUZZ_SEED=%" PRIu64
               "), uid %u, "
               "at most %" PRIu64 " calls or %.0f s, %" PRIu64 " in flight, reply timeout %.0f s\n",
                arg.seed, arg.seed, arg.seed, (unsigned) geteuid(), arg.calls, arg.seconds,
                arg.window, arg.timeout);
        if (list_pools() < 0) {
                cleanup();
                return 3;
        }
        for (size_t i = 0; i < pool_jobs.n; i++)
                pool_add(&pool_initial_jobs, pool_jobs.v[i]);
        housekeeping(); /* the seed jobs, so that there are job objects (migrations need a live
                           system) */
        if (list_pools() < 0 || discover() < 0) {
                cleanup();
                return 3;
        }
        printf("found %zu objects, %zu cdmd interfaces, %zu methods, %zu properties; %zu devices, %zu jobs\n",
                n_objects, n_ifaces, count_members(false), count_members(true), pool_devices.n,
                pool_jobs.n);
        for (size_t i = 0; i < n_ifaces; i++) {
                printf("  %s:", ifaces[i].name);
                for (size_t k = 0; k < ifaces[i].n_members; k++)
                        printf(" %s%s(%s)", ifaces[i].members[k].property ? "@" : "",
                                ifaces[i].members[k].name, ifaces[i].members[k].sig);
                printf("\n");
        }

        t0 = now_usec();
        deadline = t0 + (uint64_t) (arg.seconds * 1e6);
        next_check = arg.check_every;
        while (!stop_sending && n_sent < arg.calls && now_usec() < deadline) {
                while (!stop_sending && in_flight < arg.window && n_sent < next_check &&
                        n_sent < arg.calls)
                        send_one();
                if (n_sent >= next_check) {
                        char when[64];

                        if (drain() < 0)
                                break;
                        (void) snprintf(when, sizeof(when), "after %" PRIu64 " calls", n_sent);
                        if (!checkpoint(when))
                                break;
                        next_check += arg.check_every;
                        continue;
                }
                if (pump(100000) < 0)
                        break;
        }
        r = drain();
        if (r >= 0 && !stop_sending)
                (void) checkpoint("at the end");
        else if (r >= 0 && n_failures > 0)
                (void) answers("after the failures");
        printf("%" PRIu64 " calls in %.1f s: %" PRIu64 " returned, %" PRIu64 " errors;", n_sent,
                (double) (now_usec() - t0) / 1e6, n_ok, n_errors);
        for (size_t i = 0;
                i < sizeof(error_counts) / sizeof(error_counts[0]) && error_counts[i].name; i++)
                printf(" %s %" PRIu64 "%s", error_counts[i].name, error_counts[i].count,
                        i + 1 < sizeof(error_counts) / sizeof(error_counts[0]) &&
                                        error_counts[i + 1].name
                                ? ","
                                : "");
        printf("\n%s: %" PRIu64 " failure(s), seed %" PRIu64 "%s\n", n_failures ? "FAILED" : "ok",
                n_failures, arg.seed,
                n_failures
                        ? " (replay: the same options with --verbose list every call and its reply)"
                        : "");
        cleanup();
        return n_failures ? 1 : 0;
}
