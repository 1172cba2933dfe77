/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The state directory on disk (see store.h). The holder of the lock writes its pid to "pid",
 * for the message of the one that is refused.
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/parse-util.h"
#include "util/strv.h"

#define JOBS_DIR "jobs.d"
#define JOBS_MAX 1000000

struct cdm_store {
        char *dir;
        int dir_fd;
        int lock_fd;
};

/* The holder writes its pid to "pid" once it has the lock. */
static pid_t lock_holder(int dfd)
{
        _cleanup_free_ char *buf = NULL;
        unsigned pid = 0;

        if (read_file_at(dfd, "pid", 64, &buf, NULL) < 0 || sscanf(buf, "%u", &pid) != 1)
                return 0;
        return (pid_t) pid;
}

int cdm_store_open(const char *dir, cdm_store **ret, pid_t *ret_holder)
{
        _cleanup_close_ int dfd = -1, lfd = -1;
        cdm_store *s;
        char pid[32];
        int r;

        *ret_holder = 0;
        dfd = open_dir_created(dir);
        if (dfd < 0)
                return dfd;
        /* Created, then held open read-only: flock() needs no write access, and a file kept
         * open for writing would keep the file system from being remounted read-only. */
        lfd = openat(dfd, "lock", O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK, 0600);
        if (lfd < 0)
                return negative_errno();
        lfd = (close(lfd), openat(dfd, "lock", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK));
        if (lfd < 0)
                return negative_errno();
        if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
                r = negative_errno();
                if (r == -EWOULDBLOCK) {
                        *ret_holder = lock_holder(dfd);
                        return -EBUSY;
                }
                return r;
        }
        (void) snprintf(pid, sizeof(pid), "%d\n", (int) getpid());
        r = write_file_atomic_at(dfd, "pid", pid, strlen(pid));
        if (r < 0)
                return r;
        if (mkdirat(dfd, JOBS_DIR, 0755) < 0 && errno != EEXIST)
                return negative_errno();
        s = calloc(1, sizeof(*s));
        if (!s || !(s->dir = strdup(dir))) {
                free(s);
                return -ENOMEM;
        }
        s->dir_fd = TAKE_FD(dfd);
        s->lock_fd = TAKE_FD(lfd);
        *ret = s;
        return 0;
}

cdm_store *cdm_store_free(cdm_store *s)
{
        if (!s)
                return NULL;
        if (s->dir_fd >= 0)
                (void) close(s->dir_fd);
        if (s->lock_fd >= 0)
                (void) close(s->lock_fd); /* releases the lock */
        free(s->dir);
        free(s);
        return NULL;
}

const char *cdm_store_dir(const cdm_store *s)
{
        return s->dir;
}

/* The directory a name lives in, and its last component: "jobs.d/x" -> (jobs.d fd, "x"). */
static int open_parent(cdm_store *s, const char *name, const char **ret_base)
{
        const char *slash = strrchr(name, '/');
        _cleanup_free_ char *sub = NULL;
        int fd;

        *ret_base = slash ? slash + 1 : name;
        if (!slash) {
                fd = fcntl(s->dir_fd, F_DUPFD_CLOEXEC, 3);
                return fd < 0 ? negative_errno() : fd;
        }
        sub = strndup(name, (size_t) (slash - name));
        if (!sub)
                return -ENOMEM;
        fd = openat(s->dir_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        return fd < 0 ? negative_errno() : fd;
}

int cdm_store_read(cdm_store *s, const char *name, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = open_regular_at_flags(s->dir_fd, name, O_NOFOLLOW);

        /* A symbolic link, a directory, a FIFO: not a state file. */
        if (fd == -ELOOP || fd == -EISDIR || fd == -EBADFD)
                return -EBADF;
        return fd < 0 ? fd : read_fd(fd, max, ret, ret_len);
}

int cdm_store_write(cdm_store *s, const char *name, const char *text)
{
        _cleanup_close_ int fd = -1;
        const char *base;

        fd = open_parent(s, name, &base);
        if (fd < 0)
                return fd;
        return write_file_atomic_at(fd, base, text, strlen(text));
}

int cdm_store_append(cdm_store *s, const char *name, const char *text)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        bool created;
        int r;

        fd = openat(s->dir_fd, name, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        created = fd < 0 && errno == ENOENT;
        if (created)
                fd = openat(s->dir_fd, name, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return errno == ELOOP ? -EBADF : negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        r = write_all(fd, text, strlen(text));
        if (r < 0)
                return r;
        if (fsync(fd) < 0)
                return negative_errno();
        if (created && fsync(s->dir_fd) < 0)
                return negative_errno();
        return 0;
}

int cdm_store_remove(cdm_store *s, const char *name)
{
        _cleanup_close_ int fd = -1;
        const char *base;

        fd = open_parent(s, name, &base);
        if (fd < 0)
                return fd;
        if (unlinkat(fd, base, 0) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        return fsync(fd) < 0 ? negative_errno() : 0;
}

int cdm_store_keep_damaged(cdm_store *s, const char *name)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *to = NULL;
        const char *base;

        fd = open_parent(s, name, &base);
        if (fd < 0)
                return fd;
        if (asprintf(&to, "%s.damaged", base) < 0)
                return -ENOMEM;
        if (renameat(fd, base, fd, to) < 0)
                return negative_errno();
        return fsync(fd) < 0 ? negative_errno() : 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool is_job_file(const char *n)
{
        size_t l = strlen(n);

        if (n[0] == '.' || strstr(n, ".tmp."))
                return false;
        return !(l > 8 && streq(n + l - 8, ".damaged"));
}

int cdm_store_list_jobs(cdm_store *s, char ***ret, size_t *ret_n)
{
        _cleanup_closedir_ DIR *d = NULL;
        char **v = NULL;
        size_t n = 0;
        struct dirent *de;
        int r;

        r = opendir_at(s->dir_fd, JOBS_DIR, &d);
        if (r < 0)
                return r;
        while ((de = readdir(d))) {
                if (!is_job_file(de->d_name))
                        continue;
                if (n >= JOBS_MAX) {
                        strv_free_n(v, n);
                        return -E2BIG;
                }
                r = strv_append_printf(&v, &n, JOBS_DIR "/%s", de->d_name);
                if (r < 0) {
                        strv_free_n(v, n);
                        return r;
                }
        }
        if (n)
                qsort(v, n, sizeof(char *), cmp_str);
        *ret = v;
        *ret_n = n;
        return 0;
}
