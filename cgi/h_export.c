/*
 * h_export.c: research exports (API.md "Research exports"):
 * GET /waves/{wave}/export.csv, export.json, export.sav, export.dta,
 * codebook.json and datapackage.json, for researchers and admins.
 *
 * How an export runs, at any size:
 *  1. dispatch opens the request's transaction as REPEATABLE READ (the
 *     route flag ROUTE_SNAPSHOT), so that everything below sees one
 *     snapshot;
 *  2. the handler counts the wave's attribute combinations in the
 *     database (a GROUP BY), lets anon.c decide generalisation and
 *     suppression, writes the audit entry (who, wave, format, rows,
 *     suppressed rows) and declares a holdable cursor (WITH HOLD) over
 *     the rows;
 *  3. dispatch commits: the audit entry is stored before any row leaves,
 *     and PostgreSQL keeps the cursor's rows (on its side, spilling to
 *     disk) after the transaction has ended, so no transaction stays
 *     open while a slow client downloads;
 *  4. fcgi.c writes the head and calls export_stream(), which fetches
 *     EXPORT_FETCH_ROWS rows at a time, drops the suppressed ones,
 *     generalises and pseudonymises the others and writes them in the
 *     chosen format to the client, then closes the cursor. The worker
 *     holds one batch of rows and one output buffer, whatever the size.
 *
 * A worker answers one request at a time, so one export job (static
 * below) carries the decision from the handler to the stream.
 */
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anon.h"
#include "app.h"
#include "buf.h"
#include "export_stat.h"
#include "handlers.h"
#include "log.h"
#include "pgjson.h"
#include "qcache.h"

/* Rows per FETCH: about a megabyte of text per batch and 25 round trips
 * for 100,000 rows. Each round trip waits for two processes to be
 * scheduled; with 1,000 rows per batch a busy machine spent more time
 * switching than working. */
#define EXPORT_FETCH_ROWS 4000
#define EXPORT_STR(x) #x
#define EXPORT_XSTR(x) EXPORT_STR(x)
#define EXPORT_CURSOR "rg_export"
#define EXPORT_FETCH                                                           \
	"FETCH FORWARD " EXPORT_XSTR(EXPORT_FETCH_ROWS) " FROM " EXPORT_CURSOR
/* Output is handed to FastCGI in pieces of about this size. */
#define EXPORT_FLUSH_BYTES (64 * 1024)
/* A number as PostgreSQL writes a double: at most 24 characters. */
#define EXPORT_NUMBER_MAX 40
/* Marks a missing value in the parsed arrays. */
#define EXPORT_NONE INT_MIN

enum export_format {
	FMT_CSV,
	FMT_JSON,
	FMT_SAV,
	FMT_DTA,
	FMT_CODEBOOK,
	FMT_DATAPACKAGE,
	FMT__MAX
};

static const struct {
	const char *name; /* in the audit log */
	const char *content_type;
	const char *ext; /* of the download's file name; NULL: shown inline */
	int rows;        /* streams rows */
} formats[FMT__MAX] = {
    [FMT_CSV] = {"csv", "text/csv; charset=utf-8; header=present", "csv", 1},
    [FMT_JSON] = {"json", "application/x-ndjson", "ndjson", 1},
    [FMT_SAV] = {"sav", "application/x-spss-sav", "sav", 1},
    [FMT_DTA] = {"dta", "application/x-stata-dta", "dta", 1},
    [FMT_CODEBOOK] = {"codebook", "application/json; charset=utf-8", NULL, 0},
    [FMT_DATAPACKAGE] = {"datapackage", "application/json; charset=utf-8", NULL,
        0},
};

/* Columns of export_context. */
enum { X_ID, X_TITLE, X_STATE, X_QID, X_K, X_ITEMS, X_DIMS, X_KEY_ID, X_KEY };
/* Columns of export_rows. */
enum {
	R_ORG,
	R_SIZE,
	R_KIND,
	R_URB,
	R_STATE,
	R_LEVELS,
	R_TARGETS,
	R_SCORES,
	R_OVERALL
};

