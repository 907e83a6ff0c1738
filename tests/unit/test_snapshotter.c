/*
 * test_snapshotter.c: cgi/snapshotter.h: the pause between passes keeps
 * the snapshotter busy at most a tenth of the time, never less than the
 * ordinary 200 ms apart, never more than its cap, and a second after a
 * failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "snapshotter.h"

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
	    cmocka_unit_test(test_quick_passes_keep_the_ordinary_pace),
	    cmocka_unit_test(test_long_passes_take_a_tenth_of_the_time),
	    cmocka_unit_test(test_the_pause_is_capped),
	    cmocka_unit_test(test_a_failed_pass_waits_a_second),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
