/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The only raw read/write calls of libcdm. Every path is relative to a directory fd (the
 * context's roots), never absolute. Reads are bounded and NUL-terminated so that the pure
 * parsers can take (data, length) and also treat the buffer as a C string.
 */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"

/**
 * open_regular_at() - open a regular file for reading, without ever blocking in open()
 * @dirfd: directory the path is relative to (not consumed)
 * @path: relative path
 *
 * O_NONBLOCK makes open() of a FIFO return at once instead of waiting for a writer (and of a
 * device node not wait for carrier); the file type is then checked on the open fd, so that a
 * rename in between cannot swap it. Files of sysfs, procfs and cgroupfs are regular files
 * and ignore O_NONBLOCK, as every regular file does (open(2)), so the flag may stay set.
 *
 * Return: the fd, -EISDIR for a directory, -EBADFD for any other non-regular file (FIFO,
 * socket, device node), or the negative errno of open() or fstat().
 */
int open_regular_at(int dirfd, const char *path)
{
        return open_regular_at_flags(dirfd, path, 0);
}

int open_regular_at_flags(int dirfd, const char *path, int flags)
{
        _cleanup_close_ int fd = -1;
        struct stat st;

        fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | flags);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        return TAKE_FD(fd);
}

/* strerror() for the errors of read_file_at(), with the two of open_regular_at() in words. */
const char *read_error_to_string(int r)
{
        if (r == -EISDIR)
                return "is a directory, not a regular file";
        if (r == -EBADFD)
                return "not a regular file";
        return strerror(r < 0 ? -r : r);
}

/**
 * read_file_at() - read a whole (small) regular file below a directory fd
 * @dirfd: directory the path is relative to (not consumed)
 * @path: relative path
 * @max: largest accepted size in bytes
 * @ret: on success a NUL-terminated heap buffer, owned by the caller
 * @ret_len: on success the number of bytes read (may be NULL)
 *
 * Only regular files are read (see open_regular_at()): a FIFO or a device node where a
 * configuration or state file is expected is refused instead of blocking the daemon.
 *
 * Return: 0, -EFBIG when the file is larger than @max, -EISDIR or -EBADFD when it is not a
 * regular file, or a negative errno.
 */
int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = open_regular_at(dirfd, path);

        return fd < 0 ? fd : read_fd(fd, max, ret, ret_len);
}

int read_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, size = MIN((size_t) 4096, max);

        buf = malloc(size + 1);
        if (!buf)
                return -ENOMEM;

        for (;;) {
                ssize_t n;

                if (len == size) {
                        char *nbuf, c;

                        if (size >= max) {
                                /* Exactly @max bytes is fine; one more is not. */
                                do
                                        n = read(fd, &c, 1);
                                while (n < 0 && errno == EINTR);
                                if (n < 0)
                                        return negative_errno();
                                if (n == 0)
                                        break;
                                return -EFBIG;
                        }
                        size = MIN(size * 2, (size_t) max);
                        nbuf = realloc(buf, size + 1);
                        if (!nbuf)
                                return -ENOMEM;
                        buf = nbuf;
                }
                n = read(fd, buf + len, size - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = 0;
        if (ret_len)
                *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

/**
 * write_file_at() - write a string to an existing file, as sysfs and cgroupfs want it
 * @dirfd: directory the path is relative to (not consumed)
 * @path: relative path
 * @s: the value, written in one write() call
 *
 * Return: 0 or the negative errno of open() or write() (the kernel's verdict on the value).
 */
int write_file_at(int dirfd, const char *path, const char *s)
{
        _cleanup_close_ int fd = -1;
        size_t len = strlen(s);
        ssize_t n;

        fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        n = write(fd, s, len);
        if (n < 0)
                return negative_errno();
        if ((size_t) n != len)
                return -EIO;
        return 0;
}

int write_all(int fd, const char *s, size_t len)
{
        for (size_t off = 0; off < len;) {
                ssize_t n = write(fd, s + off, len - off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                off += (size_t) n;
        }
        return 0;
}

/**
 * write_file_atomic_at() - replace a file atomically: temporary file, fsync, rename
 * @dirfd: directory the path is relative to (not consumed); the file lives directly in it
 * @path: file name
 * @s: contents
 * @len: number of bytes of @s
 *
 * Return: 0 or a negative errno; on failure the old file is untouched.
 */
int write_file_atomic_at(int dirfd, const char *path, const char *s, size_t len)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        if (asprintf(&tmp, "%s.tmp.%d", path, (int) getpid()) < 0)
                return -ENOMEM;
        /* A leftover of an earlier process of the same pid, whatever it is, goes first. */
        (void) unlinkat(dirfd, tmp, 0);
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
        if (fd < 0)
                return negative_errno();
        r = write_all(fd, s, len);
        if (r < 0)
                goto fail;
        if (fsync(fd) < 0) {
                r = negative_errno();
                goto fail;
        }
        if (renameat(dirfd, tmp, dirfd, path) < 0) {
                r = negative_errno();
                goto fail;
        }
        (void) fsync(dirfd);
        return 0;
fail:
        (void) unlinkat(dirfd, tmp, 0);
        return r;
}

/**
 * opendir_at() - open a directory below a directory fd for readdir()
 * @dirfd: the directory the path is relative to (not consumed; an O_PATH fd is fine)
 * @path: relative path ("." for @dirfd itself)
 * @ret: the stream, to be closed with closedir()
 *
 * Return: 0 or a negative errno (-ENOENT when there is no such directory).
 */
int opendir_at(int dirfd, const char *path, DIR **ret)
{
        int fd;
        DIR *d;

        if (dirfd < 0)
                return -ENOENT;
        fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                int r = negative_errno();
                (void) close(fd);
                return r;
        }
        *ret = d;
        return 0;
}

/* mkdir -p: a state directory below /var/lib may be the first of its kind. */
int mkdir_parents(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *slash = strchr(p + 1, '/');; slash = strchr(slash + 1, '/')) {
                if (slash)
                        *slash = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return negative_errno();
                if (!slash)
                        return 0;
                *slash = '/';
        }
}

int open_dir_created(const char *dir)
{
        int fd, r = mkdir_parents(dir, 0755);

        if (r < 0)
                return r;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

/**
 * write_file_atomic_in() - replace a file of a directory atomically, creating the directory
 * @dir: the directory (absolute, the caller's configuration)
 * @name: file name in it
 * @s: contents
 * @len: number of bytes of @s
 *
 * Return: 0 or a negative errno; on failure the old file is untouched.
 */
int write_file_atomic_in(const char *dir, const char *name, const char *s, size_t len)
{
        _cleanup_close_ int fd = open_dir_created(dir);

        return fd < 0 ? fd : write_file_atomic_at(fd, name, s, len);
}
