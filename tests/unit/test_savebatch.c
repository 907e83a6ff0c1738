/*
 * test_savebatch.c: cgi/savebatch.c: an item survives its message whole,
 * a message that is not a whole item is refused, and the array parameters
 * of a batch are exactly what PostgreSQL reads back as the items.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "savebatch.h"

static const char H[] = "\\x0a1b2c";

static struct save_item
item(const char *remove, const char *set)
{
	struct save_item it;

	memset(&it, 0, sizeof(it));
	memcpy(it.hash, H, sizeof(H));
	it.wave = 7;
	it.rev = 41;
	it.qid = 3;
	it.remove = remove;
	it.remove_len = remove ? strlen(remove) : 0;
	it.set = set;
	it.set_len = set ? strlen(set) : 0;
	return it;
}

static void
test_message_round_trip(void **state)
{
	char msg[512];
	struct save_item in = item("[\"D1.1\"]", "{\"D1.2\":{\"level\":3}}"),
	                 out;
	size_t len;

	(void)state;
	len = savebatch_encode(&in, msg, sizeof(msg));
	assert_true(len > in.remove_len + in.set_len);
	assert_int_equal(savebatch_decode(msg, len, &out), 0);
	assert_string_equal(out.hash, H);
	assert_int_equal(out.wave, 7);
	assert_int_equal(out.rev, 41);
	assert_int_equal(out.qid, 3);
	assert_int_equal(out.remove_len, in.remove_len);
	assert_memory_equal(out.remove, in.remove, in.remove_len);
	assert_int_equal(out.set_len, in.set_len);
	assert_memory_equal(out.set, in.set, in.set_len);
	/* The committer tells submissions from autosaves without decoding. */
	assert_int_equal(savebatch_kind(msg, len), SAVE_KIND_ANSWERS);
	in.kind = SAVE_KIND_SUBMIT;
	len = savebatch_encode(&in, msg, sizeof(msg));
	assert_int_equal(savebatch_kind(msg, len), SAVE_KIND_SUBMIT);
	assert_int_equal(savebatch_decode(msg, len, &out), 0);
	assert_int_equal(out.kind, SAVE_KIND_SUBMIT);
}

/* The checks only: no answers, and that is not the same as empty ones. */
static void
test_message_without_answers(void **state)
{
	char msg[512];
	struct save_item in = item(NULL, NULL), out;
	size_t len;

	(void)state;
	len = savebatch_encode(&in, msg, sizeof(msg));
	assert_true(len > 0);
	assert_int_equal(savebatch_decode(msg, len, &out), 0);
	assert_null(out.set);
	assert_int_equal(out.remove_len, 0);
	in = item("[]", "{}");
	len = savebatch_encode(&in, msg, sizeof(msg));
	assert_int_equal(savebatch_decode(msg, len, &out), 0);
	assert_non_null(out.set);
	assert_int_equal(out.set_len, 2);
}

static void
test_message_refused(void **state)
{
	char msg[512], bad[512];
	struct save_item in = item("[\"D1.1\"]", "{}"), out;
	size_t len, cut;

	(void)state;
	/* Too small a buffer: nothing written. */
	assert_int_equal(savebatch_encode(&in, msg, 20), 0);
	len = savebatch_encode(&in, msg, sizeof(msg));
	assert_true(len > 0);
	/* Every shorter or longer message is refused. */
	for (cut = 0; cut < len; cut++)
		assert_int_equal(savebatch_decode(msg, cut, &out), -1);
	assert_int_equal(savebatch_kind(msg, 8), -1);
	memcpy(bad, msg, len);
	bad[len] = 'x';
	assert_int_equal(savebatch_decode(bad, len + 1, &out), -1);
	/* Another build's message (the magic differs). */
	memcpy(bad, msg, len);
	bad[0] ^= 0x55;
	assert_int_equal(savebatch_decode(bad, len, &out), -1);
	assert_int_equal(savebatch_kind(bad, len), -1);
	/* A hash without its end. */
	memset(in.hash, 'a', sizeof(in.hash));
	assert_int_equal(savebatch_encode(&in, msg, sizeof(msg)), 0);
}

static void
test_array_element_quoted(void **state)
{
	struct buf b = {0};

	(void)state;
	assert_int_equal(savebatch_array_elem(&b, "{\"a\":\"x\\\\y\"}", 12), 0);
	assert_string_equal(b.data, "\"{\\\"a\\\":\\\"x\\\\\\\\y\\\"}\"");
	buf_reset(&b);
	assert_int_equal(savebatch_array_elem(&b, NULL, 0), 0);
	assert_string_equal(b.data, "NULL");
	buf_reset(&b);
	/* "NULL" as a text is an element, not the null. */
	assert_int_equal(savebatch_array_elem(&b, "NULL", 4), 0);
	assert_string_equal(b.data, "\"NULL\"");
	buf_free(&b);
}

