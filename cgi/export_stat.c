/*
 * export_stat.c: SPSS and Stata files through ReadStat's writer API (see
 * export_stat.h). ReadStat keeps the variables, the label sets and one
 * row; every byte it produces goes straight to the caller's write
 * callback.
 */
#include <readstat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "export_stat.h"

/* Stata's limit for variable labels, in characters. */
#define STAT_LABEL_CHARS 80
/* SPSS's limits in bytes: variable labels, value labels, file label. */
#define SAV_LABEL_BYTES 255
#define SAV_VALUE_LABEL_BYTES 120
#define SAV_FILE_LABEL_BYTES 64
/* Stata's limit for a file label, in characters (118: 4 bytes each). */
#define DTA_FILE_LABEL_BYTES 80
/* Stata 14 and later: UTF-8 text. */
#define DTA_VERSION 118

/* The value label sets, one per kind of coded column. */
enum stat_set {
	SET_SIZE_CLASS,
	SET_SIZE_BAND,
	SET_KIND,
	SET_URBANISATION,
	SET_LEVEL,
	SET_TARGET,
	SET__MAX
};

static const char *const set_names[SET__MAX] = {
    "size_class", "size_band", "kind", "urbanisation", "level", "target"};

struct export_stat {
	readstat_writer_t *w;
	const struct anon_columns *cols;
	export_stat_write_fn write;
	void *ctx;
	int failed_write;
};

/* ReadStat's data writer: everything goes to the caller. A failure is
 * reported as a short write (0 bytes): ReadStat 1.1.8 stores the result
 * in a size_t, so -1 would read as success. */
static ssize_t
stat_data_writer(const void *data, size_t len, void *ctx)
{
	struct export_stat *s = ctx;

	if (s->failed_write || s->write(s->ctx, data, len) == -1) {
		s->failed_write = 1;
		return 0;
	}
	return (ssize_t)len;
}

/* Cuts s in place to at most max bytes at a character boundary. */
static void
cut_bytes(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	s[n] = '\0';
}

/* The label set a column uses, or SET__MAX for none. */
static enum stat_set
set_of(enum anon_col_kind kind)
{
	switch (kind) {
	case ANON_COL_SIZE_CLASS: return SET_SIZE_CLASS;
	case ANON_COL_SIZE_BAND: return SET_SIZE_BAND;
	case ANON_COL_KIND: return SET_KIND;
	case ANON_COL_URBANISATION: return SET_URBANISATION;
	case ANON_COL_LEVEL: return SET_LEVEL;
	case ANON_COL_TARGET: return SET_TARGET;
	default: return SET__MAX;
	}
}

static void
errmsg(char *errbuf, size_t errsz, const char *what, readstat_error_t e)
{
	snprintf(errbuf, errsz, "export_stat: %s: %s", what,
	    readstat_error_message(e));
}

/* Defines the variables (and the label sets they use). Returns 0 or -1. */
static int
stat_define(struct export_stat *s, enum export_stat_format format,
    const json_t *qjson, const struct anon_plan *plan, char *errbuf,
    size_t errsz)
{
	readstat_label_set_t *sets[SET__MAX] = {NULL};
	char label[STAT_LABEL_CHARS * 4 + 8];
	size_t i, j, n;

	for (i = 0; i < s->cols->n; i++) {
		const struct anon_column *c = &s->cols->col[i];
		enum stat_set set = set_of(c->kind);
		readstat_variable_t *v;
		readstat_type_t type;
		size_t width = 0;

		switch (c->kind) {
		case ANON_COL_PSEUDONYM:
			type = READSTAT_TYPE_STRING;
			width = ANON_PSEUDONYM_SIZE - 1;
			break;
		case ANON_COL_STATE:
			type = READSTAT_TYPE_STRING;
			width = plan->state_bytes > 0 ? plan->state_bytes : 1;
			break;
		case ANON_COL_WAVE: type = READSTAT_TYPE_INT32; break;
		case ANON_COL_SCORE:
		case ANON_COL_OVERALL: type = READSTAT_TYPE_DOUBLE; break;
		default: type = READSTAT_TYPE_INT8;
		}
		if (set != SET__MAX && sets[set] == NULL) {
			struct anon_value vals[ANON_VALUES_MAX];

			sets[set] = readstat_add_label_set(
			    s->w, READSTAT_TYPE_INT32, set_names[set]);
			if (sets[set] == NULL)
				goto oom;
			n = anon_column_values(c, qjson, vals);
			for (j = 0; j < n; j++) {
				char vl[SAV_VALUE_LABEL_BYTES + 1];

				snprintf(vl, sizeof(vl), "%s",
				    vals[j].de ? vals[j].de : "");
				cut_bytes(vl, SAV_VALUE_LABEL_BYTES);
				readstat_label_int32_value(
				    sets[set], vals[j].value, vl);
			}
		}
		if ((v = readstat_add_variable(s->w, c->name, type, width)) ==
		    NULL)
			goto oom;
		anon_column_label(
		    c, qjson, "de", STAT_LABEL_CHARS, label, sizeof(label));
		if (format == EXPORT_STAT_SAV)
			cut_bytes(label, SAV_LABEL_BYTES);
		readstat_variable_set_label(v, label);
		if (set != SET__MAX)
			readstat_variable_set_label_set(v, sets[set]);
		/* SPSS: -1 stays visible with its label but counts as
		 * missing in statistics (a user-missing value). */
		if (format == EXPORT_STAT_SAV && c->kind == ANON_COL_LEVEL &&
		    readstat_variable_add_missing_double_value(
		        v, ANON_NA_CODE) != READSTAT_OK)
			goto oom;
		readstat_variable_set_measure(
		    v, type == READSTAT_TYPE_DOUBLE ? READSTAT_MEASURE_SCALE
		       : c->kind == ANON_COL_LEVEL || c->kind == ANON_COL_TARGET
		           ? READSTAT_MEASURE_ORDINAL
		           : READSTAT_MEASURE_NOMINAL);
	}
	return 0;
oom:
	snprintf(errbuf, errsz, "export_stat: out of memory");
	return -1;
}

