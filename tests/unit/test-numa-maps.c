/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "numa-maps.h"
#include "util/fileio.h"

/* Lines of `cat` on a one-node Debian 12 machine (6.x kernel): maps, then numa_maps. */
static const char self_maps[] =
        "5628579ef000-5628579f1000 r--p 00000000 fe:00 247134                     /usr/bin/cat\n"
        "5628579f1000-5628579f6000 r-xp 00002000 fe:00 247134                     /usr/bin/cat\n"
        "562882b84000-562882ba5000 rw-p 00000000 00:00 0                          [heap]\n"
        "7fc54950d000-7fc54952f000 rw-p 00000000 00:00 0 \n"
        "7fc54952f000-7fc549586000 r--p 00000000 fe:00 320475                     /usr/lib/locale/C.utf8/LC_CTYPE\n"
        "7fc549775000-7fc54977c000 r--s 00000000 fe:00 332280                     /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache\n"
        "7fc54977f000-7fc549783000 r--p 00000000 00:00 0                          [vvar]\n"
        "7ffe6c6ef000-7ffe6c710000 rw-p 00000000 00:00 0                          [stack]\n"
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

static const char self_numa_maps[] =
        "5628579ef000 default file=/usr/bin/cat mapped=2 N0=2 kernelpagesize_kB=4\n"
        "5628579f1000 default file=/usr/bin/cat mapped=5 N0=5 kernelpagesize_kB=4\n"
        "562882b84000 default heap anon=4 dirty=4 active=0 N0=4 kernelpagesize_kB=4\n"
        "7fc54950d000 default anon=1 dirty=1 active=0 N0=1 kernelpagesize_kB=4\n"
        "7fc54952f000 default file=/usr/lib/locale/C.utf8/LC_CTYPE mapped=32 mapmax=9 N0=32 kernelpagesize_kB=4\n"
        "7fc549775000 default file=/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache mapped=7 mapmax=6 N0=7 kernelpagesize_kB=4\n"
        "7fc54977f000 default\n"
        "7ffe6c6ef000 default stack anon=9 dirty=9 active=1 N0=9 kernelpagesize_kB=4\n";

/* A two-node machine with a device node 1: policies, THP, hugetlb, shmem, a deleted file. */
static const char dev_maps[] =
        "00400000-00401000 r-xp 00000000 08:01 1234       /opt/app/bin/app\n"
        "7f3a2c000000-7f3a2e000000 rw-p 00000000 00:00 0 \n"
        "7f3a2e000000-7f3a2e400000 rw-p 00000000 00:00 0 \n"
        "7f3a30000000-7f3a30600000 rw-p 00000000 00:0f 4321       /anon_hugepage (deleted)\n"
        "7f3a31000000-7f3a31100000 rw-s 00000000 00:19 77         /dev/shm/buf\n"
        "7f3a32000000-7f3a32100000 rw-s 00000000 00:01 1024       /SYSV0000002a (deleted)\n"
        "7f3a33000000-7f3a33010000 rw-p 00000000 00:00 0 \n"
        "7f3a34000000-7f3a34010000 rw-p 00000000 00:00 0 \n"
        "7f3a35000000-7f3a35010000 rw-s 00000000 00:01 9          /memfd:gpu (deleted)\n";

static const char dev_numa_maps[] =
        "00400000 default file=/opt/app/bin/app mapped=1 N0=1 kernelpagesize_kB=4\n"
        "7f3a2c000000 default anon=8192 dirty=8192 N0=4096 N1=4096 kernelpagesize_kB=4\n"
        "7f3a2e000000 bind:1 anon=1024 dirty=1024 active=0 N1=1024 kernelpagesize_kB=4\n"
        "7f3a30000000 prefer:0 file=/anon_hugepage\\040(deleted) huge anon=3 dirty=3 N1=3 kernelpagesize_kB=2048\n"
        "7f3a31000000 interleave:0-1 file=/dev/shm/buf mapped=256 mapmax=2 N0=128 N1=128 kernelpagesize_kB=4\n"
        "7f3a32000000 weighted interleave=static:0-1 file=/SYSV0000002a\\040(deleted) dirty=3 N0=3 kernelpagesize_kB=4\n"
        "7f3a33000000 prefer (many)=relative:0-1 anon=2 dirty=2 N1=2 kernelpagesize_kB=4\n"
        "7f3a34000000 local anon=1 dirty=1 swapcache=1 writeback=1 N0=1 kernelpagesize_kB=4\n"
        "7f3a35000000 bind=static|balancing:1 file=/memfd:gpu\\040(deleted) dirty=16 N1=16 kernelpagesize_kB=64\n";

