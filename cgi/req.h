/*
 * req.h: one HTTP request as the FastCGI parameters describe it, parsed and
 * bounded before any handler sees it. Pure: the caller hands in the
 * parameter array; req.c reads nothing by itself.
 */
#ifndef REQ_H
#define REQ_H

#include <stddef.h>

#include "reifegrad.h"

/* A path longer than this is refused (414-like 404): no route is that long. */
#define RG_PATH_MAX 256
/* Route parameters ({id}) per path. */
#define RG_PARAMS_MAX 4
/* X-Request-Id: nginx's $request_id is 32 hex digits. */
#define RG_REQUEST_ID_MAX 64
/* A query string value after decoding. */
#define RG_QUERY_VALUE_MAX 512
/* Session tokens are 32 bytes, 43 characters in base64url; anything longer
 * cannot be one of ours. */
#define RG_TOKEN_TEXT_MAX 64

enum http_method {
	METHOD_GET,
	METHOD_HEAD,
	METHOD_POST,
	METHOD_PUT,
	METHOD_PATCH,
	METHOD_DELETE,
	METHOD_OPTIONS,
	METHOD_OTHER,
	METHOD__MAX
};

struct req {
	enum http_method method;
	char path[RG_PATH_MAX + 1];
	const char *query;        /* raw QUERY_STRING, never NULL */
	const char *content_type; /* NULL when absent */
	long long content_length; /* -1 when absent */
	const char *cookie;       /* raw Cookie header or NULL */
	const char *authorization;
	const char *csrf;        /* X-CSRF-Token or NULL */
	const char *remote_addr; /* never NULL */
	const char *user_agent;
	int https;
	char request_id[RG_REQUEST_ID_MAX + 1];
	const char *body; /* body_len bytes, not NUL-terminated */
	size_t body_len;
	long long param[RG_PARAMS_MAX]; /* filled by the router */
	size_t nparams;
};

/* The method's name ("GET"), or "OTHER". */
const char *req_method_name(enum http_method);

/*
 * Fills r from a FastCGI parameter array ("NAME=value" strings, NULL-ended).
 * Pointers in r borrow from envp, which must outlive r. Returns 0, or an
 * HTTP status (400, 404, 413) with *code set to the error code when the
 * request cannot be taken: bad Content-Length, oversized body, bad path.
 */
int req_from_env(struct req *r, char *const *envp, const char **code);

/*
 * Looks up the query parameter name and URL-decodes it into out (outsz
 * bytes). Returns 1 when present, 0 when absent, -1 when its encoding is
 * bad, it holds NUL or invalid UTF-8, or it does not fit.
 */
int req_query_get(
    const struct req *, const char *name, char *out, size_t outsz);

/* Copies the cookie name's value into out. Returns 1, 0 absent, -1 bad. */
int req_cookie_get(
    const struct req *, const char *name, char *out, size_t outsz);

/* Copies a Bearer token of the Authorization header into out. Returns 1,
 * 0 absent, -1 malformed. */
int req_bearer_get(const struct req *, char *out, size_t outsz);

/* 1 when the Content-Type is application/json (any case, optionally with a
 * charset parameter of utf-8), 0 otherwise. */
int req_is_json(const struct req *);

#endif /* REQ_H */
