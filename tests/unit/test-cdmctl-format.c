/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cdmctl's pure half: command line, verb table, tables, JSON, monitor lines, progress bar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cdmctl-args.h"
#include "cdmctl-format.h"
#include "cdmctl-table.h"
#include "util/macro.h"

#define GiB (1024ULL * 1024 * 1024)

static char *steal(strbuf *b)
{
        char *s = strbuf_steal(b);

        assert_non_null(s);
        return s;
}

static void expect_text(strbuf *b, const char *want)
{
        char *s = steal(b);

        if (!streq(s, want))
                fail_msg("got:\n%s\nwant:\n%s", s, want);
        free(s);
}

static int verb_dummy(void *userdata, const cdmctl_args *args)
{
        return 0;
}

static const cdmctl_verb verbs[] = {
        { "status", 0, 0, 0, 0, verb_dummy, "status" },
        { "job", 1, 1, 0, 0, verb_dummy, "job ID" },
        { "grant", 1, 1, CDMCTL_OPT_CGROUP | CDMCTL_OPT_DEVICE | CDMCTL_OPT_SIZE | CDMCTL_OPT_POLICY,
          CDMCTL_OPT_CGROUP | CDMCTL_OPT_DEVICE | CDMCTL_OPT_SIZE, verb_dummy,
          "grant ID --cgroup PATH --device NAME --size SIZE [--policy P]" },
        { "migrate", 1, 1, CDMCTL_OPT_TO | CDMCTL_OPT_SIZE | CDMCTL_OPT_NO_WAIT, CDMCTL_OPT_TO,
          verb_dummy, "migrate ID --to NAME|system [--size SIZE] [--no-wait]" },
};

/* Parse and look up; return the error of whichever step failed, or 0. */
static int check(const char **argv, const cdmctl_verb **ret_verb, cdmctl_args *ret_args, char **ret_error)
{
        int argc = 0, r;

        while (argv[argc])
                argc++;
        *ret_error = NULL;
        r = cdmctl_parse_args(argc, (char *const *) argv, ret_args, ret_error);
        if (r < 0)
                return r;
        r = cdmctl_verb_find(verbs, ARRAY_SIZE(verbs), ret_args, ret_verb, ret_error);
        if (r < 0)
                cdmctl_args_done(ret_args);
        return r;
}

static void test_args_ok(void **state)
{
        const char *argv[] = { "cdmctl", "grant", "--json", "j1", "--cgroup=/a.slice", "--device", "cdm1",
                         "--size", "4G", "--no-legend", NULL };
        const char *none[] = { "cdmctl", "--json", NULL };
        const cdmctl_verb *v;
        cdmctl_args a;
        char *err;

        assert_int_equal(check(argv, &v, &a, &err), 0);
        assert_string_equal(v->name, "grant");
        assert_true(a.json);
        assert_false(a.legend);
        assert_int_equal(a.n_positional, 2);
        assert_string_equal(a.positional[1], "j1");
        assert_string_equal(a.cgroup, "/a.slice");
        assert_string_equal(a.device, "cdm1");
        assert_string_equal(a.size, "4G");
        assert_null(a.policy);
        cdmctl_args_done(&a);

        /* No verb: the first of the table. */
        assert_int_equal(check(none, &v, &a, &err), 0);
        assert_string_equal(v->name, "status");
        cdmctl_args_done(&a);
}

static void expect_usage(const char **argv, const char *fragment)
{
        const cdmctl_verb *v;
        cdmctl_args a;
        char *err;

        assert_int_equal(check(argv, &v, &a, &err), -EINVAL);
        assert_non_null(err);
        if (!strstr(err, fragment))
                fail_msg("'%s' not in '%s'", fragment, err);
        free(err);
}

static void test_args_bad(void **state)
{
        expect_usage((const char *[]){ "cdmctl", "frobnicate", NULL }, "unknown verb 'frobnicate'");
        expect_usage((const char *[]){ "cdmctl", "job", NULL }, "too few arguments for 'job'");
        expect_usage((const char *[]){ "cdmctl", "job", "a", "b", NULL }, "too many arguments");
        expect_usage((const char *[]){ "cdmctl", "job", "a", "--to", "x", NULL }, "'--to' is not valid for 'job'");
        expect_usage((const char *[]){ "cdmctl", "grant", "a", "--cgroup", "/x", "--device", "d", NULL },
                     "'grant' needs --size");
        expect_usage((const char *[]){ "cdmctl", "migrate", "a", NULL }, "needs --to");
        expect_usage((const char *[]){ "cdmctl", "status", "--bogus", NULL }, "unknown option '--bogus'");
        expect_usage((const char *[]){ "cdmctl", "status", "-x", NULL }, "unknown option '-x'");
        expect_usage((const char *[]){ "cdmctl", "migrate", "a", "--to", NULL }, "'--to' needs a value");
        expect_usage((const char *[]){ "cdmctl", "status", "--json=yes", NULL }, "takes no value");
}