static cdm_vma_list *parse_ok(const char *maps, const char *numa_maps, const cdm_nodemask *nodes)
{
        cdm_vma_list *l = NULL;
        const char *what = NULL;
        int r = cdm_parse_proc_maps(maps, strlen(maps), numa_maps, strlen(numa_maps), nodes, &l,
                        &what);

        if (r < 0)
                fail_msg("parse failed: %d %s", r, what ?: "");
        assert_non_null(l);
        return l;
}

static void test_self(void **state)
{
        cdm_vma_list *l = parse_ok(self_maps, self_numa_maps, NULL);
        cdm_nodemask n0 = { 0 };

        /* [vsyscall] has no numa_maps line */
        assert_int_equal(l->n_vmas, 8);
        assert_int_equal(l->vmas[0].start, 0x5628579ef000ULL);
        assert_int_equal(l->vmas[0].end, 0x5628579f1000ULL);
        assert_int_equal(l->vmas[0].flags & (CDM_VMA_FILE | CDM_VMA_ANON), CDM_VMA_FILE);
        assert_int_equal(l->vmas[0].pages, 2);
        assert_int_equal(l->vmas[0].page_size, 4096);
        assert_true(l->vmas[2].flags & CDM_VMA_HEAP);
        assert_true(l->vmas[2].flags & CDM_VMA_ANON);
        assert_true(l->vmas[2].flags & CDM_VMA_WRITE);
        assert_int_equal(l->vmas[2].anon_pages, 4);
        assert_true(l->vmas[3].flags & CDM_VMA_ANON);
        assert_true(l->vmas[5].flags & CDM_VMA_SHARED);
        assert_false(l->vmas[5].flags & CDM_VMA_SHMEM);
        /* no pages: no page size */
        assert_int_equal(l->vmas[6].pages, 0);
        assert_int_equal(l->vmas[6].page_size, 0);
        assert_true(l->vmas[7].flags & CDM_VMA_STACK);
        for (size_t i = 0; i < l->n_vmas; i++)
                assert_int_equal(l->vmas[i].policy, CDM_MPOL_DEFAULT);

        cdm_nodemask_set(&n0, 0);
        assert_int_equal(cdm_vma_list_bytes_on(l, &n0), (2 + 5 + 4 + 1 + 32 + 7 + 9) * 4096ULL);
        cdm_vma_list_free(l);
}

static void test_device_node(void **state)
{
        cdm_nodemask n1 = { 0 }, n0 = { 0 };
        cdm_vma_list *l;

        cdm_nodemask_set(&n1, 1);
        cdm_nodemask_set(&n0, 0);
        l = parse_ok(dev_maps, dev_numa_maps, NULL);
        assert_int_equal(l->n_vmas, 9);
        assert_int_equal(l->vmas[1].pages, 8192);
        assert_int_equal(l->vmas[1].n_nodes, 2);
        assert_int_equal(cdm_vma_pages_on(l, &l->vmas[1], &n1), 4096);
        assert_int_equal(l->vmas[2].policy, CDM_MPOL_BIND);
        /* hugetlb: counts in huge pages */
        assert_true(l->vmas[3].flags & CDM_VMA_HUGETLB);
        assert_true(l->vmas[3].flags & CDM_VMA_FILE);
        assert_int_equal(l->vmas[3].policy, CDM_MPOL_PREFERRED);
        assert_int_equal(l->vmas[3].page_size, 2u << 20);
        assert_int_equal(l->vmas[4].policy, CDM_MPOL_INTERLEAVE);
        assert_true(l->vmas[4].flags & CDM_VMA_SHMEM);
        assert_true(l->vmas[4].flags & CDM_VMA_SHARED);
        assert_int_equal(l->vmas[5].policy, CDM_MPOL_WEIGHTED_INTERLEAVE);
        assert_true(l->vmas[5].flags & CDM_VMA_SHMEM);
        assert_int_equal(l->vmas[6].policy, CDM_MPOL_PREFERRED_MANY);
        assert_int_equal(l->vmas[7].policy, CDM_MPOL_LOCAL);
        assert_int_equal(l->vmas[8].policy, CDM_MPOL_BIND);
        assert_int_equal(l->vmas[8].page_size, 65536);
        assert_true(l->vmas[8].flags & CDM_VMA_SHMEM);

        assert_int_equal(cdm_vma_list_bytes_on(l, &n1),
                        4096ULL * 4096 + 1024 * 4096 + 3 * (2u << 20) + 128 * 4096 + 2 * 4096 +
                                16 * 65536);
        assert_int_equal(cdm_vma_list_bytes_on(l, &n0), (1 + 4096 + 128 + 3 + 1) * 4096ULL);
        cdm_vma_list_free(l);

        /* only node 1 kept: node 0 is not known any more, totals still are */
        l = parse_ok(dev_maps, dev_numa_maps, &n1);
        assert_int_equal(l->vmas[1].n_nodes, 1);
        assert_int_equal(l->vmas[1].pages, 8192);
        assert_int_equal(l->vmas[0].n_nodes, 0);
        assert_int_equal(cdm_vma_list_bytes_on(l, &n0), 0);
        assert_int_equal(l->n_node_pages, 6);
        cdm_vma_list_free(l);
}

