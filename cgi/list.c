/*
 * list.c: the paged lists' parameters and answers (see list.h).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "list.h"
#include "valid.h"

/* A cursor is base64url("<n>:<key>"): up to 20 characters of a 64-bit
 * integer, a colon and the sort key. */
#define LIST_CURSOR_RAW_MAX (20 + 1 + LIST_CURSOR_KEY_MAX)
#define LIST_CURSOR_TEXT_MAX                                                   \
	sodium_base64_ENCODED_LEN(                                             \
	    LIST_CURSOR_RAW_MAX, sodium_base64_VARIANT_URLSAFE_NO_PADDING)

int
list_cursor_get(
    struct ctx *c, long long *n, char *key, size_t keysz, struct problems *ps)
{
	char text[LIST_CURSOR_TEXT_MAX];
	unsigned char raw[LIST_CURSOR_RAW_MAX + 1];
	size_t len = 0;
	char *colon;
	int got = req_query_get(c->req, "cursor", text, sizeof(text));

	if (got == 0)
		return 0;
	/* Anything that is not base64url of "<n>:<UTF-8 without NUL>" that
	 * fits is not one of ours. */
	if (got == -1 ||
	    sodium_base642bin(raw, sizeof(raw) - 1, text, strlen(text), NULL,
	        &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		goto bad;
	raw[len] = '\0';
	if (strlen((char *)raw) != len ||
	    (colon = strchr((char *)raw, ':')) == NULL ||
	    valid_int64n((char *)raw, (size_t)(colon - (char *)raw), 1,
	        INT64_MAX, n) == -1 ||
	    valid_utf8(colon + 1, strlen(colon + 1), NULL) == -1 ||
	    strlen(colon + 1) >= keysz)
		goto bad;
	memcpy(key, colon + 1, strlen(colon + 1) + 1);
	return 1;
bad:
	problems_add(ps, "cursor", "is not a cursor of ours");
	return -1;
}

/* Reads limit. Returns 0 or -1 with a problem. */
static int
list_limit(struct ctx *c, long long *limit, struct problems *ps)
{
	char v[32];
	int got = req_query_get(c->req, "limit", v, sizeof(v));

	*limit = RG_LIST_LIMIT_DEFAULT;
	if (got == 0)
		return 0;
	if (got == -1 || valid_int64(v, 1, RG_LIST_LIMIT_MAX, limit) == -1) {
		problems_add(ps, "limit", "must be an integer from 1 to %d",
		    RG_LIST_LIMIT_MAX);
		return -1;
	}
	return 0;
}

PGresult *
list_fetch(struct ctx *c, enum query q, int n, const char **p, long long *limit,
    struct problems *ps)
{
	char limit_s[24];
	PGresult *res;

	if (list_limit(c, limit, ps) == -1 || ps->count > 0) {
		resp_error(c->resp, 400, "bad_request",
		    "A query parameter is not valid.", ps);
		return NULL;
	}
	/* One row more than asked for says whether there is a next page. */
	snprintf(limit_s, sizeof(limit_s), "%lld", *limit + 1);
	p[n - 1] = limit_s;
	res = db_exec(c->db, q, n, p);
	p[n - 1] = NULL;
	if (!db_ok(res)) {
		app_db_fail(c, res, c->route->name);
		PQclear(res);
		return NULL;
	}
	return res;
}

/* The cursor of a row as a new JSON string, NULL when it does not fit. */
static json_t *
list_cursor_json(const char *n, const char *key)
{
	char raw[LIST_CURSOR_RAW_MAX + 1], enc[LIST_CURSOR_TEXT_MAX];
	int len = snprintf(raw, sizeof(raw), "%s:%s", n, key);

	if (len < 0 || (size_t)len >= sizeof(raw))
		return NULL;
	sodium_bin2base64(enc, sizeof(enc), (unsigned char *)raw, (size_t)len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return json_string(enc);
}

int
list_reply(struct ctx *c, PGresult *res, long long limit,
    json_t *(*row)(const PGresult *, int), int n_col, int key_col)
{
	json_t *items = json_array(), *next = NULL;
	int i, n = PQntuples(res);

	for (i = 0; i < n && i < limit; i++)
		json_array_append_new(items, row(res, i));
	if (n > limit)
		next = list_cursor_json(PQgetvalue(res, (int)limit - 1, n_col),
		    PQgetvalue(res, (int)limit - 1, key_col));
	PQclear(res);
	return resp_json(c->resp, 200,
	    json_pack("{s:o, s:o}", "items", items, "next_cursor",
	        next != NULL ? next : json_null()));
}
