/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cdm-fence-sampler: watches the fences of the host-tier guest. Every INTERVAL it reads
 * cpuset.mems.effective of every cgroup from the root's children down to DEPTH levels (a
 * cgroup without the file inherits its parent's set, as the kernel does) and records every
 * window during which NODE is in the effective set of a cgroup that has no grant.
 *
 *   cdm-fence-sampler NODE GRANTS [INTERVAL_MS [DEPTH]]
 *
 * GRANTS is a file of granted cgroup paths (below the cgroup2 root, "/system.slice/x.service"),
 * one per line, re-read whenever it changes: a granted cgroup, everything below it and its
 * ancestors (which a grant must open) may hold NODE. Runs until SIGINT or SIGTERM, then prints
 * a summary: the number of samples, the achieved interval, every window (cgroup, start, length,
 * whether the cgroup had processes) and the longest one. Each window is also printed as it
 * closes. Exit status 0 when there was no window, 1 otherwise, 2 on errors.
 */

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CG_ROOT "/sys/fs/cgroup"
#define MAX_GRANTS 256
#define MAX_TRACKED 4096

struct tracked {
        char *path;		/* below CG_ROOT, starting with '/' */
        uint64_t open_since;	/* ns, 0 when not leaking */
        int populated;
        int seen;		/* in the current sample */
};

struct window {
        char *path;
        uint64_t start, length;
        int populated;
};

static volatile sig_atomic_t stop;
static int node;
static char *grants[MAX_GRANTS];
static int n_grants;
static struct tracked tracked[MAX_TRACKED];
static int n_tracked;
static struct window *windows;
static size_t n_windows, cap_windows;
static uint64_t t0;

static void on_signal(int sig)
{
        (void) sig;
        stop = 1;
}

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* Parses a kernel node list ("0-1,3"); returns whether node n is in it. */
static int list_has(const char *list, int n)
{
        const char *p = list;

        while (*p && *p != '\n') {
                char *end;
                long a = strtol(p, &end, 10), b;

                if (end == p)
                        return 0;
                b = a;
                if (*end == '-')
                        b = strtol(end + 1, &end, 10);
                if (n >= a && n <= b)
                        return 1;
                p = *end == ',' ? end + 1 : end;
                if (*end != ',')
                        break;
        }
        return 0;
}

/* Reads a small file; returns 0 and fills buf, or -1 when it cannot be read. */
static int read_small(const char *path, char *buf, size_t size)
{
        FILE *f = fopen(path, "re");
        size_t n;

        if (!f)
                return -1;
        n = fread(buf, 1, size - 1, f);
        fclose(f);
        buf[n] = '\0';
        return 0;
}

static void load_grants(const char *file)
{
        static struct timespec last;
        struct stat st;
        char line[4096];
        FILE *f;

        if (stat(file, &st) < 0) {
                for (int i = 0; i < n_grants; i++)
                        free(grants[i]);
                n_grants = 0;
                return;
        }
        if (st.st_mtim.tv_sec == last.tv_sec && st.st_mtim.tv_nsec == last.tv_nsec)
                return;
        f = fopen(file, "re");
        if (!f)
                return;
        last = st.st_mtim;
        for (int i = 0; i < n_grants; i++)
                free(grants[i]);
        n_grants = 0;
        while (fgets(line, sizeof(line), f) && n_grants < MAX_GRANTS) {
                size_t len = strcspn(line, "\r\n");

                while (len > 1 && line[len - 1] == '/')
                        len--;
                line[len] = '\0';
                if (line[0] == '/')
                        grants[n_grants++] = strdup(line);
        }
        fclose(f);
}

/* A granted cgroup, one below it, or an ancestor of one. */
static int granted(const char *path)
{
        size_t lp = strlen(path);

        for (int i = 0; i < n_grants; i++) {
                size_t lg = strlen(grants[i]);

                if (lp >= lg && strncmp(path, grants[i], lg) == 0 && (path[lg] == '\0' || path[lg] == '/'))
                        return 1;
                if (lg > lp && strncmp(grants[i], path, lp) == 0 && grants[i][lp] == '/')
                        return 1;
        }
        return 0;
}

static struct tracked *find(const char *path)
{
        for (int i = 0; i < n_tracked; i++)
                if (strcmp(tracked[i].path, path) == 0)
                        return &tracked[i];
        if (n_tracked == MAX_TRACKED)
                return NULL;
        tracked[n_tracked].path = strdup(path);
        tracked[n_tracked].open_since = 0;
        return &tracked[n_tracked++];
}

