/*
 * test_export_stat.c: cgi/export_stat.c writes .sav and .dta files into
 * memory; ReadStat's own parser reads them back (from memory too), and
 * every variable name, label, value label, user-missing value and value
 * must come back as written. A file that gets fewer rows than announced
 * must fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <readstat.h>

#include "anon.h"
#include "export_stat.h"
#include "questionnaire.h"

static const char qdef_text[] =
    "{\"slug\":\"stat-test\",\"version\":1,"
    "\"title\":{\"de\":\"T\",\"en\":\"T\"},"
    "\"levels\":[{\"value\":0,\"label\":{\"de\":\"gar "
    "nicht\",\"en\":\"none\"}},"
    "{\"value\":1,\"label\":{\"de\":\"wenig\",\"en\":\"little\"}},"
    "{\"value\":2,\"label\":{\"de\":\"mittel\",\"en\":\"some\"}},"
    "{\"value\":3,\"label\":{\"de\":\"viel\",\"en\":\"much\"}},"
    "{\"value\":4,\"label\":{\"de\":\"völlig\",\"en\":\"fully\"}}],"
    "\"dimensions\":[{\"id\":\"D1\",\"title\":{\"de\":\"Strategie\",\"en\":"
    "\"Strategy\"},\"weight\":1,\"items\":["
    "{\"id\":\"D1.1\",\"text\":{\"de\":\"Gibt es einen Ratsbeschluss?\","
    "\"en\":\"A resolution?\"}},"
    "{\"id\":\"D1.2\",\"text\":{\"de\":\"Gibt es ein Budget?\",\"en\":"
    "\"A budget?\"}}]}]}";

#define ROWS 3
#define MAXVARS 16

/* What the parser saw. */
struct seen {
	int nvars;
	char name[MAXVARS][64];
	char label[MAXVARS][400];
	char sets[MAXVARS][64];
	int user_missing_minus1[MAXVARS];
	int nrows;
	double num[ROWS][MAXVARS];
	int missing[ROWS][MAXVARS];
	int defined_missing[ROWS][MAXVARS];
	char str[ROWS][MAXVARS][64];
	int nlabels;
	struct {
		char set[64];
		int value;
		char label[200];
	} labels[64];
};

/* The value label of value in the label set of variable var, or NULL. */
static const char *
label_of(const struct seen *s, int var, int value)
{
	int i;

	for (i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].set, s->sets[var]) == 0 &&
		    s->labels[i].value == value)
			return s->labels[i].label;
	return NULL;
}

/* The file in memory, for writing and for the parser's I/O. */
struct mem {
	char *p;
	size_t len, cap, pos;
};

static int
mem_write(void *ctx, const char *p, size_t n)
{
	struct mem *m = ctx;

	if (m->len + n > m->cap) {
		size_t cap = (m->len + n) * 2;
		char *q = realloc(m->p, cap);

		if (q == NULL)
			return -1;
		m->p = q;
		m->cap = cap;
	}
	memcpy(m->p + m->len, p, n);
	m->len += n;
	return 0;
}

static int
io_open(const char *path, void *io)
{
	(void)path;
	((struct mem *)io)->pos = 0;
	return 0;
}

static int
io_close(void *io)
{
	(void)io;
	return 0;
}

static readstat_off_t
io_seek(readstat_off_t off, readstat_io_flags_t whence, void *io)
{
	struct mem *m = io;
	readstat_off_t base = whence == READSTAT_SEEK_SET ? 0
	                      : whence == READSTAT_SEEK_CUR
	                          ? (readstat_off_t)m->pos
	                          : (readstat_off_t)m->len;

	if (base + off < 0 || base + off > (readstat_off_t)m->len)
		return -1;
	m->pos = (size_t)(base + off);
	return (readstat_off_t)m->pos;
}

