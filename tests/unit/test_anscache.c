/*
 * test_anscache.c: the tables of cgi/anscache.c: what is kept is found
 * under its own key only, ends when its time is up, gives way to a
 * newcomer of the same pair, and is gone after drop and clear.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "anscache.h"

static const char *const H1 = "\\xaa01", *const H2 = "\\xbb02";

static int
reset(void **state)
{
	(void)state;
	anscache_clear();
	return 0;
}

static void
test_session_kept_and_capped(void **state)
{
	const struct anscache_session *s;

	(void)state;
	/* Valid for an hour: kept for 30 s at most (then checked again). */
	anscache_session_put(H1, 7, 1, 3, 42, 1000 + 3600, 0, 1000);
	s = anscache_session_get(H1, 0, 1000);
	assert_non_null(s);
	assert_int_equal(s->user, 7);
	assert_int_equal(s->org, 3);
	assert_int_equal(s->role, 1);
	assert_int_equal(s->version, 42);
	assert_non_null(anscache_session_get(H1, 0, 1000 + 29));
	assert_null(anscache_session_get(H1, 0, 1000 + 30));
	/* Gone for good once ended. */
	assert_null(anscache_session_get(H1, 0, 1000));
}

static void
test_session_ends_before_its_idle_timeout(void **state)
{
	(void)state;
	/* Idle in 10 s: kept until 2 s before. */
	anscache_session_put(H1, 7, 1, 3, 1, 1010, 0, 1000);
	assert_non_null(anscache_session_get(H1, 0, 1007));
	assert_null(anscache_session_get(H1, 0, 1008));
	/* Already within the margin: never given. */
	anscache_session_put(H1, 7, 1, 3, 1, 1001, 0, 1000);
	assert_null(anscache_session_get(H1, 0, 1000));
}

static void
test_session_other_key_and_connection(void **state)
{
	(void)state;
	anscache_session_put(H1, 7, 1, 3, 1, 5000, 1, 1000);
	assert_null(anscache_session_get(H2, 1, 1000));
	assert_null(anscache_session_get("", 1, 1000));
	/* Checked on the read connection: not given on the primary's. */
	assert_null(anscache_session_get(H1, 0, 1000));
	anscache_session_put(H1, 7, 1, 3, 1, 5000, 1, 1000);
	anscache_session_drop(H2);
	assert_non_null(anscache_session_get(H1, 1, 1000));
	anscache_session_drop(H1);
	assert_null(anscache_session_get(H1, 1, 1000));
}

static void
test_sessions_many(void **state)
{
	char h[32];
	int i, found = 0;

	(void)state;
	/* Half the slots' worth of sessions: every one found again. */
	for (i = 0; i < ANSCACHE_SESSIONS / 2; i++) {
		snprintf(h, sizeof(h), "\\x%04d", i);
		anscache_session_put(h, i + 1, 1, i, i, 9000, 0, 1000);
	}
	for (i = 0; i < ANSCACHE_SESSIONS / 2; i++) {
		const struct anscache_session *s;

		snprintf(h, sizeof(h), "\\x%04d", i);
		s = anscache_session_get(h, 0, 1000);
		if (s != NULL) {
			assert_int_equal(s->user, i + 1);
			found++;
		}
	}
	/* Two-way pairs: only a third key on one pair displaces. */
	assert_true(found > ANSCACHE_SESSIONS / 2 * 9 / 10);
}

static void
test_answer_kept_under_its_key(void **state)
{
	const struct anscache_versions v = {11, 12};
	const struct anscache_answer *a;

	(void)state;
	assert_int_equal(anscache_answer_put("benchmark", 3, 9, "peers=kind",
	                     &v, 5000, 0, "{\"x\":1}", 7, 1000),
	    0);
	a = anscache_answer_get("benchmark", 3, 9, "peers=kind", 0, 1000);
	assert_non_null(a);
	assert_int_equal(a->len, 7);
	assert_memory_equal(a->body, "{\"x\":1}", 7);
	assert_int_equal(a->v.org, 11);
	assert_int_equal(a->v.wave, 12);
	assert_null(
	    anscache_answer_get("benchmark", 4, 9, "peers=kind", 0, 1000));
	assert_null(
	    anscache_answer_get("benchmark", 3, 8, "peers=kind", 0, 1000));
	assert_null(anscache_answer_get("benchmark", 3, 9, "", 0, 1000));
	assert_null(anscache_answer_get("trend", 3, 9, "peers=kind", 0, 1000));
	assert_null(
	    anscache_answer_get("benchmark", 3, 9, "peers=kind", 1, 1000));
}

