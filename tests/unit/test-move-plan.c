/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The page moves a cycle decides (lib/model/move-plan.c), with no filesystem. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "move-plan.h"

#define MiB (1ULL << 20)

static cdm_job job(const char *id, uint64_t quota, uint64_t dev, uint64_t sys, cdm_policy policy)
{
        return (cdm_job){ .id = (char *) id, .cgroup = (char *) "/jobs/a", .device = (char *) "cdm1", .quota = quota,
                .policy = policy, .device_bytes = dev, .system_bytes = sys };
}

static void test_quota_excess(void **state)
{
        cdm_job j = job("a", 32 * MiB, 96 * MiB, 0, CDM_POLICY_MANUAL);
        cdm_job_verdict v = cdm_decide_job(&j, true, false);

        assert_int_equal(v.state, CDM_JOB_OVER_QUOTA);
        assert_true(v.over_quota_now);
        assert_true(v.move);
        assert_true(v.to_system);
        assert_int_equal(v.bytes, 64 * MiB); /* the excess, no more */
        assert_false(v.cancel);
        /* Still over at the next audit, its move still running: announced once, no second move. */
        j.state = CDM_JOB_OVER_QUOTA;
        v = cdm_decide_job(&j, true, true);
        assert_int_equal(v.state, CDM_JOB_OVER_QUOTA);
        assert_false(v.over_quota_now);
        assert_false(v.move);
        assert_false(v.cancel);
        /* At the quota exactly: nothing to do. */
        j.device_bytes = 32 * MiB;
        v = cdm_decide_job(&j, true, false);
        assert_int_equal(v.state, CDM_JOB_ACTIVE);
        assert_false(v.move);
}

static void test_device_first(void **state)
{
        cdm_job j = job("a", 64 * MiB, 16 * MiB, 100 * MiB, CDM_POLICY_DEVICE_FIRST);
        cdm_job_verdict v = cdm_decide_job(&j, true, false);

        assert_int_equal(v.state, CDM_JOB_ACTIVE);
        assert_true(v.move);
        assert_false(v.to_system);
        assert_int_equal(v.bytes, 48 * MiB - CDM_DEVICE_FIRST_SLACK);
        /* Within the slack of the quota: a batch would overshoot, so no move. */
        j.device_bytes = 64 * MiB - CDM_DEVICE_FIRST_SLACK;
        assert_false(cdm_decide_job(&j, true, false).move);
        /* Nothing left in system memory. */
        j.device_bytes = 16 * MiB;
        j.system_bytes = 0;
        assert_false(cdm_decide_job(&j, true, false).move);
        /* Over its quota while its move onto the device runs: that move goes the wrong way. */
        j.device_bytes = 80 * MiB;
        j.system_bytes = 10 * MiB;
        v = cdm_decide_job(&j, true, true);
        assert_true(v.cancel);
        assert_false(v.move);
        /* A manual job is not moved onto the device. */
        j = job("b", 64 * MiB, 0, 100 * MiB, CDM_POLICY_MANUAL);
        assert_false(cdm_decide_job(&j, true, false).move);
}

static void test_device_not_online(void **state)
{
        cdm_job j = job("a", 32 * MiB, 96 * MiB, 0, CDM_POLICY_DEVICE_FIRST);
        cdm_job_verdict v = cdm_decide_job(&j, false, true);

        /* The evacuation moves everything: the job's own move stops, nothing else is queued. */
        assert_int_equal(v.state, CDM_JOB_SUSPENDED);
        assert_true(v.cancel);
        assert_false(v.move);
        assert_false(v.over_quota_now);
        v = cdm_decide_job(&j, false, false);
        assert_false(v.cancel);
}