static ssize_t
io_read(void *buf, size_t n, void *io)
{
	struct mem *m = io;

	if (n > m->len - m->pos)
		n = m->len - m->pos;
	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static readstat_error_t
io_update(long size, readstat_progress_handler h, void *user, void *io)
{
	(void)size;
	(void)h;
	(void)user;
	(void)io;
	return READSTAT_OK;
}

static int
on_variable(int i, readstat_variable_t *v, const char *sets, void *ctx)
{
	struct seen *s = ctx;
	int j;

	if (i >= MAXVARS)
		return READSTAT_HANDLER_ABORT;
	s->nvars = i + 1;
	snprintf(s->name[i], sizeof(s->name[i]), "%s",
	    readstat_variable_get_name(v));
	snprintf(s->label[i], sizeof(s->label[i]), "%s",
	    readstat_variable_get_label(v) ? readstat_variable_get_label(v)
	                                   : "");
	snprintf(s->sets[i], sizeof(s->sets[i]), "%s", sets ? sets : "");
	for (j = 0; j < readstat_variable_get_missing_ranges_count(v); j++)
		if (readstat_double_value(
		        readstat_variable_get_missing_range_lo(v, j)) == -1)
			s->user_missing_minus1[i] = 1;
	return READSTAT_HANDLER_OK;
}

static int
on_value(int row, readstat_variable_t *v, readstat_value_t val, void *ctx)
{
	struct seen *s = ctx;
	int i = readstat_variable_get_index(v);

	if (row >= ROWS || i >= MAXVARS)
		return READSTAT_HANDLER_ABORT;
	if (row + 1 > s->nrows)
		s->nrows = row + 1;
	s->missing[row][i] = readstat_value_is_system_missing(val);
	s->defined_missing[row][i] = readstat_value_is_defined_missing(val, v);
	if (readstat_value_type(val) == READSTAT_TYPE_STRING)
		snprintf(s->str[row][i], sizeof(s->str[row][i]), "%s",
		    readstat_string_value(val) ? readstat_string_value(val)
		                               : "");
	else if (!s->missing[row][i])
		s->num[row][i] = readstat_double_value(val);
	return READSTAT_HANDLER_OK;
}

static int
on_value_label(
    const char *set, readstat_value_t val, const char *label, void *ctx)
{
	struct seen *s = ctx;
	int v = readstat_value_type(val) == READSTAT_TYPE_DOUBLE
	            ? (int)readstat_double_value(val)
	            : readstat_int32_value(val);

	if (s->nlabels == 64)
		return READSTAT_HANDLER_ABORT;
	snprintf(
	    s->labels[s->nlabels].set, sizeof(s->labels[0].set), "%s", set);
	s->labels[s->nlabels].value = v;
	snprintf(s->labels[s->nlabels].label, sizeof(s->labels[0].label), "%s",
	    label);
	s->nlabels++;
	return READSTAT_HANDLER_OK;
}

/* Parses the file in m into s. */
static void
parse(enum export_stat_format f, struct mem *m, struct seen *s)
{
	readstat_parser_t *p = readstat_parser_init();
	readstat_error_t e;

	memset(s, 0, sizeof(*s));
	readstat_set_open_handler(p, io_open);
	readstat_set_close_handler(p, io_close);
	readstat_set_seek_handler(p, io_seek);
	readstat_set_read_handler(p, io_read);
	readstat_set_update_handler(p, io_update);
	readstat_set_io_ctx(p, m);
	readstat_set_variable_handler(p, on_variable);
	readstat_set_value_handler(p, on_value);
	readstat_set_value_label_handler(p, on_value_label);
	e = f == EXPORT_STAT_SAV ? readstat_parse_sav(p, "mem", s)
	                         : readstat_parse_dta(p, "mem", s);
	readstat_parser_free(p);
	if (e != READSTAT_OK)
		fail_msg("parse: %s", readstat_error_message(e));
}

struct fixture {
	json_t *json;
	struct qdef q;
	struct anon_columns cols;
	struct anon_plan plan;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct problems ps = {.count = 0};
	struct anon_combo *c = calloc(1, sizeof(*c));

	if (f == NULL || c == NULL)
		return -1;
	f->json = json_loads(qdef_text, 0, NULL);
	if (f->json == NULL || questionnaire_validate(f->json, &f->q, &ps))
		return -1;
	anon_columns_build(&f->q, &f->cols);
	anon_attr_set(
	    &c->attr, "3", "kreisfreie_stadt", "1", "Baden-Württemberg");
	c->count = ROWS;
	if (anon_plan_decide(&f->plan, c, 1, 1) == -1)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	anon_plan_free(&f->plan);
	json_decref(f->json);
	free(f);
	return 0;
}

/* The three rows: pseudonym, wave, size_class, size_band, kind,
 * urbanisation, state, D1_1, D1_2, D1_1_target, D1_2_target, score_D1,
 * score_overall. */
static void
rows_of(struct export_cell cells[ROWS][13])
{
	static const char *const ps[ROWS] = {
	    "pabcdefghijkl", "pmnopqrstuvw", "p234567abcdef"};
	static const long long lv[ROWS][4] = {
	    {0, 4, 1, 4}, {-1, 2, 0, -9}, {-9, -9, -9, -9}};
	static const char *const sc[ROWS] = {"20.833333333333332", "62.5", ""};
	int r, i;

	memset(cells, 0, sizeof(struct export_cell) * ROWS * 13);
	for (r = 0; r < ROWS; r++) {
		cells[r][0] =
		    (struct export_cell){EXPORT_CELL_STR, 0, 0, ps[r]};
		cells[r][1] =
		    (struct export_cell){EXPORT_CELL_INT, 1234567, 0, NULL};
		cells[r][2] = (struct export_cell){EXPORT_CELL_INT, 3, 0, NULL};
		cells[r][3] = (struct export_cell){EXPORT_CELL_INT, 2, 0, NULL};
		cells[r][4] = (struct export_cell){EXPORT_CELL_INT, 3, 0, NULL};
		cells[r][5] = (struct export_cell){EXPORT_CELL_INT, 1, 0, NULL};
		cells[r][6] = r == 2 ? (struct export_cell){EXPORT_CELL_MISSING,
		                           0, 0, NULL}
		                     : (struct export_cell){EXPORT_CELL_STR, 0,
		                           0, "Baden-Württemberg"};
		for (i = 0; i < 4; i++)
			cells[r][7 + i] =
			    lv[r][i] == -9
			        ? (struct export_cell){EXPORT_CELL_MISSING, 0,
			              0, NULL}
			        : (struct export_cell){
			              EXPORT_CELL_INT, lv[r][i], 0, NULL};
		for (i = 0; i < 2; i++)
			cells[r][11 + i] =
			    sc[r][0] == '\0'
			        ? (struct export_cell){EXPORT_CELL_MISSING, 0,
			              0, NULL}
			        : (struct export_cell){EXPORT_CELL_NUM, 0,
			              strtod(sc[r], NULL), sc[r]};
	}
}

static void
roundtrip(void **state, enum export_stat_format fmt)
{
	struct fixture *f = *state;
	struct export_cell cells[ROWS][13];
	struct mem m = {0};
	struct seen *s = calloc(1, sizeof(*s));
	struct export_stat *w;
	char err[256];
	int r, i;

	assert_non_null(s);
	assert_int_equal(f->cols.n, 13);
	rows_of(cells);
	w = export_stat_begin(fmt, &f->cols, f->json, &f->plan,
	    "reifegrad Welle 1: Prüfung", ROWS, mem_write, &m, err,
	    sizeof(err));
	assert_non_null(w);
	for (r = 0; r < ROWS; r++)
		assert_int_equal(
		    export_stat_row(w, cells[r], err, sizeof(err)), 0);
	assert_int_equal(export_stat_end(w, err, sizeof(err)), 0);

	parse(fmt, &m, s);
	assert_int_equal(s->nvars, 13);
	assert_int_equal(s->nrows, ROWS);
	for (i = 0; i < 13; i++)
		assert_string_equal(s->name[i], f->cols.col[i].name);
	assert_string_equal(s->label[7], "D1.1 Gibt es einen Ratsbeschluss?");
	assert_string_equal(
	    s->label[9], "D1.1 Ziel: Gibt es einen Ratsbeschluss?");
	assert_string_equal(s->label[2], "Gemeindegrößenklasse");
	/* Stata keeps the names of label sets; SPSS numbers them. */
	if (fmt == EXPORT_STAT_DTA) {
		assert_string_equal(s->sets[7], "level");
		assert_string_equal(s->sets[9], "target");
		assert_string_equal(s->sets[4], "kind");
	}
	assert_string_equal(s->sets[7], s->sets[8]);
	assert_string_not_equal(s->sets[7], s->sets[9]);
	assert_string_equal(
	    label_of(s, 7, -1), "nicht zutreffend / weiß nicht");
	assert_string_equal(label_of(s, 7, 4), "völlig");
	assert_null(label_of(s, 9, -1));
	assert_string_equal(label_of(s, 9, 0), "gar nicht");
	assert_string_equal(label_of(s, 4, 3), "kreisfreie Stadt");
	assert_string_equal(label_of(s, 2, 8), "500.000 und mehr Einwohner");
	assert_null(label_of(s, 11, 0));
	/* SPSS: -1 is user-missing in the level variables only. */
	assert_int_equal(s->user_missing_minus1[7], fmt == EXPORT_STAT_SAV);
	assert_int_equal(s->user_missing_minus1[9], 0);
	for (r = 0; r < ROWS; r++) {
		assert_string_equal(s->str[r][0], cells[r][0].s);
		assert_string_equal(
		    s->str[r][6], r == 2 ? "" : "Baden-Württemberg");
		for (i = 1; i < 13; i++) {
			if (i == 6)
				continue;
			assert_int_equal(s->missing[r][i],
			    cells[r][i].type == EXPORT_CELL_MISSING);
			if (cells[r][i].type == EXPORT_CELL_INT)
				assert_true(
				    s->num[r][i] == (double)cells[r][i].i);
			if (cells[r][i].type == EXPORT_CELL_NUM)
				assert_true(s->num[r][i] == cells[r][i].d);
		}
	}
	assert_int_equal(s->defined_missing[1][7], fmt == EXPORT_STAT_SAV);
	assert_int_equal(s->defined_missing[0][7], 0);
	free(m.p);
	free(s);
}

static void
test_sav_roundtrip(void **state)
{
	roundtrip(state, EXPORT_STAT_SAV);
}

static void
test_dta_roundtrip(void **state)
{
	roundtrip(state, EXPORT_STAT_DTA);
}

/* Fewer rows than announced: the file cannot be finished. */
static void
test_row_count_enforced(void **state)
{
	struct fixture *f = *state;
	struct export_cell cells[ROWS][13];
	struct mem m = {0};
	struct export_stat *w;
	char err[256] = "";
	int fmt;

	rows_of(cells);
	for (fmt = EXPORT_STAT_SAV; fmt <= EXPORT_STAT_DTA; fmt++) {
		m.len = 0;
		w = export_stat_begin((enum export_stat_format)fmt, &f->cols,
		    f->json, &f->plan, "x", ROWS, mem_write, &m, err,
		    sizeof(err));
		assert_non_null(w);
		assert_int_equal(
		    export_stat_row(w, cells[0], err, sizeof(err)), 0);
		assert_int_equal(export_stat_end(w, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "export_stat"));
	}
	free(m.p);
}

/* A write that fails stops the file with an error: at the start, or at
 * the first row (ReadStat writes a .sav file's dictionary only then). */
static int
write_fails(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return -1;
}

static void
test_write_failure(void **state)
{
	struct fixture *f = *state;
	struct export_cell cells[ROWS][13];
	struct export_stat *w;
	char err[256] = "";
	int fmt;

	rows_of(cells);
	for (fmt = EXPORT_STAT_SAV; fmt <= EXPORT_STAT_DTA; fmt++) {
		err[0] = '\0';
		w = export_stat_begin((enum export_stat_format)fmt, &f->cols,
		    f->json, &f->plan, "x", ROWS, write_fails, NULL, err,
		    sizeof(err));
		if (w != NULL) {
			int rc = export_stat_row(w, cells[0], err, sizeof(err));

			export_stat_free(w);
			assert_int_equal(rc, -1);
		}
		assert_non_null(strstr(err, "write"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_sav_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_dta_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_row_count_enforced, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_write_failure, setup, teardown),
	};

	return cmocka_run_group_tests_name("export_stat", tests, NULL, NULL);
}
