/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The settings file: one line per setting, "object<TAB>old value", with backslash escapes
 * for tab, newline and backslash. The directory is created on first use. A torn write is
 * impossible (write_file_atomic_at); a file that does not parse is an error, never ignored:
 * losing it would lose the way back.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "state.h"
#include "util/fileio.h"
#include "util/strbuf.h"

#define SETTINGS_FILE "settings"
#define SETTINGS_MAX 100000

void cdm_state_done(cdm_state *s)
{
        for (size_t i = 0; i < s->n_settings; i++) {
                free(s->settings[i].object);
                free(s->settings[i].old);
        }
        free(s->settings);
        free(s->dir);
        *s = CDM_STATE_NULL;
}

static void append_escaped(strbuf *b, const char *s)
{
        for (; *s; s++)
                switch (*s) {
                case '\t':
                        strbuf_append(b, "\\t");
                        break;
                case '\n':
                        strbuf_append(b, "\\n");
                        break;
                case '\\':
                        strbuf_append(b, "\\\\");
                        break;
                default:
                        strbuf_appendn(b, s, 1);
                }
}

char *cdm_state_format(const cdm_state *s)
{
        strbuf b = STRBUF_NULL;

        strbuf_append(&b, "# cdmd: kernel settings changed, with their previous values\n");
        for (size_t i = 0; i < s->n_settings; i++) {
                append_escaped(&b, s->settings[i].object);
                strbuf_append(&b, "\t");
                append_escaped(&b, s->settings[i].old);
                strbuf_append(&b, "\n");
        }
        return strbuf_steal(&b);
}

static char *unescape(const char *p, size_t n)
{
        char *out = malloc(n + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (p[i] != '\\') {
                        *o++ = p[i];
                        continue;
                }
                if (++i == n) {
                        free(out);
                        return NULL;
                }
                *o++ = p[i] == 't' ? '\t' : p[i] == 'n' ? '\n' : p[i];
        }
        *o = 0;
        return out;
}

static int add_setting(cdm_state *s, char *object, char *old)
{
        cdm_setting *ns;

        if (s->n_settings >= SETTINGS_MAX)
                return -E2BIG;
        ns = realloc(s->settings, (s->n_settings + 1) * sizeof(*ns));
        if (!ns)
                return -ENOMEM;
        s->settings = ns;
        ns[s->n_settings++] = (cdm_setting){ .object = object, .old = old };
        return 0;
}

int cdm_state_parse(const char *text, size_t n, cdm_state *s)
{
        const char *p = text, *end = text + n;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *le = nl ?: end;
                const char *tab = memchr(p, '\t', (size_t) (le - p));
                char *object, *old;
                int r;

                if (le == p || *p == '#') {
                        p = nl ? nl + 1 : end;
                        continue;
                }
                if (!tab)
                        return -EBADMSG;
                object = unescape(p, (size_t) (tab - p));
                old = unescape(tab + 1, (size_t) (le - tab - 1));
                if (!object || !old) {
                        free(object);
                        free(old);
                        return -EBADMSG;
                }
                r = add_setting(s, object, old);
                if (r < 0) {
                        free(object);
                        free(old);
                        return r;
                }
                p = nl ? nl + 1 : end;
        }
        return 0;
}

/**
 * cdm_state_load() - read <dir>/settings (none yet is fine)
 * @dir: the state directory (absolute; the caller's configuration)
 * @ret: the state
 *
 * Return: 0, -EBADMSG for a corrupt file, or a negative errno.
 */
int cdm_state_load(const char *dir, cdm_state *ret)
{
        cdm_state s = CDM_STATE_NULL;
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t len;
        int r;

        s.dir = strdup(dir);
        if (!s.dir || asprintf(&path, "%s/" SETTINGS_FILE, dir) < 0) {
                free(s.dir);
                return -ENOMEM;
        }
        r = read_file_at(AT_FDCWD, path, 64u * 1024u * 1024u, &text, &len);
        if (r == -ENOENT) {
                *ret = s;
                return 0;
        }
        if (r >= 0)
                r = cdm_state_parse(text, len, &s);
        if (r < 0) {
                cdm_state_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

int cdm_state_save(const cdm_state *s)
{
        _cleanup_free_ char *text = cdm_state_format(s);

        if (!text)
                return -ENOMEM;
        return write_file_atomic_in(s->dir, SETTINGS_FILE, text, strlen(text));
}

int cdm_state_record(cdm_state *s, const char *object, const char *old)
{
        char *o, *v;
        int r;

        for (size_t i = 0; i < s->n_settings; i++)
                if (streq(s->settings[i].object, object))
                        return 0; /* the first old value is the one to restore */
        o = strdup(object);
        v = strdup(old);
        if (!o || !v) {
                free(o);
                free(v);
                return -ENOMEM;
        }
        r = add_setting(s, o, v);
        if (r < 0) {
                free(o);
                free(v);
                return r;
        }
        return cdm_state_save(s);
}

int cdm_state_forget_all(cdm_state *s)
{
        for (size_t i = 0; i < s->n_settings; i++) {
                free(s->settings[i].object);
                free(s->settings[i].old);
        }
        free(s->settings);
        s->settings = NULL;
        s->n_settings = 0;
        return cdm_state_save(s);
}
