/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cdm-probe: the workload of the VM tests. It allocates anonymous memory, fills it with a
 * pattern it can verify, and reports where the pages are (move_pages(2) queries), so that a
 * test can assert on placement and integrity rather than on time.
 *
 *   cdm-probe fill MB LOG         touch MB in 16 MiB chunks; after each chunk append
 *                                 "chunk K nodes 0=P0 1=P1 ..." (pages of that chunk) to LOG
 *   cdm-probe hold MB [NODE [KIND]]  allocate MB (first bound to NODE, then the policy is
 *                                 reset to default so the pages merely sit there), fill, print
 *                                 "ready"; on SIGUSR1 print "nodes ... checksum ok|BAD";
 *                                 exit on SIGTERM. KIND: anon (default), shm (a shared memfd
 *                                 mapping: shmem), thp (madvise(MADV_HUGEPAGE), 2 MiB aligned),
 *                                 mlock (anon, locked)
 *   cdm-probe move MB NODE        allocate MB, then move_pages() it all to NODE; exit 0 when
 *                                 every page is there, 13 when the call fails with EACCES,
 *                                 1 otherwise
 *   cdm-probe bind MB NODE        mbind(MPOL_BIND) MB to NODE and touch it; exit 0 when
 *                                 every page is on NODE
 *   cdm-probe cache MB NODE FILE  write MB to FILE (on a tmpfs: shmem) under set_mempolicy
 *                                 (MPOL_BIND, NODE) with write(2), no mapping, and exit: the
 *                                 pages stay, charged to the cgroup, mapped by no process;
 *                                 exit 0 when every write succeeded
 *   cdm-probe poison NODE         one page on NODE, then madvise(MADV_HWPOISON) on it (root):
 *                                 the kernel's memory_failure() as for a hardware error; exit
 *                                 0 when the page was on NODE and the call succeeded
 *   cdm-probe spill MB            allocate 2 MiB chunks until MB of them landed off node 0
 *                                 (node 0 ran short: the kernel spilled), free the chunks on
 *                                 node 0 so that the pressure ends, print "ready", and hold
 *                                 the rest like hold (SIGUSR1: "nodes ... checksum ...")
 *   cdm-probe tier HOT COLD       allocate and fill two regions of HOT and COLD MB, print
 *                                 "ready", then read every page of the hot one in a loop; on
 *                                 SIGUSR1 print "hot0=P hot1=P ... cold0=P cold1=P ..." (pages
 *                                 per node) and "passes=N pass_us=T" (hot passes since the
 *                                 last report and their mean time); on SIGUSR2 the two swap
 *                                 roles; exit on SIGTERM
 *   cdm-probe pin FILE            splice the start of FILE into a pipe of 1 MiB that nobody
 *                                 reads: the pipe holds a reference to those page cache pages,
 *                                 which then cannot migrate; print "pinned N bytes", hold
 *                                 until SIGTERM
 */

#include <errno.h>
#include <fcntl.h>
#include <numaif.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_NODES 64

static long page_size;

static void *map(size_t bytes)
{
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED) {
                perror("mmap");
                exit(1);
        }
        return p;
}

static void fill(unsigned char *p, size_t bytes, uint64_t seed)
{
        for (size_t off = 0; off < bytes; off += sizeof(uint64_t))
                *(uint64_t *) (p + off) = (off * 0x9e3779b97f4a7c15ULL) ^ seed;
}

static int verify(const unsigned char *p, size_t bytes, uint64_t seed)
{
        for (size_t off = 0; off < bytes; off += sizeof(uint64_t))
                if (*(const uint64_t *) (p + off) != ((off * 0x9e3779b97f4a7c15ULL) ^ seed))
                        return 0;
        return 1;
}

/* Count the pages of [p, p+bytes) per node into counts[]; negative statuses go to counts[MAX_NODES]. */
static void where(void *p, size_t bytes, unsigned long *counts)
{
        size_t n = bytes / (size_t) page_size, batch = 4096;
        void **pages = malloc(batch * sizeof(void *));
        int *status = malloc(batch * sizeof(int));

        memset(counts, 0, (MAX_NODES + 1) * sizeof(unsigned long));
        for (size_t i = 0; i < n; i += batch) {
                size_t k = n - i < batch ? n - i : batch;

                for (size_t j = 0; j < k; j++)
                        pages[j] = (char *) p + (i + j) * (size_t) page_size;
                if (move_pages(0, k, pages, NULL, status, 0) < 0) {
                        perror("move_pages query");
                        exit(1);
                }
                for (size_t j = 0; j < k; j++)
                        counts[status[j] >= 0 && status[j] < MAX_NODES ? status[j] : MAX_NODES]++;
        }
        free(pages);
        free(status);
}

