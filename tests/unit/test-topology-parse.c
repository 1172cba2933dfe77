/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "topology-parse.h"

/* As printed by drivers/base/node.c for a movable-only device node (6.1). */
static const char meminfo_dev[] =
        "Node 1 MemTotal:        1048576 kB\n"
        "Node 1 MemFree:         1040000 kB\n"
        "Node 1 MemUsed:            8576 kB\n"
        "Node 1 SwapCached:            0 kB\n"
        "Node 1 Active:             1024 kB\n"
        "Node 1 FilePages:           512 kB\n"
        "Node 1 Mapped:                0 kB\n"
        "Node 1 AnonPages:          2048 kB\n"
        "Node 1 Shmem:                 4 kB\n"
        "Node 1 KernelStack:           0 kB\n"
        "Node 1 PageTables:            0 kB\n"
        "Node 1 SecPageTables:         0 kB\n"
        "Node 1 Slab:                  8 kB\n"
        "Node 1 SReclaimable:          4 kB\n"
        "Node 1 SUnreclaim:            4 kB\n"
        "Node 1 AnonHugePages:         0 kB\n"
        "Node 1 HugePages_Total:     3\n"
        "Node 1 HugePages_Free:      3\n"
        "Node 1 HugePages_Surp:      0\n";

static void test_meminfo(void **state)
{
        const char *what = NULL;
        cdm_meminfo m;

        assert_int_equal(cdm_parse_meminfo(meminfo_dev, strlen(meminfo_dev), 1, &m, &what), 0);
        assert_int_equal(m.total, 1048576ULL * 1024);
        assert_int_equal(m.free, 1040000ULL * 1024);
        assert_int_equal(m.anon_pages, 2048ULL * 1024);
        assert_int_equal(m.file_pages, 512ULL * 1024);
        assert_int_equal(m.shmem, 4096);
        assert_int_equal(m.slab, 8192);
        assert_int_equal(m.sunreclaim, 4096);
        assert_int_equal(m.hugepages_total, 3);
}

static void expect_bad_meminfo(const char *text, unsigned node, const char *want_what)
{
        const char *what = NULL;
        cdm_meminfo m = { .total = 42 };
        int r = cdm_parse_meminfo(text, strlen(text), node, &m, &what);

        if (r >= 0)
                fail_msg("accepted: %s", text);
        assert_non_null(what);
        assert_string_equal(what, want_what);
        assert_int_equal(m.total, 42);
}

static void test_meminfo_bad(void **state)
{
        expect_bad_meminfo("", 0, "no MemTotal");
        expect_bad_meminfo("Node 0 MemTotal:  100 kB\n", 0, "no MemFree");
        /* truncated in the middle of a line */
        expect_bad_meminfo("Node 0 MemTotal:  100 kB\nNode 0 MemFr", 0, "line has no ':'");
        expect_bad_meminfo("Node 1 MemTotal:  100 kB\nNode 1 MemFree: 10 kB\n", 0,
                        "line names another node");
        expect_bad_meminfo("MemTotal: 100 kB\n", 0, "line does not start with 'Node N'");
        expect_bad_meminfo("Node 0 MemTotal:  abc kB\nNode 0 MemFree: 1 kB\n", 0,
                        "value is not a number");
        expect_bad_meminfo("Node 0 MemTotal:  100\nNode 0 MemFree: 1 kB\n", 0, "size without 'kB'");
        expect_bad_meminfo("Node 0 MemTotal: 18446744073709551615 kB\nNode 0 MemFree: 1 kB\n", 0,
                        "size overflows");
        expect_bad_meminfo("Node 0 MemTotal:  1 kB\nNode 0 MemFree: 2 kB\n", 0,
                        "MemFree exceeds MemTotal");
}

static void test_numastat(void **state)
{
        static const char text[] = "numa_hit 1234\nnuma_miss 56\nnuma_foreign 0\n"
                                   "interleave_hit 10\nlocal_node 1200\nother_node 90\n";
        const char *what = NULL;
        cdm_numastat s;

        assert_int_equal(cdm_parse_numastat(text, strlen(text), &s, &what), 0);
        assert_int_equal(s.numa_hit, 1234);
        assert_int_equal(s.numa_miss, 56);
        assert_int_equal(s.other_node, 90);
        assert_int_equal(cdm_parse_numastat("numa_hit 1\n", 11, &s, &what), -EBADMSG);
        assert_string_equal(what, "no numa_miss");
        assert_int_equal(cdm_parse_numastat("numa_miss x\n", 12, &s, &what), -EBADMSG);
        assert_int_equal(cdm_parse_numastat("", 0, &s, &what), -EBADMSG);
}

