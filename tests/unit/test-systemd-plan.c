/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which cgroups are systemd's, and what the isolation plan writes through systemd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup-parse.h"
#include "cgroup-tree.h"
#include "config-ini.h"
#include "isolation.h"
#include "layout.h"
#include "topology-builder.h"

#define GiB (1024ULL * 1024 * 1024)

static void expect_unit(const char *path, const char *unit)
{
        char *u = NULL;
        int r = cdm_cgroup_systemd_unit(path, &u);

        if (!unit) {
                assert_int_equal(r, 0);
                assert_null(u);
                return;
        }
        assert_int_equal(r, 1);
        assert_string_equal(u, unit);
        free(u);
}

static void test_unit_of_cgroup(void **state)
{
        expect_unit("/", "-.slice");
        expect_unit("/system.slice", "system.slice");
        expect_unit("/init.scope", "init.scope");
        expect_unit("/dev-hugepages.mount", "dev-hugepages.mount");
        expect_unit("/system.slice/slurmd.service", "slurmd.service");
        expect_unit("/system.slice/host_slurmstepd.scope", "host_slurmstepd.scope");
        expect_unit("/user.slice/user-1000.slice/session-3.scope", "session-3.scope");
        expect_unit("/system.slice/sshd.socket", "sshd.socket");
        /* Below a delegated unit the cgroups are the delegatee's. */
        expect_unit("/system.slice/host_slurmstepd.scope/job_7", NULL);
        expect_unit("/system.slice/host_slurmstepd.scope/job_7/step_0", NULL);
        expect_unit("/user.slice/user-1000.slice/user@1000.service/app.slice", NULL);
        expect_unit("/system.slice/docker.service/x.scope", NULL);
        /* Not unit names at all. */
        expect_unit("/cdmd-root-processes", NULL);
        expect_unit("/kubepods/burstable", NULL);
        expect_unit("/.slice", NULL);
        expect_unit("system.slice", NULL);
        expect_unit("", NULL);
        assert_true(cdm_unit_is_slice("user.slice"));
        assert_false(cdm_unit_is_slice("init.scope"));
}

typedef struct fixture {
        cdm_topology *topo;
        cdm_layout *layout;
        cdm_config *config;
        cdm_cgroup_tree tree;
} fixture;

static void add(fixture *f, const char *path, ssize_t parent, const char *mems, const char *subtree,
                const char *unit, const char *unit_mems)
{
        cdm_cgroup *c;

        f->tree.items = realloc(f->tree.items, (f->tree.n + 1) * sizeof(cdm_cgroup));
        assert_non_null(f->tree.items);
        c = &f->tree.items[f->tree.n++];
        *c = (cdm_cgroup){ .path = strdup(path), .parent = parent, .exists = true,
                .cpuset_mems = mems ? strdup(mems) : NULL, .subtree_control = strdup(subtree ?: ""),
                .unit = unit ? strdup(unit) : NULL, .unit_mems = unit_mems ? strdup(unit_mems) : NULL };
}

static void setup_host(fixture *f)
{
        char *errors = NULL;
        unsigned n = 0;

        *f = (fixture){ .topo = builder_new(128ULL << 20) };
        builder_node(f->topo, 0, "0-1", 2 * GiB, 0, CDM_BLOCK_ONLINE, CDM_ZONE_NORMAL);
        builder_node(f->topo, 1, "", 1 * GiB, 8, CDM_BLOCK_ONLINE, CDM_ZONE_MOVABLE);
        assert_int_equal(cdm_config_new(&f->config), 0);
        assert_int_equal(cdm_config_parse_string(f->config, "", 0, "t.conf", &errors, &n), 0);
        free(errors);
        assert_int_equal(cdm_layout_build(f->topo, f->config, &f->layout), 0);
        assert_int_equal(f->layout->n_devices, 1);
        /* A systemd host as cdmd finds it: cpuset on for some units, others unset. */
        add(f, "/", -1, NULL, "cpu memory pids", "-.slice", NULL);
        add(f, "/system.slice", 0, "", "cpu memory pids", "system.slice", "");
        add(f, "/init.scope", 0, "0", "", "init.scope", "0");
        add(f, "/user.slice", 0, "", "memory", "user.slice", "0");
        add(f, "/cdmd-root-processes", 0, "", "", NULL, NULL);
        add(f, "/system.slice/train.service", 1, "", "", "train.service", "");
        add(f, "/system.slice/sshd.service", 1, "", "", "sshd.service", "");
        add(f, "/system.slice/host_slurmstepd.scope", 1, "", "cpuset memory", "host_slurmstepd.scope", "0");
}

