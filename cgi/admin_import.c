/*
 * admin_import.c: `reifegrad-admin org import FILE` (see admin_import.h).
 *
 * Two phases. First the file is read whole and every record parsed
 * (register.c); rows to import become COPY text in memory, refusals and
 * skips a report. Nothing touches the database before the whole file has
 * passed, so a damaged file changes nothing. Then, in one transaction: the
 * rows go by COPY into a temporary table, keys doubled within the file are
 * refused (the first line wins), existing organisations are updated where
 * something changed, and the rest are inserted, in file order.
 *
 * Which columns a row may change:
 *  - Destatis, plain CSV and non-German LAU rows set name, kind, country,
 *    and state, population, area, urbanisation, member where the file gives
 *    them; an empty cell keeps what exists (an import never erases).
 *  - German LAU rows (keyed by the AGS, like Destatis rows) fill gaps only:
 *    they set urbanisation (DEGURBA), and population and area only where
 *    the organisation has none; name, kind, state and country stay, since
 *    Destatis is the authority for Germany. A German LAU row without a
 *    Destatis row is inserted with the Land its AGS names as state.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin_import.h"
#include "buf.h"
#include "csv.h"
#include "register.h"

/* Progress is redrawn every so many records: often enough to move, rarely
 * enough to cost nothing. */
#define IMPORT_PROGRESS_EVERY 5000
/* COPY data is sent in pieces of this size. */
#define IMPORT_COPY_CHUNK (1024 * 1024)
/* Distinct reasons of skipped rows; register.c has 6. */
#define IMPORT_SKIP_KINDS 16

struct import_skip {
	char reason[REGISTER_REASON_MAX];
	size_t n;
	size_t first_line;
};

/* Everything one import holds; freed by import_free. */
struct import {
	const char *path;
	FILE *progress; /* NULL unless a terminal */
	size_t progress_width;
	int verbose;
	char *file;
	size_t filelen;
	struct register_ctx ctx;
	struct csv_record rec;
	struct buf copy;   /* COPY text of the rows to import */
	struct buf report; /* refused (and in verbose mode skipped) */
	size_t nrows;
	size_t nskipped;
	size_t nrefused;
	struct import_skip skip[IMPORT_SKIP_KINDS];
	size_t nskipkinds;
};

/* Temporary table, same types as organisation so values compare equal. */
static const char sql_stage[] =
    "CREATE TEMPORARY TABLE org_import ("
    " line integer NOT NULL, key text NOT NULL, name text NOT NULL,"
    " kind text NOT NULL, state text, state_new text NOT NULL,"
    " country text NOT NULL, population integer, area_km2 numeric(12,2),"
    " urbanisation smallint, member boolean, fill_only boolean NOT NULL"
    ") ON COMMIT DROP";

static const char sql_copy[] =
    "COPY org_import (line, key, name, kind, state, state_new, country,"
    " population, area_km2, urbanisation, member, fill_only) FROM STDIN";

/* Keys doubled within the file: the first line keeps the key. */
static const char sql_doubled[] =
    "WITH d AS (DELETE FROM org_import a"
    " USING (SELECT key, min(line) AS first FROM org_import"
    "  GROUP BY key HAVING count(*) > 1) f"
    " WHERE a.key = f.key AND a.line > f.first"
    " RETURNING a.line, a.key, f.first)"
    " SELECT line, key, first FROM d ORDER BY line";

static const char sql_matched[] =
    "SELECT count(*) FROM org_import i JOIN organisation o ON o.key = i.key";

