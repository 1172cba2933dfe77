/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * INI text → cdm_config, through inih. Debian's libinih is built without
 * INI_HANDLER_LINENO, so the line number comes from our own reader: inih asks it for one line
 * at a time and calls the handler for that line before asking again, so the reader's counter
 * is the handler's line. The reader also sees every section header, which lets empty and
 * unknown sections be reported too. Errors are collected as "file:line: message" lines; a
 * configuration with any error is rejected as a whole.
 */

#include <dirent.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "config-ini.h"
#include "util/fileio.h"
#include "util/strbuf.h"
#include "util/strv.h"

#define CONFIG_FILE_MAX (1024u * 1024u)
/* Every drop-in is read; more than this many is a mistake worth an error, not a truncation. */
#define DROPINS_MAX 4096u

typedef struct parse_state {
        cdm_config *config;
        const char *filename;
        const char *p, *end;
        unsigned line;
        unsigned section_line; /* where the current section's header is */
        strbuf *errors;
        unsigned n_errors;
} parse_state;

_printf_(3, 4) static void add_error(parse_state *s, unsigned line, const char *fmt, ...)
{
        va_list ap;
        char *msg = NULL;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        strbuf_printf(s->errors, "%s:%u: %s\n", s->filename, line, msg ?: "out of memory");
        free(msg);
        s->n_errors++;
}

static void check_section_header(parse_state *s, const char *line, size_t len)
{
        const char *p = line, *close;
        char *name;
        const char *what = NULL;

        while (p < line + len && (*p == ' ' || *p == '\t'))
                p++;
        if (p == line + len || *p != '[')
                return;
        close = memchr(p, ']', (size_t) (line + len - p));
        if (!close)
                return; /* inih reports the syntax error */
        s->section_line = s->line;
        name = strndup(p + 1, (size_t) (close - p - 1));
        if (!name)
                return;
        if (!cdm_config_section_valid(name, &what))
                add_error(s, s->line, "[%s]: %s", name, what);
        free(name);
}

static char *reader(char *str, int num, void *stream)
{
        parse_state *s = stream;
        const char *nl;
        size_t len, copy;

        if (s->p >= s->end)
                return NULL;
        nl = memchr(s->p, '\n', (size_t) (s->end - s->p));
        len = (size_t) ((nl ? nl + 1 : s->end) - s->p);
        s->line++;
        if (memchr(s->p, 0, len))
                add_error(s, s->line, "line contains a NUL byte");
        copy = len;
        if (copy > (size_t) num - 1) {
                add_error(s, s->line, "line longer than %d characters", num - 2);
                copy = (size_t) num - 1;
        }
        memcpy(str, s->p, copy);
        str[copy] = 0;
        check_section_header(s, s->p, len);
        s->p += len;
        return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
        parse_state *s = user;
        const char *what = NULL;
        int r;

        if (!section || !*section) {
                add_error(s, s->line, "'%s' outside of any section", name);
                return 1;
        }
        r = cdm_config_set(s->config, section, name, value ?: "", s->filename, s->section_line,
                        &what);
        if (r == -ENOMEM)
                add_error(s, s->line, "out of memory");
        else if (r == -ENOENT && what && streq(what, "unknown section"))
                ; /* reported once at the header */
        else if (r < 0)
                add_error(s, s->line, "[%s] %s = '%s': %s", section, name, value ?: "", what ?: "invalid");
        return 1; /* keep going: report every error of the file */
}

/**
 * cdm_config_parse_string() - apply INI text on top of a configuration
 * @c: the configuration to update
 * @text: the text (need not be NUL-terminated)
 * @len: its length
 * @filename: name used in messages
 * @errors: "file:line: message" lines are appended here (a heap string, may be NULL at entry)
 * @n_errors: incremented by the number of errors found
 *
 * Return: 0, or -EINVAL when the text had errors (the configuration may be half-updated:
 * callers parse into a fresh configuration and throw it away on failure).
 */
int cdm_config_parse_string(cdm_config *c, const char *text, size_t len, const char *filename,
                char **errors, unsigned *n_errors)
{
        strbuf b = STRBUF_NULL;
        parse_state s = {
                .config = c, .filename = filename, .p = text, .end = text + len, .errors = &b,
        };
        int r;

        if (*errors)
                strbuf_append(&b, *errors);
        r = ini_parse_stream(reader, &s, handler, &s);
        if (r > 0)
                add_error(&s, (unsigned) r, "syntax error: expected '[section]' or 'key = value'");
        else if (r < 0)
                add_error(&s, 0, "cannot parse");
        free(*errors);
        *errors = strbuf_steal(&b);
        *n_errors += s.n_errors;
        return s.n_errors ? -EINVAL : 0;
}

_printf_(3, 4) static void add_file_error(char **errors, unsigned *n_errors, const char *fmt, ...)
{
        strbuf b = STRBUF_NULL;
        char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (*errors)
                strbuf_append(&b, *errors);
        strbuf_printf(&b, "%s\n", msg ?: "out of memory");
        free(msg);
        free(*errors);
        *errors = strbuf_steal(&b);
        (*n_errors)++;
}

