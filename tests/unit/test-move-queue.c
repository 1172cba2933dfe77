/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The page-move executor's pure half: priority order, FIFO within a priority, removal of an
 * owner's tasks, when to give a worker up, and the shared bandwidth bucket on a fake clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "move-queue.h"

static void test_priority_order(void **state)
{
        cdm_move_queue q = { 0 };
        int a, b;
        cdm_move_item t[6] = {
                { .prio = CDM_MOVE_POLICY, .owner = &a }, { .prio = CDM_MOVE_REPAIR, .owner = &a },
                { .prio = CDM_MOVE_QUOTA, .owner = &b },  { .prio = CDM_MOVE_REVOKE, .owner = &b },
                { .prio = CDM_MOVE_DRAIN, .owner = &a },  { .prio = CDM_MOVE_FAULT, .owner = &b },
        };

        assert_null(cdm_move_queue_pop(&q));
        assert_int_equal(cdm_move_queue_best(&q), _CDM_MOVE_PRIO_MAX);
        for (size_t i = 0; i < 6; i++)
                cdm_move_queue_push(&q, &t[i]);
        assert_int_equal(q.n, 6);
        assert_int_equal(cdm_move_queue_best(&q), CDM_MOVE_FAULT);
        /* fault > drain > revoke > quota > repair > policy */
        for (size_t i = 6; i-- > 0;)
                assert_ptr_equal(cdm_move_queue_pop(&q), &t[i]);
        assert_null(cdm_move_queue_pop(&q));
        assert_int_equal(q.n, 0);
        assert_string_equal(cdm_move_prio_to_string(CDM_MOVE_REVOKE), "revoke");
        assert_string_equal(cdm_move_prio_to_string(_CDM_MOVE_PRIO_MAX), "unknown");
}

static void test_fifo_and_front(void **state)
{
        cdm_move_queue q = { 0 };
        cdm_move_item t[4] = { { .prio = CDM_MOVE_QUOTA }, { .prio = CDM_MOVE_QUOTA },
                { .prio = CDM_MOVE_QUOTA }, { .prio = CDM_MOVE_QUOTA } };

        for (size_t i = 0; i < 3; i++)
                cdm_move_queue_push(&q, &t[i]);
        assert_ptr_equal(cdm_move_queue_pop(&q), &t[0]);
        /* a task that gave its worker up goes first again */
        cdm_move_queue_push_front(&q, &t[3]);
        assert_ptr_equal(cdm_move_queue_pop(&q), &t[3]);
        assert_ptr_equal(cdm_move_queue_pop(&q), &t[1]);
        cdm_move_queue_push(&q, &t[0]);
        assert_ptr_equal(cdm_move_queue_pop(&q), &t[2]);
        assert_ptr_equal(cdm_move_queue_pop(&q), &t[0]);
        assert_null(cdm_move_queue_pop(&q));
        /* front of an empty priority, then the end after it */
        cdm_move_queue_push_front(&q, &t[1]);
        cdm_move_queue_push(&q, &t[2]);
        assert_ptr_equal(cdm_move_queue_pop(&q), &t[1]);
        assert_ptr_equal(cdm_move_queue_pop(&q), &t[2]);
        /* an out-of-range priority is the lowest */
        t[0].prio = (cdm_move_prio) 42;
        cdm_move_queue_push(&q, &t[0]);
        assert_int_equal(cdm_move_queue_best(&q), CDM_MOVE_POLICY);
        assert_ptr_equal(cdm_move_queue_pop(&q), &t[0]);
}