static void test_join(void **state)
{
        /* Between the two reads one VMA went away and another appeared. */
        static const char maps[] = "1000-3000 rw-p 00000000 00:00 0 \n"
                                   "5000-6000 rw-p 00000000 00:00 0 \n";
        static const char numa_maps[] = "1000 default anon=2 dirty=2 N0=2 kernelpagesize_kB=4\n"
                                        "8000 default anon=1 dirty=1 N0=1 kernelpagesize_kB=4\n";
        cdm_vma_list *l = parse_ok(maps, numa_maps, NULL);

        assert_int_equal(l->n_vmas, 1);
        assert_int_equal(l->vmas[0].start, 0x1000);
        assert_int_equal(l->vmas[0].end, 0x3000);
        cdm_vma_list_free(l);

        l = parse_ok("", "", NULL); /* a zombie or a kernel thread */
        assert_int_equal(l->n_vmas, 0);
        cdm_vma_list_free(l);
}

static void expect_bad(const char *maps, const char *numa_maps, int want, const char *want_what)
{
        cdm_vma_list *l = (cdm_vma_list *) 0x1;
        const char *what = NULL;
        int r = cdm_parse_proc_maps(maps, strlen(maps), numa_maps, strlen(numa_maps), NULL, &l,
                        &what);

        if (r != want)
                fail_msg("got %d (%s), want %d for '%s' / '%s'", r, what ?: "", want, maps, numa_maps);
        assert_ptr_equal(l, (cdm_vma_list *) 0x1);
        assert_non_null(what);
        assert_string_equal(what, want_what);
}

static void test_bad_maps(void **state)
{
        static const char *const cases[][2] = {
                { "1000-3000 rw-p 00000000 00:00 0", "truncated line" },
                { "\n", "empty line" },
                { "1000 rw-p 00000000 00:00 0\n", "maps: bad address range" },
                { "1000-zz00 rw-p 00000000 00:00 0\n", "maps: bad address range" },
                { "3000-1000 rw-p 00000000 00:00 0\n", "maps: empty or inverted range" },
                { "1000-3000 rwxq 00000000 00:00 0\n", "maps: bad permissions" },
                { "1000-3000 rw-p 0000g000 00:00 0\n", "maps: bad offset" },
                { "1000-3000 rw-p 00000000 0000 0\n", "maps: bad device" },
                { "1000-3000 rw-p 00000000 00:00 -1\n", "maps: bad inode" },
                { "1000-3000 rw-p 00000000 00:00\n", "maps: bad inode" },
                { "1000-3000 rw-p 0 00:00 0\n2000-4000 rw-p 0 00:00 0\n",
                        "maps: ranges overlap or are not ascending" },
                { "11112222333344445-11112222333344446 rw-p 0 00:00 0\n", "maps: bad address range" },
        };

        static const char nul[] = "1000-3000 rw\0p 00000000 00:00 0\n";
        cdm_vma_list *l = NULL;
        const char *what = NULL;

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                expect_bad(cases[i][0], "", -EBADMSG, cases[i][1]);
        /* a NUL byte inside a line */
        assert_int_equal(cdm_parse_proc_maps(nul, sizeof(nul) - 1, "", 0, NULL, &l, &what),
                        -EBADMSG);
        assert_string_equal(what, "maps: bad permissions");
        assert_null(l);
}

