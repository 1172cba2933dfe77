/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The event loop: one thread, one libev loop. Watchers:
 *   - a timer every audit_interval running a full cycle (the backstop);
 *   - inotify on the cgroup root and on every ancestor of a granted job: a new cgroup there
 *     is restricted at once (the cycle runs from an idle watcher, so a burst of mkdirs
 *     costs one cycle);
 *   - inotify on every cgroup file this daemon wrote (and the cpuset.mems of every unit it
 *     set a property on): a write by anyone else (systemd realizing a unit, a resource
 *     manager) is checked within milliseconds, not at the next audit;
 *   - SIGTERM/SIGINT stop, SIGHUP reloads the configuration (as a whole or not at all).
 */

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <systemd/sd-daemon.h>

#include "cgroup-backend.h"
#include "cgroup-tree.h"
#include "executor.h"
#include "config-ini.h"
#include "log.h"
#include "manager-bus.h"
#include "manager-loop.h"
#include "manager-migrate.h"
#include "manager-self.h"
#include "manager.h"
#include "util/strv.h"

#define INOTIFY_WATCHES_MAX 4096

typedef struct Watchers {
        ev_timer audit;
        ev_idle soon;
        ev_prepare prepare;
        ev_signal sigterm, sigint, sighup;
        ev_io inotify;
        ev_timer modified; /* a watched file was written: check soon, at most every 10 ms */
        int inotify_fd;
        int *wds;
        char **paths; /* the cgroup each watch is on */
        size_t n_wds;
} Watchers;

static Watchers *W(Manager *m)
{
        return m->watchers;
}

#define MODIFIED_DELAY 0.01

/* The file a written object lives in: "/system.slice/cpuset.mems" for both
 * sys/fs/cgroup/system.slice/cpuset.mems and systemd/system.slice/AllowedMemoryNodes. */