/* What the handler decided and the stream needs. */
struct export_job {
	enum export_format fmt;
	int cursor; /* the cursor is declared and waits for the stream */
	struct db *db;
	long long wave;
	char label[300]; /* file label of .sav/.dta */
	unsigned char key[ANON_KEY_BYTES];
	const struct qentry *q;
	struct anon_plan plan;
	struct anon_columns cols;
	/* One row on its way out. */
	struct export_cell cells[ANON_COLUMNS_MAX];
	int levels[RG_DIMENSIONS_MAX * RG_ITEMS_PER_DIMENSION_MAX];
	int targets[RG_DIMENSIONS_MAX * RG_ITEMS_PER_DIMENSION_MAX];
	char scores[RG_DIMENSIONS_MAX + 1][EXPORT_NUMBER_MAX];
	char pseudonym[ANON_PSEUDONYM_SIZE];
	struct anon_attr shown;
	/* Output. */
	char *row; /* one row of CSV or JSON (row_write) */
	size_t namelen[ANON_COLUMNS_MAX];
	struct buf out;
	struct sink *sink;
	struct export_stat *stat;
	long long written;
};

static struct export_job job;

/* Forgets the previous export: frees what it held. */
static void
job_reset(void)
{
	anon_plan_free(&job.plan);
	export_stat_free(job.stat);
	buf_free(&job.out);
	free(job.row);
	job.row = NULL;
	sodium_memzero(job.key, sizeof(job.key));
	job.stat = NULL;
	job.cursor = 0;
	job.written = 0;
	job.q = NULL;
}

/* ---------------------------------------------------------------- parsing */

/* Whether s is a number as PostgreSQL writes a double ("-1.5e-05"; not
 * NaN or Infinity), so that it can go into CSV and JSON as it is. */
static int
number_ok(const char *s)
{
	size_t n;

	s += *s == '-';
	if ((n = strspn(s, "0123456789")) == 0)
		return 0;
	s += n;
	if (*s == '.') {
		if ((n = strspn(++s, "0123456789")) == 0)
			return 0;
		s += n;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		s += *s == '+' || *s == '-';
		if ((n = strspn(s, "0123456789")) == 0)
			return 0;
		s += n;
	}
	return *s == '\0';
}

/*
 * Reads a string of codes, one character per item (005_exports.sql):
 * '0'..'4' a level, 'n' not applicable / don't know (ANON_NA_CODE; only
 * where na is set), '.' nothing (EXPORT_NONE). Fills out[0..n). Returns
 * 0, or -1 unless s holds exactly n such characters.
 */
static int
code_string(const char *s, int na, int *out, size_t n)
{
	size_t i;

	if (s == NULL || strlen(s) != n)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '0' + RG_LEVEL_MAX)
			out[i] = s[i] - '0';
		else if (s[i] == 'n' && na)
			out[i] = ANON_NA_CODE;
		else if (s[i] == '.')
			out[i] = EXPORT_NONE;
		else
			return -1;
	}
	return 0;
}

/* Parses a double precision[] ("{4.166666666666667,25,NULL}") into the
 * texts out[0..n) ("" for NULL); NULL or "" is all missing. Returns 0, or
 * -1 unless it holds exactly n finite numbers or NULLs. */
static int
number_array(const char *s, char out[][EXPORT_NUMBER_MAX], size_t n)
{
	size_t i = 0, len;

	if (s == NULL || *s == '\0') {
		for (i = 0; i < n; i++)
			out[i][0] = '\0';
		return 0;
	}
	if (*s++ != '{')
		return -1;
	if (*s == '}')
		return n == 0 && s[1] == '\0' ? 0 : -1;
	for (;;) {
		if (i == n)
			return -1;
		len = strcspn(s, ",}");
		if (len >= EXPORT_NUMBER_MAX)
			return -1;
		memcpy(out[i], s, len);
		out[i][len] = '\0';
		if (strcmp(out[i], "NULL") == 0)
			out[i][0] = '\0';
		else if (!number_ok(out[i]))
			return -1;
		i++;
		s += len;
		if (*s == ',')
			s++;
		else if (*s == '}' && s[1] == '\0')
			return i == n ? 0 : -1;
		else
			return -1;
	}
}

/* Whether the text array arr ("{D1.1,D1.2}") lists the questionnaire's
 * items (items != 0) or dimensions in order. Ids hold letters, digits and
 * ".-_" only; PostgreSQL quotes one only when it reads "NULL". */
