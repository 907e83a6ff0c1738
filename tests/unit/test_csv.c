/*
 * test_csv.c: csv_record_split against exact expected fields, bytes used,
 * line counts and error positions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"

#define MAXF 6

struct split_case {
	const char *name;
	const char *in;
	size_t inlen; /* 0: strlen(in) */
	size_t nfields;
	const char *field[MAXF];
	size_t used;
	size_t nlines;
};

static const struct split_case split_cases[] = {
    {"plain", "a,b,c\n", 0, 3, {"a", "b", "c"}, 6, 1},
    {"no final newline", "a,b", 0, 2, {"a", "b"}, 3, 0},
    {"CRLF", "a,b\r\nc\r\n", 0, 2, {"a", "b"}, 5, 1},
    {"only the first record", "x\ny\n", 0, 1, {"x"}, 2, 1},
    {"empty fields", ",,\n", 0, 3, {"", "", ""}, 3, 1},
    {"blank line", "\n", 0, 1, {""}, 1, 1},
    {"blank CRLF line", "\r\n", 0, 1, {""}, 2, 1},
    {"quoted comma", "\"a,b\",c\n", 0, 2, {"a,b", "c"}, 8, 1},
    {"doubled quotes", "\"say \"\"hi\"\"\",x", 0, 2, {"say \"hi\"", "x"}, 0, 0},
    {"only a doubled quote", "\"\"\"\"", 0, 1, {"\""}, 4, 0},
    {"empty quoted", "\"\",a\n", 0, 2, {"", "a"}, 5, 1},
    {"quoted LF", "\"x\ny\",z\n", 0, 2, {"x\ny", "z"}, 8, 2},
    {"quoted CRLF kept", "\"x\r\ny\"\r\n", 0, 1, {"x\r\ny"}, 0, 2},
    {"quoted field last, no newline", "a,\"b\"", 0, 2, {"a", "b"}, 5, 0},
    {"blanks kept", " a , b ", 0, 2, {" a ", " b "}, 7, 0},
    {"UTF-8 passes", "Lübeck,Λευκωσία\n", 0, 2, {"Lübeck", "Λευκωσία"},
        0 /* all */, 1},
};

static void
test_split_table(void **state)
{
	static struct csv_record rec;
	struct csv_pos pos;
	size_t i, k, used, len;
	const struct split_case *c;

	(void)state;
	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		c = &split_cases[i];
		len = c->inlen ? c->inlen : strlen(c->in);
		print_message("case %s\n", c->name);
		assert_int_equal(
		    csv_record_split(c->in, len, &used, &rec, &pos), CSV_OK);
		assert_int_equal(rec.nfields, c->nfields);
		for (k = 0; k < c->nfields; k++) {
			assert_string_equal(rec.field[k], c->field[k]);
			assert_int_equal(rec.len[k], strlen(c->field[k]));
		}
		assert_int_equal(used, c->used ? c->used : len);
		assert_int_equal(rec.nlines, c->nlines);
	}
}

static void
test_split_destatis(void **state)
{
	static struct csv_record rec;
	static const char line[] =
	    "60,61,01,0,01,0000,000,\"Flensburg, Stadt\", 53.02, 90 164, "
	    "44 904, 45 260, 1 701,24937,\"9,43751\",\"54,78252\",F02,Ostsee,"
	    "01,dicht besiedelt\r\n";
	size_t used;

	(void)state;
	assert_int_equal(
	    csv_record_split(line, sizeof(line) - 1, &used, &rec, NULL),
	    CSV_OK);
	assert_int_equal(used, sizeof(line) - 1);
	assert_int_equal(rec.nfields, 20);
	assert_string_equal(rec.field[7], "Flensburg, Stadt");
	assert_string_equal(rec.field[8], " 53.02");
	assert_string_equal(rec.field[9], " 90 164");
	assert_string_equal(rec.field[14], "9,43751");
	assert_string_equal(rec.field[19], "dicht besiedelt");
}

static void
test_split_sequence(void **state)
{
	static struct csv_record rec;
	static const char in[] = "h1,h2\r\n\"a\nb\",c\r\nlast,row";
	size_t off = 0, used, line = 1;

	(void)state;
	assert_int_equal(
	    csv_record_split(in + off, sizeof(in) - 1 - off, &used, &rec, NULL),
	    CSV_OK);
	off += used;
	line += rec.nlines;
	assert_int_equal(line, 2);
	assert_int_equal(
	    csv_record_split(in + off, sizeof(in) - 1 - off, &used, &rec, NULL),
	    CSV_OK);
	assert_string_equal(rec.field[0], "a\nb");
	off += used;
	line += rec.nlines;
	assert_int_equal(line, 4);
	assert_int_equal(
	    csv_record_split(in + off, sizeof(in) - 1 - off, &used, &rec, NULL),
	    CSV_OK);
	assert_string_equal(rec.field[1], "row");
	off += used;
	assert_int_equal(off, sizeof(in) - 1);
	assert_int_equal(
	    csv_record_split(in + off, 0, &used, &rec, NULL), CSV_END);
	assert_int_equal(used, 0);
}

struct error_case {
	const char *name;
	const char *in;
	size_t inlen; /* 0: strlen(in) */
	enum csv_status st;
	size_t line, column, field;
};