static void teardown_host(fixture *f)
{
        cdm_cgroup_tree t = f->tree;

        for (size_t i = 0; i < t.n; i++) {
                free(t.items[i].path);
                free(t.items[i].cpuset_mems);
                free(t.items[i].subtree_control);
                free(t.items[i].unit);
                free(t.items[i].unit_mems);
        }
        free(t.items);
        cdm_layout_free(f->layout);
        cdm_topology_free(f->topo);
        cdm_config_free(f->config);
}

static ssize_t find(const cdm_plan *p, const char *object)
{
        for (size_t i = 0; i < p->n_items; i++)
                if (streq(p->items[i].object, object))
                        return (ssize_t) i;
        return -1;
}

static void test_plan_on_systemd_host(void **state)
{
        fixture f;
        cdm_grant g = { .id = "train", .cgroup = "/system.slice/train.service", .device = NULL };
        cdm_plan p = CDM_PLAN_NULL;
        ssize_t fence, open, job;

        setup_host(&f);
        g.device = f.layout->devices[0].name;
        cdm_isolation_input in = { .topo = f.topo, .layout = f.layout, .config = f.config,
                .cgroups = &f.tree, .grants = &g, .n_grants = 1 };

        assert_int_equal(cdm_isolation_plan(&in, &p), 0);
        for (size_t i = 0; i < p.n_items; i++)
                print_message("%s: '%s' -> '%s' (%s)\n", p.items[i].object, p.items[i].current,
                                p.items[i].desired, p.items[i].reason);
        /* systemd owns the controllers of the root and of its slices: none written. */
        assert_true(find(&p, "sys/fs/cgroup/cgroup.subtree_control") < 0);
        assert_true(find(&p, "sys/fs/cgroup/system.slice/cgroup.subtree_control") < 0);
        /* Units get the property, never a write of their cgroup. */
        assert_true(find(&p, "sys/fs/cgroup/system.slice/cpuset.mems") < 0);
        assert_true(find(&p, "sys/fs/cgroup/system.slice/sshd.service/cpuset.mems") < 0);
        fence = find(&p, "systemd/system.slice/sshd.service/AllowedMemoryNodes");
        open = find(&p, "systemd/system.slice/AllowedMemoryNodes");
        job = find(&p, "systemd/system.slice/train.service/AllowedMemoryNodes");
        assert_true(fence >= 0 && open >= 0 && job >= 0);
        assert_string_equal(p.items[fence].desired, "0");
        assert_string_equal(p.items[open].desired, "0-1");
        assert_string_equal(p.items[job].desired, "0-1");
        /* Siblings are fenced before the ancestor opens: no window. */
        assert_true(fence < open && open < job);
        assert_string_equal(cdm_plan_object_backend(p.items[fence].object), "systemd");
        /* Property right, cgroup not (systemd did not apply it): written directly. */
        assert_true(find(&p, "sys/fs/cgroup/user.slice/cpuset.mems") >= 0);
        assert_true(find(&p, "systemd/user.slice/AllowedMemoryNodes") < 0);
        /* Right on both counts: nothing. */
        assert_true(find(&p, "systemd/init.scope/AllowedMemoryNodes") < 0);
        assert_true(find(&p, "sys/fs/cgroup/init.scope/cpuset.mems") < 0);
        /* Not systemd's: the file, as on any host. */
        assert_true(find(&p, "sys/fs/cgroup/cdmd-root-processes/cpuset.mems") >= 0);
        assert_string_equal(cdm_plan_object_backend("sys/fs/cgroup/cdmd-root-processes/cpuset.mems"),
                        "cgroupfs");
        cdm_plan_done(&p);
        teardown_host(&f);
}