static void
test_answer_until_the_wave_closes(void **state)
{
	const struct anscache_versions v = {1, 1};

	(void)state;
	assert_int_equal(anscache_answer_put(
	                     "benchmark", 3, 9, "", &v, 2000, 0, "a", 1, 1000),
	    0);
	assert_non_null(anscache_answer_get("benchmark", 3, 9, "", 0, 1997));
	assert_null(anscache_answer_get("benchmark", 3, 9, "", 0, 1998));
	/* Closing within the margin: not kept at all. */
	assert_int_equal(anscache_answer_put(
	                     "benchmark", 3, 9, "", &v, 1002, 0, "a", 1, 1000),
	    -1);
	assert_null(anscache_answer_get("benchmark", 3, 9, "", 0, 1000));
}

static void
test_answer_replaced_dropped_cleared(void **state)
{
	const struct anscache_versions v1 = {1, 1}, v2 = {2, 1};
	char q[ANSCACHE_QUERY_MAX + 1];
	const struct anscache_answer *a;

	(void)state;
	assert_int_equal(anscache_answer_put("benchmark", 3, 9, "", &v1, 9000,
	                     0, "old", 3, 1000),
	    0);
	assert_int_equal(anscache_answer_put("benchmark", 3, 9, "", &v2, 9000,
	                     0, "new!", 4, 1000),
	    0);
	a = anscache_answer_get("benchmark", 3, 9, "", 0, 1000);
	assert_non_null(a);
	assert_int_equal(a->v.org, 2);
	assert_int_equal(a->len, 4);
	anscache_answer_drop("benchmark", 3, 9, "");
	assert_null(anscache_answer_get("benchmark", 3, 9, "", 0, 1000));

	/* A query string too long to keep: refused. */
	memset(q, 'q', sizeof(q) - 1);
	q[sizeof(q) - 1] = '\0';
	assert_int_equal(anscache_answer_put(
	                     "benchmark", 3, 9, q, &v1, 9000, 0, "x", 1, 1000),
	    -1);

	assert_int_equal(anscache_answer_put(
	                     "benchmark", 5, 9, "", &v1, 9000, 0, "x", 1, 1000),
	    0);
	anscache_session_put(H1, 7, 1, 5, 1, 9000, 0, 1000);
	anscache_clear();
	assert_null(anscache_answer_get("benchmark", 5, 9, "", 0, 1000));
	assert_null(anscache_session_get(H1, 0, 1000));
}

static void
test_answer_bytes_bounded(void **state)
{
	static char big[ANSCACHE_BODY_MAX + 1];
	const struct anscache_versions v = {1, 1};
	long long org;
	int first_gone = 0;

	(void)state;
	memset(big, 'x', sizeof(big));
	/* One body above the limit: not kept. */
	assert_int_equal(anscache_answer_put("response", 1, 9, "", &v, 9000, 0,
	                     big, sizeof(big), 1000),
	    -1);
	assert_null(anscache_answer_get("response", 1, 9, "", 0, 1000));
	/* More than ANSCACHE_BYTES in all: the older ones give way, the
	 * newest is always kept. */
	for (org = 1; org <= ANSCACHE_BYTES / ANSCACHE_BODY_MAX + 2; org++) {
		assert_int_equal(anscache_answer_put("response", org, 9, "", &v,
		                     9000, 0, big, ANSCACHE_BODY_MAX, 1000),
		    0);
		assert_non_null(
		    anscache_answer_get("response", org, 9, "", 0, 1000));
		if (anscache_answer_get("response", 1, 9, "", 0, 1000) == NULL)
			first_gone = 1;
	}
	assert_true(first_gone);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_session_kept_and_capped, reset),
	    cmocka_unit_test_setup(
	        test_session_ends_before_its_idle_timeout, reset),
	    cmocka_unit_test_setup(
	        test_session_other_key_and_connection, reset),
	    cmocka_unit_test_setup(test_sessions_many, reset),
	    cmocka_unit_test_setup(test_answer_kept_under_its_key, reset),
	    cmocka_unit_test_setup(test_answer_until_the_wave_closes, reset),
	    cmocka_unit_test_setup(test_answer_replaced_dropped_cleared, reset),
	    cmocka_unit_test_setup(test_answer_bytes_bounded, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