static char *watched_file(const char *object)
{
        _cleanup_free_ char *cgroup = cdm_plan_object_cgroup(object);
        const char *attr = strrchr(object, '/') + 1;
        char *s;

        if (!cgroup)
                return NULL;
        if (streq(attr, "AllowedMemoryNodes"))
                attr = "cpuset.mems";
        if (asprintf(&s, "%s/%s", streq(cgroup, "/") ? "" : cgroup, attr) < 0)
                return NULL;
        return s;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * The files worth watching, sorted: the fences cdmd wrote (values without a device node) and
 * the controller switches. Someone narrowing a job's own cpuset leaks nothing, and thousands
 * of jobs would take every watch.
 */
static char **wanted_files(Manager *m, size_t *ret_n)
{
        char **files = calloc(m->n_written ?: 1, sizeof(char *));
        size_t n = 0;

        *ret_n = 0;
        if (!files)
                return NULL;
        for (size_t i = 0; i < m->n_written; i++) {
                const WrittenFence *w = &m->written[i];
                bool fence = strstr(w->object, "cgroup.subtree_control") != NULL;
                cdm_nodemask v;

                if (!fence && m->layout && cdm_nodemask_parse(w->value, strlen(w->value), &v) >= 0) {
                        fence = true;
                        for (size_t k = 0; k < ARRAY_SIZE(v.bits); k++)
                                if (v.bits[k] & m->layout->device_nodes.bits[k])
                                        fence = false;
                }
                if (fence && (files[n] = watched_file(w->object)))
                        n++;
        }
        qsort(files, n, sizeof(char *), cmp_str);
        *ret_n = n;
        return files;
}

static bool in_sorted(char **v, size_t n, const char *s)
{
        return n > 0 && bsearch(&s, v, n, sizeof(char *), cmp_str) != NULL;
}

/* A watch on a file rather than a directory: its last component names a cgroup attribute. */
static bool is_file_path(const char *path)
{
        const char *last = strrchr(path, '/');

        return last && (strncmp(last + 1, "cpuset.", 7) == 0 || strncmp(last + 1, "cgroup.", 7) == 0);
}

/* The directories whose new children must be restricted at once: the root and every
 * ancestor of a granted job; and the fence files (sorted, from wanted_files()). */
static bool want_watch(Manager *m, const char *path, char **files, size_t n_files)
{
        if (is_file_path(path))
                return in_sorted(files, n_files, path);
        if (streq(path, "/"))
                return true;
        for (size_t i = 0; i < m->jobs.n; i++)
                if (cdm_cgroup_path_is_below(m->jobs.items[i].cgroup, path, false))
                        return true;
        return false;
}

static void add_watch(Manager *m, const char *path, uint32_t mask)
{
        Watchers *w = W(m);
        _cleanup_free_ char *full = NULL;
        int wd;

        for (size_t i = 0; i < w->n_wds; i++)
                if (streq(w->paths[i], path))
                        return;
        if (w->n_wds >= INOTIFY_WATCHES_MAX ||
                        cdm_cgroup_watch_path(m->ctx, path, &full) < 0)
                return;
        wd = inotify_add_watch(w->inotify_fd, full, mask);
        if (wd < 0) {
                if (errno != ENOENT)
                        log_debug("Cannot watch %s: %m", path);
                return;
        }
        w->paths[w->n_wds] = strdup(path);
        if (!w->paths[w->n_wds]) {
                (void) inotify_rm_watch(w->inotify_fd, wd);
                return;
        }
        w->wds[w->n_wds++] = wd;
}

/*
 * Keep inotify watches on exactly the directories that need them. Only changes touch the
 * kernel: removing a watch queues an IN_IGNORED event, and re-adding every watch each cycle
 * would wake the loop for another cycle, forever.
 */
static void watch_cgroups(Manager *m)
{
        Watchers *w = W(m);
        char **files;
        size_t n_files;

        if (w->inotify_fd < 0 || !cdm_cgroup_exists(m->ctx, "/"))
                return;
        files = wanted_files(m, &n_files);
        for (size_t i = w->n_wds; i-- > 0;)
                if (!want_watch(m, w->paths[i], files, n_files)) {
                        (void) inotify_rm_watch(w->inotify_fd, w->wds[i]);
                        free(w->paths[i]);
                        w->wds[i] = w->wds[w->n_wds - 1];
                        w->paths[i] = w->paths[w->n_wds - 1];
                        w->n_wds--;
                }
        add_watch(m, "/", IN_CREATE | IN_ONLYDIR);
        for (size_t i = 0; i < m->jobs.n; i++) {
                _cleanup_free_ char *path = strdup(m->jobs.items[i].cgroup);
                char *slash;

                while (path && (slash = strrchr(path, '/')) && slash != path) {
                        *slash = 0;
                        add_watch(m, path, IN_CREATE | IN_ONLYDIR);
                }
        }
        for (size_t i = 0; i < n_files; i++)
                add_watch(m, files[i], IN_MODIFY);
        strv_free_n(files, n_files);
}

/* A watch the kernel dropped (its file went away): forget it, so it is set again when the
 * file is back. */
static bool forget_watch(Manager *m, int wd)
{
        Watchers *w = W(m);

        for (size_t i = 0; i < w->n_wds; i++)
                if (w->wds[i] == wd) {
                        free(w->paths[i]);
                        w->wds[i] = w->wds[w->n_wds - 1];
                        w->paths[i] = w->paths[w->n_wds - 1];
                        w->n_wds--;
                        return true;
                }
        return false;
}

static void run_cycle(Manager *m)
{
        (void) manager_cycle(m);
        watch_cgroups(m);
        (void) sd_notifyf(false, "STATUS=%zu device(s), %zu grant(s), %zu setting(s) planned, %zu failed",
                        m->layout ? m->layout->n_devices : 0, m->jobs.n, m->plan.n_items,
                        m->plan_failures);
}

/*
 * Right before the loop blocks: a cycle that someone asked for (manager_request_cycle()) runs
 * soon, from the idle watcher, so a burst of requests costs one; a reload's new audit
 * interval takes effect.
 */
static void on_prepare(struct ev_loop *loop, ev_prepare *p, int revents)
{
        Manager *m = p->data;
        double interval = (double) m->config->audit_interval_usec / 1e6;

        if (m->cycle_requested)
                ev_idle_start(loop, &W(m)->soon);
        if (W(m)->audit.repeat != interval) {
                ev_timer_set(&W(m)->audit, 0., interval);
                ev_timer_again(loop, &W(m)->audit);
        }
}

static void on_audit(struct ev_loop *loop, ev_timer *t, int revents)
{
        run_cycle(t->data);
}

static void on_modified(struct ev_loop *loop, ev_timer *t, int revents)
{
        run_cycle(t->data);
}

static void on_soon(struct ev_loop *loop, ev_idle *i, int revents)
{
        ev_idle_stop(loop, i);
        run_cycle(i->data);
}

static void on_inotify(struct ev_loop *loop, ev_io *io, int revents)
{
        Manager *m = io->data;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        bool created = false, modified = false;
        ssize_t n;

        /* Drain; which cgroup was created does not matter, the cycle looks at the tree. Only a
         * creation starts a cycle (not IN_IGNORED from a removed watch or cgroup). */
        while ((n = read(W(m)->inotify_fd, buf, sizeof(buf))) > 0)
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *e = (const struct inotify_event *) p;

                        created |= (e->mask & IN_CREATE) != 0;
                        modified |= (e->mask & IN_MODIFY) != 0;
                        /* A watched fence file vanished (cpuset switched off above it), not a
                         * watch removed here (those are forgotten first). */
                        if (e->mask & IN_IGNORED)
                                modified |= forget_watch(m, e->wd);
                        p += sizeof(struct inotify_event) + e->len;
                }
        if (created)
                ev_idle_start(loop, &W(m)->soon);
        /* Including the echo of this daemon's own writes: that check finds nothing to do. */
        if (modified && !ev_is_active(&W(m)->modified))
                ev_timer_start(loop, &W(m)->modified);
}

