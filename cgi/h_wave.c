/*
 * h_wave.c: GET /waves, POST /waves, PATCH /waves/{id}.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "handlers.h"
#include "list.h"
#include "jsonv.h"
#include "pgjson.h"

/* Longest timestamp text we pass on to PostgreSQL to parse. */
#define WAVE_TIME_MAX 40

/* The first six columns of wave_list/wave_get/wave_insert/wave_update. */
static json_t *
wave_json(const PGresult *res, int row)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "id",
	    pgj_int(res, row, 0), "questionnaire_id", pgj_int(res, row, 1),
	    "title", pgj_str(res, row, 2), "opens_at", pgj_str(res, row, 3),
	    "closes_at", pgj_str(res, row, 4), "state", pgj_str(res, row, 5));
}

/* Reads n digits at *s into *v and advances *s. Returns 0 or -1. */
static int
digits_take(const char **s, int n, int *v)
{
	*v = 0;
	for (; n > 0; n--, (*s)++) {
		if (**s < '0' || **s > '9')
			return -1;
		*v = *v * 10 + (**s - '0');
	}
	return 0;
}

/* The days of month m (1..12) of year y in the Gregorian calendar. */
static int
month_days(int y, int m)
{
	static const int days[12] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return days[m - 1];
}

/*
 * 1 when s is an ISO 8601 date (YYYY-MM-DD) or date-time (YYYY-MM-DD, "T"
 * or a space, HH:MM, optionally :SS and a fraction, optionally "Z" or an
 * offset +HH, +HH:MM or +HHMM) that exists in the calendar. Checked in full
 * here, so that PostgreSQL never fails on it and every bad value is
 * reported at its own field.
 */
static int
iso8601_valid(const char *s)
{
	int y, mo, d, h, mi, sec = 0, oh, om = 0;

	if (strlen(s) > WAVE_TIME_MAX || digits_take(&s, 4, &y) == -1 ||
	    *s++ != '-' || digits_take(&s, 2, &mo) == -1 || *s++ != '-' ||
	    digits_take(&s, 2, &d) == -1)
		return 0;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
		return 0;
	if (*s == '\0')
		return 1;
	if (*s != 'T' && *s != ' ')
		return 0;
	s++;
	if (digits_take(&s, 2, &h) == -1 || *s++ != ':' ||
	    digits_take(&s, 2, &mi) == -1)
		return 0;
	if (*s == ':') {
		s++;
		if (digits_take(&s, 2, &sec) == -1)
			return 0;
		if (*s == '.') {
			s++;
			if (*s < '0' || *s > '9')
				return 0;
			while (*s >= '0' && *s <= '9')
				s++;
		}
	}
	if (h > 23 || mi > 59 || sec > 59)
		return 0;
	if (*s == 'Z')
		return s[1] == '\0';
	if (*s == '\0')
		return 1;
	if (*s != '+' && *s != '-')
		return 0;
	s++;
	if (digits_take(&s, 2, &oh) == -1)
		return 0;
	if (*s == ':') {
		s++;
		if (digits_take(&s, 2, &om) == -1)
			return 0;
	} else if (*s != '\0' && digits_take(&s, 2, &om) == -1)
		return 0;
	return *s == '\0' && oh <= 14 && om <= 59;
}

/* A failed wave statement: bad dates are the caller's fault (422). A
 * closing time not after the opening time is reported at order_path. */
static void
wave_fail(struct ctx *c, const PGresult *res, const char *what,
    const char *order_path)
{
	const char *state =
	    res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	struct problems ps = {.count = 0};

	if (state != NULL && strncmp(state, "22", 2) == 0) {
		problems_add(&ps, "", "is not a valid date and time");
		app_invalid(c, &ps);
	} else if (state != NULL && strcmp(state, "23514") == 0) {
		problems_add(&ps, order_path,
		    strcmp(order_path, "/state") == 0
		        ? "a wave that has not opened yet cannot be closed"
		        : "must be after opens_at");
		app_invalid(c, &ps);
	} else
		app_db_fail(c, res, what);
}

/*
 * GET /waves: newest opening first, then the higher id, a page of limit
 * at a time. The cursor holds the id and opens_at (in microseconds, exact)
 * of the last row shown, so a page never repeats or skips a wave, whatever
 * was added since. 400 for a bad limit or cursor.
 */
