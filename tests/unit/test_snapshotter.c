/*
 * test_snapshotter.c: cgi/snapshotter.h: a pass waits until the queue
 * stops growing, or at most SNAPSHOTTER_MAX_WAIT_MS; the pause between
 * passes keeps the snapshotter busy at most a tenth of the time, never
 * less than the ordinary 200 ms apart, never more than its cap, and a
 * second after a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "snapshotter.h"

static void
test_nothing_waiting_is_no_pass(void **state)
{
	(void)state;
	assert_false(snapshotter_due(0, -1, 0));
	assert_false(snapshotter_due(0, 0, 0));
	assert_false(snapshotter_due(0, 5, SNAPSHOTTER_MAX_WAIT_MS * 10));
}

static void
test_a_queue_that_stopped_growing_is_counted(void **state)
{
	(void)state;
	/* first seen: wait one look */
	assert_false(snapshotter_due(1, -1, 0));
	assert_false(snapshotter_due(1, 0, 0));
	/* the same at the next look: quiet */
	assert_true(snapshotter_due(1, 1, SNAPSHOTTER_IDLE_MS));
	assert_true(snapshotter_due(700, 700, 2 * SNAPSHOTTER_IDLE_MS));
}

static void
test_a_burst_is_counted_after_the_longest_wait(void **state)
{
	long t;
	long long n = 0;

	(void)state;
	/* growing at every look: no pass until the wait is over */
	for (t = 0; t < SNAPSHOTTER_MAX_WAIT_MS; t += SNAPSHOTTER_IDLE_MS) {
		assert_false(snapshotter_due(n + 1000, n, t));
		n += 1000;
	}
	assert_true(snapshotter_due(n + 1000, n, SNAPSHOTTER_MAX_WAIT_MS));
	assert_true(snapshotter_due(n + 1000, n, SNAPSHOTTER_MAX_WAIT_MS + 1));
	/* a queue that shrank (another host's snapshotter) is not quiet */
	assert_false(snapshotter_due(10, 20, SNAPSHOTTER_IDLE_MS));
}

static void
test_quick_passes_keep_the_ordinary_pace(void **state)
{
	(void)state;
	assert_int_equal(snapshotter_pause_ms(0, 0), SNAPSHOTTER_IDLE_MS);
	assert_int_equal(snapshotter_pause_ms(3, 0), SNAPSHOTTER_IDLE_MS);
	assert_int_equal(snapshotter_pause_ms(22, 0), SNAPSHOTTER_IDLE_MS);
	assert_int_equal(snapshotter_pause_ms(23, 0), 207);
}

static void
test_long_passes_take_a_tenth_of_the_time(void **state)
{
	long t;

	(void)state;
	assert_int_equal(snapshotter_pause_ms(600, 0), 5400);
	for (t = 30; t <= 3000; t += 97) {
		long p = snapshotter_pause_ms(t, 0);

		/* busy t of t + p: a tenth */
		assert_true(10 * t <= t + p + 9);
		assert_true(10 * t >= t + p - 9);
	}
}

static void
test_the_pause_is_capped(void **state)
{
	(void)state;
	assert_int_equal(snapshotter_pause_ms(3333, 0), 29997);
	assert_int_equal(
	    snapshotter_pause_ms(3334, 0), SNAPSHOTTER_MAX_PAUSE_MS);
	assert_int_equal(
	    snapshotter_pause_ms(600000, 0), SNAPSHOTTER_MAX_PAUSE_MS);
	/* no overflow for a pass that took (as measured) forever */
	assert_int_equal(
	    snapshotter_pause_ms(0x7fffffffL, 0), SNAPSHOTTER_MAX_PAUSE_MS);
}

static void
test_a_failed_pass_waits_a_second(void **state)
{
	(void)state;
	assert_int_equal(snapshotter_pause_ms(0, 1), 1000);
	assert_int_equal(snapshotter_pause_ms(5000, 1), 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nothing_waiting_is_no_pass),
	    cmocka_unit_test(test_a_queue_that_stopped_growing_is_counted),
	    cmocka_unit_test(test_a_burst_is_counted_after_the_longest_wait),
	    cmocka_unit_test(test_quick_passes_keep_the_ordinary_pace),
	    cmocka_unit_test(test_long_passes_take_a_tenth_of_the_time),
	    cmocka_unit_test(test_the_pause_is_capped),
	    cmocka_unit_test(test_a_failed_pass_waits_a_second),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
