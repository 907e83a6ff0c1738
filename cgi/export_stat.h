/*
 * export_stat.h: research exports as SPSS (.sav) and Stata (.dta) files,
 * written with ReadStat (Debian's libreadstat) straight into a callback:
 * no temporary file, and memory for one row only. Pure apart from
 * ReadStat: no libpq, no libfcgi.
 *
 * Variables are the export's columns (anon.h) with their German labels
 * (cut to 80 characters, Stata's limit) and value labels: attributes and
 * levels are whole numbers (Stata byte; the wave a long), scores doubles,
 * the pseudonym and the state strings. Missing values are system-missing;
 * the "not applicable / don't know" code -1 of the level columns is a
 * value of its own with its label, as in the CSV.
 */
#ifndef EXPORT_STAT_H
#define EXPORT_STAT_H

#include <jansson.h>

#include "anon.h"
#include "reifegrad.h"

enum export_stat_format {
	EXPORT_STAT_SAV, /* SPSS system file, bytecode-compressed rows */
	EXPORT_STAT_DTA  /* Stata 14+ (format 118, UTF-8) */
};

/* One value of a row, in column order. */
struct export_cell {
	enum {
		EXPORT_CELL_MISSING,
		EXPORT_CELL_INT,
		EXPORT_CELL_NUM,
		EXPORT_CELL_STR
	} type;
	long long i;
	double d;
	const char *s; /* EXPORT_CELL_STR: the text; EXPORT_CELL_NUM: the
	                * number as the database wrote it */
};

/* Where the file's bytes go: 0 or -1. */
typedef int (*export_stat_write_fn)(void *ctx, const char *p, size_t n);

struct export_stat;

/*
 * Starts a file of format for the columns cols of questionnaire qjson
 * (labels), announcing exactly rows rows (both formats write the count
 * first), and writes its header through write(ctx, ...). label is the
 * file label. Returns the writer, or NULL (ReadStat refused the layout,
 * memory ran out or write failed; the reason goes to errbuf).
 */
struct export_stat *export_stat_begin(enum export_stat_format format,
    const struct anon_columns *cols, const json_t *qjson,
    const struct anon_plan *plan, const char *label, long long rows,
    export_stat_write_fn write, void *ctx, char *errbuf, size_t errsz);

/* Writes one row: cells[0..cols->n). Returns 0 or -1 (errbuf). */
int export_stat_row(struct export_stat *, const struct export_cell *cells,
    char *errbuf, size_t errsz) RG_WUR;

/*
 * Finishes the file (fails when fewer or more rows came than announced)
 * and frees the writer. Returns 0 or -1 (errbuf).
 */
int export_stat_end(struct export_stat *, char *errbuf, size_t errsz) RG_WUR;

/* Frees an unfinished writer; NULL-safe. */
void export_stat_free(struct export_stat *);

#endif /* EXPORT_STAT_H */