static const struct error_case error_cases[] = {
    {"stray quote", "ab\"c\n", 0, CSV_ERR_QUOTE_STRAY, 1, 3, 1},
    {"stray quote after blank", "a, \"b\"\n", 0, CSV_ERR_QUOTE_STRAY, 1, 4, 2},
    {"text after closing quote", "\"ab\"c,d", 0, CSV_ERR_QUOTE_TRAIL, 1, 5, 1},
    {"blank after closing quote", "x,\"ab\" ,d", 0, CSV_ERR_QUOTE_TRAIL, 1, 7,
        2},
    {"trail on second line", "\"a\nb\"x", 0, CSV_ERR_QUOTE_TRAIL, 2, 3, 1},
    {"unclosed quote", "x,\"abc\ndef", 0, CSV_ERR_QUOTE_OPEN, 1, 3, 2},
    {"unclosed at end", "\"", 0, CSV_ERR_QUOTE_OPEN, 1, 1, 1},
    {"lone CR", "a\rb\n", 0, CSV_ERR_CR, 1, 2, 1},
    {"CR at end", "a,b\r", 0, CSV_ERR_CR, 1, 4, 2},
    {"CR after quoted", "\"a\"\rb", 0, CSV_ERR_CR, 1, 4, 1},
    {"NUL", "a,b\0c\n", 6, CSV_ERR_NUL, 1, 4, 2},
    {"NUL quoted", "\"\0\"", 3, CSV_ERR_NUL, 1, 2, 1},
    {"empty input", "", 0, CSV_END, 0, 0, 0},
};

static void
test_split_errors(void **state)
{
	static struct csv_record rec;
	struct csv_pos pos;
	size_t i, used, len;
	const struct error_case *c;

	(void)state;
	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		c = &error_cases[i];
		len = c->inlen ? c->inlen : strlen(c->in);
		print_message("case %s\n", c->name);
		memset(&pos, 0, sizeof(pos));
		assert_int_equal(
		    csv_record_split(c->in, len, &used, &rec, &pos), c->st);
		if (c->st == CSV_END)
			continue;
		assert_int_equal(pos.line, c->line);
		assert_int_equal(pos.column, c->column);
		assert_int_equal(pos.field, c->field);
	}
}

static void
test_split_bounds(void **state)
{
	static struct csv_record rec;
	static char in[CSV_RECORD_MAX * 2];
	struct csv_pos pos;
	size_t used, n, i;

	(void)state;
	/* Exactly CSV_FIELDS_MAX fields pass; one more does not. */
	for (n = 0, i = 0; i < CSV_FIELDS_MAX; i++)
		n += (size_t)snprintf(
		    in + n, sizeof(in) - n, "%s%zu", i ? "," : "", i);
	assert_int_equal(csv_record_split(in, n, &used, &rec, &pos), CSV_OK);
	assert_int_equal(rec.nfields, CSV_FIELDS_MAX);
	assert_string_equal(rec.field[CSV_FIELDS_MAX - 1], "63");
	in[n++] = ',';
	in[n++] = 'x';
	assert_int_equal(
	    csv_record_split(in, n, &used, &rec, &pos), CSV_ERR_FIELDS);
	assert_int_equal(pos.field, CSV_FIELDS_MAX + 1);

	/* A field of CSV_FIELD_MAX bytes passes, one more byte does not. */
	memset(in, 'a', CSV_FIELD_MAX);
	assert_int_equal(
	    csv_record_split(in, CSV_FIELD_MAX, &used, &rec, &pos), CSV_OK);
	assert_int_equal(rec.len[0], CSV_FIELD_MAX);
	in[0] = '"';
	memset(in + 1, 'a', CSV_FIELD_MAX + 1);
	in[CSV_FIELD_MAX + 2] = '"';
	assert_int_equal(
	    csv_record_split(in, CSV_FIELD_MAX + 3, &used, &rec, &pos),
	    CSV_ERR_FIELD_LONG);
	assert_int_equal(pos.column, CSV_FIELD_MAX + 2);

	/* 20 fields of 4000 bytes exceed the record. */
	for (n = 0, i = 0; i < 20; i++) {
		if (i)
			in[n++] = ',';
		memset(in + n, 'b', 4000);
		n += 4000;
	}
	assert_int_equal(
	    csv_record_split(in, n, &used, &rec, &pos), CSV_ERR_RECORD_LONG);
	assert_int_equal(pos.field, 17);
}

static void
test_status_str(void **state)
{
	int st;

	(void)state;
	for (st = 0; st < CSV_STATUS__MAX; st++) {
		assert_non_null(csv_status_str((enum csv_status)st));
		assert_true(strlen(csv_status_str((enum csv_status)st)) > 0);
	}
	assert_string_equal(
	    csv_status_str(CSV_ERR_QUOTE_OPEN), "quoted field not closed");
	assert_string_equal(csv_status_str(CSV_STATUS__MAX), "unknown status");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_table),
	    cmocka_unit_test(test_split_destatis),
	    cmocka_unit_test(test_split_sequence),
	    cmocka_unit_test(test_split_errors),
	    cmocka_unit_test(test_split_bounds),
	    cmocka_unit_test(test_status_str),
	};

	return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
