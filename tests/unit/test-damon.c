/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "damon.h"

#define MiB (1024ULL * 1024)

static const char *value_of(const cdm_damon_writes *w, const char *path)
{
        for (size_t i = 0; i < w->n; i++)
                if (strcmp(w->items[i].path, path) == 0)
                        return w->items[i].value;
        fail_msg("no write to %s", path);
        return NULL;
}

static ssize_t index_of(const cdm_damon_writes *w, const char *path)
{
        for (size_t i = 0; i < w->n; i++)
                if (strcmp(w->items[i].path, path) == 0)
                        return (ssize_t) i;
        return -1;
}

static const cdm_damon_range regions[] = { { 0, 1024 * MiB }, { 4096 * MiB, 5120 * MiB } };

static cdm_damon_job job(const char *cgroup, uint64_t quota, uint64_t device_bytes)
{
        return (cdm_damon_job){ .cgroup = cgroup, .device_node = 1, .system_node = 0,
                .device = { 4096 * MiB, 5120 * MiB }, .quota = quota, .device_bytes = device_bytes };
}

static void test_build_one_job(void **state)
{
        cdm_damon_params p = { .regions = regions, .n_regions = 2, .cold_after_usec = 3000000,
                .bandwidth_mbps = 100 };
        cdm_damon_job j = job("/t.slice/job1", 256 * MiB, 0);
        cdm_damon_writes w;
        const char *s0 = "kdamonds/2/contexts/0/schemes/0", *s1 = "kdamonds/2/contexts/0/schemes/1";
        char path[256];

        assert_int_equal(cdm_damon_build(&p, &j, 1, 2, &w), 0);
        assert_string_equal(w.items[0].path, "kdamonds/2/contexts/nr_contexts");
        assert_string_equal(value_of(&w, "kdamonds/2/contexts/0/operations"), "paddr");
        assert_string_equal(value_of(&w, "kdamonds/2/contexts/0/targets/0/regions/nr_regions"), "2");
        assert_string_equal(value_of(&w, "kdamonds/2/contexts/0/targets/0/regions/1/start"), "4294967296");
        assert_string_equal(value_of(&w, "kdamonds/2/contexts/0/targets/0/regions/1/end"), "5368709120");
        assert_string_equal(value_of(&w, "kdamonds/2/contexts/0/schemes/nr_schemes"), "2");
        /* nr_regions before the regions, nr_schemes before the schemes, nr_filters before the filters */
        assert_true(index_of(&w, "kdamonds/2/contexts/0/targets/0/regions/nr_regions") <
                    index_of(&w, "kdamonds/2/contexts/0/targets/0/regions/0/start"));
        assert_true(index_of(&w, "kdamonds/2/contexts/0/schemes/nr_schemes") <
                    index_of(&w, "kdamonds/2/contexts/0/schemes/0/action"));

#define V(s, rel) (snprintf(path, sizeof(path), "%s/%s", (s), (rel)), value_of(&w, path))
        assert_string_equal(V(s0, "action"), "migrate_cold");
        assert_string_equal(V(s0, "target_nid"), "1");
        assert_string_equal(V(s0, "access_pattern/nr_accesses/max"), "0");
        assert_string_equal(V(s0, "access_pattern/age/min"), "30"); /* 3 s of 100 ms intervals */
        assert_string_equal(V(s0, "quotas/bytes"), "100000000"); /* 100 MB/s over 1 s */
        assert_string_equal(V(s0, "quotas/reset_interval_ms"), "1000");
        assert_string_equal(V(s0, "filters/0/type"), "memcg");
        assert_string_equal(V(s0, "filters/0/memcg_path"), "/t.slice/job1");
        assert_string_equal(V(s0, "filters/0/matching"), "N");
        assert_string_equal(V(s0, "filters/1/type"), "addr");
        assert_string_equal(V(s0, "filters/1/addr_start"), "4294967296");
        assert_string_equal(V(s0, "filters/1/matching"), "Y");
        assert_string_equal(V(s1, "action"), "migrate_hot");
        assert_string_equal(V(s1, "target_nid"), "0");
        assert_string_equal(V(s1, "access_pattern/nr_accesses/min"), "1");
        assert_string_equal(V(s1, "access_pattern/age/min"), "0");
        /* The hot scheme drops the system range (regions[0]), not the device's. */
        assert_string_equal(V(s1, "filters/nr_filters"), "3");
        assert_string_equal(V(s1, "filters/1/type"), "addr");
        assert_string_equal(V(s1, "filters/1/addr_start"), "0");
        assert_string_equal(V(s1, "filters/1/addr_end"), "1073741824");
        assert_string_equal(V(s1, "filters/1/matching"), "Y");
        /* Page by page, last: the cold scheme drops accessed pages, the hot one the others. */
        assert_string_equal(V(s0, "filters/nr_filters"), "3");
        assert_string_equal(V(s0, "filters/2/type"), "young");
        assert_string_equal(V(s0, "filters/2/matching"), "Y");
        assert_string_equal(V(s1, "filters/2/type"), "young");
        assert_string_equal(V(s1, "filters/2/matching"), "N");
        assert_int_equal(index_of(&w, "kdamonds/2/contexts/0/schemes/0/filters/3/type"), -1);
        assert_string_equal(V(s1, "quotas/bytes"), "100000000");
        assert_int_equal(index_of(&w, "kdamonds/2/contexts/0/schemes/2/action"), -1);
#undef V
        cdm_damon_writes_done(&w);
}

