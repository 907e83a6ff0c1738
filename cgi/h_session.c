/*
 * h_session.c: POST /login, POST /logout, GET /me (API.md "Session").
 *
 * Sign-in answers the same for an unknown address and a wrong password,
 * and takes about as long (the password is verified against a dummy hash
 * when the address is unknown). Failures are counted in the database per
 * address and per client, so the limits hold across workers.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "handlers.h"
#include "jsonv.h"
#include "password.h"
#include "pgjson.h"

json_t *
session_user_json(const PGresult *res, int row, int id_col, int email_col,
    int name_col, int role_col, int org_col, int org_name_col)
{
	json_t *org = json_null();

	if (!PQgetisnull(res, row, org_col))
		org = json_pack("{s:o, s:o}", "id", pgj_int(res, row, org_col),
		    "name", pgj_str(res, row, org_name_col));
	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "id",
	    pgj_int(res, row, id_col), "email", pgj_str(res, row, email_col),
	    "name", pgj_str(res, row, name_col), "role",
	    pgj_str(res, row, role_col), "organisation", org);
}

/* Answers a sign-in: the cookie and {"user", "csrf"}. */
int
session_answer(struct ctx *c, int status, const char *token, json_t *user)
{
	char csrf[AUTH_TOKEN_TEXT];

	auth_csrf_of(token, csrf);
	auth_cookie_set(c, token);
	return resp_json(c->resp, status,
	    json_pack("{s:o, s:s}", "user", user, "csrf", csrf));
}

/* Answers 429 with Retry-After. */
static int
login_throttled(struct ctx *c, long long seconds)
{
	resp_error(c->resp, 429, "too_many_requests",
	    "Too many failed sign-ins; try again later.", NULL);
	resp_header(c->resp, "Retry-After", "%lld", seconds);
	return 0;
}

/* Counts a failed sign-in and answers 401, or 429 when a limit is hit. */
static int
login_failed(struct ctx *c, const char *email)
{
	const char *p[2] = {email, c->req->remote_addr};
	const char *ap[4] = {"0", "login_failed", NULL, NULL};
	json_t *detail;
	char *dj;
	PGresult *res;
	long long wait;

	c->commit_always = 1;
	res = db_exec(c->db, Q_LOGIN_FAILED, 2, p);
	if (!db_ok(res) || PQntuples(res) != 1) {
		app_db_fail(c, res, "login: count failure");
		PQclear(res);
		return -1;
	}
	wait = pgj_ll(res, 0, 0);
	PQclear(res);
	detail = json_pack(
	    "{s:s, s:s}", "email", email, "address", c->req->remote_addr);
	dj = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	json_decref(detail);
	ap[3] = dj;
	PQclear(db_exec(c->db, Q_AUDIT, 4, ap));
	free(dj);
	if (wait > 0)
		return login_throttled(c, wait);
	resp_error(c->resp, 401, "invalid_credentials",
	    "E-mail address or password is wrong.", NULL);
	return 0;
}

int
h_session_login(struct ctx *c)
{
	static const char *const keys[] = {"email", "password", NULL};
	struct problems ps = {.count = 0};
	const char *email = NULL, *pw = NULL, *hash;
	char lower[RG_EMAIL_MAX + 1], token[AUTH_TOKEN_TEXT];
	char token_hash[AUTH_HASH_PARAM], newhash[crypto_pwhash_STRBYTES];
	const char *p[5];
	PGresult *res = NULL, *r2;
	json_t *user;
	size_t i;
	int found, ok, rc = -1;

	if (jv_object(c->body, "", keys, &ps) == 0) {
		email =
		    jv_string(c->body, "email", JV_REQUIRED, RG_EMAIL_MAX, &ps);
		pw = jv_string(
		    c->body, "password", JV_REQUIRED, RG_PASSWORD_MAX, &ps);
		/* jv_string counts characters; an address is limited in
		 * bytes, and lower[] below holds no more. */
		if (email != NULL && strlen(email) > RG_EMAIL_MAX) {
			problems_add(&ps, "/email",
			    "must have at most %d bytes", RG_EMAIL_MAX);
			email = NULL;
		}
	}
	if (ps.count > 0) {
		app_invalid(c, &ps);
		return 0;
	}
	for (i = 0; email[i] != '\0' && i < RG_EMAIL_MAX; i++)
		lower[i] = (email[i] >= 'A' && email[i] <= 'Z')
		               ? (char)(email[i] - 'A' + 'a')
		               : email[i];
	lower[i] = '\0';

	p[0] = lower;
	res = db_exec(c->db, Q_LOGIN_BLOCKED, 1, p);
	if (!db_ok(res))
		goto dbfail;
	if (pgj_ll(res, 0, 0) > 0) {
		rc = login_throttled(c, pgj_ll(res, 0, 0));
		goto out;
	}
	PQclear(res);
	res = db_exec(c->db, Q_LOGIN_LOOKUP, 1, p);
	if (!db_ok(res))
		goto dbfail;
	found = PQntuples(res) == 1;
	hash = found ? PQgetvalue(res, 0, 1) : password_dummy_hash();
	ok = hash != NULL && password_verify(hash, pw) && found;
	if (!ok) {
		rc = login_failed(c, lower);
		goto out;
	}

	auth_token_new(token);
	auth_token_hash_param(token, token_hash);
	p[0] = PQgetvalue(res, 0, 0);
	p[1] = lower;
	p[2] = token_hash;
	p[3] = NULL;
	if (password_needs_rehash(hash) && password_hash(pw, newhash) == 0)
		p[3] = newhash;
	p[4] = c->req->remote_addr;
	r2 = db_exec(c->db, Q_LOGIN_SUCCEEDED, 5, p);
	if (!db_ok(r2)) {
		PQclear(res);
		res = r2;
		goto dbfail;
	}
	PQclear(r2);
	/* The lookup's columns: id, hash, role, name, org id, org name. */
	user = json_pack("{s:o, s:s, s:o, s:o, s:o}", "id", pgj_int(res, 0, 0),
	    "email", lower, "name", pgj_str(res, 0, 3), "role",
	    pgj_str(res, 0, 2), "organisation",
	    PQgetisnull(res, 0, 4)
	        ? json_null()
	        : json_pack("{s:o, s:o}", "id", pgj_int(res, 0, 4), "name",
	              pgj_str(res, 0, 5)));
	c->user.id = pgj_ll(res, 0, 0);
	rc = session_answer(c, 200, token, user);
	goto out;
dbfail:
	app_db_fail(c, res, "login");
out:
	PQclear(res);
	return rc;
}

int
h_session_logout(struct ctx *c)
{
	char hash[AUTH_HASH_PARAM];
	const char *p[1] = {hash};
	PGresult *res;

	auth_token_hash_param(c->user.token, hash);
	res = db_exec(c->db, Q_SESSION_END, 1, p);
	if (!db_ok(res)) {
		app_db_fail(c, res, "logout");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	auth_cookie_clear(c);
	resp_empty(c->resp, 204);
	return 0;
}

int
h_session_me(struct ctx *c)
{
	PGresult *res = app_query(c, Q_ME, 0, NULL);
	int rc;

	if (!db_ok(res) || PQntuples(res) != 1) {
		app_db_fail(c, res, "me");
		PQclear(res);
		return -1;
	}
	rc = resp_json(
	    c->resp, 200, session_user_json(res, 0, 0, 1, 2, 3, 4, 5));
	PQclear(res);
	return rc;
}
