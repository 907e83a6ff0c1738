/*
 * csv.h: an RFC 4180 record splitter. Pure: no I/O, no allocation.
 *
 * csv_record_split() takes a buffer that holds the rest of the input (one or
 * more lines) and copies the fields of its first record, unquoted, into a
 * struct csv_record the caller provides. Quoted fields may hold commas,
 * doubled quotes and line breaks; records end with LF or CRLF or at the end
 * of the buffer. Anything else (a stray quote, text after a closing quote, a
 * lone CR, a NUL byte, an unclosed quote) is refused with its position.
 */
#ifndef CSV_H
#define CSV_H

#include <stddef.h>

#include "reifegrad.h"

/* The widest file we read has 22 columns (Eurostat LAU); a table three times
 * as wide is no register. */
#define CSV_FIELDS_MAX 64
/* Bytes of one field after unquoting. The longest real field (a LAU name)
 * has 143 bytes; a field of kilobytes is a broken quote, not a name. */
#define CSV_FIELD_MAX 4096
/* Bytes of one record after unquoting, every field with its NUL. Keeps
 * struct csv_record at a fixed, modest size. */
#define CSV_RECORD_MAX (64 * 1024)

enum csv_status {
	CSV_OK = 0,          /* one record split */
	CSV_END,             /* the buffer is empty: no record */
	CSV_ERR_QUOTE_OPEN,  /* a quoted field is not closed */
	CSV_ERR_QUOTE_STRAY, /* a quote inside an unquoted field */
	CSV_ERR_QUOTE_TRAIL, /* text after the closing quote of a field */
	CSV_ERR_CR,          /* a CR not followed by LF outside quotes */
	CSV_ERR_NUL,         /* a NUL byte */
	CSV_ERR_FIELDS,      /* more than CSV_FIELDS_MAX fields */
	CSV_ERR_FIELD_LONG,  /* a field longer than CSV_FIELD_MAX bytes */
	CSV_ERR_RECORD_LONG, /* a record longer than CSV_RECORD_MAX bytes */
	CSV_STATUS__MAX
};

/* Where a problem is, relative to the first byte of the record. */
struct csv_pos {
	size_t line;   /* 1 = the record's first line */
	size_t column; /* 1-based byte column within that line */
	size_t field;  /* 1-based field number */
};

/* One record. field[i] points into data and is NUL-terminated; len[i] is
 * its length in bytes (a field may not contain NUL, so they agree). */
struct csv_record {
	size_t nfields;
	size_t nlines; /* line breaks consumed, the terminating one included */
	const char *field[CSV_FIELDS_MAX];
	size_t len[CSV_FIELDS_MAX];
	char data[CSV_RECORD_MAX];
};

/*
 * Splits the first record of buf[0..len), which must be the whole rest of
 * the input (the end of buf ends the last record). On CSV_OK fills rec and
 * sets *used to the bytes consumed, the line break included. Returns CSV_END
 * when len is 0, or an error, in which case *pos (may be NULL) says where
 * it is; for CSV_ERR_QUOTE_OPEN that is the opening quote. rec is always
 * the caller's; nothing is allocated.
 */
enum csv_status csv_record_split(const char *buf, size_t len, size_t *used,
    struct csv_record *rec, struct csv_pos *pos) RG_WUR;

/* A short English description of a status ("quoted field not closed");
 * never NULL. */
const char *csv_status_str(enum csv_status);

#endif /* CSV_H */