static void test_build_quota(void **state)
{
        cdm_damon_params p = { .regions = regions, .n_regions = 2, .cold_after_usec = 5000000 };
        cdm_damon_job jobs[2] = { job("/a", 64 * MiB, 10 * MiB), job("/b", 64 * MiB, 63 * MiB) };
        cdm_damon_writes w, w2;

        assert_int_equal(cdm_damon_build(&p, jobs, 2, 0, &w), 0);
        assert_string_equal(value_of(&w, "kdamonds/0/contexts/0/schemes/nr_schemes"), "4");
        /* No bandwidth cap: the room under the quota, less the slack. */
        assert_string_equal(value_of(&w, "kdamonds/0/contexts/0/schemes/0/quotas/bytes"), "54525952");
        assert_string_equal(value_of(&w, "kdamonds/0/contexts/0/schemes/1/quotas/bytes"), "0");
        /* Within the slack of its quota: the cold scheme only counts. */
        assert_string_equal(value_of(&w, "kdamonds/0/contexts/0/schemes/2/action"), "stat");
        assert_string_equal(value_of(&w, "kdamonds/0/contexts/0/schemes/3/action"), "migrate_hot");
        assert_string_equal(value_of(&w, "kdamonds/0/contexts/0/schemes/2/filters/0/memcg_path"), "/b");

        assert_int_equal(cdm_damon_build(&p, jobs, 2, 0, &w2), 0);
        assert_true(cdm_damon_writes_equal(&w, &w2));
        cdm_damon_writes_done(&w2);
        jobs[0].quota = 128 * MiB;
        assert_int_equal(cdm_damon_build(&p, jobs, 2, 0, &w2), 0);
        assert_false(cdm_damon_writes_equal(&w, &w2));
        cdm_damon_writes_done(&w2);
        cdm_damon_writes_done(&w);

        /* No job: the context stays, with no scheme. */
        assert_int_equal(cdm_damon_build(&p, NULL, 0, 0, &w), 0);
        assert_string_equal(value_of(&w, "kdamonds/0/contexts/0/schemes/nr_schemes"), "0");
        cdm_damon_writes_done(&w);

        p.n_regions = 0;
        assert_int_equal(cdm_damon_build(&p, jobs, 2, 0, &w), -EINVAL);
        assert_int_equal(w.n, 0);
}