static void test_remove_owner(void **state)
{
        cdm_move_queue q = { 0 };
        int a, b;
        cdm_move_item t[5] = {
                { .prio = CDM_MOVE_QUOTA, .owner = &a }, { .prio = CDM_MOVE_QUOTA, .owner = &b },
                { .prio = CDM_MOVE_QUOTA, .owner = &a }, { .prio = CDM_MOVE_REVOKE, .owner = &b },
                { .prio = CDM_MOVE_POLICY, .owner = &a },
        };
        cdm_move_item *l;
        size_t n = 99;

        for (size_t i = 0; i < 5; i++)
                cdm_move_queue_push(&q, &t[i]);
        l = cdm_move_queue_remove_owner(&q, &a, &n);
        assert_int_equal(n, 3);
        assert_int_equal(q.n, 2);
        assert_ptr_equal(l, &t[0]);
        assert_ptr_equal(l->next, &t[2]);
        assert_ptr_equal(l->next->next, &t[4]);
        assert_null(l->next->next->next);
        /* the queue's tails are right after the removal: a push lands after t[1] */
        cdm_move_queue_push(&q, &t[2]);
        assert_ptr_equal(cdm_move_queue_pop(&q), &t[3]);
        assert_ptr_equal(cdm_move_queue_pop(&q), &t[1]);
        assert_ptr_equal(cdm_move_queue_pop(&q), &t[2]);
        assert_null(cdm_move_queue_pop(&q));
        assert_null(cdm_move_queue_remove_owner(&q, &a, &n));
        assert_int_equal(n, 0);
}

static void test_should_yield(void **state)
{
        cdm_move_queue q = { 0 };
        cdm_move_item rev = { .prio = CDM_MOVE_REVOKE };

        assert_false(cdm_move_queue_should_yield(&q, CDM_MOVE_POLICY, 0));
        cdm_move_queue_push(&q, &rev);
        /* a quota move gives its worker up to a revoke when no worker is idle */
        assert_true(cdm_move_queue_should_yield(&q, CDM_MOVE_QUOTA, 0));
        assert_false(cdm_move_queue_should_yield(&q, CDM_MOVE_QUOTA, 1));
        /* not to one of the same or a lower priority */
        assert_false(cdm_move_queue_should_yield(&q, CDM_MOVE_REVOKE, 0));
        assert_false(cdm_move_queue_should_yield(&q, CDM_MOVE_FAULT, 0));
}

static void test_bucket(void **state)
{
        cdm_bucket b;

        /* 100 MB/s, 1 MB of burst, starting empty */
        cdm_bucket_init(&b, 100000000, 1000000, 0);
        assert_int_equal(cdm_bucket_wait(&b, 0), 0);
        /* 2 MB moved at t=0: owed for 20 ms */
        cdm_bucket_charge(&b, 0, 2000000);
        assert_int_equal(cdm_bucket_wait(&b, 0), 20000);
        assert_int_equal(cdm_bucket_wait(&b, 5000), 15000);
        /* a second worker charges too: both wait for the sum */
        cdm_bucket_charge(&b, 5000, 1000000);
        assert_int_equal(cdm_bucket_wait(&b, 5000), 25000);
        assert_int_equal(cdm_bucket_wait(&b, 30000), 0);
        /* a long idle time saves up one burst only */
        assert_int_equal(cdm_bucket_wait(&b, 10000000), 0);
        assert_int_equal(b.level, 1000000);
        cdm_bucket_charge(&b, 10000000, 3000000);
        assert_int_equal(cdm_bucket_wait(&b, 10000000), 20000);
        /* rounding up: one byte over is one microsecond */
        cdm_bucket_init(&b, 1000000, 0, 0);
        cdm_bucket_charge(&b, 0, 1);
        assert_int_equal(cdm_bucket_wait(&b, 0), 1);
        /* no cap: never a wait */
        cdm_bucket_init(&b, 0, 0, 0);
        cdm_bucket_charge(&b, 0, UINT64_MAX);
        assert_int_equal(cdm_bucket_wait(&b, 0), 0);
        /* 1 TB/s over a huge idle time and huge charges: no overflow */
        cdm_bucket_init(&b, 1000000000000ULL, 1000000000000ULL, 0);
        assert_int_equal(cdm_bucket_wait(&b, UINT64_MAX), 0);
        cdm_bucket_charge(&b, UINT64_MAX, UINT64_MAX);
        assert_true(cdm_bucket_wait(&b, UINT64_MAX) > 0);
        /* a reload lowers the rate: the debt is paid at the new one */
        cdm_bucket_init(&b, 100000000, 0, 0);
        cdm_bucket_charge(&b, 0, 1000000);
        cdm_bucket_set_rate(&b, 10000000, 0, 0);
        assert_int_equal(cdm_bucket_wait(&b, 0), 100000);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_priority_order),
                cmocka_unit_test(test_fifo_and_front),
                cmocka_unit_test(test_remove_owner),
                cmocka_unit_test(test_should_yield),
                cmocka_unit_test(test_bucket),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
