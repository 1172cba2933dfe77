/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config-ini.h"
#include "layout.h"
#include "topology-builder.h"

#define GiB (1024ULL * 1024 * 1024)

static cdm_config *config(const char *text)
{
        cdm_config *c = NULL;
        char *errors = NULL;
        unsigned n = 0;

        assert_int_equal(cdm_config_new(&c), 0);
        if (cdm_config_parse_string(c, text, strlen(text), "t.conf", &errors, &n) < 0)
                fail_msg("%s", errors);
        free(errors);
        return c;
}

static void test_gh200_like(void **state)
{
        cdm_topology *t = builder_new(512ULL << 20);
        cdm_config *c = config("");
        cdm_layout *l = NULL;
        cdm_node *hbm;

        builder_node(t, 0, "0-71", 480 * GiB, 0, CDM_BLOCK_ONLINE, CDM_ZONE_NORMAL);
        hbm = builder_node(t, 1, "", 4 * GiB, 8, CDM_BLOCK_ONLINE, CDM_ZONE_MOVABLE);
        hbm->nvidia_gpu = strdup("0009:01:00.0");
        assert_int_equal(cdm_layout_build(t, c, &l), 0);
        assert_int_equal(cdm_nodemask_count(&l->system_nodes), 1);
        assert_true(cdm_nodemask_test(&l->system_nodes, 0));
        assert_int_equal(l->n_devices, 1);
        assert_string_equal(l->devices[0].name, "cdm1");
        assert_int_equal(l->devices[0].kind, CDM_KIND_GPU);
        assert_int_equal(l->devices[0].source, CDM_SOURCE_NVIDIA);
        assert_int_equal(l->devices[0].total_bytes, 4 * GiB);
        assert_int_equal(l->n_warnings, 0);
        assert_int_equal(cdm_node_online_zone(hbm), CDM_ZONE_MOVABLE);
        cdm_layout_free(l);
        cdm_config_free(c);
        cdm_topology_free(t);
}

static void test_offline_hotplug_is_device(void **state)
{
        cdm_topology *t = builder_new(128ULL << 20);
        cdm_config *c = config("");
        cdm_layout *l = NULL;
        cdm_node *n;

        builder_node(t, 0, "0-1", 1 * GiB, 0, CDM_BLOCK_ONLINE, CDM_ZONE_NORMAL);
        n = builder_node(t, 1, "", 0, 8, CDM_BLOCK_OFFLINE, CDM_ZONE_NORMAL);
        assert_false(n->has_memory);
        assert_int_equal(cdm_layout_build(t, c, &l), 0);
        assert_int_equal(l->n_devices, 1);
        assert_int_equal(l->devices[0].total_bytes, 8 * (128ULL << 20));
        assert_int_equal(l->devices[0].source, CDM_SOURCE_CPULESS);
        assert_int_equal(cdm_node_online_zone(n), CDM_ZONE_NONE);
        assert_int_equal(cdm_node_blocks_online(n), 0);
        cdm_layout_free(l);
        cdm_config_free(c);
        cdm_topology_free(t);
}

static void test_memoryless_nodes_ignored(void **state)
{
        cdm_topology *t = builder_new(512ULL << 20);
        cdm_config *c = config("");
        cdm_layout *l = NULL;

        builder_node(t, 0, "0-71", 8 * GiB, 0, CDM_BLOCK_ONLINE, CDM_ZONE_NORMAL);
        builder_node(t, 2, "", 4 * GiB, 2, CDM_BLOCK_ONLINE, CDM_ZONE_MOVABLE);
        builder_node(t, 3, "", 0, 0, CDM_BLOCK_ONLINE, CDM_ZONE_NONE);
        builder_node(t, 4, "", 0, 0, CDM_BLOCK_ONLINE, CDM_ZONE_NONE);
        assert_int_equal(cdm_layout_build(t, c, &l), 0);
        assert_int_equal(l->n_devices, 1);
        assert_string_equal(l->devices[0].name, "cdm2");
        assert_int_equal(cdm_nodemask_count(&l->ignored_nodes), 2);
        assert_true(cdm_nodemask_test(&l->ignored_nodes, 3));
        cdm_layout_free(l);
        cdm_config_free(c);
        cdm_topology_free(t);
}