static void test_delegated_job(void **state)
{
        fixture f;
        cdm_grant g = { .id = "slurm-7", .cgroup = "/system.slice/host_slurmstepd.scope/job_7" };
        cdm_plan p = CDM_PLAN_NULL;
        ssize_t scope, job, sub;

        setup_host(&f);
        g.device = f.layout->devices[0].name;
        add(&f, "/system.slice/host_slurmstepd.scope/job_7", 7, "0", "", NULL, NULL);
        add(&f, "/system.slice/host_slurmstepd.scope/job_8", 7, "0", "", NULL, NULL);
        /* Slurm made the job's step before the grant, fenced: "0" on step_0/user, the rest inherits. */
        add(&f, "/system.slice/host_slurmstepd.scope/job_7/step_0", 8, "", "", NULL, NULL);
        add(&f, "/system.slice/host_slurmstepd.scope/job_7/step_0/user", 10, "0", "", NULL, NULL);
        add(&f, "/system.slice/host_slurmstepd.scope/job_7/step_0/slurm", 10, "", "", NULL, NULL);
        cdm_isolation_input in = { .topo = f.topo, .layout = f.layout, .config = f.config,
                .cgroups = &f.tree, .grants = &g, .n_grants = 1 };

        assert_int_equal(cdm_isolation_plan(&in, &p), 0);
        /* The delegated scope is a unit: its own nodes through systemd; below it, files. */
        scope = find(&p, "systemd/system.slice/host_slurmstepd.scope/AllowedMemoryNodes");
        job = find(&p, "sys/fs/cgroup/system.slice/host_slurmstepd.scope/job_7/cpuset.mems");
        assert_true(scope >= 0 && job >= 0);
        assert_true(scope < job);
        assert_true(find(&p, "sys/fs/cgroup/system.slice/host_slurmstepd.scope/job_8/cpuset.mems") < 0);
        /* Inside the job: the explicit value is opened, after the job; what inherits is left. */
        sub = find(&p, "sys/fs/cgroup/system.slice/host_slurmstepd.scope/job_7/step_0/user/cpuset.mems");
        assert_true(sub > job);
        assert_string_equal(p.items[sub].desired, "0-1");
        assert_true(find(&p, "sys/fs/cgroup/system.slice/host_slurmstepd.scope/job_7/step_0/cpuset.mems") < 0);
        assert_true(find(&p, "sys/fs/cgroup/system.slice/host_slurmstepd.scope/job_7/step_0/slurm/cpuset.mems") < 0);
        /* A scope's subtree_control is the delegatee's: cpuset already on, nothing written. */
        sub = find(&p, "sys/fs/cgroup/system.slice/host_slurmstepd.scope/cgroup.subtree_control");
        assert_true(sub < 0);
        cdm_plan_done(&p);
        teardown_host(&f);
}

static void test_self_opened(void **state)
{
        fixture f;
        cdm_plan p = CDM_PLAN_NULL;
        ssize_t slice, self;

        setup_host(&f);
        add(&f, "/cdmd.slice", 0, "", "", "cdmd.slice", "");
        add(&f, "/cdmd.slice/cdmd.service", 8, "", "", "cdmd.service", "");
        cdm_isolation_input in = { .topo = f.topo, .layout = f.layout, .config = f.config,
                .cgroups = &f.tree, .self_cgroup = "/cdmd.slice/cdmd.service" };

        assert_int_equal(cdm_isolation_plan(&in, &p), 0);
        /* cdmd may allocate on the device the pages it moves there; nothing else opens. */
        slice = find(&p, "systemd/cdmd.slice/AllowedMemoryNodes");
        self = find(&p, "systemd/cdmd.slice/cdmd.service/AllowedMemoryNodes");
        assert_true(slice >= 0 && self > slice);
        assert_string_equal(p.items[slice].desired, "0-1");
        assert_string_equal(p.items[self].desired, "0-1");
        assert_string_equal(p.items[find(&p, "systemd/system.slice/AllowedMemoryNodes")].desired, "0");
        assert_true(find(&p, "systemd/system.slice/sshd.service/AllowedMemoryNodes") < 0);
        cdm_plan_done(&p);
        teardown_host(&f);
}

