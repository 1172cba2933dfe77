/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cdmd-bus-probe: calls that cdmctl, busctl and dbus-send cannot make, for test-security.sh.
 *
 *   cdmd-bus-probe exec-race SOCKET EGID PROGRAM revoke ID
 *   cdmd-bus-probe exec-race SOCKET EGID PROGRAM grant ID CGROUP DEVICE QUOTA
 *
 *     This process connects to the bus at SOCKET (so the bus records its pid), then forks. The
 *     child waits until this process has exec'd PROGRAM (a setgid program: /proc/<pid>/status
 *     then shows effective gid EGID), starts sd-bus on the inherited socket and calls Revoke or
 *     Grant (policy manual). The child prints "ok" or "error NAME: MESSAGE" (or "setup: ..."
 *     when the race could not be set up) and ends PROGRAM with SIGTERM.
 *
 *   cdmd-bus-probe raw-string SOCKET METHOD HEX
 *
 *     A hand-made method call org.cdmd.cdmd1.Manager.METHOD(s) whose string is the bytes HEX,
 *     valid UTF-8 or not (libdbus and sd-bus refuse to send invalid UTF-8). Prints "reply
 *     return", "reply error NAME", or "closed" when the bus dropped the connection; exit 1
 *     when nothing came within 5 s.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

static int usage(void)
{
        fprintf(stderr,
                "usage: cdmd-bus-probe exec-race SOCKET EGID PROGRAM revoke ID\n"
                "       cdmd-bus-probe exec-race SOCKET EGID PROGRAM grant ID CGROUP DEVICE QUOTA\n"
                "       cdmd-bus-probe raw-string SOCKET METHOD HEX\n");
        return 2;
}

static int connect_unix(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        return fd;
}

/* The effective gid of @pid from /proc/<pid>/status ("Gid: real effective saved fs"). */
static long proc_egid(pid_t pid)
{
        char path[64], line[256];
        long real, eff = -1;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "Gid: %ld %ld", &real, &eff) == 2)
                        break;
        fclose(f);
        return eff;
}

static int race_child(int fd, pid_t parent, long egid, char **call)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus *bus = NULL;
        long now;
        int r;

        now = proc_egid(parent);
        if (now != egid) {
                printf("setup: the connecting process %d has effective gid %ld, not %ld\n",
                        (int) parent, now, egid);
                return 3;
        }
        /* sd-bus is born here, on the socket the parent connected. */
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_fd(bus, fd, fd);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                printf("setup: sd-bus on the inherited socket: %s\n", strerror(-r));
                return 3;
        }
        if (strcmp(call[0], "revoke") == 0)
                r = sd_bus_call_method(bus, "org.cdmd.cdmd1", "/org/cdmd/cdmd1",
                        "org.cdmd.cdmd1.Manager", "Revoke", &error, NULL, "s", call[1]);
        else
                r = sd_bus_call_method(bus, "org.cdmd.cdmd1", "/org/cdmd/cdmd1",
                        "org.cdmd.cdmd1.Manager", "Grant", &error, NULL, "sssts", call[1], call[2],
                        call[3], (uint64_t) strtoull(call[4], NULL, 10), "manual");
        if (r < 0)
                printf("error %s: %s\n", error.name ?: "(none)", error.message ?: strerror(-r));
        else
                printf("ok\n");
        fflush(stdout);
        sd_bus_error_free(&error);
        sd_bus_flush_close_unref(bus);
        return r < 0 ? 1 : 0;
}

static int exec_race(int argc, char **argv)
{
        int fd, pipefd[2], r;
        long egid;
        pid_t parent = getpid(), pid;
        char buf;

        if (argc < 6 ||
                (strcmp(argv[5], "revoke") == 0 ? argc != 7
                                                : strcmp(argv[5], "grant") != 0 || argc != 10))
                return usage();
        egid = strtol(argv[3], NULL, 10);
        fd = connect_unix(argv[2]);
        if (fd < 0) {
                printf("setup: cannot connect to %s: %s\n", argv[2], strerror(-fd));
                return 3;
        }
        /* The write end closes when the parent execs (or dies): the child's read returns then. */
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return 3;
        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return 3;
        if (pid == 0) {
                close(pipefd[1]);
                while ((r = (int) read(pipefd[0], &buf, 1)) < 0 && errno == EINTR)
                        ;
                r = race_child(fd, parent, egid, argv + 5);
                (void) kill(parent, SIGTERM);
                _exit(r);
        }
        close(pipefd[0]);
        execl(argv[4], argv[4], "30", (char *) NULL);
        printf("setup: cannot exec %s: %s\n", argv[4], strerror(errno));
        return 3;
}