static int
layout_matches(const char *arr, const struct qdef *q, int items)
{
	size_t d, i, len, k = 0;
	const char *id;
	int quoted;

	if (arr == NULL || *arr++ != '{')
		return 0;
	for (d = 0; d < q->ndims; d++)
		for (i = 0; i < (items ? q->dim[d].nitems : 1); i++) {
			id = items ? q->dim[d].item[i].id : q->dim[d].id;
			len = strlen(id);
			if (k++ > 0 && *arr++ != ',')
				return 0;
			quoted = *arr == '"';
			arr += quoted;
			if (strncmp(arr, id, len) != 0 ||
			    (quoted && arr[len] != '"'))
				return 0;
			arr += len + quoted;
		}
	return strcmp(arr, "}") == 0;
}

/* -------------------------------------------------------------- the rows */

/* Hands what is buffered to the client. Returns 0 or -1. */
static int
job_flush(void)
{
	int rc = 0;

	if (job.out.len > 0)
		rc = job.sink->write(job.sink->ctx, job.out.data, job.out.len);
	buf_reset(&job.out);
	return rc;
}

/* export_stat's output: buffered like the text formats. */
static int
job_write(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	if (buf_append(&job.out, p, n) == -1)
		return -1;
	return job.out.len >= EXPORT_FLUSH_BYTES ? job_flush() : 0;
}

/*
 * The text formats write a row into job.row (job.row_max bytes, enough
 * for the longest row the columns allow) with the w_* helpers below, then
 * append it to the output in one piece: 100,000 rows of ~100 values are
 * ten million values, and a function call with a bounds check per value
 * showed up as a fifth of the worker's time.
 */

/* Writes a whole number; returns the end. */
static char *
w_int(char *w, long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	unsigned long long u =
	    v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	memcpy(w, p, (size_t)(tmp + sizeof(tmp) - p));
	return w + (tmp + sizeof(tmp) - p);
}

static char *
w_bytes(char *w, const char *s, size_t n)
{
	memcpy(w, s, n);
	return w + n;
}

/* Writes a CSV field (RFC 4180: quoted when it holds a comma, quote or
 * line break; quotes doubled): at most 2 * strlen(s) + 2 bytes. */
static char *
w_csv(char *w, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL)
		return w_bytes(w, s, strlen(s));
	*w++ = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"')
			*w++ = '"';
		*w++ = *s;
	}
	*w++ = '"';
	return w;
}

/* Writes a JSON string (UTF-8 passes through; quotes, backslashes and
 * control characters are escaped): at most 6 * strlen(s) + 2 bytes. */
static char *
w_json(char *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	*w++ = '"';
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			*w++ = '\\';
			*w++ = (char)ch;
		} else if (ch < 0x20) {
			w = w_bytes(w, "\\u00", 4);
			*w++ = hex[ch >> 4];
			*w++ = hex[ch & 15];
		} else
			*w++ = (char)ch;
	}
	*w++ = '"';
	return w;
}

/* The bytes job.row needs for the job's columns. */
static size_t
row_max(void)
{
	/* Per value: its name for JSON ("name":, a comma) and the longest
	 * number or pseudonym; plus the state, escaped, once. */
	return job.cols.n * (ANON_NAME_MAX + 4 + EXPORT_NUMBER_MAX) +
	       6 * ANON_STATE_MAX + 16;
}

/* Writes the cells of one row in the job's format. Returns 0 or -1. */
static int
row_write(void)
{
	const struct export_cell *x;
	char err[256], *w = job.row;
	size_t i;
	int json = job.fmt == FMT_JSON;

	if (job.fmt == FMT_SAV || job.fmt == FMT_DTA) {
		if (export_stat_row(job.stat, job.cells, err, sizeof(err)) ==
		    -1) {
			log_error("export: %s", err);
			return -1;
		}
		return 0;
	}
	if (json)
		*w++ = '{';
	for (i = 0; i < job.cols.n; i++) {
		x = &job.cells[i];
		if (i > 0)
			*w++ = ',';
		if (json) {
			*w++ = '"';
			w = w_bytes(w, job.cols.col[i].name, job.namelen[i]);
			*w++ = '"';
			*w++ = ':';
		}
		switch (x->type) {
		case EXPORT_CELL_MISSING:
			if (json)
				w = w_bytes(w, "null", 4);
			break;
		case EXPORT_CELL_INT: w = w_int(w, x->i); break;
		case EXPORT_CELL_NUM: w = w_bytes(w, x->s, strlen(x->s)); break;
		default: w = json ? w_json(w, x->s) : w_csv(w, x->s);
		}
	}
	w = json ? w_bytes(w, "}\n", 2) : w_bytes(w, "\r\n", 2);
	if (buf_append(&job.out, job.row, (size_t)(w - job.row)) == -1)
		return -1;
	return job.out.len >= EXPORT_FLUSH_BYTES ? job_flush() : 0;
}