static void test_config_groups_and_overrides(void **state)
{
        cdm_topology *t = builder_new(256ULL << 20);
        cdm_config *c = config("[device gpus]\nnodes = 252-253\nkind = gpu\nreserve = 1G\n"
                               "[device extra]\nnodes = 8,300\n");
        cdm_layout *l = NULL;
        cdm_node *n;

        builder_node(t, 0, "0-79", 8 * GiB, 0, CDM_BLOCK_ONLINE, CDM_ZONE_NORMAL);
        builder_node(t, 8, "80-159", 8 * GiB, 0, CDM_BLOCK_ONLINE, CDM_ZONE_NORMAL);
        n = builder_node(t, 252, "", 2 * GiB, 8, CDM_BLOCK_ONLINE, CDM_ZONE_MOVABLE);
        n->hmat = (cdm_hmat){ .present = true, .read_bandwidth_mbps = 900, .read_latency_ns = 400 };
        n = builder_node(t, 253, "", 2 * GiB, 8, CDM_BLOCK_ONLINE, CDM_ZONE_MOVABLE);
        n->hmat = (cdm_hmat){ .present = true, .read_bandwidth_mbps = 800, .read_latency_ns = 300 };
        builder_node(t, 254, "", 2 * GiB, 8, CDM_BLOCK_ONLINE, CDM_ZONE_MOVABLE);
        assert_int_equal(cdm_layout_build(t, c, &l), 0);

        assert_int_equal(l->n_devices, 3);
        assert_string_equal(l->devices[0].name, "gpus");
        assert_int_equal(l->devices[0].kind, CDM_KIND_GPU);
        assert_int_equal(l->devices[0].source, CDM_SOURCE_CONFIG);
        assert_int_equal(l->devices[0].total_bytes, 4 * GiB);
        assert_int_equal(l->devices[0].reserve_bytes, 1 * GiB);
        assert_int_equal(l->devices[0].read_bandwidth_mbps, 800); /* the slower node */
        assert_int_equal(l->devices[0].read_latency_ns, 400);
        /* A CPU node claimed by a device section is a device node: override "either way". */
        assert_string_equal(l->devices[1].name, "extra");
        assert_true(cdm_nodemask_test(&l->devices[1].nodes, 8));
        assert_false(cdm_nodemask_test(&l->system_nodes, 8));
        assert_string_equal(l->devices[2].name, "cdm254");
        assert_int_equal(l->n_warnings, 1);
        assert_non_null(strstr(l->warnings[0], "node 300 is not online"));
        assert_ptr_equal(cdm_layout_device_of_node(l, 253), &l->devices[0]);
        assert_null(cdm_layout_device_of_node(l, 0));
        cdm_layout_free(l);
        cdm_config_free(c);
        cdm_topology_free(t);
}

static void test_explicit_system_nodes(void **state)
{
        cdm_topology *t = builder_new(128ULL << 20);
        cdm_config *c = config("[isolation]\nsystem_nodes = 0,2\n");
        cdm_layout *l = NULL;

        builder_node(t, 0, "0-15", 8 * GiB, 0, CDM_BLOCK_ONLINE, CDM_ZONE_NORMAL);
        builder_node(t, 1, "16-31", 8 * GiB, 0, CDM_BLOCK_ONLINE, CDM_ZONE_NORMAL);
        /* A CPU-less CXL node the operator wants used as ordinary memory. */
        builder_node(t, 2, "", 8 * GiB, 4, CDM_BLOCK_ONLINE, CDM_ZONE_MOVABLE);
        assert_int_equal(cdm_layout_build(t, c, &l), 0);
        assert_int_equal(l->n_devices, 0);
        assert_true(cdm_nodemask_test(&l->system_nodes, 2));
        assert_true(cdm_nodemask_test(&l->ignored_nodes, 1));
        assert_int_equal(l->n_warnings, 1);
        assert_non_null(strstr(l->warnings[0], "node 1 has CPUs and memory but is not in system_nodes"));
        cdm_layout_free(l);
        cdm_config_free(c);
        cdm_topology_free(t);
}

static void test_name_collision(void **state)
{
        cdm_topology *t = builder_new(128ULL << 20);
        cdm_config *c = config("[device cdm2]\nnodes = 1\n");
        cdm_layout *l = NULL;

        builder_node(t, 0, "0", 8 * GiB, 0, CDM_BLOCK_ONLINE, CDM_ZONE_NORMAL);
        builder_node(t, 1, "", 1 * GiB, 1, CDM_BLOCK_ONLINE, CDM_ZONE_MOVABLE);
        builder_node(t, 2, "", 1 * GiB, 1, CDM_BLOCK_ONLINE, CDM_ZONE_MOVABLE);
        assert_int_equal(cdm_layout_build(t, c, &l), 0);
        assert_int_equal(l->n_devices, 2);
        assert_string_equal(l->devices[0].name, "cdm2");
        assert_string_equal(l->devices[1].name, "node2");
        cdm_layout_free(l);
        cdm_config_free(c);
        cdm_topology_free(t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_gh200_like),
                cmocka_unit_test(test_offline_hotplug_is_device),
                cmocka_unit_test(test_memoryless_nodes_ignored),
                cmocka_unit_test(test_config_groups_and_overrides),
                cmocka_unit_test(test_explicit_system_nodes),
                cmocka_unit_test(test_name_collision),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
