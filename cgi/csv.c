/*
 * csv.c: RFC 4180 record splitting (see csv.h). Pure.
 *
 * The splitter walks the bytes once. It keeps the current line (counted
 * from the record's first line) and the offset where that line starts, so
 * every refusal can name line, column and field exactly.
 */
#include <string.h>

#include "csv.h"

/* The texts below spell the limits out; keep them in step. */
_Static_assert(
    CSV_FIELDS_MAX == 64 && CSV_FIELD_MAX == 4096 && CSV_RECORD_MAX == 65536,
    "update csv_status_text");

static const char *const csv_status_text[CSV_STATUS__MAX] = {
    [CSV_OK] = "ok",
    [CSV_END] = "end of input",
    [CSV_ERR_QUOTE_OPEN] = "quoted field not closed",
    [CSV_ERR_QUOTE_STRAY] = "quote inside an unquoted field",
    [CSV_ERR_QUOTE_TRAIL] = "text after the closing quote of a field",
    [CSV_ERR_CR] = "carriage return without line feed",
    [CSV_ERR_NUL] = "NUL byte",
    [CSV_ERR_FIELDS] = "too many fields (more than 64)",
    [CSV_ERR_FIELD_LONG] = "field longer than 4096 bytes",
    [CSV_ERR_RECORD_LONG] = "record longer than 65536 bytes",
};

/* The walk's state: where we are in the input and in rec->data. */
struct csv_walk {
	const char *buf;
	size_t len;
	size_t i;     /* next input byte */
	size_t line;  /* 1-based line within the record */
	size_t bol;   /* input offset of that line's first byte */
	size_t out;   /* next free byte of rec->data */
	size_t start; /* rec->data offset of the current field */
};

static enum csv_status
csv_fail(const struct csv_walk *w, const struct csv_record *rec,
    enum csv_status st, struct csv_pos *pos)
{
	if (pos != NULL) {
		pos->line = w->line;
		pos->column = w->i - w->bol + 1;
		pos->field = rec->nfields + 1;
	}
	return st;
}

/* Appends byte c to the current field; refuses when a bound is hit. */
static enum csv_status
csv_put(struct csv_walk *w, struct csv_record *rec, char c)
{
	if (w->out - w->start >= CSV_FIELD_MAX)
		return CSV_ERR_FIELD_LONG;
	/* Keep one byte for the field's NUL. */
	if (w->out + 1 >= sizeof(rec->data))
		return CSV_ERR_RECORD_LONG;
	rec->data[w->out++] = c;
	return CSV_OK;
}

/* Reads a quoted field; w->i is at the opening quote. */
static enum csv_status
csv_quoted(struct csv_walk *w, struct csv_record *rec, struct csv_pos *pos)
{
	struct csv_walk open = *w;
	enum csv_status st;
	char c;

	w->i++;
	for (;;) {
		if (w->i == w->len)
			return csv_fail(&open, rec, CSV_ERR_QUOTE_OPEN, pos);
		c = w->buf[w->i];
		if (c == '"') {
			if (w->i + 1 < w->len && w->buf[w->i + 1] == '"') {
				if ((st = csv_put(w, rec, '"')) != CSV_OK)
					return csv_fail(w, rec, st, pos);
				w->i += 2;
				continue;
			}
			w->i++;
			break;
		}
		if (c == '\0')
			return csv_fail(w, rec, CSV_ERR_NUL, pos);
		if ((st = csv_put(w, rec, c)) != CSV_OK)
			return csv_fail(w, rec, st, pos);
		w->i++;
		if (c == '\n') {
			w->line++;
			w->bol = w->i;
		}
	}
	if (w->i < w->len && w->buf[w->i] != ',' && w->buf[w->i] != '\n' &&
	    w->buf[w->i] != '\r')
		return csv_fail(w, rec, CSV_ERR_QUOTE_TRAIL, pos);
	return CSV_OK;
}

/* Reads an unquoted field up to a comma, a line break or the end. */
static enum csv_status
csv_plain(struct csv_walk *w, struct csv_record *rec, struct csv_pos *pos)
{
	enum csv_status st;
	char c;

	while (w->i < w->len) {
		c = w->buf[w->i];
		if (c == ',' || c == '\n' || c == '\r')
			break;
		if (c == '"')
			return csv_fail(w, rec, CSV_ERR_QUOTE_STRAY, pos);
		if (c == '\0')
			return csv_fail(w, rec, CSV_ERR_NUL, pos);
		if ((st = csv_put(w, rec, c)) != CSV_OK)
			return csv_fail(w, rec, st, pos);
		w->i++;
	}
	return CSV_OK;
}

enum csv_status
csv_record_split(const char *buf, size_t len, size_t *used,
    struct csv_record *rec, struct csv_pos *pos)
{
	struct csv_walk w;
	enum csv_status st;

	memset(&w, 0, sizeof(w));
	w.buf = buf;
	w.len = len;
	w.line = 1;
	rec->nfields = 0;
	rec->nlines = 0;
	*used = 0;
	if (len == 0)
		return CSV_END;

	for (;;) {
		if (rec->nfields == CSV_FIELDS_MAX)
			return csv_fail(&w, rec, CSV_ERR_FIELDS, pos);
		w.start = w.out;
		if (w.i < w.len && w.buf[w.i] == '"')
			st = csv_quoted(&w, rec, pos);
		else
			st = csv_plain(&w, rec, pos);
		if (st != CSV_OK)
			return st;
		/* csv_put kept room for this NUL. */
		rec->data[w.out++] = '\0';
		rec->field[rec->nfields] = rec->data + w.start;
		rec->len[rec->nfields] = w.out - w.start - 1;
		rec->nfields++;

		if (w.i == w.len) {
			rec->nlines = w.line - 1;
			*used = w.i;
			return CSV_OK;
		}
		if (w.buf[w.i] == ',') {
			w.i++;
			continue;
		}
		if (w.buf[w.i] == '\r') {
			if (w.i + 1 == w.len || w.buf[w.i + 1] != '\n') {
				st = csv_fail(&w, rec, CSV_ERR_CR, pos);
				/* The CR ends the field just stored. */
				if (pos != NULL)
					pos->field = rec->nfields;
				return st;
			}
			w.i++;
		}
		/* w.buf[w.i] is the record's LF. */
		w.i++;
		rec->nlines = w.line;
		*used = w.i;
		return CSV_OK;
	}
}

const char *
csv_status_str(enum csv_status st)
{
	if ((unsigned)st >= CSV_STATUS__MAX)
		return "unknown status";
	return csv_status_text[st];
}
