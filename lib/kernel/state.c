/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The settings file: one record per setting, "object<TAB>old value" (record.h escapes).
 * Records are appended; loading drops duplicates (the first old value is the one to restore)
 * and anything that does not parse, since a record that is not read back exactly would put
 * something wrong back, or write outside the root: an object is checked like a path.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "state.h"
#include "util/strbuf.h"
#include "util/strv.h"

#define SETTINGS_FILE "settings"
#define SETTINGS_MAX 100000
#define SETTINGS_HEADER "# cdmd: kernel settings changed, with their previous values\n"

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

bool cdm_state_object_valid(const char *o)
{
        static const char *const prefixes[] = { "sys/", "proc/", "systemd/", "systemd-default/" };
        bool known = false;

        for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
                known = known || strncmp(o, prefixes[i], strlen(prefixes[i])) == 0;
        if (!known || strlen(o) > 4096)
                return false;
        for (const char *p = o; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        return false;
        for (const char *c = o; *c;) {
                size_t l = strcspn(c, "/");

                if (l == 0 || (l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                c += l;
                if (*c == '/' && !*++c)
                        return false; /* a trailing slash */
        }
        return true;
}

static void format_one(strbuf *b, const char *object, const char *old)
{
        cdm_record_add(b, object, 1);
        cdm_record_add(b, old, 0);
        strbuf_append(b, "\n");
}

char *cdm_state_format(const cdm_state *s)
{
        strbuf b = STRBUF_NULL;

        strbuf_append(&b, SETTINGS_HEADER);
        for (size_t i = 0; i < s->n_settings; i++)
                format_one(&b, s->settings[i].object, s->settings[i].old);
        return strbuf_steal(&b);
}

static bool known(const cdm_state *s, const char *object)
{
        for (size_t i = 0; i < s->n_settings; i++)
                if (streq(s->settings[i].object, object))
                        return true;
        return false;
}

static int add_setting(cdm_state *s, const char *object, const char *old)
{
        cdm_setting *ns;
        char *o, *v;

        if (s->n_settings >= SETTINGS_MAX)
                return -E2BIG;
        ns = realloc(s->settings, (s->n_settings + 1) * sizeof(*ns));
        if (!ns)
                return -ENOMEM;
        s->settings = ns;
        o = strdup(object);
        v = strdup(old);
        if (!o || !v) {
                free(o);
                free(v);
                return -ENOMEM;
        }
        ns[s->n_settings++] = (cdm_setting){ .object = o, .old = v };
        return 0;
}

int cdm_state_parse_lenient(const char *text, size_t n, cdm_state *s, char ***damage, size_t *n_damage,
                bool *ret_torn)
{
        const char *line;
        size_t pos = 0, len;
        unsigned lineno = 0;
        int r;

        if (ret_torn)
                *ret_torn = false;
        while ((r = cdm_record_next(text, n, &pos, &lineno, &line, &len)) != 0) {
                _cleanup_free_ char *q = NULL;
                const char *what = NULL;
                char **f = NULL;
                size_t nf = 0;

                if (r == -EBADMSG) {
                        if (ret_torn)
                                *ret_torn = true;
                        what = "the last record has no newline (torn)";
                } else {
                        r = cdm_record_split(line, len, &f, &nf, &what);
                        if (r == -ENOMEM)
                                return r;
                        if (r >= 0 && nf != 2)
                                what = "not two fields";
                        else if (r >= 0 && !cdm_state_object_valid(f[0]))
                                what = "not an object cdmd writes";
                        else if (r >= 0 && !known(s, f[0])) {
                                r = add_setting(s, f[0], f[1]);
                                if (r < 0) {
                                        strv_free_n(f, nf);
                                        return r;
                                }
                        }
                }
                strv_free_n(f, nf);
                if (!what)
                        continue;
                if (!damage)
                        return -EBADMSG;
                q = cdm_record_quote(line, len, 200);
                r = strv_append_printf(damage, n_damage, "line %u: %s: \"%s\"", lineno, what, q ?: "");
                if (r < 0)
                        return r;
        }
        return 0;
}

int cdm_state_parse(const char *text, size_t n, cdm_state *s)
{
        return cdm_state_parse_lenient(text, n, s, NULL, NULL, NULL);
}

int cdm_state_load(cdm_store *store, cdm_state *ret, char ***ret_damage, size_t *ret_n_damage)
{
        cdm_state s = { .store = store };
        _cleanup_free_ char *text = NULL;
        char **damage = NULL;
        size_t len, n_damage = 0;
        bool torn = false;
        int r;

        s.dir = strdup(cdm_store_dir(store));
        if (!s.dir)
                return -ENOMEM;
        r = cdm_store_read(store, SETTINGS_FILE, 64u * 1024u * 1024u, &text, &len);
        if (r == -ENOENT) {
                *ret = s;
                return 0;
        }
        if (r < 0) {
                /* Not a regular file, or too big: nothing of it can be trusted. */
                if (r != -EBADF && r != -EFBIG) {
                        cdm_state_done(&s);
                        return r;
                }
                r = strv_append_printf(&damage, &n_damage, "%s", r == -EBADF ? "not a regular file" : "too large");
                text = strdup("");
                len = 0;
                if (r < 0 || !text)
                        goto oom;
        } else {
                r = cdm_state_parse_lenient(text, len, &s, &damage, &n_damage, &torn);
                if (r < 0)
                        goto oom;
        }
        if (n_damage > (size_t) torn) {
                _cleanup_free_ char *fresh = cdm_state_format(&s);

                /* Keep the damaged file, and go on with what was read back. */
                r = cdm_store_keep_damaged(store, SETTINGS_FILE);
                if (r >= 0 && fresh)
                        r = cdm_store_write(store, SETTINGS_FILE, fresh);
                if (r < 0 || !fresh) {
                        strv_free_n(damage, n_damage);
                        cdm_state_done(&s);
                        return r < 0 ? r : -ENOMEM;
                }
        } else if (torn) {
                _cleanup_free_ char *fresh = cdm_state_format(&s);

                r = fresh ? cdm_store_write(store, SETTINGS_FILE, fresh) : -ENOMEM;
                if (r < 0) {
                        strv_free_n(damage, n_damage);
                        cdm_state_done(&s);
                        return r;
                }
        }
        *ret = s;
        if (ret_damage) {
                *ret_damage = damage;
                *ret_n_damage = n_damage;
        } else
                strv_free_n(damage, n_damage);
        return 0;
oom:
        strv_free_n(damage, n_damage);
        cdm_state_done(&s);
        return r < 0 ? r : -ENOMEM;
}

int cdm_state_record(cdm_state *s, const char *object, const char *old)
{
        strbuf b = STRBUF_NULL;
        _cleanup_free_ char *line = NULL;
        int r;

        if (known(s, object))
                return 0; /* the first old value is the one to restore */
        if (!cdm_state_object_valid(object))
                return -EINVAL;
        if (s->n_settings >= SETTINGS_MAX)
                return -E2BIG;
        if (s->store) {
                if (s->n_settings == 0)
                        strbuf_append(&b, SETTINGS_HEADER);
                format_one(&b, object, old);
                line = strbuf_steal(&b);
                if (!line)
                        return -ENOMEM;
                /* The first record of a fresh file replaces whatever forget_all left. */
                r = s->n_settings == 0 ? cdm_store_write(s->store, SETTINGS_FILE, line)
                                       : cdm_store_append(s->store, SETTINGS_FILE, line);
                if (r < 0)
                        return r;
        }
        return add_setting(s, object, old);
}

int cdm_state_forget_all(cdm_state *s)
{
        int r = s->store ? cdm_store_write(s->store, SETTINGS_FILE, SETTINGS_HEADER) : 0;

        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_settings; i++) {
                free(s->settings[i].object);
                free(s->settings[i].old);
        }
        free(s->settings);
        s->settings = NULL;
        s->n_settings = 0;
        return 0;
}