int
h_wave_list(struct ctx *c)
{
	char key[LIST_CURSOR_KEY_MAX + 1], after_id[24], after_at[24];
	const char *p[3] = {NULL};
	struct problems ps = {.count = 0};
	long long limit, id, at = 0;
	PGresult *res;

	if (list_cursor_get(c, &id, key, sizeof(key), &ps) == 1) {
		if (valid_int64(key, INT64_MIN, INT64_MAX, &at) == -1)
			problems_add(&ps, "cursor", "is not a cursor of ours");
		snprintf(after_id, sizeof(after_id), "%lld", id);
		snprintf(after_at, sizeof(after_at), "%lld", at);
		p[0] = after_id;
		p[1] = after_at;
	}
	if ((res = list_fetch(c, Q_WAVE_LIST, 3, p, &limit, &ps)) == NULL)
		return 0;
	return list_reply(c, res, limit, wave_json, 0, 6);
}

int
h_wave_create(struct ctx *c)
{
	static const char *const keys[] = {
	    "questionnaire_id", "title", "opens_at", "closes_at", NULL};
	struct problems ps = {.count = 0};
	const char *title = NULL, *opens = NULL, *closes = NULL;
	const char *p[4];
	char qid[24];
	long long q = 0;
	PGresult *res;
	int rc;

	if (jv_object(c->body, "", keys, &ps) == 0) {
		(void)jv_int(c->body, "questionnaire_id", JV_REQUIRED, 1,
		    INT64_MAX, &q, &ps);
		title =
		    jv_string(c->body, "title", JV_REQUIRED, RG_NAME_MAX, &ps);
		opens = jv_string(
		    c->body, "opens_at", JV_REQUIRED, WAVE_TIME_MAX, &ps);
		closes = jv_string(
		    c->body, "closes_at", JV_REQUIRED, WAVE_TIME_MAX, &ps);
		if (opens != NULL && !iso8601_valid(opens))
			problems_add(&ps, "/opens_at",
			    "must be an ISO 8601 date and time");
		if (closes != NULL && !iso8601_valid(closes))
			problems_add(&ps, "/closes_at",
			    "must be an ISO 8601 date and time");
	}
	if (ps.count > 0) {
		app_invalid(c, &ps);
		return 0;
	}
	snprintf(qid, sizeof(qid), "%lld", q);
	p[0] = qid;
	p[1] = title;
	p[2] = opens;
	p[3] = closes;
	res = db_exec(c->db, Q_WAVE_INSERT, 4, p);
	if (!db_ok(res)) {
		wave_fail(c, res, "waves: create", "/closes_at");
		PQclear(res);
		return 0;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		problems_add(&ps, "/questionnaire_id", "no such questionnaire");
		app_invalid(c, &ps);
		return 0;
	}
	rc = resp_json(c->resp, 201, wave_json(res, 0));
	PQclear(res);
	return rc;
}

int
h_wave_update(struct ctx *c)
{
	static const char *const keys[] = {"closes_at", "state", NULL};
	struct problems ps = {.count = 0};
	const char *closes = NULL, *state = NULL;
	const char *p[3];
	char id[24];
	PGresult *res;
	int rc;

	if (jv_object(c->body, "", keys, &ps) == 0) {
		closes = jv_string(
		    c->body, "closes_at", JV_OPTIONAL, WAVE_TIME_MAX, &ps);
		state = jv_string(c->body, "state", JV_OPTIONAL, 16, &ps);
		if (closes != NULL && !iso8601_valid(closes))
			problems_add(&ps, "/closes_at",
			    "must be an ISO 8601 date and time");
		if (state != NULL && strcmp(state, "open") &&
		    strcmp(state, "closed"))
			problems_add(&ps, "/state", "must be open or closed");
	}
	if (ps.count > 0) {
		app_invalid(c, &ps);
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", c->req->param[0]);
	p[0] = id;
	p[1] = closes;
	p[2] = state;
	res = db_exec(c->db, Q_WAVE_UPDATE, 3, p);
	if (!db_ok(res)) {
		/* Closing sets closes_at to now at the latest, which is
		 * before opens_at only when the wave has not opened yet. */
		wave_fail(c, res, "waves: update",
		    state != NULL && strcmp(state, "closed") == 0
		        ? "/state"
		        : "/closes_at");
		PQclear(res);
		return 0;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		resp_error(
		    c->resp, 404, "not_found", "No such resource.", NULL);
		return 0;
	}
	if (state != NULL && strcmp(state, PQgetvalue(res, 0, 5)) != 0) {
		/* The answer is an error, so the change is rolled back. */
		PQclear(res);
		problems_add(&ps, "/state",
		    strcmp(state, "open") == 0
		        ? "a closed wave opens again only with a closes_at in "
		          "the future"
		        : "cannot be set with this closes_at");
		app_invalid(c, &ps);
		return 0;
	}
	rc = resp_json(c->resp, 200, wave_json(res, 0));
	PQclear(res);
	return rc;
}