static void close_window(struct tracked *t, uint64_t end)
{
        struct window *w;

        if (!t->open_since)
                return;
        if (n_windows == cap_windows) {
                cap_windows = cap_windows ? 2 * cap_windows : 64;
                windows = realloc(windows, cap_windows * sizeof(*windows));
                if (!windows)
                        exit(2);
        }
        w = &windows[n_windows++];
        w->path = t->path;
        w->start = t->open_since - t0;
        w->length = end - t->open_since;
        w->populated = t->populated;
        printf("window %s: node %d open from %.3f s for %.1f ms (%s)\n", w->path, node,
               (double) w->start / 1e9, (double) w->length / 1e6, w->populated ? "populated" : "empty");
        fflush(stdout);
        t->open_since = 0;
}

/* Samples dir (below CG_ROOT at rel) whose parent's effective set holds node or not. */
static void sample(const char *rel, int parent_has, int depth, int max_depth, uint64_t t)
{
        char path[8192], buf[4096];
        DIR *d;
        struct dirent *e;

        snprintf(path, sizeof(path), CG_ROOT "%s", rel);
        d = opendir(path);
        if (!d)
                return;
        while ((e = readdir(d))) {
                char child[4096];
                int has, populated = 0;
                struct tracked *tr;

                if (e->d_type != DT_DIR || e->d_name[0] == '.')
                        continue;
                snprintf(child, sizeof(child), "%s/%s", rel, e->d_name);
                snprintf(path, sizeof(path), CG_ROOT "%s/cpuset.mems.effective", child);
                if (read_small(path, buf, sizeof(buf)) == 0)
                        has = list_has(buf, node);
                else
                        has = parent_has; /* no cpuset controller here: the parent's set applies */
                snprintf(path, sizeof(path), CG_ROOT "%s/cgroup.events", child);
                if (read_small(path, buf, sizeof(buf)) == 0)
                        populated = strstr(buf, "populated 1") != NULL;
                tr = find(child);
                if (tr) {
                        tr->seen = 1;
                        if (has && !granted(child)) {
                                if (!tr->open_since)
                                        tr->open_since = t;
                                tr->populated |= populated;
                        } else {
                                close_window(tr, t);
                                tr->populated = 0;
                        }
                }
                if (depth < max_depth)
                        sample(child, has, depth + 1, max_depth, t);
        }
        closedir(d);
}

int main(int argc, char **argv)
{
        char buf[4096];
        long interval_ms = 10;
        int depth = 3, root_has;
        unsigned long samples = 0;
        uint64_t last = 0, max_gap = 0, t = 0;
        struct sigaction sa = { .sa_handler = on_signal };
        struct window *longest = NULL;

        if (argc < 3 || argc > 5) {
                fprintf(stderr, "usage: cdm-fence-sampler NODE GRANTS [INTERVAL_MS [DEPTH]]\n");
                return 2;
        }
        node = atoi(argv[1]);
        if (argc > 3)
                interval_ms = atol(argv[3]);
        if (argc > 4)
                depth = atoi(argv[4]);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        t0 = now_ns();
        printf("sampler: node %d, every %ld ms, depth %d, grants from %s\n", node, interval_ms, depth, argv[2]);
        fflush(stdout);
        while (!stop) {
                struct timespec ts = { interval_ms / 1000, (interval_ms % 1000) * 1000000 };

                t = now_ns();
                if (last && t - last > max_gap)
                        max_gap = t - last;
                last = t;
                load_grants(argv[2]);
                for (int i = 0; i < n_tracked; i++)
                        tracked[i].seen = 0;
                root_has = read_small(CG_ROOT "/cpuset.mems.effective", buf, sizeof(buf)) == 0 ?
                        list_has(buf, node) : 1;
                sample("", root_has, 1, depth, t);
                for (int i = 0; i < n_tracked; i++)
                        if (!tracked[i].seen)
                                close_window(&tracked[i], t); /* the cgroup is gone */
                samples++;
                nanosleep(&ts, NULL);
        }
        t = now_ns();
        for (int i = 0; i < n_tracked; i++)
                close_window(&tracked[i], t);
        for (size_t i = 0; i < n_windows; i++)
                if (!longest || windows[i].length > longest->length)
                        longest = &windows[i];
        printf("sampler: %lu samples in %.1f s (mean interval %.1f ms, longest gap %.1f ms), %zu cgroups seen\n",
               samples, (double) (t - t0) / 1e9, samples ? (double) (t - t0) / 1e6 / (double) samples : 0.0,
               (double) max_gap / 1e6, (size_t) n_tracked);
        if (longest)
                printf("sampler: %zu windows; longest %.1f ms on %s (%s) from %.3f s\n", n_windows,
                       (double) longest->length / 1e6, longest->path, longest->populated ? "populated" : "empty",
                       (double) longest->start / 1e9);
        else
                printf("sampler: 0 windows\n");
        return n_windows ? 1 : 0;
}