/* A sweep: every page of the memcg in the device range goes back, accessed or not. */
static void test_build_sweep(void **state)
{
        cdm_damon_params p = { .regions = regions, .n_regions = 2, .cold_after_usec = 5000000,
                .bandwidth_mbps = 50 };
        cdm_damon_job jobs[2] = { job("/a", 64 * MiB, 10 * MiB), job("/user.slice/s.scope", 0, 0) };
        const char *s2 = "kdamonds/0/contexts/0/schemes/2", *s3 = "kdamonds/0/contexts/0/schemes/3";
        cdm_damon_writes w;
        char path[256];

#define V(s, rel) (snprintf(path, sizeof(path), "%s/%s", (s), (rel)), value_of(&w, path))
        jobs[1].sweep = true;
        assert_int_equal(cdm_damon_build(&p, jobs, 2, 0, &w), 0);
        assert_string_equal(value_of(&w, "kdamonds/0/contexts/0/schemes/nr_schemes"), "4");
        /* The job keeps its own thresholds. */
        assert_string_equal(value_of(&w, "kdamonds/0/contexts/0/schemes/1/access_pattern/nr_accesses/min"), "1");
        /* Nothing goes to the device for a sweep; everything of it there comes back. */
        assert_string_equal(V(s2, "action"), "stat");
        assert_string_equal(V(s3, "action"), "migrate_hot");
        assert_string_equal(V(s3, "target_nid"), "0");
        assert_string_equal(V(s3, "access_pattern/nr_accesses/min"), "0");
        assert_string_equal(V(s3, "access_pattern/nr_accesses/max"), "4294967295");
        assert_string_equal(V(s3, "access_pattern/age/min"), "0");
        assert_string_equal(V(s3, "quotas/bytes"), "0"); /* time only: the walk covers the device */
        assert_string_equal(V(s3, "quotas/ms"), "50");
        assert_string_equal(value_of(&w, "kdamonds/0/contexts/0/schemes/1/quotas/ms"), "500");
        assert_string_equal(V(s3, "filters/0/memcg_path"), "/user.slice/s.scope");
        assert_string_equal(V(s3, "filters/0/matching"), "N");
        /* Only the device range: the system region is dropped. */
        assert_string_equal(V(s3, "filters/nr_filters"), "2");
        assert_string_equal(V(s3, "filters/1/addr_start"), "0");
        assert_string_equal(V(s3, "filters/1/addr_end"), "1073741824");
        /* Hot or not: no young filter. */
        assert_int_equal(index_of(&w, "kdamonds/0/contexts/0/schemes/3/filters/2/type"), -1);
        assert_string_equal(value_of(&w, "kdamonds/0/contexts/0/schemes/1/filters/nr_filters"), "3");
#undef V
        cdm_damon_writes_done(&w);
}

/* A sweep of a whole device (no job is granted it): no memcg filter on the hot scheme, which
 * keeps only the device's own ranges, not another node's memory between them. */
static void test_build_sweep_device(void **state)
{
        static const cdm_damon_range four[] = { { 0, 1024 * MiB }, { 4096 * MiB, 4608 * MiB },
                { 4608 * MiB, 5120 * MiB }, { 5120 * MiB, 5632 * MiB } };
        static const cdm_damon_range dev[] = { { 4096 * MiB, 4608 * MiB }, { 5120 * MiB, 5632 * MiB } };
        cdm_damon_params p = { .regions = four, .n_regions = 4, .cold_after_usec = 5000000 };
        cdm_damon_job j = { .device_node = 1, .device = { 4096 * MiB, 5632 * MiB }, .sweep = true,
                .ranges = dev, .n_ranges = 2 };
        const char *s0 = "kdamonds/0/contexts/0/schemes/0", *s1 = "kdamonds/0/contexts/0/schemes/1";
        cdm_damon_writes w;
        char path[256];

#define V(s, rel) (snprintf(path, sizeof(path), "%s/%s", (s), (rel)), value_of(&w, path))
        assert_int_equal(cdm_damon_build(&p, &j, 1, 0, &w), 0);
        /* Scheme 0 keeps the shape of cdmd's (a memcg filter, then an addr one) and only counts. */
        assert_string_equal(V(s0, "action"), "stat");
        assert_string_equal(V(s0, "filters/0/type"), "memcg");
        assert_string_equal(V(s0, "filters/0/memcg_path"), "/");
        assert_string_equal(V(s0, "filters/1/type"), "addr");
        assert_string_equal(V(s1, "action"), "migrate_hot");
        assert_string_equal(V(s1, "access_pattern/nr_accesses/min"), "0");
        /* Dropped: the system range and node 2's range between the device's two. */
        assert_string_equal(V(s1, "filters/nr_filters"), "2");
        assert_string_equal(V(s1, "filters/0/type"), "addr");
        assert_string_equal(V(s1, "filters/0/addr_start"), "0");
        assert_string_equal(V(s1, "filters/0/addr_end"), "1073741824");
        assert_string_equal(V(s1, "filters/0/matching"), "Y");
        assert_string_equal(V(s1, "filters/1/type"), "addr");
        assert_string_equal(V(s1, "filters/1/addr_start"), "4831838208");
        assert_string_equal(V(s1, "filters/1/addr_end"), "5368709120");
        assert_int_equal(index_of(&w, "kdamonds/0/contexts/0/schemes/1/filters/0/memcg_path"), -1);
        cdm_damon_writes_done(&w);
        /* A job needs its cgroup. */
        j.sweep = false;
        assert_int_equal(cdm_damon_build(&p, &j, 1, 0, &w), -EINVAL);
#undef V
}

