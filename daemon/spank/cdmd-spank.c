/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cdmd_spank.so: Slurm's side of cdmd, through cdmd's public D-Bus API only.
 *
 * Options (sbatch, salloc, srun, "#SBATCH"):
 *   --cdm-mem=SIZE[:DEVICE]           grant the job SIZE of a device's memory on each node
 *   --cdm-policy=manual|device-first  the grant's policy
 * Plugin arguments (plugstack.conf): default_device=NAME default_policy=POLICY.
 *
 * In slurmstepd, every step calls SyncCGroup(step cgroup) in slurm_spank_task_post_fork():
 * after Slurm's task/cgroup wrote cpuset.mems (task_g_pre_setuid) and before the tasks are
 * let go to exec, so no task runs a single instruction before cdmd fenced (or opened) its
 * step. A step that carries --cdm-mem first calls Grant(slurm-<jobid>, job cgroup, ...);
 * JobExists from an earlier step is fine. Both cgroups come from slurmstepd's own
 * /proc/self/cgroup. A refusal, or a cdmd out of reach, fails the step with cdmd's message
 * (slurmstepd copies errors to the step's stderr by then); Slurm ignores the failure only
 * when the plugin is "optional" in plugstack.conf. The grant is revoked when the batch,
 * interactive or extern step ends, and in the job epilog in any case.
 *
 * slurmstepd runs one step: the little state below lives for one step, is reset by
 * slurm_spank_init(), and each call opens its own bus connection.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <slurm/slurm.h>
#include <slurm/spank.h>
#include <systemd/sd-bus.h>

#include "spank-parse.h"

SPANK_PLUGIN(cdmd, 1);

#define CDMD_BUS_NAME "org.cdmd.cdmd1"
#define CDMD_PATH "/org/cdmd/cdmd1"
#define CDMD_MANAGER "org.cdmd.cdmd1.Manager"
#define CDMD_ERROR(name) "org.cdmd.cdmd1.Error." name
#define CALL_TIMEOUT_USEC (5 * UINT64_C(1000000))
#define POLICY_MAX 16

static struct {
        bool have_mem;
        cdm_spank_mem mem;
        char policy[POLICY_MAX];                        /* --cdm-policy, or "" */
        char default_device[CDM_SPANK_NAME_MAX + 1];    /* plugin arguments, or "" */
        char default_policy[POLICY_MAX];
        bool step_done;                                 /* post_fork runs once per task */
} st;

static int opt_mem(int val, const char *arg, int remote)
{
        const char *why = NULL;

        if (cdm_spank_parse_mem(arg, &st.mem, &why) < 0) {
                slurm_error("cdmd: --cdm-mem=%s: %s", arg ?: "", why);
                return -1;
        }
        st.have_mem = true;
        return 0;
}

static int opt_policy(int val, const char *arg, int remote)
{
        if (!cdm_spank_valid_policy(arg)) {
                slurm_error("cdmd: --cdm-policy=%s: the policy is manual or device-first", arg ?: "");
                return -1;
        }
        snprintf(st.policy, sizeof(st.policy), "%s", arg);
        return 0;
}

static struct spank_option options[] = {
        { (char *) "cdm-mem", (char *) "SIZE[:DEVICE]",
          (char *) "Grant the job SIZE (K, M, G, T: powers of 1024) of coherent device memory "
                   "on each node, of DEVICE or the site's default device (cdmd)",
          1, 0, opt_mem },
        { (char *) "cdm-policy", (char *) "manual|device-first",
          (char *) "Placement policy of the --cdm-mem grant: manual (default) or device-first "
                   "(cdmd moves the job's memory onto the device up to the quota)",
          1, 0, opt_policy },
};

static int parse_args(int ac, char **av)
{
        for (int i = 0; i < ac; i++) {
                const char *a = av[i];

                if (strncmp(a, "default_device=", 15) == 0 && cdm_spank_valid_name(a + 15)) {
                        snprintf(st.default_device, sizeof(st.default_device), "%s", a + 15);
                } else if (strncmp(a, "default_policy=", 15) == 0 && cdm_spank_valid_policy(a + 15)) {
                        snprintf(st.default_policy, sizeof(st.default_policy), "%s", a + 15);
                } else {
                        slurm_error("cdmd: plugstack.conf: bad argument '%s' of cdmd_spank.so "
                                    "(known: default_device=NAME, default_policy=manual|device-first)", a);
                        return -1;
                }
        }
        return 0;
}

int slurm_spank_init(spank_t sp, int ac, char **av)
{
        spank_context_t ctx = spank_context();

        memset(&st, 0, sizeof(st));
        if (parse_args(ac, av) < 0)
                return -1;
        if (ctx != S_CTX_LOCAL && ctx != S_CTX_ALLOCATOR && ctx != S_CTX_REMOTE)
                return 0;
        for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
                spank_err_t e = spank_option_register(sp, &options[i]);

                if (e != ESPANK_SUCCESS) {
                        slurm_error("cdmd: cannot register --%s: %s", options[i].name, spank_strerror(e));
                        return -1;
                }
        }
        return 0;
}