static void print_nodes(FILE *f, const unsigned long *counts)
{
        fprintf(f, "nodes");
        for (int i = 0; i < MAX_NODES; i++)
                if (counts[i])
                        fprintf(f, " %d=%lu", i, counts[i]);
        if (counts[MAX_NODES])
                fprintf(f, " none=%lu", counts[MAX_NODES]);
}

static int cmd_fill(size_t mb, const char *log)
{
        const size_t chunk = 16u << 20;
        unsigned long counts[MAX_NODES + 1];
        size_t bytes = mb << 20;
        unsigned char *p = map(bytes);

        for (size_t off = 0, k = 0; off < bytes; off += chunk, k++) {
                size_t len = bytes - off < chunk ? bytes - off : chunk;
                FILE *f;

                fill(p + off, len, 42);
                where(p + off, len, counts);
                f = fopen(log, "ae");
                if (!f)
                        return 1;
                fprintf(f, "chunk %zu ", k);
                print_nodes(f, counts);
                fputc('\n', f);
                fclose(f);
        }
        return 0;
}

static volatile sig_atomic_t got_usr1, got_usr2, got_term;

static void on_signal(int sig)
{
        if (sig == SIGUSR1)
                got_usr1 = 1;
        else if (sig == SIGUSR2)
                got_usr2 = 1;
        else
                got_term = 1;
}

static void print_named(const char *name, const unsigned long *counts)
{
        for (int i = 0; i < MAX_NODES; i++)
                if (counts[i])
                        printf(" %s%d=%lu", name, i, counts[i]);
}

/* Where the hot loop's reads go, so that they are not optimised away. */
static volatile uint64_t tier_sink;