/* /dev/null (or a link to it) stands for an empty file, as in systemd: "-c /dev/null" means
 * the defaults, and a drop-in linked to /dev/null is masked. */
static bool is_dev_null_at(int dirfd, const char *path)
{
        struct stat st;

        return fstatat(dirfd, path, &st, 0) >= 0 && S_ISCHR(st.st_mode) &&
                st.st_rdev == makedev(1, 3);
}

static int parse_file_at(cdm_config *c, int dirfd, const char *path, const char *display,
                bool must_exist, char **errors, unsigned *n_errors)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        /* Regular files only, and without blocking: a FIFO is refused, not waited on. */
        r = read_file_at(dirfd, path, CONFIG_FILE_MAX, &text, &len);
        if (r == -ENOENT && !must_exist)
                return 0;
        if (r == -EBADFD && is_dev_null_at(dirfd, path))
                return 0;
        if (r < 0) {
                add_file_error(errors, n_errors, "%s: %s", display,
                                r == -EFBIG ? "file larger than 1 MiB" : read_error_to_string(r));
                return r;
        }
        return cdm_config_parse_string(c, text, len, display, errors, n_errors);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The *.conf names of @dir, sorted by strcmp(): byte order, as systemd sorts drop-ins. */
static int list_dropins(const char *dir, char ***ret, size_t *ret_n)
{
        _cleanup_closedir_ DIR *d = NULL;
        char **names = NULL;
        size_t n = 0, allocated = 0;
        struct dirent *de;
        int r = 0;

        *ret = NULL;
        *ret_n = 0;
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : negative_errno();
        while ((errno = 0, de = readdir(d))) {
                size_t len = strlen(de->d_name);

                if (len < 6 || de->d_name[0] == '.' || !streq(de->d_name + len - 5, ".conf"))
                        continue;
                if (n >= DROPINS_MAX) {
                        r = -E2BIG;
                        break;
                }
                if (n == allocated) {
                        size_t na = allocated ? allocated * 2 : 64;
                        char **nn = realloc(names, na * sizeof(char *));

                        if (!nn) {
                                r = -ENOMEM;
                                break;
                        }
                        names = nn;
                        allocated = na;
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        if (r == 0 && errno)
                r = negative_errno();
        if (r < 0) {
                strv_free_n(names, n);
                return r;
        }
        if (n)
                qsort(names, n, sizeof(char *), cmp_str);
        *ret = names;
        *ret_n = n;
        return 0;
}

/**
 * cdm_config_load() - defaults, then @path, then @path.d/\*.conf in lexical order
 * @path: the main file (the caller's choice, e.g. /etc/cdmd/cdmd.conf)
 * @must_exist: whether a missing main file is an error (an explicit --config) or not
 * @ret: the configuration, only on success
 * @ret_errors: on failure, "file:line: message" lines (heap string) or NULL
 *
 * Every drop-in is read, in byte order of the names (100-x.conf before 99-x.conf), up to
 * DROPINS_MAX of them; more is an error. Each file must be a regular file (or /dev/null,
 * which is empty): a FIFO, socket or device node is an error naming it, never waited on.
 *
 * Return: 0 or a negative errno (-EINVAL: the files had errors, all of them in @ret_errors).
 */
int cdm_config_load(const char *path, bool must_exist, cdm_config **ret, char **ret_errors)
{
        _cleanup_(cdm_config_freep) cdm_config *c = NULL;
        _cleanup_free_ char *dir = NULL, *errors = NULL;
        char **names = NULL;
        unsigned n_errors = 0;
        size_t n_names = 0;
        int r;

        *ret_errors = NULL;
        r = cdm_config_new(&c);
        if (r < 0)
                return r;
        (void) parse_file_at(c, AT_FDCWD, path, path, must_exist, &errors, &n_errors);

        if (asprintf(&dir, "%s.d", path) < 0)
                return -ENOMEM;
        r = list_dropins(dir, &names, &n_names);
        if (r == -ENOMEM)
                return r;
        if (r == -E2BIG)
                add_file_error(&errors, &n_errors, "%s: too many drop-ins (more than %u *.conf files)",
                                dir, DROPINS_MAX);
        else if (r < 0)
                add_file_error(&errors, &n_errors, "%s: %s", dir, strerror(-r));
        for (size_t i = 0; i < n_names; i++) {
                _cleanup_free_ char *file = NULL;

                if (asprintf(&file, "%s/%s", dir, names[i]) < 0) {
                        strv_free_n(names, n_names);
                        return -ENOMEM;
                }
                (void) parse_file_at(c, AT_FDCWD, file, file, true, &errors, &n_errors);
        }
        strv_free_n(names, n_names);

        if (n_errors == 0) {
                strbuf b = STRBUF_NULL;
                _cleanup_free_ char *more = NULL;

                n_errors = cdm_config_validate(c, &more);
                strbuf_append(&b, more ?: "");
                free(errors);
                errors = strbuf_steal(&b);
        }
        if (n_errors) {
                *ret_errors = TAKE_PTR(errors);
                return -EINVAL;
        }
        *ret = TAKE_PTR(c);
        return 0;
}