int slurm_spank_init_post_opt(spank_t sp, int ac, char **av)
{
        if (st.policy[0] && !st.have_mem) {
                slurm_error("cdmd: --cdm-policy=%s needs --cdm-mem=SIZE[:DEVICE]", st.policy);
                return -1;
        }
        return 0;
}

/* ---- helpers ---- */

static uint64_t now_usec(clockid_t clock)
{
        struct timespec ts;

        (void) clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* "256M" for 268435456, else the bytes. */
static const char *format_size(uint64_t bytes, char *buf, size_t size)
{
        static const char units[] = "KMGT";
        int u = -1;

        while (u < 3 && bytes >= 1024 && bytes % 1024 == 0) {
                bytes /= 1024;
                u++;
        }
        if (u < 0)
                snprintf(buf, size, "%" PRIu64 " bytes", bytes);
        else
                snprintf(buf, size, "%" PRIu64 "%c", bytes, units[u]);
        return buf;
}

static const char *step_name(uint32_t stepid, char *buf, size_t size)
{
        if (stepid == SLURM_BATCH_SCRIPT)
                return "batch";
        if (stepid == SLURM_EXTERN_CONT)
                return "extern";
        if (stepid == SLURM_INTERACTIVE_STEP)
                return "interactive";
        snprintf(buf, size, "%" PRIu32, stepid);
        return buf;
}

static bool unreachable(const sd_bus_error *e, int r)
{
        return sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_TIMEOUT) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_DISCONNECTED) ||
               (!sd_bus_error_is_set(e) && (r == -ETIMEDOUT || r == -ECONNREFUSED || r == -ENOENT ||
                                            r == -ECONNRESET || r == -ENOTCONN));
}

/* report() - one slurm_error() for a failed call: what was done, and cdmd's reason. */
static int report(const char *what, const sd_bus_error *e, int r)
{
        const char *hint = unreachable(e, r) ? "cdmd is not reachable: " : "";

        if (sd_bus_error_is_set(e))
                slurm_error("cdmd: %s: %s%s (%s)", what, hint, e->message ?: e->name, e->name);
        else
                slurm_error("cdmd: %s: %s%s", what, hint, strerror(-r));
        return -1;
}

static int bus_open(sd_bus **ret, const char *what)
{
        int r = sd_bus_open_system(ret);

        if (r < 0) {
                slurm_error("cdmd: %s: cannot connect to the system bus: %s", what, strerror(-r));
                return -1;
        }
        return 0;
}