static void test_distance(void **state)
{
        const char *what = NULL;
        unsigned *d = NULL;
        size_t n = 0;

        assert_int_equal(cdm_parse_distance("10 21 21 21\n", 12, &d, &n, &what), 0);
        assert_int_equal(n, 4);
        assert_int_equal(d[0], 10);
        assert_int_equal(d[3], 21);
        free(d);
        assert_int_equal(cdm_parse_distance("\n", 1, &d, &n, &what), -EBADMSG);
        assert_string_equal(what, "empty");
        assert_int_equal(cdm_parse_distance("10 2a\n", 6, &d, &n, &what), -EBADMSG);
        assert_int_equal(cdm_parse_distance("10 256\n", 7, &d, &n, &what), -EBADMSG);
}

static void test_block_state(void **state)
{
        cdm_block_state s;

        assert_int_equal(cdm_parse_block_state("online\n", &s), 0);
        assert_int_equal(s, CDM_BLOCK_ONLINE);
        assert_int_equal(cdm_parse_block_state("offline\n", &s), 0);
        assert_int_equal(s, CDM_BLOCK_OFFLINE);
        assert_int_equal(cdm_parse_block_state("going-offline", &s), 0);
        assert_int_equal(s, CDM_BLOCK_GOING_OFFLINE);
        /* What cdmd writes, as a tree below --root holds it afterwards. */
        s = CDM_BLOCK_OFFLINE;
        assert_int_equal(cdm_parse_block_state("online_movable\n", &s), 0);
        assert_int_equal(s, CDM_BLOCK_ONLINE);
        s = CDM_BLOCK_OFFLINE;
        assert_int_equal(cdm_parse_block_state("online_kernel", &s), 0);
        assert_int_equal(s, CDM_BLOCK_ONLINE);
        assert_int_equal(cdm_parse_block_state("online_movablex", &s), -EBADMSG);
        assert_int_equal(cdm_parse_block_state("onlinex\n", &s), -EBADMSG);
        assert_int_equal(cdm_parse_block_state("", &s), -EBADMSG);
}

static void test_valid_zones(void **state)
{
        unsigned mask;
        cdm_zone z;

        assert_int_equal(cdm_parse_valid_zones("Movable\n", &mask, &z), 0);
        assert_int_equal(z, CDM_ZONE_MOVABLE);
        assert_int_equal(mask, 1u << CDM_ZONE_MOVABLE);
        /* An offline block: the first zone is where a plain "online" would put it. */
        assert_int_equal(cdm_parse_valid_zones("Normal Movable\n", &mask, &z), 0);
        assert_int_equal(z, CDM_ZONE_NORMAL);
        assert_int_equal(mask, (1u << CDM_ZONE_NORMAL) | (1u << CDM_ZONE_MOVABLE));
        assert_int_equal(cdm_parse_valid_zones("DMA32\n", &mask, &z), 0);
        assert_int_equal(z, CDM_ZONE_DMA32);
        assert_int_equal(cdm_parse_valid_zones("none\n", &mask, &z), 0);
        assert_int_equal(z, CDM_ZONE_NONE);
        assert_int_equal(mask, 0);
        assert_int_equal(cdm_parse_valid_zones("Bogus\n", &mask, &z), -EBADMSG);
        assert_int_equal(cdm_parse_valid_zones("", &mask, &z), -EBADMSG);
}

static void test_cpulist(void **state)
{
        unsigned n = 99;

        assert_int_equal(cdm_parse_cpulist_count("\n", 1, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(cdm_parse_cpulist_count("0-71\n", 5, &n), 0);
        assert_int_equal(n, 72);
        assert_int_equal(cdm_parse_cpulist_count("0-3,8,10-11\n", 12, &n), 0);
        assert_int_equal(n, 7);
        assert_int_equal(cdm_parse_cpulist_count("3-1\n", 4, &n), -EBADMSG);
        assert_int_equal(cdm_parse_cpulist_count("a\n", 2, &n), -EBADMSG);
        assert_int_equal(cdm_parse_cpulist_count("1,\n", 3, &n), -EBADMSG);
}

static void test_nvidia(void **state)
{
        static const char text[] = "Node: 1\nStatus: online\nAddress: 0x400000000000\n"
                                   "Size: 0x1800000000\n";
        char *status = NULL;
        int node = 7;

        assert_int_equal(cdm_parse_nvidia_numa_status(text, strlen(text), &node, &status), 0);
        assert_int_equal(node, 1);
        assert_string_equal(status, "online");
        free(status);
        status = NULL;
        assert_int_equal(cdm_parse_nvidia_numa_status("Node: -1\nStatus: disabled\n", 26, &node, &status), 0);
        assert_int_equal(node, -1);
        free(status);
        status = NULL;
        assert_int_equal(cdm_parse_nvidia_numa_status("Status: online\n", 15, &node, &status), -EBADMSG);
        assert_int_equal(cdm_parse_nvidia_numa_status("Node: x\n", 8, &node, &status), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_meminfo),     cmocka_unit_test(test_meminfo_bad),
                cmocka_unit_test(test_numastat),    cmocka_unit_test(test_distance),
                cmocka_unit_test(test_block_state), cmocka_unit_test(test_valid_zones),
                cmocka_unit_test(test_cpulist),     cmocka_unit_test(test_nvidia),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
