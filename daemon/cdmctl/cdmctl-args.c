/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cdmctl's command line, without the bus. Options may appear anywhere (before or after the
 * verb, as systemctl allows), as "--opt VALUE" or "--opt=VALUE"; "--" ends them. Every
 * option is parsed for every verb, then the verb table says which verb-specific options a
 * verb accepts or requires, and how many positional arguments it takes, so that a bad command
 * line is refused (exit 2) before any bus connection is made.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdmctl-args.h"
#include "util/macro.h"
#include "util/parse-util.h"

enum {
        ARG_FLAG,  /* no value */
        ARG_VALUE, /* takes a value */
};

typedef struct option_def {
        const char *name;
        int kind;
        unsigned bit; /* CDMCTL_OPT_*, 0 for global options */
        size_t offset; /* of the const char * (ARG_VALUE) or bool (ARG_FLAG) in cdmctl_args */
} option_def;

#define VALUE(n, b, field) { n, ARG_VALUE, b, offsetof(cdmctl_args, field) }
#define FLAG(n, b, field) { n, ARG_FLAG, b, offsetof(cdmctl_args, field) }

static const option_def options[] = {
        FLAG("help", 0, help),
        FLAG("version", 0, version),
        FLAG("json", 0, json),
        FLAG("no-legend", 0, legend), /* inverted below */
        VALUE("cgroup", CDMCTL_OPT_CGROUP, cgroup),
        VALUE("device", CDMCTL_OPT_DEVICE, device),
        VALUE("size", CDMCTL_OPT_SIZE, size),
        VALUE("policy", CDMCTL_OPT_POLICY, policy),
        VALUE("to", CDMCTL_OPT_TO, to),
        VALUE("reason", CDMCTL_OPT_REASON, reason),
        FLAG("no-wait", CDMCTL_OPT_NO_WAIT, no_wait),
};

/* cdmctl_args_done() - free what cdmctl_parse_args() allocated; the strings stay argv's. */
void cdmctl_args_done(cdmctl_args *a)
{
        free(a->positional);
        a->positional = NULL;
        a->n_positional = 0;
}

static const option_def *option_lookup(const char *name, size_t len)
{
        for (size_t i = 0; i < ARRAY_SIZE(options); i++)
                if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
                        return &options[i];
        return NULL;
}

/* Parse argv[*i], a "--name[=value]"; advances *i past a separate value. */
static int parse_long_option(cdmctl_args *a, int argc, char *const *argv, int *i, char **ret_error)
{
        const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
        const option_def *o = option_lookup(arg, eq ? (size_t) (eq - arg) : strlen(arg));
        const char *value = eq ? eq + 1 : NULL;

        if (!o)
                return asprintf(ret_error, "unknown option '%s'", argv[*i]) < 0 ? -ENOMEM : -EINVAL;
        if (o->kind == ARG_FLAG) {
                if (value)
                        return asprintf(ret_error, "option '--%s' takes no value", o->name) < 0 ? -ENOMEM : -EINVAL;
                /* --no-legend clears "legend"; every other flag sets its bool */
                *(bool *) ((char *) a + o->offset) = !streq(o->name, "no-legend");
                a->options |= o->bit;
                return 0;
        }
        if (!value) {
                if (*i + 1 >= argc)
                        return asprintf(ret_error, "option '--%s' needs a value", o->name) < 0 ? -ENOMEM : -EINVAL;
                value = argv[++*i];
        }
        *(const char **) ((char *) a + o->offset) = value;
        a->options |= o->bit;
        return 0;
}

/**
 * cdmctl_parse_args() - split argv into options and positional arguments.
 * @argc: argument count, including argv[0].
 * @argv: the arguments; strings are borrowed by @ret.
 * @ret: filled on success; free with cdmctl_args_done().
 * @ret_error: on -EINVAL, a message for the user (free() it).
 *
 * Return: 0, -EINVAL for a bad option (with @ret_error), -ENOMEM.
 */
int cdmctl_parse_args(int argc, char *const *argv, cdmctl_args *ret, char **ret_error)
{
        cdmctl_args a = { .legend = true };
        bool options_end = false;
        int r;

        a.positional = calloc((size_t) MAX(argc, 1), sizeof(char *));
        if (!a.positional)
                return -ENOMEM;
        for (int i = 1; i < argc; i++) {
                const char *arg = argv[i];

                if (options_end || arg[0] != '-' || arg[1] == 0) {
                        a.positional[a.n_positional++] = argv[i];
                } else if (streq(arg, "--")) {
                        options_end = true;
                } else if (streq(arg, "-h")) {
                        a.help = true;
                } else if (arg[1] == '-') {
                        r = parse_long_option(&a, argc, argv, &i, ret_error);
                        if (r < 0) {
                                cdmctl_args_done(&a);
                                return r;
                        }
                } else {
                        cdmctl_args_done(&a);
                        return asprintf(ret_error, "unknown option '%s'", arg) < 0 ? -ENOMEM : -EINVAL;
                }
        }
        *ret = a;
        return 0;
}

static const char *option_name(unsigned bit)
{
        for (size_t i = 0; i < ARRAY_SIZE(options); i++)
                if (options[i].bit == bit)
                        return options[i].name;
        return "?";
}