static const char sql_update[] =
    "WITH n AS (SELECT o.id,"
    "  CASE WHEN i.fill_only THEN o.name ELSE i.name END AS name,"
    "  CASE WHEN i.fill_only THEN o.kind ELSE i.kind END AS kind,"
    "  CASE WHEN i.fill_only THEN o.state"
    "   ELSE coalesce(i.state, o.state) END AS state,"
    "  CASE WHEN i.fill_only THEN o.country ELSE i.country END AS country,"
    "  CASE WHEN i.fill_only THEN coalesce(o.population, i.population)"
    "   ELSE coalesce(i.population, o.population) END AS population,"
    "  CASE WHEN i.fill_only THEN coalesce(o.area_km2, i.area_km2)"
    "   ELSE coalesce(i.area_km2, o.area_km2) END AS area_km2,"
    "  coalesce(i.urbanisation, o.urbanisation) AS urbanisation,"
    "  coalesce(i.member, o.member) AS member"
    " FROM org_import i JOIN organisation o ON o.key = i.key),"
    " u AS (UPDATE organisation o SET name = n.name, kind = n.kind,"
    "  state = n.state, country = n.country, population = n.population,"
    "  area_km2 = n.area_km2, urbanisation = n.urbanisation,"
    "  member = n.member, updated_at = now()"
    " FROM n WHERE o.id = n.id AND (o.name, o.kind, o.state, o.country,"
    "  o.population, o.area_km2, o.urbanisation, o.member)"
    "  IS DISTINCT FROM (n.name, n.kind, n.state, n.country,"
    "  n.population, n.area_km2, n.urbanisation, n.member)"
    " RETURNING 1)"
    " SELECT count(*) FROM u";

static const char sql_insert[] =
    "WITH ins AS (INSERT INTO organisation (key, name, kind, state, country,"
    "  population, area_km2, urbanisation, member)"
    " SELECT i.key, i.name, i.kind, coalesce(i.state, i.state_new),"
    "  i.country, i.population, i.area_km2, i.urbanisation,"
    "  coalesce(i.member, false)"
    " FROM org_import i"
    " WHERE NOT EXISTS (SELECT 1 FROM organisation o WHERE o.key = i.key)"
    " ORDER BY i.line"
    " RETURNING 1)"
    " SELECT count(*) FROM ins";

/* Appends s as a COPY text value: backslash, tab, LF and CR escaped. */
static int
import_copytext(struct buf *b, const char *s)
{
	const char *esc;
	size_t i, from = 0;

	for (i = 0; s[i] != '\0'; i++) {
		switch (s[i]) {
		case '\\': esc = "\\\\"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		default: continue;
		}
		if (buf_append(b, s + from, i - from) < 0 ||
		    buf_append(b, esc, 2) < 0)
			return -1;
		from = i + 1;
	}
	return buf_append(b, s + from, i - from);
}

static double
import_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Redraws the progress line (only on a terminal). */
static void
import_progress(struct import *imp, const char *what, size_t n)
{
	int w;

	if (imp->progress == NULL)
		return;
	w = fprintf(
	    imp->progress, "\rorg import: %s: %s %zu rows", imp->path, what, n);
	if (w > 0 && (size_t)w > imp->progress_width)
		imp->progress_width = (size_t)w;
	fflush(imp->progress);
}

/* Clears the progress line before other output. */
static void
import_progress_clear(struct import *imp)
{
	if (imp->progress == NULL || imp->progress_width == 0)
		return;
	fprintf(imp->progress, "\r%*s\r", (int)imp->progress_width, "");
	fflush(imp->progress);
	imp->progress_width = 0;
}