static void on_stop(struct ev_loop *loop, ev_signal *s, int revents)
{
        (void) sd_notify(false, "STOPPING=1");
        log_info("Received signal %d, stopping.", s->signum);
        ev_break(loop, EVBREAK_ALL);
}

static void on_reload(struct ev_loop *loop, ev_signal *s, int revents)
{
        _cleanup_free_ char *errors = NULL;

        (void) manager_reload(s->data, &errors);
}

int manager_run(Manager *m)
{
        Watchers w = { .inotify_fd = -1 };
        double interval = (double) m->config->audit_interval_usec / 1e6;

        m->loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
        if (!m->loop)
                return log_error_errno(-ENOMEM, "Cannot create the event loop.");
        m->watchers = &w;
        w.wds = calloc(INOTIFY_WATCHES_MAX, sizeof(int));
        w.paths = calloc(INOTIFY_WATCHES_MAX, sizeof(char *));
        if (!w.wds || !w.paths)
                return log_error_errno(-ENOMEM, "Out of memory.");
        w.inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w.inotify_fd < 0)
                log_warning("inotify is not available, new cgroups wait for the audit: %m");

        ev_timer_init(&w.audit, on_audit, interval, interval);
        ev_idle_init(&w.soon, on_soon);
        ev_prepare_init(&w.prepare, on_prepare);
        w.prepare.data = m;
        ev_prepare_start(m->loop, &w.prepare);
        ev_timer_init(&w.modified, on_modified, MODIFIED_DELAY, 0.);
        w.modified.data = m;
        ev_signal_init(&w.sigterm, on_stop, SIGTERM);
        ev_signal_init(&w.sigint, on_stop, SIGINT);
        ev_signal_init(&w.sighup, on_reload, SIGHUP);
        w.audit.data = w.soon.data = w.sigterm.data = w.sigint.data = w.sighup.data = m;
        ev_timer_start(m->loop, &w.audit);
        ev_signal_start(m->loop, &w.sigterm);
        ev_signal_start(m->loop, &w.sigint);
        ev_signal_start(m->loop, &w.sighup);
        if (w.inotify_fd >= 0) {
                ev_io_init(&w.inotify, on_inotify, w.inotify_fd, EV_READ);
                w.inotify.data = m;
                ev_io_start(m->loop, &w.inotify);
        }

        if (m->use_bus && manager_bus_start(m) < 0)
                return -EIO;
        if (manager_find_self(m) < 0)
                return log_error_errno(-ENOMEM, "Out of memory.");
        run_cycle(m);
        manager_bind_self(m);
        (void) sd_notify(false, "READY=1");
        log_info("cdmd " CDM_VERSION " running, audit every %gs.", interval);
        ev_run(m->loop, 0);

        ev_timer_stop(m->loop, &w.modified);
        ev_prepare_stop(m->loop, &w.prepare);
        m->executor = executor_free(m->executor); /* cancels the moves, runs their callbacks */
        manager_migrations_free(m); /* their timers live on this loop */
        manager_bus_stop(m);
        if (w.inotify_fd >= 0)
                (void) close(w.inotify_fd);
        for (size_t i = 0; i < w.n_wds; i++)
                free(w.paths[i]);
        free(w.paths);
        free(w.wds);
        m->watchers = NULL;
        return 0;
}
