/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"
#include "topology-builder.h"

#define GiB (1024ULL * 1024 * 1024)

static void expect_contains(const char *haystack, const char *needle)
{
        if (!strstr(haystack, needle))
                fail_msg("'%s' not in:\n%s", needle, haystack);
}

static void test_json_and_text(void **state)
{
        cdm_topology *t = builder_new(128ULL << 20);
        cdm_config *c = NULL;
        cdm_layout *l = NULL;
        cdm_plan p = CDM_PLAN_NULL;
        char *json, *text;
        cdm_node *n;

        builder_node(t, 0, "0-1", 1 * GiB, 0, CDM_BLOCK_ONLINE, CDM_ZONE_NORMAL);
        n = builder_node(t, 1, "", 1 * GiB, 8, CDM_BLOCK_ONLINE, CDM_ZONE_MOVABLE);
        n->hmat = (cdm_hmat){ .present = true, .access_class = 1, .read_bandwidth_mbps = 100000,
                .read_latency_ns = 300 };
        assert_int_equal(cdm_config_new(&c), 0);
        assert_int_equal(cdm_layout_build(t, c, &l), 0);
        assert_int_equal(cdm_plan_add(&p, "sys/fs/cgroup/system.slice/cpuset.mems", "", "0",
                                 "restrict \"frontier\" to system nodes"), 0);

        json = cdm_report_json(t, l, &p, NULL);
        assert_non_null(json);
        expect_contains(json, "\"system_nodes\":[0],\"devices\":[{\"name\":\"cdm1\",\"kind\":\"generic\","
                              "\"source\":\"hmat\",\"nodes\":[1],\"total_bytes\":1073741824,"
                              "\"free_bytes\":536870912,\"reserve_bytes\":0,"
                              "\"read_bandwidth_mbps\":100000,\"read_latency_ns\":300}]");
        expect_contains(json, "{\"id\":1,\"role\":\"device\",\"cpus\":\"\"");
        expect_contains(json, "\"zone\":\"Movable\",\"blocks\":8,\"blocks_online\":8");
        expect_contains(json, "\"plan\":[{\"object\":\"sys/fs/cgroup/system.slice/cpuset.mems\","
                              "\"current\":\"\",\"desired\":\"0\",\"reason\":\"restrict \\\"frontier\\\" to system nodes\",\"backend\":\"cgroupfs\"}]");
        assert_int_equal(json[strlen(json) - 1], '\n');

        text = cdm_report_text(t, l, &p, NULL);
        assert_non_null(text);
        expect_contains(text, "System nodes: 0\n");
        expect_contains(text, "cdm1         generic  hmat     1              1.0G   512.0M       0B  100000 MB/s     300 ns");
        expect_contains(text, "Plan (1 changes):");
        expect_contains(text, "  [cgroupfs] sys/fs/cgroup/system.slice/cpuset.mems: '' -> '0'");
        free(json);
        free(text);
        cdm_plan_done(&p);
        cdm_layout_free(l);
        cdm_config_free(c);
        cdm_topology_free(t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_json_and_text),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