static void test_bad_numa_maps(void **state)
{
        static const char maps[] = "1000-3000 rw-p 00000000 00:00 0 \n";
        static const char *const cases[][2] = {
                { "1000 default anon=2 N0=2 kernelpagesize_kB=4", "truncated line" },
                { "1000 default anon=2 N0=2 kernelpagesize_kB=4\n\n", "empty line" },
                { "xyz default\n", "numa_maps: bad address" },
                { "1000\n", "numa_maps: no policy" },
                { "1000 9default\n", "numa_maps: bad policy" },
                { "1000 bind;1\n", "numa_maps: bad policy" },
                { "1000 weighted N0=1\n", "numa_maps: bad policy" },
                { "1000 default anon=2 N0=x kernelpagesize_kB=4\n", "numa_maps: bad page count" },
                { "1000 default anon=2 N0= kernelpagesize_kB=4\n", "numa_maps: bad page count" },
                { "1000 default anon=2 N1024=2 kernelpagesize_kB=4\n", "numa_maps: bad node number" },
                { "1000 default anon=2 Nx=2 kernelpagesize_kB=4\n", "numa_maps: bad node number" },
                { "1000 default anon=4 N1=2 N0=2 kernelpagesize_kB=4\n", "numa_maps: nodes not ascending" },
                { "1000 default anon=4 N0=2 N0=2 kernelpagesize_kB=4\n", "numa_maps: nodes not ascending" },
                { "1000 default anon=2 N0=2\n", "numa_maps: pages without kernelpagesize_kB" },
                { "1000 default anon=2 N0=2 kernelpagesize_kB=3\n", "numa_maps: bad page size" },
                { "1000 default anon=2 N0=2 kernelpagesize_kB=0\n", "numa_maps: bad page size" },
                { "1000 default anon=-2 N0=2 kernelpagesize_kB=4\n", "numa_maps: value is not a number" },
                { "1000 default anon=99999999999999999999999 kernelpagesize_kB=4\n",
                        "numa_maps: value is not a number" },
                { "1000 default N0=18446744073709551615 N1=1 kernelpagesize_kB=4\n",
                        "numa_maps: page count overflows" },
                { "1000 default file= N0=1 kernelpagesize_kB=4\n", "numa_maps: empty file name" },
                { "1000 default bogus N0=1 kernelpagesize_kB=4\n", "numa_maps: unknown field" },
                { "1000 default =5 N0=1 kernelpagesize_kB=4\n", "numa_maps: unknown field" },
                { "1000 default\n1000 default\n", "numa_maps: duplicate address" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                expect_bad(maps, cases[i][0], -EBADMSG, cases[i][1]);
}

static void test_forward_compatible(void **state)
{
        /* an unknown counter and an unknown policy mode from a later kernel */
        static const char maps[] = "1000-3000 rw-p 00000000 00:00 0 \n";
        static const char numa_maps[] =
                "1000 tiered:0-1 anon=2 dirty=2 coldness=7 N0=2 kernelpagesize_kB=4\n";
        cdm_vma_list *l = parse_ok(maps, numa_maps, NULL);

        assert_int_equal(l->vmas[0].policy, CDM_MPOL_OTHER);
        assert_int_equal(l->vmas[0].pages, 2);
        cdm_vma_list_free(l);
}

/* Every prefix of valid input either parses or is -EBADMSG, never anything else. */
static void test_truncated(void **state)
{
        for (size_t n = 0; n <= strlen(dev_numa_maps); n++) {
                cdm_vma_list *l = NULL;
                const char *what = NULL;
                int r = cdm_parse_proc_maps(dev_maps, strlen(dev_maps), dev_numa_maps, n, NULL,
                                &l, &what);

                if (r < 0)
                        assert_int_equal(r, -EBADMSG);
                else
                        assert_true(n == 0 || dev_numa_maps[n - 1] == '\n');
                cdm_vma_list_free(l);
        }
        for (size_t n = 0; n <= strlen(dev_maps); n++) {
                cdm_vma_list *l = NULL;
                const char *what = NULL;
                int r = cdm_parse_proc_maps(dev_maps, n, dev_numa_maps, strlen(dev_numa_maps),
                                NULL, &l, &what);

                assert_true(r == 0 || r == -EBADMSG);
                cdm_vma_list_free(l);
        }
}

/* The running kernel's own format, whatever it is, parses. */
static void test_live(void **state)
{
        char *maps = NULL, *numa_maps = NULL;
        size_t maps_len, numa_maps_len;
        cdm_vma_list *l = NULL;
        const char *what = NULL;
        int r;

        if (read_file_at(AT_FDCWD, "/proc/self/numa_maps", CDM_PROC_MAPS_MAX, &numa_maps,
                            &numa_maps_len) < 0)
                skip(); /* kernel without CONFIG_NUMA */
        /* maps first, as the engine reads them: VMAs that appear in between are dropped */
        free(numa_maps);
        assert_int_equal(read_file_at(AT_FDCWD, "/proc/self/maps", CDM_PROC_MAPS_MAX, &maps,
                                         &maps_len), 0);
        assert_int_equal(read_file_at(AT_FDCWD, "/proc/self/numa_maps", CDM_PROC_MAPS_MAX,
                                         &numa_maps, &numa_maps_len), 0);
        r = cdm_parse_proc_maps(maps, maps_len, numa_maps, numa_maps_len, NULL, &l, &what);
        if (r < 0)
                fail_msg("%s", what);
        assert_true(l->n_vmas > 3);
        cdm_vma_list_free(l);
        free(maps);
        free(numa_maps);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_self),
                cmocka_unit_test(test_device_node),
                cmocka_unit_test(test_join),
                cmocka_unit_test(test_bad_maps),
                cmocka_unit_test(test_bad_numa_maps),
                cmocka_unit_test(test_forward_compatible),
                cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_live),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