static void test_args_dashdash(void **state)
{
        const char *argv[] = { "cdmctl", "migrate", "--no-wait", "--to", "system", "--", "--odd", NULL };
        const cdmctl_verb *v;
        cdmctl_args a;
        char *err;

        assert_int_equal(check(argv, &v, &a, &err), 0);
        assert_true(a.no_wait);
        assert_string_equal(a.to, "system");
        assert_string_equal(a.positional[1], "--odd");
        cdmctl_args_done(&a);
}

static void test_size_and_id(void **state)
{
        uint64_t v;

        assert_int_equal(cdmctl_parse_size_arg("4096", &v), 0);
        assert_true(v == 4096);
        assert_int_equal(cdmctl_parse_size_arg("2G", &v), 0);
        assert_true(v == 2 * GiB);
        assert_int_equal(cdmctl_parse_size_arg("1T", &v), 0);
        assert_true(v == 1024 * GiB);
        assert_int_equal(cdmctl_parse_size_arg("16777216T", &v), -ERANGE);
        assert_int_equal(cdmctl_parse_size_arg("99999999999999999999", &v), -ERANGE);
        assert_int_equal(cdmctl_parse_size_arg("-1", &v), -EINVAL);
        assert_int_equal(cdmctl_parse_size_arg("", &v), -EINVAL);
        assert_int_equal(cdmctl_parse_size_arg(" 4G", &v), -EINVAL);
        assert_int_equal(cdmctl_parse_size_arg("4X", &v), -EINVAL);

        assert_true(cdmctl_job_id_valid("slurm-4242"));
        assert_true(cdmctl_job_id_valid("a.b:c_d-e"));
        assert_false(cdmctl_job_id_valid(""));
        assert_false(cdmctl_job_id_valid("a/b"));
        assert_false(cdmctl_job_id_valid("a b"));
        assert_true(cdmctl_job_id_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assert_false(cdmctl_job_id_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void test_exit_status(void **state)
{
        assert_int_equal(cdmctl_exit_status("org.freedesktop.DBus.Error.ServiceUnknown", -EHOSTDOWN), 3);
        assert_int_equal(cdmctl_exit_status("org.freedesktop.DBus.Error.NameHasNoOwner", -ENXIO), 3);
        assert_int_equal(cdmctl_exit_status("org.freedesktop.DBus.Error.Spawn.Failed", -EIO), 3);
        assert_int_equal(cdmctl_exit_status("org.cdmd.cdmd1.Error.NoSuchJob", -ENOENT), 1);
        assert_int_equal(cdmctl_exit_status("org.freedesktop.DBus.Error.AccessDenied", -EACCES), 1);
        assert_int_equal(cdmctl_exit_status(NULL, -ENOENT), 3);
        assert_int_equal(cdmctl_exit_status(NULL, -ECONNREFUSED), 3);
        assert_int_equal(cdmctl_exit_status(NULL, -ENOMEM), 1);
}

static void test_snake_case(void **state)
{
        static const char *const cases[][2] = {
                { "TotalBytes", "total_bytes" },       { "ReadBandwidthMBps", "read_bandwidth_mbps" },
                { "CGroup", "cgroup" },                { "LastAuditUSec", "last_audit_usec" },
                { "Id", "id" },                        { "ReadLatencyNs", "read_latency_ns" },
                { "MovedToDeviceBytes", "moved_to_device_bytes" }, { "bytes", "bytes" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                strbuf b = STRBUF_NULL;

                cdmctl_snake_case(&b, cases[i][0]);
                expect_text(&b, cases[i][1]);
        }
}

static void test_timespan_nodes(void **state)
{
        char buf[32];
        strbuf b = STRBUF_NULL;

        assert_string_equal(cdmctl_format_timespan(buf, sizeof(buf), 0), "0");
        assert_string_equal(cdmctl_format_timespan(buf, sizeof(buf), 200000), "200ms");
        assert_string_equal(cdmctl_format_timespan(buf, sizeof(buf), 1500000), "1s 500ms");
        assert_string_equal(cdmctl_format_timespan(buf, sizeof(buf), 3723000000ULL), "1h 2min");
        assert_string_equal(cdmctl_format_timespan(buf, sizeof(buf), 3600000005ULL), "1h");

        cdmctl_format_nodes(&b, (const uint64_t[]){ 0, 1, 2, 3, 8, 10, 11 }, 7);
        expect_text(&b, "0-3,8,10-11");
}

static void test_devices(void **state)
{
        const cdmctl_device_row rows[] = {
                { "cdm1", "/org/cdmd/cdmd1/device/cdm1", "gpu", "online", (const uint32_t[]){ 1 }, 1,
                  96 * GiB, 48 * GiB + 512ULL * 1024 * 1024 },
                { "cxl-pool", "/org/cdmd/cdmd1/device/cxl_2dpool", "cxl", "draining",
                  (const uint32_t[]){ 2, 3, 4 }, 3, 256 * GiB, 0 },
        };
        strbuf b = STRBUF_NULL;

        assert_int_equal(cdmctl_devices_text(&b, rows, 2, true), 0);
        expect_text(&b,
                      "NAME      KIND  STATE     NODES   TOTAL   FREE\n"
                      "cdm1      gpu   online    1       96.0G  48.5G\n"
                      "cxl-pool  cxl   draining  2-4    256.0G     0B\n"
                      "\n2 devices listed.\n");
        assert_int_equal(cdmctl_devices_text(&b, rows, 1, false), 0);
        expect_text(&b, "cdm1  gpu  online  1  96.0G  48.5G\n");

        cdmctl_devices_json(&b, rows, 2);
        expect_text(&b,
                      "[{\"name\":\"cdm1\",\"object\":\"/org/cdmd/cdmd1/device/cdm1\",\"kind\":\"gpu\","
                      "\"state\":\"online\",\"nodes\":[1],\"total_bytes\":103079215104,"
                      "\"free_bytes\":52076478464},"
                      "{\"name\":\"cxl-pool\",\"object\":\"/org/cdmd/cdmd1/device/cxl_2dpool\","
                      "\"kind\":\"cxl\",\"state\":\"draining\",\"nodes\":[2,3,4],"
                      "\"total_bytes\":274877906944,\"free_bytes\":0}]");
        cdmctl_devices_json(&b, rows, 0);
        expect_text(&b, "[]");
}

static void test_jobs_audit_plan(void **state)
{
        const cdmctl_job_row jobs[] = {
                { "slurm-42", "/org/cdmd/cdmd1/job/slurm_2d42", "/slurm.slice/job42", "cdm1",
                  4 * GiB, 1536ULL * 1024 * 1024, "active" },
        };
        const cdmctl_audit_row audit[] = { { "/system.slice", "cdm1", 32 << 20, 32 << 20, 0 } };
        const cdmctl_plan_row plan[] = {
                { "sys/fs/cgroup/system.slice/cpuset.mems", "", "0", "keep \"system\" off" },
        };
        strbuf b = STRBUF_NULL;

        assert_int_equal(cdmctl_jobs_text(&b, jobs, 1, true), 0);
        expect_text(&b,
                      "ID        DEVICE  QUOTA  USED  STATE   CGROUP\n"
                      "slurm-42  cdm1     4.0G  1.5G  active  /slurm.slice/job42\n"
                      "\n1 job listed.\n");
        cdmctl_jobs_json(&b, jobs, 1);
        expect_text(&b,
                      "[{\"id\":\"slurm-42\",\"object\":\"/org/cdmd/cdmd1/job/slurm_2d42\","
                      "\"cgroup\":\"/slurm.slice/job42\",\"device\":\"cdm1\",\"quota_bytes\":4294967296,"
                      "\"device_bytes\":1610612736,\"state\":\"active\"}]");

        assert_int_equal(cdmctl_audit_text(&b, audit, 1, true), 0);
        expect_text(&b,
                      "OWNER          DEVICE  SPILLED  REPAIRED  KERNEL\n"
                      "/system.slice  cdm1      32.0M     32.0M      0B\n"
                      "\n1 owner with spill listed.\n");
        assert_int_equal(cdmctl_audit_text(&b, audit, 0, true), 0);
        expect_text(&b, "No spill found: every device holds only granted memory.\n");
        assert_int_equal(cdmctl_audit_text(&b, audit, 0, false), 0);
        expect_text(&b, "");
        cdmctl_audit_json(&b, audit, 1);
        expect_text(&b,
                      "[{\"owner\":\"/system.slice\",\"device\":\"cdm1\",\"spilled_bytes\":33554432,"
                      "\"repaired_bytes\":33554432,\"kernel_bytes\":0}]");

        assert_int_equal(cdmctl_plan_text(&b, plan, 1, false), 0);
        expect_text(&b, "sys/fs/cgroup/system.slice/cpuset.mems  \"\"  0  keep \"system\" off\n");
        cdmctl_plan_json(&b, plan, 1);
        expect_text(&b,
                      "[{\"object\":\"sys/fs/cgroup/system.slice/cpuset.mems\",\"current\":\"\","
                      "\"desired\":\"0\",\"reason\":\"keep \\\"system\\\" off\"}]");

        static const cdmctl_move_row moves[] = {
                { "quota", "/jobs/a", "cdm1", "system", "job a is over its quota", 8 << 20 },
                { "drain", "", "cdm1", "system", "cdm1 is draining", UINT64_MAX },
        };
        assert_int_equal(cdmctl_moves_text(&b, moves, 2, true), 0);
        expect_text(&b, "KIND   CGROUP         DEVICE  TO      BYTES  REASON\n"
                        "quota  /jobs/a        cdm1    system   8.0M  job a is over its quota\n"
                        "drain  every process  cdm1    system    all  cdm1 is draining\n"
                        "\n2 moves listed.\n");
        assert_int_equal(cdmctl_moves_text(&b, moves, 0, true), 0);
        expect_text(&b, "No page move to make.\n");
        cdmctl_moves_json(&b, moves, 2);
        expect_text(&b, "[{\"kind\":\"quota\",\"cgroup\":\"/jobs/a\",\"device\":\"cdm1\",\"to\":\"system\","
                        "\"bytes\":8388608,\"reason\":\"job a is over its quota\"},{\"kind\":\"drain\",\"cgroup\":\"\","
                        "\"device\":\"cdm1\",\"to\":\"system\",\"bytes\":null,\"reason\":\"cdm1 is draining\"}]");
}

static void test_table_generic(void **state)
{
        static const cdmctl_column cols[] = { { "A", false }, { "NUMBER", true } };
        cdmctl_table *t = cdmctl_table_new(cols, 2);
        strbuf b = STRBUF_NULL;

        assert_non_null(t);
        assert_int_equal(cdmctl_table_add(t, (const char *[]){ "long-name", "1" }), 0);
        assert_int_equal(cdmctl_table_add(t, (const char *[]){ NULL, "12345678" }), 0);
        assert_int_equal(cdmctl_table_rows(t), 2);
        cdmctl_table_format(t, &b, true);
        expect_text(&b,
                      "A            NUMBER\n"
                      "long-name         1\n"
                      "-          12345678\n");
        assert_null(cdmctl_table_free(t));
}

static cdmctl_props device_props(void)
{
        cdmctl_props p = CDMCTL_PROPS_NULL;
        cdmctl_prop *x;

        cdmctl_props_add_string(&p, "Name", "cdm1");
        cdmctl_props_add_string(&p, "Kind", "gpu");
        x = cdmctl_props_add(&p, "Nodes", CDMCTL_VALUE_UNSIGNED_ARRAY);
        cdmctl_prop_append_unsigned(&p, x, 1);
        cdmctl_prop_append_unsigned(&p, x, 2);
        cdmctl_props_add_unsigned(&p, "TotalBytes", 96 * GiB);
        cdmctl_props_add_unsigned(&p, "ReadLatencyNs", 0);
        x = cdmctl_props_add(&p, "Jobs", CDMCTL_VALUE_STRING_ARRAY);
        cdmctl_prop_append_string(&p, x, "/org/cdmd/cdmd1/job/a");
        cdmctl_prop_append_string(&p, x, "/org/cdmd/cdmd1/job/b");
        x = cdmctl_props_add(&p, "Offset", CDMCTL_VALUE_SIGNED);
        x->i = -5;
        assert_false(p.oom);
        return p;
}

static void test_props(void **state)
{
        cdmctl_props p = device_props();
        strbuf b = STRBUF_NULL;

        cdmctl_props_text(&b, &p, NULL);
        expect_text(&b,
                      "         Name: cdm1\n"
                      "         Kind: gpu\n"
                      "        Nodes: 1-2\n"
                      "   TotalBytes: 96.0G\n"
                      "ReadLatencyNs: 0\n"
                      "         Jobs: /org/cdmd/cdmd1/job/a\n"
                      "               /org/cdmd/cdmd1/job/b\n"
                      "       Offset: -5\n");
        cdmctl_props_json(&b, &p);
        expect_text(&b,
                      "{\"name\":\"cdm1\",\"kind\":\"gpu\",\"nodes\":[1,2],\"total_bytes\":103079215104,"
                      "\"read_latency_ns\":0,\"jobs\":[\"/org/cdmd/cdmd1/job/a\",\"/org/cdmd/cdmd1/job/b\"],"
                      "\"offset\":-5}");
        assert_non_null(cdmctl_props_find(&p, "Kind"));
        assert_null(cdmctl_props_find(&p, "Nope"));
        cdmctl_props_done(&p);
}

static void test_times(void **state)
{
        cdmctl_props p = CDMCTL_PROPS_NULL;
        cdmctl_now now = { .realtime_usec = 1700000090ULL * 1000000, .monotonic_usec = 50000000 };
        strbuf b = STRBUF_NULL;

        setenv("TZ", "UTC", 1);
        tzset();
        cdmctl_props_add_unsigned(&p, "CreatedUSec", 1700000000ULL * 1000000);
        cdmctl_props_add_unsigned(&p, "LastAuditUSec", 48500000);
        cdmctl_props_add_unsigned(&p, "AuditIntervalUSec", 1000000);
        cdmctl_props_add_bool(&p, "Isolated", true);
        cdmctl_props_text(&b, &p, &now);
        expect_text(&b,
                      "      CreatedUSec: Tue 2023-11-14 22:13:20 UTC; 1min 30s ago\n"
                      "    LastAuditUSec: 1s 500ms ago\n"
                      "AuditIntervalUSec: 1s\n"
                      "         Isolated: yes\n");
        cdmctl_props_done(&p);
}

static void test_status(void **state)
{
        cdmctl_props p = CDMCTL_PROPS_NULL;
        cdmctl_now now = { .monotonic_usec = 10000000 };
        strbuf b = STRBUF_NULL;

        cdmctl_props_add_string(&p, "Version", "0.1.0");
        cdmctl_props_add_bool(&p, "Isolated", false);
        cdmctl_props_add_unsigned(&p, "AuditIntervalUSec", 1000000);
        cdmctl_props_add_unsigned(&p, "LastAuditUSec", 8000000);
        cdmctl_props_add_unsigned(&p, "SpilledBytes", 32 << 20);
        cdmctl_props_add_unsigned(&p, "RepairedBytes", 0);
        cdmctl_status_text(&b, &p, &now);
        expect_text(&b,
                      "\u00d7 cdmd 0.1.0: NOT isolated\n"
                      "      Isolated: no\n"
                      "       Spilled: 32.0M found by the last audit\n"
                      "      Repaired: 0B since start\n"
                      "    Last audit: 2s ago, every 1s\n");
        cdmctl_props_json(&b, &p);
        expect_text(&b,
                      "{\"version\":\"0.1.0\",\"isolated\":false,\"audit_interval_usec\":1000000,"
                      "\"last_audit_usec\":8000000,\"spilled_bytes\":33554432,\"repaired_bytes\":0}");
        cdmctl_props_done(&p);
}

static void test_events(void **state)
{
        cdmctl_props args = CDMCTL_PROPS_NULL;
        strbuf b = STRBUF_NULL;

        cdmctl_props_add_string(&args, "owner", "/system.slice");
        cdmctl_props_add_string(&args, "device", "cdm1");
        cdmctl_props_add_unsigned(&args, "bytes", 33554432);
        cdmctl_event_format(&b, &(cdmctl_event){ .signal = "SpillDetected", .args = &args }, false);
        expect_text(&b, "SpillDetected owner=/system.slice device=cdm1 bytes=33554432\n");
        cdmctl_event_format(&b, &(cdmctl_event){ .signal = "SpillDetected", .args = &args }, true);
        expect_text(&b, "{\"signal\":\"SpillDetected\",\"owner\":\"/system.slice\",\"device\":\"cdm1\","
                          "\"bytes\":33554432}\n");
        cdmctl_props_done(&args);

        cdmctl_props_add_string(&args, "device", "cdm1");
        cdmctl_props_add_string(&args, "reason", "window \"B\"");
        cdmctl_props_add_string(&args, "empty", "");
        cdmctl_event_format(&b, &(cdmctl_event){ .signal = "DeviceStateChanged", .args = &args }, false);
        expect_text(&b, "DeviceStateChanged device=cdm1 reason=\"window \\\"B\\\"\" empty=\"\"\n");
        cdmctl_props_done(&args);

        cdmctl_props_add_unsigned(&args, "DeviceBytes", 4096);
        cdmctl_props_add_string(&args, "State", "over-quota");
        cdmctl_event_format(&b, &(cdmctl_event){ .signal = "PropertiesChanged",
                                                  .path = "/org/cdmd/cdmd1/job/j1",
                                                  .interface = "org.cdmd.cdmd1.Job", .args = &args,
                                                  .invalidated = (char *const[]){ (char *) "Policy", NULL } },
                            false);
        expect_text(&b, "PropertiesChanged path=/org/cdmd/cdmd1/job/j1 interface=org.cdmd.cdmd1.Job "
                          "DeviceBytes=4096 State=over-quota Policy=?\n");
        cdmctl_event_format(&b, &(cdmctl_event){ .signal = "PropertiesChanged",
                                                  .path = "/org/cdmd/cdmd1/job/j1",
                                                  .interface = "org.cdmd.cdmd1.Job", .args = &args },
                            true);
        expect_text(&b, "{\"signal\":\"PropertiesChanged\",\"path\":\"/org/cdmd/cdmd1/job/j1\","
                          "\"interface\":\"org.cdmd.cdmd1.Job\",\"changed\":{\"device_bytes\":4096,"
                          "\"state\":\"over-quota\"},\"invalidated\":[]}\n");
        cdmctl_props_done(&args);
}

static void test_progress(void **state)
{
        cdmctl_migration m = { "/org/cdmd/cdmd1/migration/1", "j1", "cdm1", "done",
                               2 * GiB, 2 * GiB - 4096, 4096 };
        strbuf b = STRBUF_NULL;

        cdmctl_progress_bar(&b, "j1 -> cdm1", GiB, 2 * GiB, 43);
        expect_text(&b, "j1 -> cdm1 [######......]  50%    1.0G/2.0G");
        cdmctl_progress_bar(&b, "j1 -> cdm1", GiB, 2 * GiB, 40); /* room for 9 cells: no bar */
        expect_text(&b, "j1 -> cdm1  50%    1.0G/2.0G");
        cdmctl_progress_bar(&b, "j1 -> cdm1", 0, 0, 200);
        expect_text(&b, "j1 -> cdm1 [..................................................]   0%      0B/0B");
        cdmctl_progress_bar(&b, "j1", 5, 4, 20); /* too narrow for a bar; done > total clamps */
        expect_text(&b, "j1 100%      5B/4B");

        cdmctl_migration_format(&b, &m, false);
        expect_text(&b, "Migration of job j1 to cdm1 done: moved 1.9G of 2.0G, 4.0K failed.\n");
        cdmctl_migration_format(&b, &m, true);
        expect_text(&b, "{\"object\":\"/org/cdmd/cdmd1/migration/1\",\"job\":\"j1\",\"target\":\"cdm1\","
                          "\"state\":\"done\",\"total_bytes\":2147483648,\"moved_bytes\":2147479552,"
                          "\"failed_bytes\":4096}\n");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_args_ok),      cmocka_unit_test(test_args_bad),
                cmocka_unit_test(test_args_dashdash), cmocka_unit_test(test_size_and_id),
                cmocka_unit_test(test_exit_status),  cmocka_unit_test(test_snake_case),
                cmocka_unit_test(test_timespan_nodes), cmocka_unit_test(test_devices),
                cmocka_unit_test(test_jobs_audit_plan), cmocka_unit_test(test_table_generic),
                cmocka_unit_test(test_props),        cmocka_unit_test(test_times),
                cmocka_unit_test(test_status),       cmocka_unit_test(test_events),
                cmocka_unit_test(test_progress),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