static void
test_params_of_a_batch(void **state)
{
	struct save_item it[2] = {
	    item("[\"D1.1\"]", "{\"D1.2\":{\"comment\":\"a \\\"b\\\"\"}}"),
	    item(NULL, NULL)};
	struct buf p[SAVEBATCH_PARAMS];
	int k;

	(void)state;
	memset(p, 0, sizeof(p));
	it[1].wave = 8;
	it[1].rev = 0;
	it[1].qid = 0;
	assert_int_equal(savebatch_params(it, 2, SAVE_KIND_ANSWERS, p), 2);
	assert_string_equal(p[0].data, "{\"\\\\x0a1b2c\",\"\\\\x0a1b2c\"}");
	assert_string_equal(p[1].data, "{7,8}");
	assert_string_equal(p[2].data, "{41,0}");
	assert_string_equal(p[3].data, "{3,0}");
	assert_string_equal(p[4].data, "{\"[\\\"D1.1\\\"]\",\"[]\"}");
	assert_string_equal(p[5].data,
	    "{\"{\\\"D1.2\\\":{\\\"comment\\\":\\\"a \\\\\\\"b\\\\\\\"\\\"}}\","
	    "NULL}");
	/* Used again: the parameters start afresh. */
	assert_int_equal(savebatch_params(it + 1, 1, SAVE_KIND_ANSWERS, p), 1);
	assert_string_equal(p[1].data, "{8}");
	/* No submission among them: empty arrays. */
	assert_int_equal(savebatch_params(it, 2, SAVE_KIND_SUBMIT, p), 0);
	assert_string_equal(p[0].data, "{}");
	assert_string_equal(p[5].data, "{}");
	for (k = 0; k < SAVEBATCH_PARAMS; k++)
		buf_free(&p[k]);
}

/* A submission between two autosaves: its own message, its own six
 * arrays, the autosaves' arrays without it. */
static void
test_submission_message_and_params(void **state)
{
	char msg[512];
	struct save_item it[3] = {item("[]", "{}"), item(NULL, NULL),
	    item("[]", "{\"D1.1\":{\"level\":1}}")},
	                 out;
	struct buf p[SAVEBATCH_PARAMS];
	size_t len;
	int k;

	(void)state;
	memset(p, 0, sizeof(p));
	it[1].kind = SAVE_KIND_SUBMIT;
	it[1].rev = 9;
	it[1].scores = "{\"overall\":62.5}";
	it[1].scores_len = strlen(it[1].scores);
	it[1].targets = "{\"D1\":75}";
	it[1].targets_len = strlen(it[1].targets);
	it[1].overall = 62.5;
	it[1].has_overall = 1;
	len = savebatch_encode(&it[1], msg, sizeof(msg));
	assert_true(len > 0);
	assert_int_equal(savebatch_decode(msg, len, &out), 0);
	assert_int_equal(out.kind, SAVE_KIND_SUBMIT);
	assert_int_equal(out.rev, 9);
	assert_int_equal(out.scores_len, it[1].scores_len);
	assert_memory_equal(out.scores, it[1].scores, out.scores_len);
	assert_memory_equal(out.targets, it[1].targets, out.targets_len);
	assert_true(out.has_overall && out.overall == 62.5);
	assert_int_equal(savebatch_params(it, 3, SAVE_KIND_SUBMIT, p), 1);
	assert_string_equal(p[0].data, "{\"\\\\x0a1b2c\"}");
	assert_string_equal(p[2].data, "{9}");
	assert_string_equal(p[3].data, "{\"{\\\"overall\\\":62.5}\"}");
	assert_string_equal(p[4].data, "{62.5}");
	assert_string_equal(p[5].data, "{\"{\\\"D1\\\":75}\"}");
	/* The export vectors only the committer computes: NULL in a
	 * message, as elements when set. */
	assert_string_equal(p[6].data, "{NULL}");
	it[1].export_levels = "3n.";
	it[1].export_targets = "";
	it[1].export_scores = "{37.5,NULL}";
	assert_int_equal(savebatch_params(it, 3, SAVE_KIND_SUBMIT, p), 1);
	assert_string_equal(p[6].data, "{\"3n.\"}");
	assert_string_equal(p[7].data, "{\"\"}");
	assert_string_equal(p[8].data, "{\"{37.5,NULL}\"}");
	/* The response and the touch the read found: none (a response
	 * without a row yet, NULL) and no touch, then both. */
	assert_string_equal(p[9].data, "{NULL}");
	assert_string_equal(p[10].data, "{f}");
	it[1].rid = 4711;
	it[1].touch = 1;
	assert_int_equal(savebatch_params(it, 3, SAVE_KIND_SUBMIT, p), 1);
	assert_string_equal(p[9].data, "{4711}");
	assert_string_equal(p[10].data, "{t}");
	/* Without an overall score: NULL. */
	it[1].has_overall = 0;
	assert_int_equal(savebatch_params(it, 3, SAVE_KIND_SUBMIT, p), 1);
	assert_string_equal(p[4].data, "{NULL}");
	assert_int_equal(savebatch_params(it, 3, SAVE_KIND_ANSWERS, p), 2);
	assert_string_equal(p[2].data, "{41,41}");
	assert_string_equal(p[8].data, "{NULL,NULL}");
	assert_string_equal(p[10].data, "{NULL,NULL}");
	/* A kind this build does not know is no message. */
	it[1].kind = SAVE_KIND__MAX;
	assert_int_equal(savebatch_encode(&it[1], msg, sizeof(msg)), 0);
	for (k = 0; k < SAVEBATCH_PARAMS; k++)
		buf_free(&p[k]);
}

