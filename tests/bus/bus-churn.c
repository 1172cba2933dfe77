/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cdmd-bus-churn: pipelined Grant, Revoke and SetQuota calls with a log of what cdmd
 * acknowledged, and a check of that log against cdmd after a restart (test-crash-loop.sh).
 *
 *   cdmd-bus-churn run LOG [--ids N] [--window N] [--seed N] [--seconds S]
 *   cdmd-bus-churn check LOG
 *
 * Jobs are c<NNN> (0 <= NNN < --ids, default 256) on cgroup /churn.slice/c<NNN>, device cdm1
 * (--device), policy manual; quotas are multiples of 4 KiB up to 4 MiB.
 *
 * run: writes one line per job cdmd has now ("B ID QUOTA"), then keeps --window calls (default
 * 300) in flight, each written to LOG before it is sent ("S SEQ grant ID QUOTA", "S SEQ revoke
 * ID", "S SEQ quota ID QUOTA") and its reply after it came ("A SEQ ok", "A SEQ err NAME"). The
 * log is line-buffered: a line is in the file before the next call is made. It stops when cdmd
 * is gone from the bus (the test kills it), and then exits 0; after --seconds (default 30)
 * without that, it exits 1.
 *
 * check: replays LOG and compares with ListJobs. cdmd handles the calls of one connection in
 * order. A call with a successful reply happened; one that got an error of cdmd's
 * (org.cdmd.cdmd1.Error.*) changed nothing; one without a reply, or with an error of the bus
 * (NoReply when cdmd died), may have happened or not. Every job must be in a state that this
 * allows: each acknowledged grant whose job was not acknowledged revoked later is there with its
 * last acknowledged quota, each acknowledged revoke's job is gone, there is no job that was
 * never granted. Prints each difference (exit 1) or a summary (exit 0).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#define BUS_NAME "org.cdmd.cdmd1"
#define ROOT_PATH "/org/cdmd/cdmd1"
#define MANAGER_IFACE "org.cdmd.cdmd1.Manager"
#define CDM_ERROR_PREFIX "org.cdmd.cdmd1.Error."
#define MAX_IDS 4096
#define MAX_STATES 64
#define ABSENT UINT64_C(0) /* a quota is never 0 */

typedef enum Op { OP_GRANT, OP_REVOKE, OP_QUOTA } Op;

static const char *const op_names[] = {
        [OP_GRANT] = "grant", [OP_REVOKE] = "revoke", [OP_QUOTA] = "quota"};

static struct {
        unsigned ids;
        uint64_t window, seed;
        double seconds;
        const char *device;
} arg = {.ids = 256, .window = 300, .seed = 1, .seconds = 30, .device = "cdm1"};

static sd_bus *bus;
static FILE *log_file;
static uint64_t rng_state, in_flight, n_ok, n_err, n_gone;
static bool gone;
static uint64_t predicted[MAX_IDS]; /* the quota if every call sent so far succeeds; ABSENT */
static unsigned pending_on[MAX_IDS];

typedef struct Call {
        uint64_t seq;
        unsigned id;
} Call;

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static uint64_t rnd(void)
{
        uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
        return rnd() % n;
}

static int parse_id(const char *s, unsigned *ret)
{
        char *end;
        unsigned long v;

        if (s[0] != 'c' || s[1] < '0' || s[1] > '9')
                return -EINVAL;
        v = strtoul(s + 1, &end, 10);
        if (*end || v >= MAX_IDS || strlen(s) != 4)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

/* Every job cdmd has: fn(id string, quota, cgroup, device, userdata). */
static int list_jobs(
        void (*fn)(const char *, uint64_t, const char *, const char *, void *), void *userdata)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(
                bus, BUS_NAME, ROOT_PATH, MANAGER_IFACE, "ListJobs", &error, &reply, NULL);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(sosstts)");
        while (r >= 0) {
                const char *id, *path, *cgroup, *device, *state;
                uint64_t quota, bytes;

                r = sd_bus_message_read(
                        reply, "(sosstts)", &id, &path, &cgroup, &device, &quota, &bytes, &state);
                if (r <= 0)
                        break;
                fn(id, quota, cgroup, device, userdata);
        }
        sd_bus_message_unref(reply);
        if (r < 0) {
                fprintf(stderr, "cdmd-bus-churn: ListJobs: %s\n", error.message ?: strerror(-r));
                sd_bus_error_free(&error);
        }
        return r;
}

/* --- run --- */

static void base_line(
        const char *id, uint64_t quota, const char *cgroup, const char *device, void *userdata)
{
        unsigned i;

        fprintf(log_file, "B %s %" PRIu64 "\n", id, quota);
        if (parse_id(id, &i) >= 0)
                predicted[i] = quota;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Call *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        in_flight--;
        pending_on[c->id]--;
        if (!e) {
                n_ok++;
                fprintf(log_file, "A %" PRIu64 " ok\n", c->seq);
        } else {
                fprintf(log_file, "A %" PRIu64 " err %s\n", c->seq, e->name);
                if (strncmp(e->name, CDM_ERROR_PREFIX, strlen(CDM_ERROR_PREFIX)) == 0)
                        n_err++;
                else {
                        /* NoReply (cdmd died with the call), ServiceUnknown (it is gone), ... */
                        n_gone++;
                        gone = true;
                }
        }
        return 0; /* c is freed with its slot */
}

static int send_one(uint64_t seq)
{
        sd_bus_message *m = NULL;
        sd_bus_slot *slot = NULL;
        Call *c;
        unsigned i = (unsigned) below(arg.ids);
        uint64_t quota = 4096 * (1 + below(1024));
        char id[16], cgroup[40];
        Op op;
        int r;

        /* Rather an id with no call in flight: then the check knows most. */
        for (unsigned tries = 0; tries < 8 && pending_on[i] > 0; tries++)
                i = (unsigned) below(arg.ids);
        if (predicted[i] == ABSENT)
                op = below(100) < 85 ? OP_GRANT : below(2) ? OP_REVOKE : OP_QUOTA;
        else {
                unsigned k = (unsigned) below(100);

                op = k < 55 ? OP_QUOTA : k < 90 ? OP_REVOKE : OP_GRANT;
        }
        (void) snprintf(id, sizeof(id), "c%03u", i);
        (void) snprintf(cgroup, sizeof(cgroup), "/churn.slice/c%03u", i);
        switch (op) {
        case OP_GRANT:
                r = sd_bus_message_new_method_call(
                        bus, &m, BUS_NAME, ROOT_PATH, MANAGER_IFACE, "Grant");
                if (r >= 0)
                        r = sd_bus_message_append(
                                m, "sssts", id, cgroup, arg.device, quota, "manual");
                if (predicted[i] == ABSENT)
                        predicted[i] = quota;
                fprintf(log_file, "S %" PRIu64 " grant %s %" PRIu64 "\n", seq, id, quota);
                break;
        case OP_REVOKE:
                r = sd_bus_message_new_method_call(
                        bus, &m, BUS_NAME, ROOT_PATH, MANAGER_IFACE, "Revoke");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", id);
                predicted[i] = ABSENT;
                fprintf(log_file, "S %" PRIu64 " revoke %s\n", seq, id);
                break;
        default:
                r = sd_bus_message_new_method_call(
                        bus, &m, BUS_NAME, ROOT_PATH, MANAGER_IFACE, "SetQuota");
                if (r >= 0)
                        r = sd_bus_message_append(m, "st", id, quota);
                if (predicted[i] != ABSENT)
                        predicted[i] = quota;
                fprintf(log_file, "S %" PRIu64 " quota %s %" PRIu64 "\n", seq, id, quota);
        }
        if (r < 0) {
                sd_bus_message_unref(m);
                return r;
        }
        c = malloc(sizeof(Call));
        if (!c) {
                sd_bus_message_unref(m);
                return -ENOMEM;
        }
        *c = (Call){.seq = seq, .id = i};
        /* Long enough for hundreds of calls queued before this one. */
        r = sd_bus_call_async(bus, &slot, m, on_reply, c, 60 * 1000000ULL);
        sd_bus_message_unref(m);
        if (r < 0) {
                free(c);
                return r;
        }
        /* The bus keeps the slot until the reply came (or the bus is freed), then frees c. */
        (void) sd_bus_slot_set_destroy_callback(slot, free);
        (void) sd_bus_slot_set_floating(slot, 1);
        sd_bus_slot_unref(slot);
        in_flight++;
        pending_on[i]++;
        return 0;
}

static int do_run(const char *path)
{
        uint64_t seq = 0, deadline;
        int r;

        log_file = fopen(path, "we");
        if (!log_file) {
                fprintf(stderr, "cdmd-bus-churn: %s: %s\n", path, strerror(errno));
                return 3;
        }
        setvbuf(log_file, NULL, _IOLBF, 0);
        rng_state = arg.seed;
        if (list_jobs(base_line, NULL) < 0)
                return 3;
        deadline = now_usec() + (uint64_t) (arg.seconds * 1e6);
        while ((!gone || in_flight > 0) && now_usec() < deadline) {
                while (!gone && in_flight < arg.window) {
                        r = send_one(seq++);
                        if (r < 0) {
                                fprintf(stderr, "cdmd-bus-churn: cannot send: %s\n", strerror(-r));
                                return 3;
                        }
                }
                r = sd_bus_process(bus, NULL);
                if (r > 0)
                        continue;
                if (r >= 0)
                        r = sd_bus_wait(bus, 100000);
                if (r < 0 && r != -EINTR) {
                        fprintf(stderr, "cdmd-bus-churn: bus: %s\n", strerror(-r));
                        return 3;
                }
        }
        printf("%" PRIu64 " calls sent: %" PRIu64 " acknowledged, %" PRIu64
               " refused by cdmd, %" PRIu64 " without an answer of cdmd, %" PRIu64
               " still in flight\n",
                seq, n_ok, n_err, n_gone, in_flight);
        if (!gone) {
                printf("cdmd was still there after %.0f s\n", arg.seconds);
                return 1;
        }
        return 0;
}

/* --- check --- */

typedef struct States {
        uint64_t v[MAX_STATES];
        size_t n;
        const char *why; /* the last acknowledged call, for the report */
        uint64_t why_seq;
        bool uncertain; /* a call without an answer since */
} States;

static States states[MAX_IDS];

typedef struct Sent {
        Op op;
        unsigned id;
        uint64_t quota;
        char ack[96]; /* "" none, "ok", or the error name */
} Sent;

static void states_add(States *s, uint64_t v)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i] == v)
                        return;
        if (s->n < MAX_STATES)
                s->v[s->n++] = v;
}