static void
cell_int(struct export_cell *x, long long v, int present)
{
	x->type = present ? EXPORT_CELL_INT : EXPORT_CELL_MISSING;
	x->i = v;
}

static void
cell_num(struct export_cell *x, const char *s)
{
	x->type = s[0] != '\0' ? EXPORT_CELL_NUM : EXPORT_CELL_MISSING;
	x->s = s;
	/* Only .sav and .dta need the value; CSV and JSON take the text. */
	x->d = s[0] != '\0' && job.stat != NULL ? strtod(s, NULL) : 0;
}

/*
 * Turns row i of a fetched batch into cells and writes it, unless its
 * combination is suppressed. Returns 0, or -1 for a row that cannot be
 * read (logged) or a failed write.
 */
static int
row_export(const PGresult *res, int i)
{
	const char *v[R_OVERALL + 1];
	struct anon_attr attr;
	long long org;
	size_t c;
	int col;

	for (col = 0; col <= R_OVERALL; col++)
		v[col] =
		    PQgetisnull(res, i, col) ? NULL : PQgetvalue(res, i, col);
	anon_attr_set(&attr, v[R_SIZE], v[R_KIND], v[R_URB], v[R_STATE]);
	if (!anon_plan_keeps(&job.plan, &attr))
		return 0;
	anon_generalise(&attr, job.plan.level, &job.shown);
	if (v[R_ORG] == NULL ||
	    valid_int64(v[R_ORG], 1, INT64_MAX, &org) == -1 ||
	    anon_pseudonym(job.key, org, job.pseudonym) == -1 ||
	    code_string(v[R_LEVELS], 1, job.levels, job.cols.nitems) == -1 ||
	    code_string(v[R_TARGETS], 0, job.targets, job.cols.nitems) == -1 ||
	    number_array(v[R_SCORES], job.scores, job.cols.ndims) == -1) {
		log_error("export: wave %lld: a row cannot be read", job.wave);
		return -1;
	}
	snprintf(job.scores[job.cols.ndims], EXPORT_NUMBER_MAX, "%s",
	    v[R_OVERALL] != NULL && number_ok(v[R_OVERALL]) ? v[R_OVERALL]
	                                                    : "");
	for (c = 0; c < job.cols.n; c++) {
		const struct anon_column *k = &job.cols.col[c];
		struct export_cell *x = &job.cells[c];

		switch (k->kind) {
		case ANON_COL_PSEUDONYM:
			x->type = EXPORT_CELL_STR;
			x->s = job.pseudonym;
			break;
		case ANON_COL_WAVE: cell_int(x, job.wave, 1); break;
		case ANON_COL_SIZE_CLASS:
			cell_int(
			    x, job.shown.size_class, job.shown.size_class != 0);
			break;
		case ANON_COL_SIZE_BAND:
			cell_int(
			    x, job.shown.size_band, job.shown.size_band != 0);
			break;
		case ANON_COL_KIND:
			cell_int(x, job.shown.kind, job.shown.kind != 0);
			break;
		case ANON_COL_URBANISATION:
			cell_int(x, job.shown.urbanisation,
			    job.shown.urbanisation != 0);
			break;
		case ANON_COL_STATE:
			x->type = job.shown.state[0] ? EXPORT_CELL_STR
			                             : EXPORT_CELL_MISSING;
			x->s = job.shown.state;
			break;
		case ANON_COL_LEVEL:
			cell_int(x, job.levels[k->index],
			    job.levels[k->index] != EXPORT_NONE);
			break;
		case ANON_COL_TARGET:
			cell_int(x, job.targets[k->index],
			    job.targets[k->index] != EXPORT_NONE);
			break;
		case ANON_COL_SCORE: cell_num(x, job.scores[k->index]); break;
		case ANON_COL_OVERALL:
			cell_num(x, job.scores[job.cols.ndims]);
			break;
		default: x->type = EXPORT_CELL_MISSING;
		}
	}
	job.written++;
	return row_write();
}