static void test_cold_bytes(void **state)
{
        cdm_damon_job j = job("/a", 256 * MiB, 0);
        bool stop;

        assert_int_equal(cdm_damon_cold_bytes(&j, 0, &stop), 254 * MiB);
        assert_false(stop);
        assert_int_equal(cdm_damon_cold_bytes(&j, 10, &stop), 10000000);
        j.device_bytes = 300 * MiB;
        assert_int_equal(cdm_damon_cold_bytes(&j, 10, &stop), 0);
        assert_true(stop);
        j.device_bytes = 254 * MiB;
        (void) cdm_damon_cold_bytes(&j, 0, &stop);
        assert_true(stop);
        assert_int_equal(cdm_damon_bandwidth_bytes(1000000), 1000000000000ULL);
}

static void test_ranges(void **state)
{
        unsigned ids[] = { 33, 32, 7, 34, 1, 2 };
        cdm_damon_range *r = NULL;
        size_t n = 0;

        assert_int_equal(cdm_damon_blocks_to_ranges(ids, 6, 128 * MiB, &r, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(r[0].start, 128 * MiB);
        assert_int_equal(r[0].end, 384 * MiB);
        assert_int_equal(r[1].start, 7 * 128 * MiB);
        assert_int_equal(r[1].end, 8 * 128 * MiB);
        assert_int_equal(r[2].start, 32 * 128 * MiB);
        assert_int_equal(r[2].end, 35 * 128 * MiB);
        assert_int_equal(cdm_damon_blocks_to_ranges(ids, 6, 0, &r, &n), 0);
        assert_int_equal(n, 3);
        free(r);
}

static void test_parse(void **state)
{
        uint64_t u = 7;

        assert_int_equal(cdm_damon_parse_u64("123\n", 4, &u), 0);
        assert_int_equal(u, 123);
        assert_int_equal(cdm_damon_parse_u64("18446744073709551615", 20, &u), 0);
        assert_int_equal(u, UINT64_MAX);
        assert_int_equal(cdm_damon_parse_u64("\n", 1, &u), -EINVAL);
        assert_int_equal(cdm_damon_parse_u64("12x\n", 4, &u), -EINVAL);
        assert_int_equal(cdm_damon_parse_u64("-1\n", 3, &u), -EINVAL);
        assert_true(cdm_damon_parse_running("on\n", 3));
        assert_false(cdm_damon_parse_running("off\n", 4));
        assert_false(cdm_damon_parse_running("one\n", 4));
        assert_int_equal(cdm_damon_delta(100, 250), 150);
        assert_int_equal(cdm_damon_delta(100, 40), 40); /* restarted */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_build_one_job),
                cmocka_unit_test(test_build_quota),
                cmocka_unit_test(test_build_sweep),
                cmocka_unit_test(test_build_sweep_device),
                cmocka_unit_test(test_cold_bytes),
                cmocka_unit_test(test_ranges),
                cmocka_unit_test(test_parse),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
