/*
 * test_submission.c: cgi/submission.c: the text a submission stores is the
 * scores of score.c written with 17 digits; required items still open are
 * listed and nothing is scored; answers that are not a JSON object are
 * refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include "submission.h"

/* Two dimensions, D2 of weight 3; B2 optional. */
static void
build_q(struct qdef *q)
{
	memset(q, 0, sizeof(*q));
	q->ndims = 2;
	strcpy(q->dim[0].id, "D1");
	q->dim[0].weight = 1;
	q->dim[0].nitems = 2;
	strcpy(q->dim[0].item[0].id, "A1");
	strcpy(q->dim[0].item[1].id, "A2");
	strcpy(q->dim[1].id, "D2");
	q->dim[1].weight = 3;
	q->dim[1].nitems = 2;
	strcpy(q->dim[1].item[0].id, "B1");
	strcpy(q->dim[1].item[1].id, "B2");
	q->dim[0].item[0].required = q->dim[0].item[1].required = 1;
	q->dim[1].item[0].required = 1;
}

static int
score(const struct qdef *q, const char *answers, struct submission *out,
    struct problems *ps)
{
	return submission_score(q, answers, strlen(answers), out, ps);
}

static void
test_scored_as_stored(void **state)
{
	struct qdef q;
	struct submission s;

	(void)state;
	build_q(&q);
	assert_int_equal(score(&q,
	                     "{\"A1\":{\"level\":1,\"target\":4},"
	                     "\"A2\":{\"level\":2},\"B1\":{\"na\":true},"
	                     "\"B2\":{\"level\":3,\"comment\":\"x\"}}",
	                     &s, NULL),
	    SUBMISSION_SCORED);
	/* D1 = 25 * 3 / 2 = 37.5, D2 = 25 * 3 = 75 (B1 n/a), overall
	 * (37.5 + 3 * 75) / 4 = 65.625: stage 3 of 0..4. */
	assert_string_equal(s.scores.data,
	    "{\"overall\":65.625,\"stage\":\"etabliert\","
	    "\"dimensions\":{\"D1\":37.5,\"D2\":75.0}}");
	assert_string_equal(s.targets.data, "{\"D1\":100.0,\"D2\":null}");
	assert_true(s.has_overall);
	assert_true(s.overall == 65.625);
	/* The export row: items in definition order. */
	assert_string_equal(s.export_levels.data, "12n3");
	assert_string_equal(s.export_targets.data, "4...");
	assert_string_equal(s.export_scores.data, "{37.5,75}");
	submission_free(&s);
	/* Other levels, other scores: computed, not looked up. */
	assert_int_equal(score(&q,
	                     "{\"A1\":{\"level\":1},\"A2\":{\"level\":1},"
	                     "\"B1\":{\"level\":1},\"B2\":{\"level\":2}}",
	                     &s, NULL),
	    SUBMISSION_SCORED);
	assert_non_null(strstr(s.scores.data, "\"D2\":37.5"));
	assert_non_null(strstr(s.scores.data, "\"overall\":34.375"));
	submission_free(&s);
	assert_int_equal(score(&q,
	                     "{\"A1\":{\"level\":1},\"A2\":{\"level\":0},"
	                     "\"B1\":{\"level\":0},\"B2\":{\"level\":0}}",
	                     &s, NULL),
	    SUBMISSION_SCORED);
	/* D1 12.5, D2 0: overall 3.125 */
	assert_non_null(strstr(s.scores.data, "\"overall\":3.125"));
	submission_free(&s);
}

/* Stored with 17 digits, and as an answer shows it (RG_ANSWER_DIGITS, as
 * resp_json shows every number): a third of a level. */
static void
test_scores_stored_and_shown(void **state)
{
	struct qdef q;
	struct submission s;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.ndims = 1;
	strcpy(q.dim[0].id, "D1");
	q.dim[0].weight = 1;
	q.dim[0].nitems = 3;
	strcpy(q.dim[0].item[0].id, "A1");
	strcpy(q.dim[0].item[1].id, "A2");
	strcpy(q.dim[0].item[2].id, "A3");
	assert_int_equal(score(&q,
	                     "{\"A1\":{\"level\":1},\"A2\":{\"level\":0},"
	                     "\"A3\":{\"level\":0}}",
	                     &s, NULL),
	    SUBMISSION_SCORED);
	assert_string_equal(s.scores.data,
	    "{\"overall\":8.3333333333333339,\"stage\":\"einsteiger\","
	    "\"dimensions\":{\"D1\":8.3333333333333339}}");
	assert_string_equal(s.shown_scores.data,
	    "{\"overall\":8.333333333,\"stage\":\"einsteiger\","
	    "\"dimensions\":{\"D1\":8.333333333}}");
	submission_free(&s);
}