/* call() - a method of org.cdmd.cdmd1.Manager, with CALL_TIMEOUT_USEC. */
static int call(sd_bus *bus, const char *method, sd_bus_error *error, sd_bus_message **ret_reply,
                const char *types, ...)
{
        sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, CDMD_BUS_NAME, CDMD_PATH, CDMD_MANAGER, method);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(bus, m, CALL_TIMEOUT_USEC, error, ret_reply);
        sd_bus_message_unref(m);
        return r;
}

/*
 * read_own_cgroups() - the job's and the step's cgroup from /proc/self/cgroup (slurmstepd
 * lives in job_N/step_M/slurm; its tasks below job_N/step_M/user).
 */
static int read_own_cgroups(uint32_t jobid, char *job, char *step)
{
        char text[CDM_SPANK_PATH_MAX + 256], path[CDM_SPANK_PATH_MAX];
        ssize_t n;
        int fd, r;

        fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                slurm_error("cdmd: job %" PRIu32 ": cannot open /proc/self/cgroup: %s", jobid,
                            strerror(errno));
                return -1;
        }
        n = read(fd, text, sizeof(text) - 1);
        r = -errno;
        close(fd);
        if (n < 0 || (size_t) n == sizeof(text) - 1) {
                slurm_error("cdmd: job %" PRIu32 ": cannot read /proc/self/cgroup: %s", jobid,
                            n < 0 ? strerror(-r) : "too long");
                return -1;
        }
        text[n] = 0;
        r = cdm_spank_unified_path(text, path, sizeof(path));
        if (r < 0) {
                slurm_error("cdmd: job %" PRIu32 ": no cgroup v2 path (0::) in /proc/self/cgroup: %s",
                            jobid, strerror(-r));
                return -1;
        }
        r = cdm_spank_split_cgroup(path, jobid, job, CDM_SPANK_PATH_MAX, step, CDM_SPANK_PATH_MAX);
        if (r < 0) {
                slurm_error("cdmd: job %" PRIu32 ": slurmstepd's cgroup %s is not in a step of this job "
                            "(needs CgroupPlugin=cgroup/v2 and ProctrackType=proctrack/cgroup): %s",
                            jobid, path, r == -ESRCH ? "another job's" : strerror(-r));
                return -1;
        }
        return 0;
}

/* Microseconds since this process started (/proc/self/stat, field 22), or 0. */
static uint64_t process_age_usec(void)
{
        char buf[1024], *p;
        unsigned long long start = 0;
        long hz = sysconf(_SC_CLK_TCK);
        ssize_t n;
        int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0 || hz <= 0)
                return 0;
        buf[n] = 0;
        p = strrchr(buf, ')');
        /* After "pid (comm)": state is field 3, starttime field 22. */
        if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
                                "%*d %*d %llu", &start) != 1)
                return 0;
        return now_usec(CLOCK_BOOTTIME) - start * (1000000 / (uint64_t) hz);
}

/* The device of the grant: the option's, the plugin's default, or cdmd's only device. */
static int pick_device(sd_bus *bus, uint32_t jobid, char *ret, size_t size)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        unsigned count = 0;
        char what[128];
        int r;

        if (st.mem.device[0] || st.default_device[0]) {
                snprintf(ret, size, "%s", st.mem.device[0] ? st.mem.device : st.default_device);
                return 0;
        }
        snprintf(what, sizeof(what), "job %" PRIu32 ": cannot list cdmd's devices", jobid);
        r = call(bus, "ListDevices", &error, &reply, NULL);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(sossautt)");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "sossautt")) > 0) {
                const char *name;

                r = sd_bus_message_read(reply, "s", &name);
                if (r >= 0 && count++ == 0)
                        snprintf(ret, size, "%s", name);
                if (r >= 0)
                        r = sd_bus_message_skip(reply, "ossautt");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r < 0)
                r = report(what, &error, r);
        else if (count != 1) {
                slurm_error("cdmd: job %" PRIu32 ": --cdm-mem names no device and cdmd has %u; "
                            "use --cdm-mem=SIZE:DEVICE (cdmctl devices) or default_device= in plugstack.conf",
                            jobid, count);
                r = -1;
        }
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        return r < 0 ? -1 : 0;
}

