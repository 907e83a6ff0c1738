/*
 * test_answerscan.c: cgi/answerscan.c: what jsonb prints is read in one
 * pass into what scoring reads (na when true, levels and targets that are
 * integers or one digit), and scores as the full parse does; any text
 * outside what jsonb prints is left to the full parse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "answers.h"
#include "answerscan.h"
#include "submission.h"

/* Items A1, A2 (dimension D1), B1, B10 (D2): B10 sorts after B1 in
 * jsonb's order (longer), as "D10.1" after "D9.9". */
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
	q->dim[1].weight = 2;
	q->dim[1].nitems = 2;
	strcpy(q->dim[1].item[0].id, "B10");
	strcpy(q->dim[1].item[1].id, "B1");
}

/* As PostgreSQL prints such answers: keys shorter first, then bytewise;
 * with a key that is no item, comments in German, an emoji, a level as a
 * string, a target out of range and a non-object answer. */
static const char jsonb_text[] =
    "{\"x\": {\"y\": null}, \"A1\": {\"na\": false, \"level\": 1, "
    "\"target\": 4, \"comment\": \"Beschluss \xc3\xbc"
    "ber Ma\xc3\x9f \xf0\x9f\x98\x80\"}, \"A2\": 7, \"B1\": {\"na\": true, "
    "\"level\": \"3\", \"target\": -2}, \"B10\": {\"level\": 2, "
    "\"target\": \"x\", \"comment\": \"\"}}";

/* Whether answer a is what it should be, field by field. */
static void
assert_answer(const struct answer *a, int object, int na, int level_kind,
    long long level, int target_kind, long long target)
{
	assert_int_equal(a->object, object);
	assert_int_equal(a->na, na);
	assert_int_equal(a->level_kind, level_kind);
	assert_int_equal(a->level, level);
	assert_int_equal(a->target_kind, target_kind);
	assert_int_equal(a->target, target);
}

static void
test_what_jsonb_prints_is_read_for_scoring(void **state)
{
	struct qdef q;
	struct answer a[ANSWERS_MAX];

	(void)state;
	build_q(&q);
	assert_int_equal(answers_count(&q), 4);
	assert_int_equal(
	    answers_scan(&q, jsonb_text, strlen(jsonb_text), a), 0);
	/* In definition order: A1, A2, B10, B1. */
	assert_answer(&a[0], 1, 0, ANSWER_INT, 1, ANSWER_INT, 4);
	assert_answer(&a[1], 0, 0, ANSWER_NONE, 0, ANSWER_NONE, 0);
	assert_answer(&a[2], 1, 0, ANSWER_INT, 2, ANSWER_NONE, 0);
	assert_answer(&a[3], 1, 1, ANSWER_DIGIT, 3, ANSWER_INT, -2);
	/* Compact text, and nothing at all, alike. */
	assert_int_equal(answers_scan(&q, "{\"A1\":{\"level\":0}}", 18, a), 0);
	assert_answer(&a[0], 1, 0, ANSWER_INT, 0, ANSWER_NONE, 0);
	assert_answer(&a[3], 0, 0, ANSWER_NONE, 0, ANSWER_NONE, 0);
	assert_int_equal(answers_scan(&q, " {} ", 4, a), 0);
	assert_answer(&a[0], 0, 0, ANSWER_NONE, 0, ANSWER_NONE, 0);
}

static void
test_read_as_the_full_parse_reads(void **state)
{
	struct qdef q;
	struct answer fast[ANSWERS_MAX], full[ANSWERS_MAX];
	struct submission s;
	json_t *b;
	size_t k;

	(void)state;
	build_q(&q);
	assert_int_equal(
	    answers_scan(&q, jsonb_text, strlen(jsonb_text), fast), 0);
	b = json_loads(jsonb_text, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(b);
	answers_of_json(&q, b, full);
	for (k = 0; k < answers_count(&q); k++)
		assert_answer(&fast[k], full[k].object, full[k].na,
		    full[k].level_kind, full[k].level, full[k].target_kind,
		    full[k].target);
	/* Scored from the text: A1 level 1, A2 not an object: D1 has 1 of
	 * 2 answered, 25; B1 n/a, B10 level 2: D2 50. Levels in definition
	 * order. */
	assert_int_equal(
	    submission_score(&q, jsonb_text, strlen(jsonb_text), &s, NULL),
	    SUBMISSION_SCORED);
	assert_string_equal(s.export_levels.data, "1.2n");
	assert_string_equal(s.export_targets.data, "4...");
	assert_string_equal(s.export_scores.data, "{25,50}");
	submission_free(&s);
	json_decref(b);
}

static void
test_other_texts_are_left_to_the_full_parse(void **state)
{
	static const char *const other[] = {
	    "{\"A1\": {\"comment\": \"a\\\"b\"}}",    /* an escape */
	    "{\"A2\": {}, \"A1\": {}}",               /* keys out of order */
	    "{\"A1\": {}, \"A1\": {}}",               /* a key twice */
	    "{\"A1\": {\"level\": 1, \"level\": 2}}", /* a field twice */
	    "{\"B10\": {}, \"B1\": {}}",     /* longer before shorter */
	    "{\"A1\": {\"level\": [1]}}",    /* an array */
	    "{\"A1\": {\"x\": {\"y\": 1}}}", /* three deep */
	    "{\"A1\": {\"level\": 1.0}}",    /* a real number */
	    "{\"A1\": {\"level\": 1e0}}",
	    "{\"A1\": {\"level\": 01}}",                  /* a leading zero */
	    "{\"A1\": {\"level\": 1234567890123456789}}", /* 19 digits */
	    "{\"A1\": {\"comment\": \"\xc0\xaf\"}}",      /* overlong */
	    "{\"A1\": {\"comment\": \"\xed\xa0\x80\"}}",  /* a surrogate */
	    "{\"A1\": {\"comment\": \"\xf4\x90\x80\x80\"}}", /* > U+10FFFF */
	    "{\"A1\": {\"comment\": \"\xc3\"}}",             /* cut short */
	    "{\"A1\": {\"comment\": \"a\tb\"}}", /* a control character */
	    "{\"A1\": {\"na\": tru}}",
	    "{\"A1\": {}} x", /* more after the object */
	    "{\"A1\": {}",
	    "{\"A1\" {}}",
	    "{\"A1\": {},}",
	    "[]",
	    "\"A1\"",
	    "",
	};
	struct qdef q;
	size_t i;

	(void)state;
	build_q(&q);
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		struct answer a[ANSWERS_MAX];

		if (answers_scan(&q, other[i], strlen(other[i]), a) != -1)
			fail_msg("taken: %s", other[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_what_jsonb_prints_is_read_for_scoring),
	    cmocka_unit_test(test_read_as_the_full_parse_reads),
	    cmocka_unit_test(test_other_texts_are_left_to_the_full_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