/* The export row's encoding, as 005_exports.sql's trigger writes it
 * (tests/api/test_export.py compares the two on real submissions). */
static void
test_export_vectors(void **state)
{
	struct qdef q;
	struct submission s;

	(void)state;
	build_q(&q);
	/* n/a wins over a level; a float is no level; a string of one digit
	 * reads as PostgreSQL's ->> reads it. */
	assert_int_equal(score(&q,
	                     "{\"A1\":{\"na\":true,\"level\":2,\"target\":9},"
	                     "\"A2\":{\"level\":1,\"target\":\"0\"},"
	                     "\"B1\":{\"level\":0,\"na\":false,\"target\":2.0},"
	                     "\"B2\":{\"level\":\"3\"}}",
	                     &s, NULL),
	    SUBMISSION_SCORED);
	assert_string_equal(s.export_levels.data, "n103");
	assert_string_equal(s.export_targets.data, ".0..");
	submission_free(&s);
	/* A level out of range, a longer string, an answer that is no
	 * object: unanswered (B2 is optional). */
	assert_int_equal(score(&q,
	                     "{\"A1\":{\"level\":1},\"A2\":{\"level\":1},"
	                     "\"B1\":{\"level\":1,\"target\":\"33\"},"
	                     "\"B2\":{\"level\":7}}",
	                     &s, NULL),
	    SUBMISSION_SCORED);
	assert_string_equal(s.export_levels.data, "111.");
	assert_string_equal(s.export_targets.data, "....");
	submission_free(&s);
	assert_int_equal(score(&q,
	                     "{\"A1\":{\"level\":1},\"A2\":{\"level\":1},"
	                     "\"B1\":{\"level\":1},\"B2\":5}",
	                     &s, NULL),
	    SUBMISSION_SCORED);
	assert_string_equal(s.export_levels.data, "111.");
	submission_free(&s);
	/* A dimension under half answered has no score: NULL. */
	assert_int_equal(score(&q,
	                     "{\"A1\":{\"level\":4},\"A2\":{\"na\":true},"
	                     "\"B1\":{\"na\":true}}",
	                     &s, NULL),
	    SUBMISSION_SCORED);
	assert_string_equal(s.export_levels.data, "4nn.");
	assert_string_equal(s.export_scores.data, "{100,NULL}");
	submission_free(&s);
}

static void
test_open_required_items_are_listed(void **state)
{
	struct qdef q;
	struct submission s;
	struct problems ps = {.count = 0};

	(void)state;
	build_q(&q);
	/* A2 only a target, B1 absent; B2 (optional) absent too. */
	assert_int_equal(
	    score(&q, "{\"A1\":{\"level\":4},\"A2\":{\"target\":3}}", &s, &ps),
	    SUBMISSION_INCOMPLETE);
	assert_int_equal(ps.count, 2);
	assert_string_equal(ps.item[0].path, "/answers/A2");
	assert_string_equal(ps.item[1].path, "/answers/B1");
	assert_string_equal(ps.item[0].problem, "required");
	assert_null(s.scores.data);
	submission_free(&s);
	/* Without a list to fill, the verdict is the same. */
	assert_int_equal(score(&q, "{}", &s, NULL), SUBMISSION_INCOMPLETE);
	submission_free(&s);
}

static void
test_answers_that_are_not_an_object(void **state)
{
	static const char *const bad[] = {"", "[]", "null", "1", "\"x\"",
	    "{\"A1\":", "{\"A1\":{},\"A1\":{}}", NULL};
	struct qdef q;
	struct submission s;
	size_t i;

	(void)state;
	build_q(&q);
	for (i = 0; bad[i] != NULL; i++) {
		assert_int_equal(score(&q, bad[i], &s, NULL), -1);
		submission_free(&s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scored_as_stored),
	    cmocka_unit_test(test_scores_stored_and_shown),
	    cmocka_unit_test(test_export_vectors),
	    cmocka_unit_test(test_open_required_items_are_listed),
	    cmocka_unit_test(test_answers_that_are_not_an_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
