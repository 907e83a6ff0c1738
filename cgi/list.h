/*
 * list.h: what the paged lists (organisations, questionnaires, waves,
 * users) share: the limit and cursor parameters, fetching one row more
 * than a page (which says whether another follows), and the answer
 * {"items": [...], "next_cursor": cursor or null}.
 */
#ifndef LIST_H
#define LIST_H

#include "app.h"

/* The longest sort key a list cursor carries: an e-mail address of
 * RG_EMAIL_MAX characters of up to 4 bytes each (a name, slug or number
 * is shorter). */
#define LIST_CURSOR_KEY_MAX (4 * RG_EMAIL_MAX)

/*
 * Reads the cursor query parameter, base64url("<n>:<key>") with n from 1
 * to 2^63 - 1 and key UTF-8 of fewer than keysz bytes, into *n and key.
 * Returns 1 when read, 0 when absent, -1 when it is not one of ours (a
 * problem at "cursor" added).
 */
int list_cursor_get(
    struct ctx *, long long *n, char *key, size_t keysz, struct problems *ps);

/*
 * Reads the limit parameter (default RG_LIST_LIMIT_DEFAULT, at most
 * RG_LIST_LIMIT_MAX) into *limit, then runs list statement q with n values
 * p, the last of which it sets to limit + 1. Returns the result, or NULL
 * with the answer set: 400 naming every problem in ps (the handler's and
 * the limit's), or the database's failure.
 */
PGresult *list_fetch(struct ctx *, enum query q, int n, const char **p,
    long long *limit, struct problems *ps);

/*
 * Answers a page from list_fetch's result (cleared here): the first limit
 * rows made items by row, and when there are more, the cursor of the last
 * item from its columns n_col and key_col. Returns 0 or -1 as resp_json.
 */
int list_reply(struct ctx *, PGresult *res, long long limit,
    json_t *(*row)(const PGresult *, int), int n_col, int key_col);

#endif /* LIST_H */