static void import_fail(struct import *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints the one line of a failed import; line 0 names no line. */
static void
import_fail(struct import *imp, size_t line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	import_progress_clear(imp);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		fprintf(stderr, "org import: %s:%zu: %s; nothing imported\n",
		    imp->path, line, msg);
	else
		fprintf(stderr, "org import: %s: %s; nothing imported\n",
		    imp->path, msg);
}

/* Reads the whole file into imp->file. */
static int
import_file_read(struct import *imp)
{
	struct stat sb;
	ssize_t n;
	size_t got = 0;
	int fd;

	if ((fd = open(imp->path, O_RDONLY)) < 0) {
		import_fail(imp, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		import_fail(imp, 0, "not a regular file");
		goto failed;
	}
	if (sb.st_size > ADMIN_IMPORT_FILE_MAX) {
		import_fail(imp, 0, "larger than %ld bytes",
		    (long)ADMIN_IMPORT_FILE_MAX);
		goto failed;
	}
	/* One spare byte so an empty file still gets a buffer. */
	if ((imp->file = malloc((size_t)sb.st_size + 1)) == NULL) {
		import_fail(imp, 0, "out of memory");
		goto failed;
	}
	while (got < (size_t)sb.st_size) {
		n = read(fd, imp->file + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			import_fail(imp, 0, "cannot read: %s", strerror(errno));
			goto failed;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	imp->filelen = got;
	close(fd);
	return 0;
failed:
	close(fd);
	return -1;
}

/* Counts a skipped row under its reason; lists it in verbose mode. */
static int
import_skip_note(struct import *imp, size_t line, const char *why)
{
	size_t i;

	imp->nskipped++;
	if (imp->verbose)
		return buf_printf(&imp->report, "%s:%zu: skipped: %s\n",
		    imp->path, line, why);
	for (i = 0; i < imp->nskipkinds; i++) {
		if (strcmp(imp->skip[i].reason, why) == 0) {
			imp->skip[i].n++;
			return 0;
		}
	}
	if (imp->nskipkinds == IMPORT_SKIP_KINDS) {
		/* More kinds than register.c has: list it on its own. */
		return buf_printf(&imp->report, "%s:%zu: skipped: %s\n",
		    imp->path, line, why);
	}
	i = imp->nskipkinds++;
	snprintf(imp->skip[i].reason, sizeof(imp->skip[i].reason), "%s", why);
	imp->skip[i].n = 1;
	imp->skip[i].first_line = line;
	return 0;
}

/* Appends a tab and s as a COPY text value; NULL becomes \N. */
static int
import_col(struct buf *b, const char *s)
{
	if (buf_append(b, "\t", 1) < 0)
		return -1;
	if (s == NULL)
		return buf_append(b, "\\N", 2);
	return import_copytext(b, s);
}

/* Appends one row to the COPY text. */
static int
import_row_copy(struct import *imp, size_t line, const struct org_row *row)
{
	struct buf *b = &imp->copy;
	const char *state_new = row->state, *land, *member = NULL;
	char pop[24], area[32], urb[4];
	long long cents;
	int fill_only;

	fill_only = imp->ctx.format == REGISTER_FORMAT_LAU &&
	            strcmp(row->country, "DE") == 0;
	/* A new German organisation without a state gets the Land its
	 * AGS names. */
	if (row->state[0] == '\0' && strcmp(row->country, "DE") == 0 &&
	    row->key[0] >= '0' && row->key[0] <= '9' &&
	    (land = register_land_name(
	         (row->key[0] - '0') * 10 + (row->key[1] - '0'))) != NULL)
		state_new = land;
	snprintf(pop, sizeof(pop), "%lld", row->population);
	/* Rounded here to the column's 2 decimals, without printf's
	 * locale-dependent decimal point. */
	cents = (long long)(row->area_km2 * 100.0 + 0.5);
	snprintf(area, sizeof(area), "%lld.%02lld", cents / 100, cents % 100);
	snprintf(urb, sizeof(urb), "%d", row->urbanisation);
	if (row->member >= 0)
		member = row->member ? "t" : "f";

	if (buf_printf(b, "%zu", line) < 0 || import_col(b, row->key) < 0 ||
	    import_col(b, row->name) < 0 || import_col(b, row->kind) < 0 ||
	    import_col(b, row->state[0] != '\0' ? row->state : NULL) < 0 ||
	    import_col(b, state_new) < 0 || import_col(b, row->country) < 0 ||
	    import_col(b, row->population >= 0 ? pop : NULL) < 0 ||
	    import_col(b, row->area_km2 >= 0 ? area : NULL) < 0 ||
	    import_col(b, row->urbanisation > 0 ? urb : NULL) < 0 ||
	    import_col(b, member) < 0 ||
	    import_col(b, fill_only ? "t" : "f") < 0 ||
	    buf_append(b, "\n", 1) < 0)
		return -1;
	return 0;
}

/*
 * Phase one: header, then every record. Returns 0 when the whole file is
 * sound (refusals are no failure), -1 after import_fail.
 */
static int
import_parse(struct import *imp)
{
	const char *buf;
	size_t off, used, line = 1, nrec = 0;
	enum csv_status st;
	enum register_verdict v;
	struct csv_pos pos;
	struct org_row row;
	char why[REGISTER_REASON_MAX];

	off = register_bom_skip(imp->file, imp->filelen);
	buf = imp->file;
	st = csv_record_split(
	    buf + off, imp->filelen - off, &used, &imp->rec, &pos);
	if (st == CSV_END) {
		import_fail(imp, 0, "empty file, no header");
		return -1;
	}
	if (st != CSV_OK) {
		import_fail(imp, pos.line, "column %zu: %s", pos.column,
		    csv_status_str(st));
		return -1;
	}
	if (register_format_detect(&imp->ctx, &imp->rec, why, sizeof(why)) <
	    0) {
		import_fail(imp, 1, "%s", why);
		return -1;
	}
	off += used;
	line += imp->rec.nlines;

	for (;;) {
		st = csv_record_split(
		    buf + off, imp->filelen - off, &used, &imp->rec, &pos);
		if (st == CSV_END)
			break;
		if (st != CSV_OK) {
			import_fail(imp, line + pos.line - 1,
			    "column %zu (field %zu): %s", pos.column, pos.field,
			    csv_status_str(st));
			return -1;
		}
		v = register_row_parse(
		    &imp->ctx, &imp->rec, &row, why, sizeof(why));
		switch (v) {
		case REGISTER_ROW:
			imp->nrows++;
			if (import_row_copy(imp, line, &row) < 0)
				goto nomem;
			break;
		case REGISTER_SKIP:
			if (import_skip_note(imp, line, why) < 0)
				goto nomem;
			break;
		case REGISTER_REFUSE:
			imp->nrefused++;
			if (buf_printf(&imp->report, "%s:%zu: refused: %s\n",
			        imp->path, line, why) < 0)
				goto nomem;
			break;
		case REGISTER_ERROR:
		default: import_fail(imp, line, "%s", why); return -1;
		}
		off += used;
		line += imp->rec.nlines;
		if (++nrec % IMPORT_PROGRESS_EVERY == 0)
			import_progress(imp, "read", nrec);
	}
	return 0;
nomem:
	import_fail(imp, line, "out of memory");
	return -1;
}

/* Prints what phase one found: refused rows, then skipped ones. */
static void
import_report(struct import *imp)
{
	size_t i;

	import_progress_clear(imp);
	if (imp->report.len > 0)
		fwrite(imp->report.data, 1, imp->report.len, stderr);
	for (i = 0; i < imp->nskipkinds; i++) {
		if (imp->skip[i].n == 1)
			fprintf(stderr, "%s:%zu: skipped: %s\n", imp->path,
			    imp->skip[i].first_line, imp->skip[i].reason);
		else
			fprintf(stderr,
			    "%s:%zu: skipped: %s (%zu rows like it; "
			    "REIFEGRAD_VERBOSE=1 lists each)\n",
			    imp->path, imp->skip[i].first_line,
			    imp->skip[i].reason, imp->skip[i].n);
	}
}

/* Reports a database failure of res (may be NULL) as the one line. */
static void
import_db_fail(
    struct import *imp, PGconn *conn, const PGresult *res, const char *step)
{
	const char *msg = NULL;
	size_t n;

	if (res != NULL)
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (msg == NULL)
		msg = PQerrorMessage(conn);
	n = strcspn(msg, "\n");
	import_fail(imp, 0, "database (%s): %.*s", step, (int)n, msg);
}

/* Runs one statement; with out != NULL it must return one count. */
static int
import_exec(struct import *imp, PGconn *conn, const char *sql, const char *step,
    long long *out)
{
	PGresult *res;
	ExecStatusType st;

	res = PQexec(conn, sql);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		import_db_fail(imp, conn, res, step);
		PQclear(res);
		return -1;
	}
	if (out != NULL && (PQntuples(res) != 1 ||
	                       register_integer_parse(PQgetvalue(res, 0, 0),
	                           LLONG_MAX, out) != REGISTER_NUM_OK)) {
		import_fail(imp, 0, "database (%s): no count returned", step);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

/* Sends the COPY text and ends the COPY. */
static int
import_copy(struct import *imp, PGconn *conn)
{
	PGresult *res;
	size_t off, n;
	int sent = 1, failed = 0;

	res = PQexec(conn, sql_copy);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		import_db_fail(imp, conn, res, "copy");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	for (off = 0; off < imp->copy.len && sent; off += n) {
		n = imp->copy.len - off;
		if (n > IMPORT_COPY_CHUNK)
			n = IMPORT_COPY_CHUNK;
		sent = PQputCopyData(conn, imp->copy.data + off, (int)n) == 1;
	}
	if (sent)
		sent = PQputCopyEnd(conn, NULL) == 1;
	else
		(void)PQputCopyEnd(conn, "import aborted");
	/* Collect every result of the COPY; report the first failure. */
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !failed) {
			import_db_fail(imp, conn, res, "copy");
			failed = 1;
		}
		PQclear(res);
	}
	if (!sent && !failed) {
		import_db_fail(imp, conn, NULL, "copy");
		failed = 1;
	}
	return failed ? -1 : 0;
}

/* Lists keys doubled within the file as refused; counts them. */
static int
import_doubled(struct import *imp, PGconn *conn)
{
	PGresult *res;
	int i, n;

	res = PQexec(conn, sql_doubled);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		import_db_fail(imp, conn, res, "doubled keys");
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++)
		fprintf(stderr,
		    "%s:%s: refused: key %s is already on line %s\n", imp->path,
		    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		    PQgetvalue(res, i, 2));
	imp->nrefused += (size_t)n;
	imp->nrows -= (size_t)n;
	PQclear(res);
	return 0;
}

/*
 * Phase two, one transaction. Takes a lock that lets readers in and keeps
 * other writers of organisation out until the commit, so the counts of new
 * and updated rows are exact.
 */
static int
import_store(struct import *imp, PGconn *conn, long long *created,
    long long *updated, long long *matched)
{
	if (import_exec(imp, conn, "BEGIN", "begin", NULL) < 0)
		return -1;
	if (import_exec(imp, conn, "SET LOCAL client_encoding = 'UTF8'",
	        "encoding", NULL) < 0 ||
	    import_exec(imp, conn,
	        "LOCK TABLE organisation IN SHARE ROW EXCLUSIVE MODE", "lock",
	        NULL) < 0 ||
	    import_exec(imp, conn, sql_stage, "stage", NULL) < 0)
		goto failed;
	import_progress(imp, "writing", imp->nrows);
	if (import_copy(imp, conn) < 0 || import_doubled(imp, conn) < 0 ||
	    import_exec(imp, conn, sql_matched, "match", matched) < 0 ||
	    import_exec(imp, conn, sql_update, "update", updated) < 0 ||
	    import_exec(imp, conn, sql_insert, "insert", created) < 0 ||
	    import_exec(imp, conn, "COMMIT", "commit", NULL) < 0)
		goto failed;
	return 0;
failed:
	PQclear(PQexec(conn, "ROLLBACK"));
	return -1;
}

static void
import_free(struct import *imp)
{
	if (imp == NULL)
		return;
	free(imp->file);
	buf_free(&imp->copy);
	buf_free(&imp->report);
	free(imp);
}

int
admin_import_register(PGconn *conn, const char *path, FILE *progress)
{
	struct import *imp;
	const char *verbose;
	long long created = 0, updated = 0, matched = 0;
	double t0 = import_now();
	int rc = -1;

	if ((imp = calloc(1, sizeof(*imp))) == NULL) {
		fprintf(stderr,
		    "org import: %s: out of memory; nothing "
		    "imported\n",
		    path);
		return -1;
	}
	imp->path = path;
	if (progress != NULL && isatty(fileno(progress)))
		imp->progress = progress;
	verbose = getenv("REIFEGRAD_VERBOSE");
	imp->verbose =
	    verbose != NULL && verbose[0] != '\0' && strcmp(verbose, "0") != 0;

	if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
		import_fail(imp, 0,
		    "the database connection is busy or "
		    "inside a transaction");
		goto out;
	}
	if (import_file_read(imp) < 0 || import_parse(imp) < 0)
		goto out;
	import_report(imp);
	if (import_store(imp, conn, &created, &updated, &matched) < 0)
		goto out;
	import_progress_clear(imp);
	printf("org import: %s: %zu imported (%lld new, %lld updated, %lld "
	       "unchanged), %zu skipped, %zu refused in %.1f s\n",
	    path, imp->nrows, created, updated, matched - updated,
	    imp->nskipped, imp->nrefused, import_now() - t0);
	fflush(stdout);
	rc = 0;
out:
	import_free(imp);
	return rc;
}
