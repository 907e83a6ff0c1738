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
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "jw.h"
#include "score.h"
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
	struct buf shown = {0};

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
	/* As the worker shows them in its answer. */
	assert_int_equal(jw_json_text(&shown, s.scores.data), 0);
	assert_string_equal(shown.data,
	    "{\"overall\":8.333333333,\"stage\":\"einsteiger\","
	    "\"dimensions\":{\"D1\":8.333333333}}");
	buf_free(&shown);
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

/* What jansson writes for a value with 17 digits, compact: the text the
 * scores were stored as before they were written without jansson. */
static char *
jansson17(json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(17));

	json_decref(v);
	return s;
}

/* Random answers to a questionnaire of six dimensions (one of them with
 * an escaped id), each scored: the scores and targets are the text
 * jansson writes for score_json and score_targets_json, and the export
 * row's scores those reals with %.17g. */
static void
test_texts_as_jansson_writes_them(void **state)
{
	static const char *const dims[] = {
	    "D1", "D2", "Ö3", "D\"4", "D5", "D6"};
	struct qdef q;
	struct buf a = {0}, x = {0};
	int round, d, i;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.ndims = 6;
	for (d = 0; d < 6; d++) {
		strcpy(q.dim[d].id, dims[d]);
		q.dim[d].weight = 1 + d % 3;
		q.dim[d].nitems = 1 + (size_t)d;
		for (i = 0; i <= d; i++)
			snprintf(q.dim[d].item[i].id,
			    sizeof(q.dim[d].item[i].id), "I%d.%d", d, i);
	}
	srand(8);
	for (round = 0; round < 2000; round++) {
		struct submission s;
		struct scores sc;
		json_t *parsed;
		char *want;

		buf_reset(&a);
		assert_int_equal(buf_puts(&a, "{"), 0);
		for (d = 0; d < 6; d++)
			for (i = 0; i <= d; i++) {
				int kind = rand() % 8;

				if (kind == 0)
					continue; /* unanswered */
				assert_int_equal(
				    buf_printf(&a,
				        "%s\"I%d.%d\":{\"level\":%d%s%s}",
				        a.len > 1 ? "," : "", d, i, rand() % 5,
				        kind == 1 ? ",\"na\":true" : "",
				        kind > 4 ? ",\"target\":4" : ""),
				    0);
			}
		assert_int_equal(buf_puts(&a, "}"), 0);
		assert_int_equal(submission_score(&q, a.data, a.len, &s, NULL),
		    SUBMISSION_SCORED);
		parsed = json_loads(a.data, 0, NULL);
		score_compute(&q, parsed, &sc);
		want = jansson17(score_json(&q, &sc));
		assert_string_equal(s.scores.data, want);
		free(want);
		want = jansson17(score_targets_json(&q, &sc));
		assert_string_equal(s.targets.data, want);
		free(want);
		buf_reset(&x);
		for (d = 0; d < 6; d++)
			assert_int_equal(
			    sc.has_dim[d]
			        ? buf_printf(
			              &x, "%s%.17g", d ? "," : "{", sc.dim[d])
			        : buf_printf(&x, "%sNULL", d ? "," : "{"),
			    0);
		assert_int_equal(buf_puts(&x, "}"), 0);
		assert_string_equal(s.export_scores.data, x.data);
		json_decref(parsed);
		submission_free(&s);
	}
	buf_free(&a);
	buf_free(&x);
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
	    cmocka_unit_test(test_texts_as_jansson_writes_them),
	    cmocka_unit_test(test_open_required_items_are_listed),
	    cmocka_unit_test(test_answers_that_are_not_an_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