static int grant(sd_bus *bus, uint32_t jobid, const char *cgroup)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char id[32], device[CDM_SPANK_NAME_MAX + 1], size[32], what[CDM_SPANK_PATH_MAX + 256];
        const char *policy = st.policy[0] ? st.policy : st.default_policy[0] ? st.default_policy : "manual";
        uint64_t t0;
        int r;

        if (pick_device(bus, jobid, device, sizeof(device)) < 0)
                return -1;
        snprintf(id, sizeof(id), "slurm-%" PRIu32, jobid);
        format_size(st.mem.bytes, size, sizeof(size));
        t0 = now_usec(CLOCK_MONOTONIC);
        r = call(bus, "Grant", &error, NULL, "sssts", id, cgroup, device, st.mem.bytes, policy);
        if (r >= 0) {
                slurm_info("cdmd: granted %s: %s of %s to %s, policy %s, in %" PRIu64 " us", id, size,
                           device, cgroup, policy, now_usec(CLOCK_MONOTONIC) - t0);
        } else if (sd_bus_error_has_name(&error, CDMD_ERROR("JobExists"))) {
                slurm_verbose("cdmd: %s is granted already (an earlier step): %s", id, error.message);
                r = 0;
        } else {
                snprintf(what, sizeof(what), "job %" PRIu32 ": cannot grant %s of device %s (--cdm-mem)",
                         jobid, size, device);
                r = report(what, &error, r);
        }
        sd_bus_error_free(&error);
        return r < 0 ? -1 : 0;
}

static int sync_step(sd_bus *bus, uint32_t jobid, const char *step, const char *cgroup)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char what[CDM_SPANK_PATH_MAX + 256];
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);
        int r;

        r = call(bus, "SyncCGroup", &error, NULL, "s", cgroup);
        if (r >= 0) {
                uint64_t t1 = now_usec(CLOCK_MONOTONIC);

                slurm_info("cdmd: step %s of job %" PRIu32 ": SyncCGroup %s in %" PRIu64
                           " us, %" PRIu64 " us after slurmstepd started", step, jobid, cgroup, t1 - t0,
                           process_age_usec());
        } else {
                snprintf(what, sizeof(what),
                         "step %s of job %" PRIu32 ": cannot have %s fenced or opened, so the step does not start",
                         step, jobid, cgroup);
                r = report(what, &error, r);
        }
        sd_bus_error_free(&error);
        return r < 0 ? -1 : 0;
}

/* step_start() - Grant (with --cdm-mem), then SyncCGroup of the step; before any exec. */
static int step_start(spank_t sp)
{
        char job[CDM_SPANK_PATH_MAX], cg[CDM_SPANK_PATH_MAX], buf[16], what[64];
        uint32_t jobid, stepid;
        const char *step;
        sd_bus *bus = NULL;
        int r;

        if (spank_get_item(sp, S_JOB_ID, &jobid) != ESPANK_SUCCESS ||
            spank_get_item(sp, S_JOB_STEPID, &stepid) != ESPANK_SUCCESS) {
                slurm_error("cdmd: cannot get the job and step id from Slurm");
                return -1;
        }
        step = step_name(stepid, buf, sizeof(buf));
        if (read_own_cgroups(jobid, job, cg) < 0)
                return -1;
        snprintf(what, sizeof(what), "step %s of job %" PRIu32, step, jobid);
        if (bus_open(&bus, what) < 0)
                return -1;
        r = st.have_mem ? grant(bus, jobid, job) : 0;
        if (r >= 0)
                r = sync_step(bus, jobid, step, cg);
        sd_bus_flush_close_unref(bus);
        return r;
}