/* Starts the body: the CSV header, or the .sav/.dta file's dictionary. */
static int
body_begin(void)
{
	char err[256];
	size_t i;
	int rc = 0;

	switch (job.fmt) {
	case FMT_CSV:
	case FMT_JSON:
		if ((job.row = malloc(row_max())) == NULL)
			return -1;
		for (i = 0; i < job.cols.n; i++)
			job.namelen[i] = strlen(job.cols.col[i].name);
		if (job.fmt == FMT_JSON)
			return 0;
		for (i = 0; i < job.cols.n; i++)
			rc |= buf_printf(&job.out, "%s%s", i ? "," : "",
			    job.cols.col[i].name);
		return rc | buf_append(&job.out, "\r\n", 2);
	case FMT_SAV:
	case FMT_DTA:
		job.stat = export_stat_begin(
		    job.fmt == FMT_SAV ? EXPORT_STAT_SAV : EXPORT_STAT_DTA,
		    &job.cols, job.q->json, &job.plan, job.label, job.plan.rows,
		    job_write, NULL, err, sizeof(err));
		if (job.stat == NULL) {
			log_error("export: %s", err);
			return -1;
		}
		return 0;
	default: return 0;
	}
}

/*
 * The stream callback (resp.h): fetches the cursor in batches and writes
 * every exported row; closes the cursor and forgets the job whatever
 * happens. Returns 0, or -1 when the answer ended early (logged).
 */
static int
export_stream(void *arg, struct sink *sink)
{
	char err[256];
	PGresult *res;
	int i, n, rc = -1;

	(void)arg;
	job.sink = sink;
	if (!job.cursor || body_begin() == -1)
		goto out;
	do {
		res = PQexec(job.db->conn, EXPORT_FETCH);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			log_error(
			    "export: fetch: %s", PQresultErrorMessage(res));
			PQclear(res);
			goto out;
		}
		n = PQntuples(res);
		for (i = 0; i < n; i++)
			if (row_export(res, i) == -1) {
				PQclear(res);
				goto out;
			}
		PQclear(res);
	} while (n == EXPORT_FETCH_ROWS);
	if (job.stat != NULL) {
		struct export_stat *s = job.stat;

		job.stat = NULL;
		if (export_stat_end(s, err, sizeof(err)) == -1) {
			log_error("export: %s", err);
			goto out;
		}
	}
	if (job_flush() == -1)
		goto out;
	if (job.written != job.plan.rows)
		log_error(
		    "export: wave %lld: %lld rows announced, %lld written",
		    job.wave, job.plan.rows, job.written);
	else
		rc = 0;
out:
	if (job.cursor && job.db->conn != NULL &&
	    db_command(job.db, "CLOSE " EXPORT_CURSOR) == -1)
		log_error("export: the cursor could not be closed");
	job_reset();
	return rc;
}

/* -------------------------------------------------------------- handlers */

/* Reads the export key and its id (*key_id) of the context row, storing
 * a first key when there is none. Returns 0, or -1 with an answer set. */