/* --- raw-string: a message marshalled by hand (little endian, protocol version 1) --- */

typedef struct {
        unsigned char b[70000];
        size_t n;
} Buf;

static void pad(Buf *m, size_t a)
{
        while (m->n % a)
                m->b[m->n++] = 0;
}

static void put_u32(Buf *m, uint32_t v)
{
        pad(m, 4);
        memcpy(m->b + m->n, &v, 4);
        m->n += 4;
}

static void put_str(Buf *m, const void *s, size_t len)
{
        put_u32(m, (uint32_t) len);
        memcpy(m->b + m->n, s, len);
        m->n += len;
        m->b[m->n++] = 0;
}

/* A header field: code, signature of one type, value. */
static void put_field(Buf *m, unsigned char code, char type, const char *value)
{
        pad(m, 8);
        m->b[m->n++] = code;
        m->b[m->n++] = 1;
        m->b[m->n++] = (unsigned char) type;
        m->b[m->n++] = 0;
        if (type == 'g') {
                m->b[m->n++] = (unsigned char) strlen(value);
                memcpy(m->b + m->n, value, strlen(value) + 1);
                m->n += strlen(value) + 1;
        } else
                put_str(m, value, strlen(value));
}

static void build_call(Buf *m, uint32_t serial, const char *path, const char *iface,
        const char *member, const char *dest, const unsigned char *arg, size_t arg_len,
        bool has_arg)
{
        Buf body = {.n = 0};
        uint32_t fields_len;

        if (has_arg)
                put_str(&body, arg, arg_len);
        m->n = 0;
        m->b[m->n++] = 'l';
        m->b[m->n++] = 1; /* method call */
        m->b[m->n++] = 0;
        m->b[m->n++] = 1;
        put_u32(m, (uint32_t) body.n);
        put_u32(m, serial);
        put_u32(m, 0); /* fields length, set below */
        put_field(m, 1, 'o', path);
        put_field(m, 2, 's', iface);
        put_field(m, 3, 's', member);
        put_field(m, 6, 's', dest);
        if (has_arg)
                put_field(m, 8, 'g', "s");
        fields_len = (uint32_t) (m->n - 16);
        memcpy(m->b + 12, &fields_len, 4);
        pad(m, 8);
        memcpy(m->b + m->n, body.b, body.n);
        m->n += body.n;
}

static int write_all(int fd, const void *p, size_t n)
{
        for (const char *c = p; n > 0;) {
                ssize_t k = write(fd, c, n);

                if (k < 0)
                        return -errno;
                c += k;
                n -= (size_t) k;
        }
        return 0;
}