/* What a successful call does to one state. */
static uint64_t apply(const Sent *c, uint64_t v)
{
        switch (c->op) {
        case OP_GRANT:
                return v == ABSENT ? c->quota : v;
        case OP_REVOKE:
                return ABSENT;
        default:
                return v == ABSENT ? v : c->quota;
        }
}

/* Keep only the states where @present holds; false if none is left. */
static bool states_filter(States *s, bool present)
{
        size_t k = 0;

        for (size_t i = 0; i < s->n; i++)
                if ((s->v[i] != ABSENT) == present)
                        s->v[k++] = s->v[i];
        s->n = k;
        return k > 0;
}

static void states_print(const States *s, char *buf, size_t size)
{
        size_t k = 0;

        buf[0] = 0;
        for (size_t i = 0; i < s->n && k + 32 < size; i++) {
                if (s->v[i] == ABSENT)
                        k += (size_t) snprintf(buf + k, size - k, "%sabsent", i ? " or " : "");
                else
                        k += (size_t) snprintf(
                                buf + k, size - k, "%squota %" PRIu64, i ? " or " : "", s->v[i]);
        }
}

static unsigned problems;

static void observed(
        const char *id, uint64_t quota, const char *cgroup, const char *device, void *userdata)
{
        uint64_t *seen = userdata;
        char want[64];
        unsigned i;

        if (parse_id(id, &i) < 0 || i >= arg.ids) {
                printf("PHANTOM job %s (quota %" PRIu64
                       ", cgroup %s): not one of the jobs of the test\n",
                        id, quota, cgroup);
                problems++;
                return;
        }
        seen[i] = quota;
        (void) snprintf(want, sizeof(want), "/churn.slice/c%03u", i);
        if (strcmp(cgroup, want) != 0 || strcmp(device, arg.device) != 0) {
                printf("WRONG job %s: cgroup %s on %s, granted as %s on %s\n", id, cgroup, device,
                        want, arg.device);
                problems++;
        }
}

