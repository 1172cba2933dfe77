/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * cdmctl's command line, without the bus: option parsing, the verb table check, argument
 * validation and the mapping of failures to exit codes. Pure; unit-tested with the output
 * formatting in tests/unit/test-cdmctl-format.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit status of cdmctl: this is the contract scripts rely on (API.md). */
enum {
        CDMCTL_EXIT_SUCCESS = 0,
        CDMCTL_EXIT_FAILURE = 1,     /* the daemon reported a failure */
        CDMCTL_EXIT_USAGE = 2,       /* bad command line */
        CDMCTL_EXIT_UNREACHABLE = 3, /* no bus, or cdmd not on it */
};

/* Verb-specific options; the global ones (--json, --no-legend, --help) are always allowed. */
enum {
        CDMCTL_OPT_CGROUP = 1u << 0,
        CDMCTL_OPT_DEVICE = 1u << 1,
        CDMCTL_OPT_SIZE = 1u << 2,
        CDMCTL_OPT_POLICY = 1u << 3,
        CDMCTL_OPT_TO = 1u << 4,
        CDMCTL_OPT_REASON = 1u << 5,
        CDMCTL_OPT_NO_WAIT = 1u << 6,
};

/* The parsed command line. Strings point into argv; @positional is owned. */
typedef struct cdmctl_args {
        bool help;
        bool version;
        bool json;
        bool legend;
        bool no_wait;
        const char *cgroup;
        const char *device;
        const char *size;
        const char *policy;
        const char *to;
        const char *reason;
        unsigned options; /* CDMCTL_OPT_* given */
        char **positional; /* verb and its arguments, NULL-terminated */
        size_t n_positional;
} cdmctl_args;

void cdmctl_args_done(cdmctl_args *a);
int cdmctl_parse_args(int argc, char *const *argv, cdmctl_args *ret, char **ret_error);

typedef int (*cdmctl_verb_fn)(void *userdata, const cdmctl_args *args);

typedef struct cdmctl_verb {
        const char *name;
        unsigned min_args; /* positional arguments after the verb */
        unsigned max_args;
        unsigned options;  /* CDMCTL_OPT_* accepted */
        unsigned required; /* CDMCTL_OPT_* mandatory */
        cdmctl_verb_fn run;
        const char *usage; /* "grant ID --cgroup PATH ..." */
} cdmctl_verb;

int cdmctl_verb_find(const cdmctl_verb *verbs, size_t n, const cdmctl_args *args,
                     const cdmctl_verb **ret, char **ret_error);

int cdmctl_parse_size_arg(const char *s, uint64_t *ret);
bool cdmctl_job_id_valid(const char *id);
int cdmctl_exit_status(const char *error_name, int r);
