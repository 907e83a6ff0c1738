/*
 * test_jw.c: cgi/jw.c writes what resp_json() (jansson, 10 digits) writes
 * for the same values, checked against jansson itself.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "jw.h"

/* What jansson writes for one value, as the answers do. */
static char *
jansson_text(json_t *v)
{
	char *s = json_dumps(
	    v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));

	json_decref(v);
	return s;
}

static void
test_reals(void **state)
{
	static const double v[] = {0, 1, -1, 35, 37.1875, 41.666666666666664,
	    100, 1e-5, 1.5e-7, 123456789012.0, 1e21, -2.5e-12, 0.1, 99.99999999,
	    33.333333333333336, 5e300};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct buf b = {0};
		char *want = jansson_text(json_real(v[i]));

		assert_int_equal(jw_real(&b, v[i]), 0);
		assert_string_equal(b.data, want);
		free(want);
		buf_free(&b);
	}
}

static void
test_not_finite(void **state)
{
	struct buf b = {0};

	(void)state;
	assert_int_equal(jw_real(&b, NAN), 0);
	assert_int_equal(jw_real(&b, INFINITY), 0);
	assert_string_equal(b.data, "nullnull");
	buf_free(&b);
}

static void
test_strings(void **state)
{
	static const char *const v[] = {"", "plain",
	    "Kleinbr\xc3\xbc"
	    "ckstedt",
	    "quote \" and \\ backslash", "tab\tnew\nline\rcr\bbs\fff",
	    "\x01\x1f control", "slash / stays",
	    "\xe2\x82\xac euro at the end"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct buf b = {0};
		char *want = jansson_text(json_string(v[i]));

		assert_non_null(want);
		assert_int_equal(jw_str(&b, v[i]), 0);
		assert_string_equal(b.data, want);
		free(want);
		buf_free(&b);
	}
}

static void
test_keys_and_ints(void **state)
{
	struct buf b = {0};

	(void)state;
	assert_int_equal(jw_key(&b, "a\"b"), 0);
	assert_int_equal(jw_int(&b, -9223372036854775807LL - 1), 0);
	assert_string_equal(b.data, "\"a\\\"b\":-9223372036854775808");
	buf_free(&b);
}

/* jw_json_text writes what jansson writes after parsing the text (reals to
 * 10 digits, no whitespace), for text as PostgreSQL writes jsonb. */
static void
test_json_text(void **state)
{
	static const char *const v[] = {
	    "{\"overall\": 71.23456789012345, \"stage\": \"S3\", "
	    "\"dimensions\": {\"D1\": 50.0, \"D2\": null, "
	    "\"D3\": 33.333333333333336, \"D4\": 1.0E-7}}",
	    "{\"a\": [1, -2, 3.5e-7, 1E+21, 0.1, -0.0, 12345678901234567], "
	    "\"b\": \"x 1.5 \\\" 2.5e3 \\\\\", \"c\": true, \"d\": false, "
	    "\"e\": null, \"f\": {}, \"g\": []}",
	    "{ \"k\" :\t[ 1 ,\r\n2 ] , \"3.25\" : \"4.125\" }\n",
	    "{\"D1.1\": {\"level\": 3, \"comment\": \"Kleinbr\xc3\xbc"
	    "ckstedt, 2.0 \\\\\\\" 0.5\"}}",
	    "-0.25", "42", "\"3.0\""};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct buf b = {0};
		char *want =
		    jansson_text(json_loads(v[i], JSON_DECODE_ANY, NULL));

		assert_non_null(want);
		assert_int_equal(jw_json_text(&b, v[i]), 0);
		assert_string_equal(b.data, want);
		free(want);
		buf_free(&b);
	}
}

/* Escapes in strings stay as PostgreSQL wrote them: the same text. */
static void
test_json_escapes_stay(void **state)
{
	static const char in[] = "{\"c\": \"a\\n\\u001f\\\"1.5\\\\\"}";
	struct buf b = {0};

	(void)state;
	assert_int_equal(jw_json_text(&b, in), 0);
	assert_string_equal(b.data, "{\"c\":\"a\\n\\u001f\\\"1.5\\\\\"}");
	buf_free(&b);
}

static void
test_any_value(void **state)
{
	static const char *const docs[] = {
	    "{\"overall\":37.1875,\"stage\":\"aufbauend\",\"dimensions\":"
	    "{\"D1\":41.666666666666664,\"D2\":null,\"D3\":35.0}}",
	    "[1,-2,true,false,null,\"x\\\"y\",[],{},[{\"a\":[0.1]}]]",
	    "{\"n\":490,\"k\":5,\"empty\":\"\"}"};
	size_t i;
	struct buf nb = {0};

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(*docs); i++) {
		json_t *v = json_loads(docs[i], 0, NULL);
		struct buf b = {0};
		char *want;

		assert_non_null(v);
		assert_int_equal(jw_json(&b, v), 0);
		want = jansson_text(v);
		assert_string_equal(b.data, want);
		free(want);
		buf_free(&b);
	}
	assert_int_equal(jw_json(&nb, NULL), 0);
	assert_string_equal(nb.data, "null");
	buf_free(&nb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reals),
	    cmocka_unit_test(test_not_finite),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_keys_and_ints),
	    cmocka_unit_test(test_json_text),
	    cmocka_unit_test(test_json_escapes_stay),
	    cmocka_unit_test(test_any_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