static void
test_status_names(void **state)
{
	(void)state;
	assert_int_equal(savebatch_status_parse("ok"), SAVE_OK);
	assert_int_equal(savebatch_status_parse("stale"), SAVE_STALE);
	assert_int_equal(
	    savebatch_status_parse("questionnaire"), SAVE_QUESTIONNAIRE);
	assert_int_equal(savebatch_status_parse("race"), SAVE_RACE);
	assert_int_equal(savebatch_status_parse("read"), SAVE_READ);
	assert_int_equal(savebatch_status_parse("Ok"), -1);
	assert_int_equal(savebatch_status_parse(""), -1);
}

/* A result and its scores survive the committer's answer whole; an answer
 * cut short, extended, of another kind or claiming more scores than there
 * are is refused. */
static void
test_result_round_trip(void **state)
{
	static const char sc[] = "{\"overall\":50.0,\"stage\":\"etabliert\"}";
	static struct save_result r, got;
	char msg[sizeof(struct save_result) + 64];
	size_t len, i;

	(void)state;
	savebatch_result_of(&r, SAVE_OK);
	r.revision = 7;
	r.qid = 3;
	r.user = 4711;
	r.scores_len = strlen(sc);
	memcpy(r.scores, sc, r.scores_len + 1);
	len = savebatch_result_encode(&r, msg, sizeof(msg));
	assert_true(len > r.scores_len);
	memset(&got, 0x55, sizeof(got));
	assert_int_equal(savebatch_result_decode(msg, len, &got), 0);
	assert_int_equal(got.status, SAVE_OK);
	assert_int_equal(got.revision, 7);
	assert_int_equal(got.answered, -1);
	assert_int_equal(got.qid, 3);
	assert_int_equal(got.user, 4711);
	assert_int_equal(got.scores_len, strlen(sc));
	assert_string_equal(got.scores, sc);
	/* Every shorter answer, and a longer one, is refused. */
	for (i = 0; i < len; i++)
		assert_int_equal(savebatch_result_decode(msg, i, &got), -1);
	msg[len] = 'x';
	assert_int_equal(savebatch_result_decode(msg, len + 1, &got), -1);
	/* Another kind of message (an item's) is not an answer. */
	msg[0] ^= 1;
	assert_int_equal(savebatch_result_decode(msg, len, &got), -1);
	/* Without scores: the header alone. */
	savebatch_result_of(&r, SAVE_STALE);
	r.revision = 9;
	len = savebatch_result_encode(&r, msg, sizeof(msg));
	assert_int_equal(savebatch_result_decode(msg, len, &got), 0);
	assert_int_equal(got.status, SAVE_STALE);
	assert_int_equal(got.revision, 9);
	assert_int_equal(got.scores_len, 0);
	assert_string_equal(got.scores, "");
	/* Scores that do not fit an answer are not sent. */
	r.scores_len = SAVE_SCORES_MAX;
	assert_int_equal(savebatch_result_encode(&r, msg, sizeof(msg)), 0);
	r.scores_len = 10;
	assert_int_equal(savebatch_result_encode(&r, msg, 12), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_message_round_trip),
	    cmocka_unit_test(test_message_without_answers),
	    cmocka_unit_test(test_message_refused),
	    cmocka_unit_test(test_array_element_quoted),
	    cmocka_unit_test(test_params_of_a_batch),
	    cmocka_unit_test(test_submission_message_and_params),
	    cmocka_unit_test(test_status_names),
	    cmocka_unit_test(test_result_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
