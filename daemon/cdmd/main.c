/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cdmd: keeps ordinary memory off coherent device memory.
 * main() parses the command line into arg_* statics and calls run(); run() returns the exit
 * status. One cycle is collect (topology-fs) → decide (layout, plan) → apply.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-ini.h"
#include "log.h"
#include "bus-introspect.h"
#include "manager-bus.h"
#include "manager-loop.h"
#include "manager.h"
#include "report.h"

#define DEFAULT_CONFIG CDM_SYSCONFDIR "/cdmd/cdmd.conf"

static const char *arg_config = NULL;
static const char *arg_root = NULL;
static bool arg_oneshot = false;
static bool arg_dry_run = false;
static bool arg_json = false;
static bool arg_check_config = false;
static bool arg_dump_config = false;
static bool arg_restore = false;
static bool arg_bus_introspect = false;
static bool arg_no_bus = false;

static void help(void)
{
        printf("Usage: cdmd [OPTIONS]\n\n"
               "Keep ordinary memory off coherent device memory (GPU HBM, CXL memory).\n\n"
               "  -c --config FILE   configuration file (default " DEFAULT_CONFIG ",\n"
               "                     drop-ins from FILE.d/*.conf)\n"
               "  -r --root DIR      read and write DIR/sys, DIR/proc, DIR/sys/fs/cgroup\n"
               "     --oneshot       run one collect, decide, apply cycle and exit\n"
               "     --dry-run       change nothing, show what would be done\n"
               "     --json          print the result as one JSON document\n"
               "     --check-config  validate the configuration and exit\n"
               "     --dump-config   print the effective configuration and exit\n"
               "     --restore       put back every kernel setting cdmd changed, and exit\n"
               "     --bus-introspect  print the D-Bus introspection XML and exit\n"
               "     --no-bus        run without the D-Bus API\n"
               "  -v --verbose       log debug messages\n"
               "  -h --help          show this help\n"
               "     --version       show the version\n");
}

enum {
        ARG_ONESHOT = 0x100,
        ARG_DRY_RUN,
        ARG_JSON,
        ARG_CHECK_CONFIG,
        ARG_DUMP_CONFIG,
        ARG_VERSION,
        ARG_RESTORE,
        ARG_BUS_INTROSPECT,
        ARG_NO_BUS,
};

/* Return: 1 to go on, 0 to exit successfully (help), negative for a usage error. */
static int parse_argv(int argc, char *argv[])
{
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "root", required_argument, NULL, 'r' },
                { "oneshot", no_argument, NULL, ARG_ONESHOT },
                { "dry-run", no_argument, NULL, ARG_DRY_RUN },
                { "json", no_argument, NULL, ARG_JSON },
                { "check-config", no_argument, NULL, ARG_CHECK_CONFIG },
                { "dump-config", no_argument, NULL, ARG_DUMP_CONFIG },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "restore", no_argument, NULL, ARG_RESTORE },
                { "bus-introspect", no_argument, NULL, ARG_BUS_INTROSPECT },
                { "no-bus", no_argument, NULL, ARG_NO_BUS },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "c:r:vh", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        arg_config = optarg;
                        break;
                case 'r':
                        arg_root = optarg;
                        break;
                case ARG_ONESHOT:
                        arg_oneshot = true;
                        break;
                case ARG_DRY_RUN:
                        arg_dry_run = true;
                        break;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case ARG_CHECK_CONFIG:
                        arg_check_config = true;
                        break;
                case ARG_DUMP_CONFIG:
                        arg_dump_config = true;
                        break;
                case ARG_RESTORE:
                        arg_restore = true;
                        break;
                case ARG_BUS_INTROSPECT:
                        arg_bus_introspect = true;
                        break;
                case ARG_NO_BUS:
                        arg_no_bus = true;
                        break;
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("cdmd " CDM_VERSION "\n");
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                log_error("Unexpected argument '%s'.", argv[optind]);
                return -EINVAL;
        }
        if (arg_json && !arg_oneshot) {
                log_error("--json needs --oneshot.");
                return -EINVAL;
        }
        return 1;
}

static int load_config(cdm_config **ret)
{
        _cleanup_free_ char *errors = NULL;
        const char *path = arg_config ?: DEFAULT_CONFIG;
        int r;

        r = cdm_config_load(path, /* must_exist= */ arg_config != NULL, ret, &errors);
        if (r == -EINVAL) {
                fputs(errors ?: "", stderr);
                return log_error_errno(r, "Configuration '%s' is invalid.", path);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to load configuration '%s': %m", path);
        return 0;
}

static int run_oneshot(Manager *m)
{
        _cleanup_free_ char *out = NULL;
        int r;

        r = manager_cycle(m);
        if (r < 0)
                return r;
        out = arg_json ? cdm_report_json(m->topo, m->layout, &m->plan, &m->audit, &m->moves)
                       : cdm_report_text(m->topo, m->layout, &m->plan, &m->audit, &m->moves);
        if (!out)
                return log_error_errno(-ENOMEM, "Out of memory.");
        fputs(out, stdout);
        return m->plan_failures ? -EIO : 0;
}

static int run(int argc, char *argv[])
{
        _cleanup_(cdm_config_freep) cdm_config *config = NULL;
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (arg_bus_introspect)
                return bus_introspect() < 0 ? 1 : 0;

        r = load_config(&config);
        if (r < 0)
                return 1;
        if (arg_check_config) {
                printf("Configuration OK.\n");
                return 0;
        }
        if (arg_dump_config) {
                _cleanup_free_ char *s = cdm_config_dump(config);
                fputs(s ?: "", stdout);
                return s ? 0 : 1;
        }
        r = manager_new(arg_root, TAKE_PTR(config), arg_dry_run, &m);
        if (r < 0)
                return 1;
        m->config_path = (char *) (arg_config ?: DEFAULT_CONFIG);
        if (arg_restore)
                return manager_restore(m) < 0 ? 1 : 0;
        if (arg_oneshot)
                return run_oneshot(m) < 0 ? 1 : 0;
        m->use_bus = !arg_no_bus;
        return manager_run(m) < 0 ? 1 : 0;
}

int main(int argc, char *argv[])
{
        return run(argc, argv);
}