static void test_repair(void **state)
{
        cdm_audit_item spill = { .owner = (char *) "/system.slice", .device = (char *) "cdm1", .file = 4096 };
        cdm_audit_item own = { .owner = (char *) "/jobs/a", .device = (char *) "cdm1", .anon = MiB, .granted = true };
        cdm_move_plan p = { 0 };

        assert_true(cdm_decide_repair(&spill, true, false));
        assert_false(cdm_decide_repair(&spill, true, true));  /* its repair still runs */
        assert_false(cdm_decide_repair(&spill, false, false)); /* [isolation] repair = report */
        assert_false(cdm_decide_repair(&own, true, false));   /* a job's use of its own device */
        assert_int_equal(cdm_plan_repair(&spill, &p), 0);
        assert_int_equal(p.n, 1);
        assert_int_equal(p.items[0].prio, CDM_MOVE_REPAIR);
        assert_string_equal(p.items[0].owner, "spill:cdm1:/system.slice");
        assert_string_equal(p.items[0].cgroup, "/system.slice");
        assert_true(p.items[0].to_system);
        assert_true(p.items[0].bytes == CDM_MOVE_ALL);
        cdm_move_plan_done(&p);
        assert_int_equal(p.n, 0);
}

static void test_revoke_and_evacuation(void **state)
{
        cdm_job j = job("a", 32 * MiB, 8 * MiB, 0, CDM_POLICY_MANUAL);
        cdm_move_plan p = { 0 };

        assert_int_equal(cdm_plan_revoke(&j, &p), 0);
        assert_int_equal(cdm_plan_evacuation("cdm1", false, &p), 0);
        assert_int_equal(cdm_plan_evacuation("cdm2", true, &p), 0);
        assert_int_equal(p.n, 3);
        assert_int_equal(p.items[0].prio, CDM_MOVE_REVOKE);
        assert_string_equal(p.items[0].owner, "job:a");
        assert_string_equal(p.items[0].cgroup, "/jobs/a");
        assert_int_equal(p.items[1].prio, CDM_MOVE_DRAIN);
        assert_null(p.items[1].cgroup); /* every process */
        assert_string_equal(p.items[1].owner, "device:cdm1");
        assert_int_equal(p.items[2].prio, CDM_MOVE_FAULT);
        assert_non_null(strstr(p.items[2].reason, "failed"));
        cdm_move_plan_done(&p);
}

static bool online_unless_cdm2(const char *device, void *userdata)
{
        return strcmp(device, "cdm2") != 0;
}

static bool moving_job_b(const char *owner, void *userdata)
{
        return strcmp(owner, "job:b") == 0;
}

static void test_plan_moves(void **state)
{
        cdm_job items[] = {
                job("a", 32 * MiB, 40 * MiB, 0, CDM_POLICY_MANUAL),          /* 8 MiB over */
                job("b", 32 * MiB, 40 * MiB, 0, CDM_POLICY_MANUAL),          /* over, moving already */
                job("c", 64 * MiB, 0, 32 * MiB, CDM_POLICY_DEVICE_FIRST),    /* room on the device */
                job("d", 32 * MiB, 40 * MiB, 0, CDM_POLICY_MANUAL),          /* its device drains */
        };
        cdm_audit_item audit_items[] = {
                { .owner = (char *) "/", .device = (char *) "cdm1", .anon = 8192 },
                { .owner = (char *) "/jobs/a", .device = (char *) "cdm1", .anon = 40 * MiB, .granted = true },
        };
        cdm_jobs jobs = { .items = items, .n = 4 };
        cdm_audit a = { .items = audit_items, .n_items = 2 };
        cdm_move_plan p = { 0 };

        items[3].device = (char *) "cdm2";
        assert_int_equal(cdm_plan_moves(&(cdm_move_plan_input){ .audit = &a, .jobs = &jobs, .repair = true,
                                                 .device_online = online_unless_cdm2, .moving = moving_job_b },
                                 &p),
                        0);
        assert_int_equal(p.n, 3);
        assert_string_equal(p.items[0].owner, "job:a");
        assert_int_equal(p.items[0].prio, CDM_MOVE_QUOTA);
        assert_int_equal(p.items[0].bytes, 8 * MiB);
        assert_non_null(strstr(p.items[0].reason, "over its quota"));
        assert_string_equal(p.items[1].owner, "job:c");
        assert_int_equal(p.items[1].prio, CDM_MOVE_POLICY);
        assert_false(p.items[1].to_system);
        assert_int_equal(p.items[1].bytes, 64 * MiB - CDM_DEVICE_FIRST_SLACK);
        assert_string_equal(p.items[2].owner, "spill:cdm1:/");
        assert_int_equal(p.items[2].prio, CDM_MOVE_REPAIR);
        cdm_move_plan_done(&p);
}

