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
        cdm_move_plan moves = { 0 };
        cdm_audit_item spill = { .owner = (char *) "/system.slice", .device = (char *) "cdm1", .file = 4096 };
        cdm_job j = { .id = (char *) "a", .cgroup = (char *) "/jobs/a", .device = (char *) "cdm1",
                .quota = 1 << 20, .device_bytes = 3 << 20 };
        cdm_job_verdict v = cdm_decide_job(&j, true, false);
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

        assert_int_equal(cdm_plan_repair(&spill, &moves), 0);
        assert_int_equal(cdm_plan_job_move(&j, &v, &moves), 0);
        json = cdm_report_json(t, l, &p, NULL, &moves);
        assert_non_null(json);
        expect_contains(json, "\"moves\":[{\"kind\":\"repair\",\"cgroup\":\"/system.slice\",\"device\":\"cdm1\","
                              "\"to\":\"system\",\"bytes\":null,\"reason\":\"/system.slice has 4096 bytes on cdm1 "
                              "without a grant\"},{\"kind\":\"quota\",\"cgroup\":\"/jobs/a\",\"device\":\"cdm1\","
                              "\"to\":\"system\",\"bytes\":2097152,");
        expect_contains(json, "\"system_nodes\":[0],\"devices\":[{\"name\":\"cdm1\",\"kind\":\"generic\","
                              "\"source\":\"hmat\",\"nodes\":[1],\"total_bytes\":1073741824,"
                              "\"free_bytes\":536870912,\"reserve_bytes\":0,"
                              "\"read_bandwidth_mbps\":100000,\"read_latency_ns\":300}]");
        expect_contains(json, "{\"id\":1,\"role\":\"device\",\"cpus\":\"\"");
        expect_contains(json, "\"zone\":\"Movable\",\"blocks\":8,\"blocks_online\":8");
        expect_contains(json, "\"plan\":[{\"object\":\"sys/fs/cgroup/system.slice/cpuset.mems\","
                              "\"current\":\"\",\"desired\":\"0\",\"reason\":\"restrict \\\"frontier\\\" to system nodes\",\"backend\":\"cgroupfs\"}]");
        assert_int_equal(json[strlen(json) - 1], '\n');

        text = cdm_report_text(t, l, &p, NULL, &moves);
        assert_non_null(text);
        expect_contains(text, "System nodes: 0\n");
        expect_contains(text, "cdm1         generic  hmat     1              1.0G   512.0M       0B  100000 MB/s     300 ns");
        expect_contains(text, "Plan (1 changes):");
        expect_contains(text, "  [cgroupfs] sys/fs/cgroup/system.slice/cpuset.mems: '' -> '0'");
        expect_contains(text, "Page moves (2):\n  [repair] /system.slice from cdm1: all  (/system.slice has 4096");
        expect_contains(text, "  [quota] /jobs/a from cdm1: 2.0M  (job a uses 3145728 bytes of cdm1, over its quota");
        cdm_move_plan_done(&moves);
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