struct export_stat *
export_stat_begin(enum export_stat_format format,
    const struct anon_columns *cols, const json_t *qjson,
    const struct anon_plan *plan, const char *label, long long rows,
    export_stat_write_fn write, void *ctx, char *errbuf, size_t errsz)
{
	struct export_stat *s;
	char file_label[DTA_FILE_LABEL_BYTES * 4 + 1];
	readstat_error_t e;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->w = readstat_writer_init()) == NULL) {
		free(s);
		snprintf(errbuf, errsz, "export_stat: out of memory");
		return NULL;
	}
	s->cols = cols;
	s->write = write;
	s->ctx = ctx;
	snprintf(file_label, sizeof(file_label), "%s", label ? label : "");
	cut_bytes(file_label, format == EXPORT_STAT_SAV ? SAV_FILE_LABEL_BYTES
	                                                : DTA_FILE_LABEL_BYTES);
	if ((e = readstat_set_data_writer(s->w, stat_data_writer)) !=
	        READSTAT_OK ||
	    (e = readstat_writer_set_file_label(s->w, file_label)) !=
	        READSTAT_OK) {
		errmsg(errbuf, errsz, "setup", e);
		goto fail;
	}
	if (format == EXPORT_STAT_SAV)
		e = readstat_writer_set_compression(
		    s->w, READSTAT_COMPRESS_ROWS);
	else
		e = readstat_writer_set_file_format_version(s->w, DTA_VERSION);
	if (e != READSTAT_OK) {
		errmsg(errbuf, errsz, "setup", e);
		goto fail;
	}
	if (stat_define(s, format, qjson, plan, errbuf, errsz) == -1)
		goto fail;
	readstat_add_note(s->w, "reifegrad research export: see codebook.json");
	e = format == EXPORT_STAT_SAV
	        ? readstat_begin_writing_sav(s->w, s, rows)
	        : readstat_begin_writing_dta(s->w, s, rows);
	if (e != READSTAT_OK) {
		errmsg(errbuf, errsz,
		    s->failed_write ? "write" : "begin writing", e);
		goto fail;
	}
	return s;
fail:
	export_stat_free(s);
	return NULL;
}

int
export_stat_row(struct export_stat *s, const struct export_cell *cells,
    char *errbuf, size_t errsz)
{
	readstat_error_t e;
	size_t i;

	if ((e = readstat_begin_row(s->w)) != READSTAT_OK)
		goto fail;
	for (i = 0; i < s->cols->n; i++) {
		const readstat_variable_t *v =
		    readstat_get_variable(s->w, (int)i);
		const struct export_cell *x = &cells[i];

		switch (x->type) {
		case EXPORT_CELL_MISSING:
			e = readstat_insert_missing_value(s->w, v);
			break;
		case EXPORT_CELL_INT:
			e = readstat_variable_get_type(v) == READSTAT_TYPE_INT8
			        ? readstat_insert_int8_value(
			              s->w, v, (int8_t)x->i)
			    : readstat_variable_get_type(v) ==
			            READSTAT_TYPE_INT32
			        ? readstat_insert_int32_value(
			              s->w, v, (int32_t)x->i)
			        : readstat_insert_double_value(
			              s->w, v, (double)x->i);
			break;
		case EXPORT_CELL_NUM:
			e = readstat_insert_double_value(s->w, v, x->d);
			break;
		default:
			e = readstat_insert_string_value(
			    s->w, v, x->s ? x->s : "");
		}
		if (e != READSTAT_OK)
			goto fail;
	}
	if ((e = readstat_end_row(s->w)) != READSTAT_OK)
		goto fail;
	return 0;
fail:
	errmsg(errbuf, errsz, s->failed_write ? "write" : "row", e);
	return -1;
}

int
export_stat_end(struct export_stat *s, char *errbuf, size_t errsz)
{
	readstat_error_t e = readstat_end_writing(s->w);

	if (e != READSTAT_OK)
		errmsg(errbuf, errsz, s->failed_write ? "write" : "end", e);
	export_stat_free(s);
	return e == READSTAT_OK ? 0 : -1;
}

void
export_stat_free(struct export_stat *s)
{
	if (s == NULL)
		return;
	readstat_writer_free(s->w);
	free(s);
}