static bool moving_root(const char *owner, void *userdata)
{
        return strcmp(owner, CDM_MOVE_OWNER_ROOT) == 0 && *(bool *) userdata;
}

static bool online(const char *device, void *userdata)
{
        return true;
}

static void test_root_move(void **state)
{
        int pids[] = { 812, 813 };
        cdm_audit a = { .root_pids = pids, .n_root_pids = 2 }, none = { 0 };
        cdm_move_plan p = { 0 };
        bool moving = false;

        assert_true(cdm_decide_root_move(&a, true, false));
        assert_false(cdm_decide_root_move(&a, false, false)); /* root_cgroup = report */
        assert_false(cdm_decide_root_move(&a, true, true));   /* the last one still moves */
        assert_false(cdm_decide_root_move(&none, true, false));
        assert_int_equal(cdm_plan_moves(&(cdm_move_plan_input){ .audit = &a, .root_move = true, .system_mems = "0-1",
                                                 .device_online = online, .moving = moving_root, .userdata = &moving },
                                 &p),
                        0);
        assert_int_equal(p.n, 1);
        assert_string_equal(p.items[0].owner, CDM_MOVE_OWNER_ROOT);
        assert_string_equal(p.items[0].cgroup, "/");
        assert_int_equal(p.items[0].prio, CDM_MOVE_REPAIR);
        assert_true(p.items[0].to_system);
        assert_non_null(strstr(p.items[0].reason, "2 user processes in the root cgroup"));
        assert_non_null(strstr(p.items[0].reason, CDM_ROOT_MOVE_CGROUP));
        /* First the cgroup they go into, then its fence to the system nodes. */
        assert_int_equal(p.prepare.n_items, 2);
        assert_true(p.prepare.items[0].create);
        assert_string_equal(p.prepare.items[0].object, "sys/fs/cgroup" CDM_ROOT_MOVE_CGROUP);
        assert_false(p.prepare.items[1].create);
        assert_string_equal(p.prepare.items[1].object, "sys/fs/cgroup" CDM_ROOT_MOVE_CGROUP "/cpuset.mems");
        assert_string_equal(p.prepare.items[1].desired, "0-1");
        /* Appended to another plan, with its preparations. */
        {
                cdm_move_plan all = { 0 };

                assert_int_equal(cdm_move_plan_append(&all, &p), 0);
                assert_int_equal(all.n, 1);
                assert_int_equal(all.prepare.n_items, 2);
                assert_true(all.prepare.items[0].create);
                assert_string_equal(all.prepare.items[1].desired, "0-1");
                cdm_move_plan_done(&all);
        }
        cdm_move_plan_done(&p);
        /* Only a cgroup below the root is created. */
        {
                cdm_plan pl = CDM_PLAN_NULL;

                assert_int_equal(cdm_plan_add_create(&pl, "proc/sys/vm/x", "no"), -EINVAL);
                assert_int_equal(cdm_plan_add_create(&pl, "sys/fs/cgroup/", "no"), -EINVAL);
                assert_int_equal(pl.n_items, 0);
                cdm_plan_done(&pl);
        }
        /* Without the system nodes there is nowhere to fence the cgroup to. */
        assert_int_equal(cdm_plan_root_move(&a, "", &p), -EINVAL);
        cdm_move_plan_done(&p);
        moving = true;
        assert_int_equal(cdm_plan_moves(&(cdm_move_plan_input){ .audit = &a, .root_move = true, .system_mems = "0-1",
                                                 .device_online = online, .moving = moving_root, .userdata = &moving },
                                 &p),
                        0);
        assert_int_equal(p.n, 0);
        assert_int_equal(p.prepare.n_items, 0);
        assert_int_equal(cdm_plan_moves(&(cdm_move_plan_input){ .audit = &a, .device_online = online,
                                                 .moving = moving_root, .userdata = &moving },
                                 &p),
                        0);
        assert_int_equal(p.n, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_quota_excess),
                cmocka_unit_test(test_device_first),
                cmocka_unit_test(test_device_not_online),
                cmocka_unit_test(test_repair),
                cmocka_unit_test(test_revoke_and_evacuation),
                cmocka_unit_test(test_plan_moves),
                cmocka_unit_test(test_root_move),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
