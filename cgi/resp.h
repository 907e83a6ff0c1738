/*
 * resp.h: one HTTP answer, built by a handler and written out by the
 * FastCGI layer. Handlers only ever fill a struct resp; they never write
 * to the connection themselves, except through a stream callback.
 */
#ifndef RESP_H
#define RESP_H

#include <jansson.h>

#include "buf.h"
#include "reifegrad.h"

/* Extra header lines per answer (Set-Cookie, Allow, Retry-After, ...). */
#define RG_RESP_HEADERS_BYTES 2048

/* Where a streaming answer writes its body. */
struct sink {
	int (*write)(void *ctx, const char *p, size_t n); /* 0 or -1 */
	void *ctx;
};

struct resp {
	int status; /* 0 until a handler set one */
	const char *content_type;
	char headers[RG_RESP_HEADERS_BYTES]; /* "Name: value\r\n"... */
	size_t headers_len;
	struct buf body;
	/* When set, the body is produced by calling stream after the head is
	 * written; body is then ignored. stream returns 0 or -1. */
	int (*stream)(void *arg, struct sink *);
	void *stream_arg;
	const char *error_code; /* the code of an error answer, for logs */
};

/* Sets up an empty answer. */
void resp_init(struct resp *);

/* Frees what the answer holds; it can be initialised again. */
void resp_free(struct resp *);

/* Adds a header line. Returns 0, or -1 when it does not fit (the header
 * is then left out; callers whose header matters check). */
int resp_header(struct resp *, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Sets a JSON answer: status and the serialisation of body, which it steals
 * (also on failure). Returns 0, or -1 after setting a 500 error.
 */
int resp_json(struct resp *, int status, json_t *body);

/* Sets an empty answer with status (204 and the like). */
void resp_empty(struct resp *, int status);

/*
 * Sets the error envelope of API.md: status, a code for machines, a message
 * for people and the problems (may be NULL) as details. Never fails: when
 * memory runs out it falls back to a fixed body.
 */
void resp_error(struct resp *, int status, const char *code,
    const char *message, const struct problems *ps);

/* The reason phrase of a status ("Not Found"). */
const char *resp_reason(int status);

/*
 * Writes the CGI head (Status, Content-Type, the fixed headers, the extra
 * lines, X-Request-Id, a blank line) into out. Returns 0 or -1.
 */
int resp_head(
    const struct resp *, const char *request_id, struct buf *out) RG_WUR;

#endif /* RESP_H */