static int cmd_tier(size_t hot_mb, size_t cold_mb)
{
        unsigned long counts[MAX_NODES + 1];
        size_t bytes[2] = { hot_mb << 20, cold_mb << 20 };
        unsigned char *p[2] = { map(bytes[0]), map(bytes[1]) };
        struct sigaction sa = { .sa_handler = on_signal };
        int hot = 0;

        fill(p[0], bytes[0], 1);
        fill(p[1], bytes[1], 2);
        sigaction(SIGUSR1, &sa, NULL);
        sigaction(SIGUSR2, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        printf("ready\n");
        fflush(stdout);
        unsigned long passes = 0;
        uint64_t pass_ns = 0;

        while (!got_term) {
                struct timespec t0, t1;

                clock_gettime(CLOCK_MONOTONIC, &t0);
                for (size_t off = 0; off < bytes[hot]; off += (size_t) page_size)
                        tier_sink += p[hot][off];
                clock_gettime(CLOCK_MONOTONIC, &t1);
                pass_ns += (uint64_t) (t1.tv_sec - t0.tv_sec) * 1000000000ULL + (uint64_t) t1.tv_nsec -
                           (uint64_t) t0.tv_nsec;
                passes++;
                usleep(20000);
                if (got_usr2) {
                        got_usr2 = 0;
                        hot = !hot;
                }
                if (got_usr1) {
                        got_usr1 = 0;
                        where(p[hot], bytes[hot], counts);
                        print_named("hot", counts);
                        where(p[!hot], bytes[!hot], counts);
                        print_named("cold", counts);
                        /* The hot region's read time per pass since the last report. */
                        printf(" passes=%lu pass_us=%llu\n", passes,
                                        passes ? (unsigned long long) (pass_ns / passes / 1000) : 0ULL);
                        passes = 0;
                        pass_ns = 0;
                        fflush(stdout);
                }
        }
        return 0;
}

static unsigned char *map_kind(size_t bytes, const char *kind)
{
        if (strcmp(kind, "shm") == 0) {
                int fd = memfd_create("cdm-probe", MFD_CLOEXEC);
                void *p;

                if (fd < 0 || ftruncate(fd, (off_t) bytes) < 0) {
                        perror("memfd");
                        exit(1);
                }
                p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                if (p == MAP_FAILED) {
                        perror("mmap shared");
                        exit(1);
                }
                return p;
        }
        if (strcmp(kind, "thp") == 0) {
                const size_t huge = 2u << 20;
                unsigned char *raw = map(bytes + huge);
                unsigned char *p = (unsigned char *) (((uintptr_t) raw + huge - 1) & ~(uintptr_t) (huge - 1));

                if (madvise(p, bytes, MADV_HUGEPAGE) < 0)
                        perror("madvise MADV_HUGEPAGE");
                return p;
        }
        return map(bytes);
}

static int cmd_hold(size_t mb, int node, const char *kind)
{
        unsigned long counts[MAX_NODES + 1];
        size_t bytes = mb << 20;
        unsigned char *p = map_kind(bytes, kind);
        struct sigaction sa = { .sa_handler = on_signal };

        if (node >= 0) {
                unsigned long mask = 1UL << node;
                if (mbind(p, bytes, MPOL_BIND, &mask, sizeof(mask) * 8, 0) < 0) {
                        perror("mbind");
                        return 1;
                }
        }
        fill(p, bytes, (uint64_t) getpid());
        if (node >= 0 && mbind(p, bytes, MPOL_DEFAULT, NULL, 0, 0) < 0) {
                perror("mbind default");
                return 1;
        }
        if (strcmp(kind, "mlock") == 0 && mlock(p, bytes) < 0) {
                perror("mlock");
                return 1;
        }
        sigaction(SIGUSR1, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        printf("ready\n");
        fflush(stdout);
        while (!got_term) {
                pause();
                if (got_usr1) {
                        got_usr1 = 0;
                        where(p, bytes, counts);
                        print_nodes(stdout, counts);
                        printf(" checksum %s\n", verify(p, bytes, (uint64_t) getpid()) ? "ok" : "BAD");
                        fflush(stdout);
                }
        }
        return 0;
}

static int cmd_move(size_t mb, int node)
{
        size_t bytes = mb << 20, n = bytes / (size_t) page_size;
        unsigned char *p = map(bytes);
        void **pages = malloc(n * sizeof(void *));
        int *nodes = malloc(n * sizeof(int)), *status = malloc(n * sizeof(int));
        unsigned long counts[MAX_NODES + 1];

        fill(p, bytes, 7);
        for (size_t i = 0; i < n; i++) {
                pages[i] = p + i * (size_t) page_size;
                nodes[i] = node;
        }
        if (move_pages(0, n, pages, nodes, status, MPOL_MF_MOVE) < 0) {
                int e = errno;
                printf("move_pages: %s\n", strerror(e));
                return e == EACCES ? 13 : 1;
        }
        where(p, bytes, counts);
        print_nodes(stdout, counts);
        printf(" checksum %s\n", verify(p, bytes, 7) ? "ok" : "BAD");
        return counts[node] == n && verify(p, bytes, 7) ? 0 : 1;
}

static int cmd_bind(size_t mb, int node)
{
        size_t bytes = mb << 20, n = bytes / (size_t) page_size;
        unsigned char *p = map(bytes);
        unsigned long mask = 1UL << node, counts[MAX_NODES + 1];

        if (mbind(p, bytes, MPOL_BIND, &mask, sizeof(mask) * 8, 0) < 0) {
                printf("mbind: %s\n", strerror(errno));
                return errno == EACCES ? 13 : 1;
        }
        fill(p, bytes, 9);
        where(p, bytes, counts);
        print_nodes(stdout, counts);
        printf("\n");
        return counts[node] == n ? 0 : 1;
}

static int cmd_cache(size_t mb, int node, const char *file)
{
        unsigned long mask = 1UL << node;
        static char buf[1 << 20];
        int fd;

        if (set_mempolicy(MPOL_BIND, &mask, sizeof(mask) * 8) < 0) {
                printf("set_mempolicy: %s\n", strerror(errno));
                return 1;
        }
        fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
                printf("open %s: %s\n", file, strerror(errno));
                return 1;
        }
        for (size_t i = 0; i < mb; i++) {
                for (size_t k = 0; k < sizeof(buf); k++)
                        buf[k] = (char) (i * 131 + k * 7);
                if (write(fd, buf, sizeof(buf)) != (ssize_t) sizeof(buf)) {
                        printf("write %s: %s\n", file, strerror(errno));
                        close(fd);
                        return 1;
                }
        }
        close(fd);
        printf("wrote %zu MiB to %s bound to node %d\n", mb, file, node);
        return 0;
}

static int cmd_pin(const char *file)
{
        struct sigaction sa = { .sa_handler = on_signal };
        int p[2], fd = open(file, O_RDONLY | O_CLOEXEC);
        ssize_t n, total = 0;

        if (fd < 0 || pipe2(p, O_CLOEXEC) < 0) {
                printf("open %s: %s\n", file, strerror(errno));
                return 1;
        }
        (void) fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
        while ((n = splice(fd, NULL, p[1], NULL, 1 << 20, SPLICE_F_NONBLOCK)) > 0)
                total += n;
        if (total == 0) {
                printf("splice %s: %s\n", file, strerror(errno));
                return 1;
        }
        sigaction(SIGTERM, &sa, NULL);
        printf("pinned %zd bytes\n", total);
        fflush(stdout);
        while (!got_term)
                pause();
        return 0;
}

#define SPILL_CHUNK (2u << 20)
#define SPILL_MAX_CHUNKS 8192 /* 16 GiB */

static int cmd_spill(size_t mb)
{
        static unsigned char *chunks[SPILL_MAX_CHUNKS];
        size_t per = SPILL_CHUNK / (size_t) page_size, n = 0, kept = 0, spilled = 0;
        unsigned long counts[MAX_NODES + 1], total[MAX_NODES + 1] = { 0 };
        struct sigaction sa = { .sa_handler = on_signal };

        while (spilled * (size_t) page_size < mb << 20) {
                if (n == SPILL_MAX_CHUNKS) {
                        fprintf(stderr, "no spill after %zu chunks\n", n);
                        return 1;
                }
                chunks[n] = map(SPILL_CHUNK);
                fill(chunks[n], SPILL_CHUNK, n);
                where(chunks[n], SPILL_CHUNK, counts);
                spilled += per - counts[0];
                n++;
        }
        for (size_t i = 0; i < n; i++) {
                where(chunks[i], SPILL_CHUNK, counts);
                if (counts[0] == per) {
                        munmap(chunks[i], SPILL_CHUNK);
                        chunks[i] = NULL;
                } else {
                        kept++;
                }
        }
        sigaction(SIGUSR1, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        printf("ready: %zu of %zu chunks kept\n", kept, n);
        fflush(stdout);
        while (!got_term) {
                pause();
                if (got_usr1) {
                        int ok = 1;

                        got_usr1 = 0;
                        memset(total, 0, sizeof(total));
                        for (size_t i = 0; i < n; i++) {
                                if (!chunks[i])
                                        continue;
                                where(chunks[i], SPILL_CHUNK, counts);
                                for (int k = 0; k <= MAX_NODES; k++)
                                        total[k] += counts[k];
                                ok &= verify(chunks[i], SPILL_CHUNK, i);
                        }
                        print_nodes(stdout, total);
                        printf(" checksum %s\n", ok ? "ok" : "BAD");
                        fflush(stdout);
                }
        }
        return 0;
}

static void on_sigbus(int sig)
{
        (void) sig; /* the kernel tells the page's owner (BUS_MCEERR_AO): it is this process */
}

static int cmd_poison(int node)
{
        size_t bytes = (size_t) page_size;
        unsigned char *p = map(bytes);
        unsigned long mask = 1UL << node, counts[MAX_NODES + 1];

        if (mbind(p, bytes, MPOL_BIND, &mask, sizeof(mask) * 8, 0) < 0) {
                printf("mbind: %s\n", strerror(errno));
                return 1;
        }
        fill(p, bytes, 5);
        where(p, bytes, counts);
        if (counts[node] != 1) {
                printf("the page is not on node %d\n", node);
                return 1;
        }
        signal(SIGBUS, on_sigbus);
        if (madvise(p, bytes, MADV_HWPOISON) < 0) {
                printf("madvise(MADV_HWPOISON): %s\n", strerror(errno));
                return 1;
        }
        printf("poisoned one page on node %d\n", node);
        return 0;
}

int main(int argc, char *argv[])
{
        page_size = sysconf(_SC_PAGESIZE);
        if (argc >= 4 && strcmp(argv[1], "fill") == 0)
                return cmd_fill(strtoul(argv[2], NULL, 10), argv[3]);
        if (argc >= 3 && strcmp(argv[1], "hold") == 0)
                return cmd_hold(strtoul(argv[2], NULL, 10), argc >= 4 ? atoi(argv[3]) : -1,
                                argc >= 5 ? argv[4] : "anon");
        if (argc >= 4 && strcmp(argv[1], "move") == 0)
                return cmd_move(strtoul(argv[2], NULL, 10), atoi(argv[3]));
        if (argc >= 4 && strcmp(argv[1], "tier") == 0)
                return cmd_tier(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10));
        if (argc >= 4 && strcmp(argv[1], "bind") == 0)
                return cmd_bind(strtoul(argv[2], NULL, 10), atoi(argv[3]));
        if (argc >= 5 && strcmp(argv[1], "cache") == 0)
                return cmd_cache(strtoul(argv[2], NULL, 10), atoi(argv[3]), argv[4]);
        if (argc >= 3 && strcmp(argv[1], "poison") == 0)
                return cmd_poison(atoi(argv[2]));
        if (argc >= 3 && strcmp(argv[1], "pin") == 0)
                return cmd_pin(argv[2]);
        if (argc >= 3 && strcmp(argv[1], "spill") == 0)
                return cmd_spill(strtoul(argv[2], NULL, 10));
        fprintf(stderr, "usage: cdm-probe fill MB LOG | hold MB [NODE] | move MB NODE | bind MB NODE | "
                        "cache MB NODE FILE | pin FILE | poison NODE | spill MB | tier HOT COLD\n");
        return 2;
}