static void test_default_fence(void **state)
{
        fixture f;
        cdm_plan p = CDM_PLAN_NULL;
        cdm_isolation_input in;

        setup_host(&f);
        in = (cdm_isolation_input){ .topo = f.topo, .layout = f.layout, .config = f.config,
                .cgroups = &f.tree, .unit_default_mems = "" };
        /* No default yet: it comes first, before any unit's own fence. */
        assert_int_equal(cdm_isolation_plan(&in, &p), 0);
        assert_true(p.n_items > 1);
        assert_string_equal(p.items[0].object, "systemd-default/AllowedMemoryNodes");
        assert_string_equal(p.items[0].current, "");
        assert_string_equal(p.items[0].desired, "0");
        assert_string_equal(cdm_plan_object_backend(p.items[0].object), "systemd");
        assert_false(cdm_plan_object_is_cgroup(p.items[0].object));
        cdm_plan_done(&p);
        /* In place: not planned again; without a unit backend: never. */
        in.unit_default_mems = "0";
        assert_int_equal(cdm_isolation_plan(&in, &p), 0);
        assert_true(find(&p, "systemd-default/AllowedMemoryNodes") < 0);
        cdm_plan_done(&p);
        in.unit_default_mems = NULL;
        assert_int_equal(cdm_isolation_plan(&in, &p), 0);
        assert_true(find(&p, "systemd-default/AllowedMemoryNodes") < 0);
        cdm_plan_done(&p);
        teardown_host(&f);
}

static void test_fence_after_grant(void **state)
{
        cdm_nodemask sys = { 0 };
        cdm_plan p = CDM_PLAN_NULL;
        cdm_cgroup unit = { .path = (char *) "/system.slice/was-granted.service", .parent = 1, .exists = true,
                .cpuset_mems = (char *) "0-1", .unit = (char *) "was-granted.service", .unit_mems = (char *) "0-1" };
        cdm_cgroup plain = { .path = (char *) "/system.slice/x.scope/job_3", .parent = 2, .exists = true,
                .cpuset_mems = (char *) "0-1" };
        cdm_cgroup done = { .path = (char *) "/system.slice/y.scope/job_4", .parent = 2, .exists = true,
                .cpuset_mems = (char *) "0" };

        cdm_nodemask_set(&sys, 0);
        /* A revoked unit's own value goes back through systemd; a plain cgroup's is written. */
        assert_int_equal(cdm_isolation_plan_fence(&unit, &sys, &p), 0);
        assert_int_equal(cdm_isolation_plan_fence(&plain, &sys, &p), 0);
        assert_int_equal(cdm_isolation_plan_fence(&done, &sys, &p), 0);
        assert_int_equal(p.n_items, 2);
        assert_string_equal(p.items[0].object, "systemd/system.slice/was-granted.service/AllowedMemoryNodes");
        assert_string_equal(p.items[0].desired, "0");
        assert_string_equal(p.items[1].object, "sys/fs/cgroup/system.slice/x.scope/job_3/cpuset.mems");
        assert_string_equal(p.items[1].desired, "0");
        cdm_plan_done(&p);
}

static void test_object_names(void **state)
{
        char *c;

        c = cdm_plan_object_cgroup("systemd/system.slice/a.service/AllowedMemoryNodes");
        assert_string_equal(c, "/system.slice/a.service");
        free(c);
        c = cdm_plan_object_cgroup("sys/fs/cgroup/cgroup.subtree_control");
        assert_string_equal(c, "/");
        free(c);
        c = cdm_plan_object_cgroup("sys/fs/cgroup/user.slice/cpuset.mems");
        assert_string_equal(c, "/user.slice");
        free(c);
        assert_null(cdm_plan_object_cgroup("sys/kernel/mm/numa/demotion_enabled"));
        assert_string_equal(cdm_plan_object_backend("sys/kernel/mm/numa/demotion_enabled"), "sysfs");
        assert_true(cdm_plan_object_is_cgroup("systemd/init.scope/AllowedMemoryNodes"));
        assert_false(cdm_plan_object_is_cgroup("sys/devices/system/memory/auto_online_blocks"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unit_of_cgroup),
                cmocka_unit_test(test_plan_on_systemd_host),
                cmocka_unit_test(test_delegated_job),
                cmocka_unit_test(test_self_opened),
                cmocka_unit_test(test_default_fence),
                cmocka_unit_test(test_fence_after_grant),
                cmocka_unit_test(test_object_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