/*
 * A failed hook fails the step's launch. For an srun step that is what the user sees; for
 * the batch step Slurm also drains the node ("batch job complete failure"), so one job
 * asking for too much would take the node from everyone. There the task, forked and not yet
 * exec'd, is killed instead: the job fails, with cdmd's reason on its stderr, and the node
 * stays up.
 */
int slurm_spank_task_post_fork(spank_t sp, int ac, char **av)
{
        uint32_t stepid;
        pid_t pid;

        if (!spank_remote(sp) || st.step_done)
                return 0;
        st.step_done = true;
        if (step_start(sp) >= 0)
                return 0;
        if (spank_get_item(sp, S_JOB_STEPID, &stepid) != ESPANK_SUCCESS || stepid != SLURM_BATCH_SCRIPT ||
            spank_get_item(sp, S_TASK_PID, &pid) != ESPANK_SUCCESS || pid <= 0)
                return -1;
        if (kill(pid, SIGKILL) < 0) {
                slurm_error("cdmd: cannot stop the batch script (pid %d): %s", (int) pid, strerror(errno));
                return -1;
        }
        return 0;
}

/* revoke_job() - Revoke(slurm-<jobid>); NoSuchJob (never granted, or revoked) is fine. */
static int revoke_job(uint32_t jobid, const char *when, bool quiet_unreachable)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char id[32], what[96];
        sd_bus *bus = NULL;
        int r;

        snprintf(id, sizeof(id), "slurm-%" PRIu32, jobid);
        snprintf(what, sizeof(what), "%s: cannot revoke %s", when, id);
        if (bus_open(&bus, what) < 0)
                return quiet_unreachable ? 0 : -1;
        r = call(bus, "Revoke", &error, NULL, "s", id);
        if (r >= 0)
                slurm_info("cdmd: %s: revoked %s", when, id);
        else if (sd_bus_error_has_name(&error, CDMD_ERROR("NoSuchJob")))
                r = 0;
        else if (quiet_unreachable && unreachable(&error, r)) {
                slurm_verbose("cdmd: %s: cdmd is not reachable to revoke %s (the job asked for no grant)",
                              when, id);
                r = 0;
        } else
                r = report(what, &error, r);
        sd_bus_error_free(&error);
        sd_bus_flush_close_unref(bus);
        return r < 0 ? -1 : 0;
}

/* The end of the batch, interactive or extern step is the job's end on this node. */
int slurm_spank_exit(spank_t sp, int ac, char **av)
{
        uint32_t jobid, stepid;
        char buf[16], when[64];

        if (!spank_remote(sp) || spank_get_item(sp, S_JOB_ID, &jobid) != ESPANK_SUCCESS ||
            spank_get_item(sp, S_JOB_STEPID, &stepid) != ESPANK_SUCCESS)
                return 0;
        if (stepid != SLURM_BATCH_SCRIPT && stepid != SLURM_EXTERN_CONT && stepid != SLURM_INTERACTIVE_STEP)
                return 0;
        snprintf(when, sizeof(when), "end of step %s of job %" PRIu32, step_name(stepid, buf, sizeof(buf)), jobid);
        return revoke_job(jobid, when, !st.have_mem);
}

/* The epilog runs on every node of the job, even when slurmstepd died. */
int slurm_spank_job_epilog(spank_t sp, int ac, char **av)
{
        struct spank_option *mem = &options[0];
        char *arg = NULL, when[64];
        uint32_t jobid;

        if (spank_get_item(sp, S_JOB_ID, &jobid) != ESPANK_SUCCESS) {
                slurm_error("cdmd: epilog: cannot get the job id from Slurm");
                return -1;
        }
        snprintf(when, sizeof(when), "epilog of job %" PRIu32, jobid);
        /* A job that asked for no grant does not fail its epilog when cdmd is away. */
        return revoke_job(jobid, when, spank_option_getopt(sp, mem, &arg) != ESPANK_SUCCESS);
}