static int
key_load(struct ctx *c, PGresult *ctxres, long long *key_id)
{
	unsigned char fresh[ANON_KEY_BYTES];
	char hex[2 + 2 * ANON_KEY_BYTES + 1];
	const char *p[1] = {hex}, *text;
	PGresult *res = NULL;
	size_t len = 0;
	int rc = -1;

	if (!PQgetisnull(ctxres, 0, X_KEY)) {
		text = PQgetvalue(ctxres, 0, X_KEY);
		*key_id = pgj_ll(ctxres, 0, X_KEY_ID);
	} else {
		randombytes_buf(fresh, sizeof(fresh));
		hex[0] = '\\';
		hex[1] = 'x';
		sodium_bin2hex(hex + 2, sizeof(hex) - 2, fresh, sizeof(fresh));
		sodium_memzero(fresh, sizeof(fresh));
		res = app_write(c, Q_EXPORT_KEY_INIT, 1, p);
		sodium_memzero(hex, sizeof(hex));
		if (!db_ok(res) || PQntuples(res) != 1) {
			app_db_fail(c, res, "export: key");
			goto out;
		}
		text = PQgetvalue(res, 0, 1);
		*key_id = pgj_ll(res, 0, 0);
	}
	if (strncmp(text, "\\x", 2) != 0 ||
	    sodium_hex2bin(job.key, sizeof(job.key), text + 2, strlen(text + 2),
	        NULL, &len, NULL) != 0 ||
	    len != sizeof(job.key)) {
		log_error("export: the export key is malformed");
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* Counts the combinations and decides (anon.c). Returns 0, or -1 with an
 * answer set. */
static int
plan_load(struct ctx *c, const char *wave, long long k)
{
	const char *p[1] = {wave};
	struct anon_combo *combo;
	PGresult *res = db_exec(c->db, Q_EXPORT_COMBINATIONS, 1, p);
	int i, n;

	if (!db_ok(res)) {
		app_db_fail(c, res, "export: combinations");
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	if ((combo = calloc(n > 0 ? (size_t)n : 1, sizeof(*combo))) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		anon_attr_set(&combo[i].attr,
		    PQgetisnull(res, i, 0) ? NULL : PQgetvalue(res, i, 0),
		    PQgetvalue(res, i, 1),
		    PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2),
		    PQgetvalue(res, i, 3));
		combo[i].count = pgj_ll(res, i, 4);
	}
	PQclear(res);
	res = NULL;
	if (anon_plan_decide(&job.plan, combo, (size_t)n, k) == -1)
		goto oom;
	return 0;
oom:
	PQclear(res);
	resp_error(c->resp, 500, "internal", "Internal error.", NULL);
	return -1;
}

/* Writes the audit entry of this export. Returns 0, or -1 with an answer
 * set. */
static int
audit(struct ctx *c, const char *wave, long long key_id)
{
	char rows[24], supp[24], level[8], k[24], key[24];
	const char *p[7] = {
	    wave, formats[job.fmt].name, rows, supp, level, k, key};
	PGresult *res;
	int rc = 0;

	snprintf(rows, sizeof(rows), "%lld", job.plan.rows);
	snprintf(supp, sizeof(supp), "%lld", job.plan.suppressed);
	snprintf(level, sizeof(level), "%d", (int)job.plan.level);
	snprintf(k, sizeof(k), "%lld", job.plan.k);
	snprintf(key, sizeof(key), "%lld", key_id);
	res = app_write(c, Q_EXPORT_AUDIT, 7, p);
	if (!db_ok(res)) {
		app_db_fail(c, res, "export: audit");
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/* Declares the holdable cursor over the rows. Returns 0, or -1 with an
 * answer set. */
static int
cursor_declare(struct ctx *c, const char *wave)
{
	unsigned char salt[16];
	char hex[2 + 2 * sizeof(salt) + 1];
	const char *p[2] = {wave, hex};
	struct buf sql = {0};
	PGresult *res;
	int rc = -1;

	/* The row order: a keyed hash, derived from the export key but not
	 * revealing it. */
	if (crypto_generichash(salt, sizeof(salt),
	        (const unsigned char *)"row-order", 9, job.key,
	        sizeof(job.key)) != 0)
		goto fail;
	hex[0] = '\\';
	hex[1] = 'x';
	sodium_bin2hex(hex + 2, sizeof(hex) - 2, salt, sizeof(salt));
	/* A cursor left behind by an answer that never streamed goes. */
	if (db_command(c->db, "CLOSE ALL") == -1)
		goto dbfail;
	if (buf_puts(&sql, "DECLARE " EXPORT_CURSOR
	                   " NO SCROLL CURSOR WITH HOLD FOR ") == -1 ||
	    buf_puts(&sql, queries[Q_EXPORT_ROWS].text) == -1)
		goto fail;
	res = PQexecParams(c->db->conn, sql.data, 2, NULL, p, NULL, NULL, 0);
	buf_free(&sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		app_db_fail(c, res, "export: declare");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	job.cursor = 1;
	return 0;
fail:
	buf_free(&sql);
	resp_error(c->resp, 500, "internal", "Internal error.", NULL);
	return rc;
dbfail:
	app_unavailable(c);
	return rc;
}

/*
 * Answers one export of wave {id} in format fmt: decides, audits, and
 * either builds the JSON (codebook, data package) or declares the cursor
 * and sets the stream. 404 for an unknown wave, 503 when the database is
 * away, 500 when the stored layout disagrees with the questionnaire.
 */
static int
export_answer(struct ctx *c, enum export_format fmt)
{
	char wave[24];
	const char *p[1] = {wave};
	const struct qentry *q;
	struct anon_info info;
	long long key_id;
	PGresult *res;
	json_t *doc;
	int head = c->req->method == METHOD_HEAD, rc = 0;

	job_reset();
	job.fmt = fmt;
	job.db = c->db;
	job.wave = c->req->param[0];
	snprintf(wave, sizeof(wave), "%lld", job.wave);
	res = db_exec(c->db, Q_EXPORT_CONTEXT, 1, p);
	if (!db_ok(res)) {
		app_db_fail(c, res, "export: context");
		goto out;
	}
	if (PQntuples(res) != 1) {
		resp_error(c->resp, 404, "not_found", "No such wave.", NULL);
		goto out;
	}
	if (key_load(c, res, &key_id) == -1 ||
	    (q = qcache_get(c, pgj_ll(res, 0, X_QID))) == NULL)
		goto out;
	if (!layout_matches(PQgetisnull(res, 0, X_ITEMS)
	                        ? NULL
	                        : PQgetvalue(res, 0, X_ITEMS),
	        &q->def, 1) ||
	    !layout_matches(
	        PQgetisnull(res, 0, X_DIMS) ? NULL : PQgetvalue(res, 0, X_DIMS),
	        &q->def, 0)) {
		log_error("export: wave %s: export_layout disagrees with "
		          "questionnaire %lld",
		    wave, pgj_ll(res, 0, X_QID));
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		goto out;
	}
	job.q = q;
	if (plan_load(c, wave, pgj_ll(res, 0, X_K)) == -1)
		goto out;
	anon_columns_build(&q->def, &job.cols);
	if (!head && audit(c, wave, key_id) == -1)
		goto out;
	snprintf(job.label, sizeof(job.label), "reifegrad Welle %s: %s", wave,
	    PQgetvalue(res, 0, X_TITLE));
	if (!formats[fmt].rows) {
		info = (struct anon_info){job.wave, PQgetvalue(res, 0, X_TITLE),
		    PQgetvalue(res, 0, X_STATE), pgj_ll(res, 0, X_QID), key_id};
		doc = fmt == FMT_CODEBOOK
		          ? anon_codebook(&job.cols, q->json, &job.plan, &info)
		          : anon_datapackage(
		                &job.cols, q->json, &job.plan, &info);
		rc = resp_json(c->resp, 200, doc);
		job_reset();
		goto out;
	}
	if (!head && cursor_declare(c, wave) == -1)
		goto out;
	c->resp->status = 200;
	c->resp->content_type = formats[fmt].content_type;
	(void)resp_header(c->resp, "Content-Disposition",
	    "attachment; filename=\"reifegrad-wave-%s.%s\"", wave,
	    formats[fmt].ext);
	(void)resp_header(c->resp, "X-Export-Rows", "%lld", job.plan.rows);
	(void)resp_header(
	    c->resp, "X-Export-Suppressed", "%lld", job.plan.suppressed);
	c->resp->stream = export_stream;
	c->resp->stream_arg = &job;
out:
	if (c->resp->status >= 400)
		job_reset();
	PQclear(res);
	return rc;
}

int
h_export_csv(struct ctx *c)
{
	return export_answer(c, FMT_CSV);
}

int
h_export_json(struct ctx *c)
{
	return export_answer(c, FMT_JSON);
}

int
h_export_sav(struct ctx *c)
{
	return export_answer(c, FMT_SAV);
}

int
h_export_dta(struct ctx *c)
{
	return export_answer(c, FMT_DTA);
}

int
h_export_codebook(struct ctx *c)
{
	return export_answer(c, FMT_CODEBOOK);
}

int
h_export_datapackage(struct ctx *c)
{
	return export_answer(c, FMT_DATAPACKAGE);
}