/* Read exactly @n bytes within the deadline: 1 done, 0 the peer closed, -ETIMEDOUT. */
static int read_all(int fd, void *p, size_t n, time_t deadline)
{
        for (char *c = p; n > 0;) {
                struct pollfd pfd = {.fd = fd, .events = POLLIN};
                ssize_t k;

                if (time(NULL) > deadline || poll(&pfd, 1, 500) < 0)
                        return -ETIMEDOUT;
                if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
                        continue;
                k = read(fd, c, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return 0;
                c += k;
                n -= (size_t) k;
        }
        return 1;
}

/* Read messages until the reply to @serial: print it and return 0; 1 when closed; -ETIMEDOUT. */
static int wait_reply(int fd, uint32_t serial, time_t deadline, bool print)
{
        static unsigned char msg[1 << 20];

        for (;;) {
                uint32_t body_len, fields_len, reply_serial = 0;
                const char *error_name = NULL;
                size_t total;
                int r;

                r = read_all(fd, msg, 16, deadline);
                if (r <= 0)
                        return r < 0 ? r : 1;
                memcpy(&body_len, msg + 4, 4);
                memcpy(&fields_len, msg + 12, 4);
                total = 16 + fields_len;
                total = (total + 7) / 8 * 8 + body_len;
                if (msg[0] != 'l' || total > sizeof(msg))
                        return 1;
                r = read_all(fd, msg + 16, total - 16, deadline);
                if (r <= 0)
                        return r < 0 ? r : 1;
                for (size_t o = 16; o < 16 + fields_len;) {
                        unsigned char code = msg[o], siglen = msg[o + 1];
                        char type = (char) msg[o + 2];
                        size_t v = o + 3 + siglen;
                        uint32_t len;

                        if (type == 'u' || type == 's' || type == 'o') {
                                v = (v + 3) / 4 * 4;
                                memcpy(&len, msg + v, 4);
                                if (code == 5)
                                        reply_serial = len;
                                if (code == 4)
                                        error_name = (const char *) msg + v + 4;
                                v += 4 + (type == 'u' ? 0 : len + 1);
                        } else if (type == 'g')
                                v += 1 + msg[v] + 1;
                        else
                                return 1;
                        o = (v + 7) / 8 * 8;
                }
                if ((msg[1] == 2 || msg[1] == 3) && reply_serial == serial) {
                        if (print && msg[1] == 2)
                                printf("reply return\n");
                        else if (print)
                                printf("reply error %s\n", error_name ?: "(none)");
                        return 0;
                }
        }
}

static int hexval(char c)
{
        return c >= '0' && c <= '9'   ? c - '0'
               : c >= 'a' && c <= 'f' ? c - 'a' + 10
               : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                      : -1;
}

static int raw_string(int argc, char **argv)
{
        static Buf m;
        unsigned char arg[32768];
        char auth[128], line[512];
        size_t arg_len = 0, hex_len;
        time_t deadline = time(NULL) + 5;
        int fd, r;

        if (argc != 5)
                return usage();
        hex_len = strlen(argv[4]);
        if (hex_len % 2 || hex_len / 2 > sizeof(arg))
                return usage();
        for (size_t i = 0; i < hex_len; i += 2) {
                int hi = hexval(argv[4][i]), lo = hexval(argv[4][i + 1]);

                if (hi < 0 || lo < 0)
                        return usage();
                arg[arg_len++] = (unsigned char) (hi * 16 + lo);
        }
        fd = connect_unix(argv[2]);
        if (fd < 0) {
                printf("setup: cannot connect to %s: %s\n", argv[2], strerror(-fd));
                return 3;
        }
        /* SASL EXTERNAL with our uid, written as hex of its decimal digits. */
        {
                char uid[32];
                size_t o = 0;

                snprintf(uid, sizeof(uid), "%u", (unsigned) getuid());
                o += (size_t) snprintf(auth, sizeof(auth), "%cAUTH EXTERNAL ", 0);
                for (const char *p = uid; *p; p++)
                        o += (size_t) snprintf(
                                auth + o, sizeof(auth) - o, "%02x", (unsigned char) *p);
                o += (size_t) snprintf(auth + o, sizeof(auth) - o, "\r\n");
                if (write_all(fd, auth, o) < 0)
                        return 3;
        }
        memset(line, 0, sizeof(line));
        for (size_t i = 0; i + 1 < sizeof(line); i++) {
                if (read_all(fd, line + i, 1, deadline) <= 0)
                        break;
                if (line[i] == '\n')
                        break;
        }
        if (strncmp(line, "OK ", 3) != 0) {
                printf("setup: authentication failed: %s", line);
                return 3;
        }
        if (write_all(fd, "BEGIN\r\n", 7) < 0)
                return 3;
        build_call(&m, 1, "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello",
                "org.freedesktop.DBus", NULL, 0, false);
        if (write_all(fd, m.b, m.n) < 0 || wait_reply(fd, 1, deadline, false) != 0) {
                printf("setup: no reply to Hello\n");
                return 3;
        }
        build_call(&m, 2, "/org/cdmd/cdmd1", "org.cdmd.cdmd1.Manager", argv[3], "org.cdmd.cdmd1",
                arg, arg_len, true);
        r = write_all(fd, m.b, m.n);
        if (r < 0) {
                printf("closed\n");
                return 0;
        }
        r = wait_reply(fd, 2, deadline, true);
        if (r == 1)
                printf("closed\n");
        else if (r < 0)
                printf("no answer within 5 s\n");
        close(fd);
        return r < 0 ? 1 : 0;
}

int main(int argc, char *argv[])
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc >= 2 && strcmp(argv[1], "exec-race") == 0)
                return exec_race(argc, argv);
        if (argc >= 2 && strcmp(argv[1], "raw-string") == 0)
                return raw_string(argc, argv);
        return usage();
}
