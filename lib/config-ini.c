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

#include "config-ini.h"
#include "util/fileio.h"
#include "util/strbuf.h"

#define CONFIG_FILE_MAX (1024u * 1024u)
#define DROPINS_MAX 256

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

static int parse_file_at(cdm_config *c, int dirfd, const char *path, const char *display,
                bool must_exist, char **errors, unsigned *n_errors)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        r = read_file_at(dirfd, path, CONFIG_FILE_MAX, &text, &len);
        if (r == -ENOENT && !must_exist)
                return 0;
        if (r < 0) {
                strbuf b = STRBUF_NULL;

                if (*errors)
                        strbuf_append(&b, *errors);
                errno = -r;
                strbuf_printf(&b, "%s: %s\n", display,
                                r == -EFBIG ? "file larger than 1 MiB" : strerror(-r));
                free(*errors);
                *errors = strbuf_steal(&b);
                (*n_errors)++;
                return r;
        }
        return cdm_config_parse_string(c, text, len, display, errors, n_errors);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int list_dropins(const char *dir, char ***ret, size_t *ret_n)
{
        DIR *d = opendir(dir);
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;

        *ret = NULL;
        *ret_n = 0;
        if (!d)
                return errno == ENOENT ? 0 : negative_errno();
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                char **nn;

                if (len < 6 || de->d_name[0] == '.' || !streq(de->d_name + len - 5, ".conf"))
                        continue;
                if (n >= DROPINS_MAX)
                        break;
                nn = realloc(names, (n + 1) * sizeof(char *));
                if (!nn || !(nn[n] = strdup(de->d_name))) {
                        free(nn ?: names);
                        (void) closedir(d);
                        return -ENOMEM;
                }
                names = nn;
                n++;
        }
        (void) closedir(d);
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
 * Return: 0 or a negative errno (-EINVAL: the files had errors).
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
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_names; i++) {
                _cleanup_free_ char *file = NULL;

                if (asprintf(&file, "%s/%s", dir, names[i]) >= 0)
                        (void) parse_file_at(c, AT_FDCWD, file, file, true, &errors, &n_errors);
                free(names[i]);
        }
        free(names);

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