static int verb_check_options(const cdmctl_verb *v, const cdmctl_args *args, char **ret_error)
{
        for (unsigned bit = 1; bit != 0 && bit <= CDMCTL_OPT_NO_WAIT; bit <<= 1) {
                if ((args->options & bit) && !(v->options & bit))
                        return asprintf(ret_error, "option '--%s' is not valid for '%s'",
                                        option_name(bit), v->name) < 0 ? -ENOMEM : -EINVAL;
                if ((v->required & bit) && !(args->options & bit))
                        return asprintf(ret_error, "'%s' needs --%s (usage: cdmctl %s)", v->name,
                                        option_name(bit), v->usage) < 0 ? -ENOMEM : -EINVAL;
        }
        return 0;
}

/**
 * cdmctl_verb_find() - look up the verb of a command line and check its arguments.
 * @verbs: the verb table; its first entry is the default when no verb is given.
 * @n: entries in @verbs.
 * @args: the parsed command line.
 * @ret: the verb, on success.
 * @ret_error: on -EINVAL, a message for the user (free() it).
 *
 * Return: 0, -EINVAL (unknown verb, wrong number of arguments, option not valid for the
 * verb, required option missing), -ENOMEM.
 */
int cdmctl_verb_find(const cdmctl_verb *verbs, size_t n, const cdmctl_args *args,
                     const cdmctl_verb **ret, char **ret_error)
{
        const char *name = args->n_positional > 0 ? args->positional[0] : verbs[0].name;
        size_t nargs = args->n_positional > 0 ? args->n_positional - 1 : 0;
        const cdmctl_verb *v = NULL;
        int r;

        for (size_t i = 0; i < n && !v; i++)
                if (streq(verbs[i].name, name))
                        v = &verbs[i];
        if (!v)
                return asprintf(ret_error, "unknown verb '%s' (see cdmctl --help)", name) < 0 ? -ENOMEM : -EINVAL;
        if (nargs < v->min_args || nargs > v->max_args)
                return asprintf(ret_error, "%s arguments for '%s' (usage: cdmctl %s)",
                                nargs < v->min_args ? "too few" : "too many", v->name,
                                v->usage) < 0 ? -ENOMEM : -EINVAL;
        r = verb_check_options(v, args, ret_error);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

/**
 * cdmctl_parse_size_arg() - a size from the command line: bytes, or K/M/G/T (powers of 1024).
 * @s: the argument.
 * @ret: the size in bytes, on success.
 * Return: 0, -EINVAL (not a size), -ERANGE (does not fit in 64 bits).
 */
int cdmctl_parse_size_arg(const char *s, uint64_t *ret)
{
        /* parse_size() tolerates blanks around the number; an argument with them is a typo. */
        if (!s || *s == 0 || *s == ' ' || *s == '\t' || *s == '\n' || s[strlen(s) - 1] == ' ' ||
            s[strlen(s) - 1] == '\n' || s[strlen(s) - 1] == '\t')
                return -EINVAL;
        return parse_size(s, ret);
}

/**
 * cdmctl_job_id_valid() - whether @id is a job id: 1–64 characters of [A-Za-z0-9_.:-].
 * @id: the string.
 * Return: true when valid.
 */
bool cdmctl_job_id_valid(const char *id)
{
        size_t n = id ? strlen(id) : 0;

        if (n == 0 || n > 64)
                return false;
        return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-") == n;
}

/**
 * cdmctl_exit_status() - classify a failed bus call into cdmctl's exit status.
 * @error_name: the D-Bus error name of the reply, or NULL when there was none.
 * @r: the negative errno of the failure.
 *
 * No bus, no owner of org.cdmd.cdmd1 or no answer from it is "not reachable" (3); any other
 * named error came from the daemon (or the bus policy in its name) and is a failure (1).
 * Return: CDMCTL_EXIT_FAILURE or CDMCTL_EXIT_UNREACHABLE.
 */
int cdmctl_exit_status(const char *error_name, int r)
{
        static const char *const unreachable[] = {
                "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
                "org.freedesktop.DBus.Error.NoServer",       "org.freedesktop.DBus.Error.Disconnected",
                "org.freedesktop.DBus.Error.NoReply",        "org.freedesktop.DBus.Error.Timeout",
                "org.freedesktop.DBus.Error.TimedOut",
        };

        if (error_name) {
                for (size_t i = 0; i < ARRAY_SIZE(unreachable); i++)
                        if (streq(error_name, unreachable[i]))
                                return CDMCTL_EXIT_UNREACHABLE;
                if (strncmp(error_name, "org.freedesktop.DBus.Error.Spawn.", 33) == 0)
                        return CDMCTL_EXIT_UNREACHABLE; /* bus activation failed */
                return CDMCTL_EXIT_FAILURE;
        }
        switch (r) {
        case -ENOENT: /* no socket */
        case -ECONNREFUSED:
        case -ECONNRESET:
        case -ENOTCONN:
        case -EPIPE:
        case -ETIMEDOUT:
        case -EHOSTDOWN:
        case -ESHUTDOWN:
        case -EACCES: /* socket not ours to open */
                return CDMCTL_EXIT_UNREACHABLE;
        default:
                return CDMCTL_EXIT_FAILURE;
        }
}