static int do_check(const char *path)
{
        static uint64_t seen[MAX_IDS];
        Sent *calls = NULL;
        size_t n_calls = 0, cap = 0;
        unsigned uncertain = 0, present = 0;
        char line[256];
        FILE *f;

        f = fopen(path, "re");
        if (!f) {
                fprintf(stderr, "cdmd-bus-churn: %s: %s\n", path, strerror(errno));
                return 3;
        }
        for (unsigned i = 0; i < MAX_IDS; i++)
                states[i] = (States){.v = {ABSENT}, .n = 1, .why = "never granted"};
        while (fgets(line, sizeof(line), f)) {
                char kind, what[16], id[64], name[96];
                uint64_t seq, q = 0;
                unsigned i;

                if (line[0] == 'B' && sscanf(line, "B %63s %" SCNu64, id, &q) == 2) {
                        if (parse_id(id, &i) >= 0) {
                                states[i] = (States){
                                        .v = {q}, .n = 1, .why = "there at the start of the round"};
                                states[i].why_seq = UINT64_MAX;
                        }
                } else if (line[0] == 'S' && sscanf(line, "%c %" SCNu64 " %15s %63s %" SCNu64,
                                                     &kind, &seq, what, id, &q) >= 4) {
                        if (parse_id(id, &i) < 0 || seq != n_calls)
                                goto bad;
                        if (n_calls == cap) {
                                Sent *v =
                                        realloc(calls, (cap = cap ? cap * 2 : 1024) * sizeof(Sent));
                                if (!v)
                                        goto bad;
                                calls = v;
                        }
                        calls[n_calls++] = (Sent){.op = what[0] == 'g'   ? OP_GRANT
                                                        : what[0] == 'r' ? OP_REVOKE
                                                                         : OP_QUOTA,
                                .id = i,
                                .quota = q};
                } else if (line[0] == 'A' && sscanf(line, "A %" SCNu64 " %95s", &seq, name) == 2) {
                        if (seq >= n_calls)
                                goto bad;
                        if (strcmp(name, "err") == 0 && sscanf(line, "A %*u err %95s", name) != 1)
                                goto bad;
                        (void) snprintf(calls[seq].ack, sizeof(calls[seq].ack), "%s", name);
                } else if (line[0] != '\n') {
                        /* A line cut by the end of the file cannot be: each is written whole. */
                        goto bad;
                }
        }
        fclose(f);
        f = NULL;

        /* cdmd handled the calls in the order they were sent. */
        for (size_t k = 0; k < n_calls; k++) {
                const Sent *c = &calls[k];
                States *s = &states[c->id];
                bool ok = strcmp(c->ack, "ok") == 0;
                bool refused = strncmp(c->ack, CDM_ERROR_PREFIX, strlen(CDM_ERROR_PREFIX)) == 0;
                const char *err = refused ? c->ack + strlen(CDM_ERROR_PREFIX) : "";
                bool consistent = true;

                if (ok) {
                        consistent = states_filter(s, c->op != OP_GRANT);
                        s->n = 1;
                        s->v[0] = apply(c, c->op == OP_GRANT ? ABSENT : 1);
                        s->why = c->op == OP_GRANT    ? "acknowledged grant"
                                 : c->op == OP_REVOKE ? "acknowledged revoke"
                                                      : "acknowledged quota";
                        s->why_seq = k;
                        s->uncertain = false;
                } else if (refused) {
                        if (strcmp(err, "JobExists") == 0)
                                consistent = states_filter(s, true);
                        else if (strcmp(err, "NoSuchJob") == 0)
                                consistent = states_filter(s, false);
                } else {
                        States t = *s;

                        for (size_t j = 0; j < t.n; j++)
                                states_add(s, apply(c, t.v[j]));
                        s->uncertain = true;
                }
                if (!consistent) {
                        printf("INCONSISTENT c%03u: call #%zu %s got '%s', which no state allowed by the calls before can give\n",
                                c->id, k, op_names[c->op], c->ack);
                        problems++;
                        s->n = 1;
                        s->v[0] = ok ? apply(c, c->op == OP_GRANT ? ABSENT : 1) : ABSENT;
                }
        }

        if (list_jobs(observed, seen) < 0) {
                free(calls);
                return 3;
        }
        for (unsigned i = 0; i < arg.ids; i++) {
                const States *s = &states[i];
                bool fits = false;
                char want[512], at[32] = "";

                for (size_t k = 0; k < s->n; k++)
                        fits = fits || s->v[k] == seen[i];
                uncertain += s->n > 1;
                present += seen[i] != ABSENT;
                if (fits)
                        continue;
                problems++;
                states_print(s, want, sizeof(want));
                if (s->why_seq != UINT64_MAX && strcmp(s->why, "never granted") != 0)
                        (void) snprintf(at, sizeof(at), " #%" PRIu64, s->why_seq);
                if (seen[i] == ABSENT)
                        printf("LOST job c%03u: absent, wanted %s (last: %s%s%s)\n", i, want,
                                s->why, at, s->uncertain ? ", then calls without an answer" : "");
                else if (s->n == 1 && s->v[0] == ABSENT)
                        printf("PHANTOM job c%03u: there with quota %" PRIu64
                               ", wanted absent (last: %s%s%s)\n",
                                i, seen[i], s->why, at,
                                s->uncertain ? ", then calls without an answer" : "");
                else
                        printf("QUOTA job c%03u: quota %" PRIu64 ", wanted %s (last: %s%s%s)\n", i,
                                seen[i], want, s->why, at,
                                s->uncertain ? ", then calls without an answer" : "");
        }
        printf("%zu calls replayed, %u jobs there, %u jobs had a call without an answer that leaves two or more "
               "states possible; %u problem(s)\n",
                n_calls, present, uncertain, problems);
        free(calls);
        return problems ? 1 : 0;
bad:
        fprintf(stderr, "cdmd-bus-churn: %s: malformed line: %s", path, line);
        if (f)
                fclose(f);
        free(calls);
        return 3;
}

static int usage(void)
{
        fprintf(stderr,
                "usage: cdmd-bus-churn run LOG [--ids N] [--window N] [--seed N] [--seconds S] [--device NAME]\n"
                "       cdmd-bus-churn check LOG [--ids N] [--device NAME]\n");
        return 2;
}

int main(int argc, char *argv[])
{
        int r;

        if (argc < 3 || (strcmp(argv[1], "run") != 0 && strcmp(argv[1], "check") != 0))
                return usage();
        for (int i = 3; i < argc; i += 2) {
                if (i + 1 >= argc)
                        return usage();
                if (strcmp(argv[i], "--ids") == 0)
                        arg.ids = (unsigned) strtoul(argv[i + 1], NULL, 0);
                else if (strcmp(argv[i], "--window") == 0)
                        arg.window = strtoull(argv[i + 1], NULL, 0);
                else if (strcmp(argv[i], "--seed") == 0)
                        arg.seed = strtoull(argv[i + 1], NULL, 0);
                else if (strcmp(argv[i], "--seconds") == 0)
                        arg.seconds = strtod(argv[i + 1], NULL);
                else if (strcmp(argv[i], "--device") == 0)
                        arg.device = argv[i + 1];
                else
                        return usage();
        }
        if (arg.ids == 0 || arg.ids > 1000 || arg.window == 0)
                return usage();
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "cdmd-bus-churn: cannot connect to the system bus: %s\n",
                        strerror(-r));
                return 3;
        }
        r = argv[1][0] == 'r' ? do_run(argv[2]) : do_check(argv[2]);
        if (log_file)
                fclose(log_file);
        sd_bus_flush_close_unref(bus);
        return r;
}
