/*
 * h_user.c: GET /users and PATCH /users/{id}, accounts for admins; and the
 * cursor of the lists that page by a key other than the organisations'
 * (users, questionnaires, waves).
 *
 * An admin changes an account's role, organisation or name. The rules are
 * those of invitations (a respondent belongs to one organisation, every
 * other role to none), and one more: the last admin stays an admin. A
 * change of role or organisation ends the account's sessions at once
 * (rg_user_update, sql/migrations/009_users.sql) and leaves an audit
 * entry that names ids and roles only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "handlers.h"
#include "jsonv.h"
#include "list.h"
#include "pgjson.h"

/* Statement parameter of an id. */
#define USER_ID_TEXT 24

/* Columns of user_list (and the first seven of user_update). */
enum user_col {
	U_ID,
	U_EMAIL,
	U_NAME,
	U_ROLE,
	U_ORG,
	U_ORG_NAME,
	U_CREATED,
	U_OLD_ROLE,
	U_OLD_ORG,
	U_SESSIONS_ENDED,
};

/* Columns of user_state. */
enum { S_ROLE, S_ORG, S_NAME, S_OTHER_ADMINS };

/* An account as GET /users lists it, from a row of user_list or
 * user_update. */
static json_t *
user_json(const PGresult *res, int row)
{
	json_t *u = session_user_json(
	    res, row, U_ID, U_EMAIL, U_NAME, U_ROLE, U_ORG, U_ORG_NAME);

	if (u != NULL)
		json_object_set_new(
		    u, "created_at", pgj_str(res, row, U_CREATED));
	return u;
}

/*
 * GET /users?role=&organisation_id=&q=&limit=&cursor=: accounts by e-mail
 * address (byte order) and id, a page of limit at a time. 400 for a bad
 * parameter (every one listed), 200 otherwise.
 */
int
h_user_list(struct ctx *c)
{
	char role[16], org[USER_ID_TEXT], q[RG_QUERY_VALUE_MAX],
	    after_email[LIST_CURSOR_KEY_MAX + 1], after_id[USER_ID_TEXT];
	const char *p[6] = {NULL};
	struct problems ps = {.count = 0};
	long long limit, v;
	PGresult *res;
	int got;

	if ((got = req_query_get(c->req, "role", role, sizeof(role))) == 1 &&
	    role[0] != '\0') {
		if (auth_role_bit(role) == 0)
			problems_add(&ps, "role",
			    "must be respondent, coordinator, researcher or "
			    "admin");
		p[0] = role;
	} else if (got == -1)
		problems_add(&ps, "role",
		    "must be respondent, coordinator, researcher or admin");
	if ((got = req_query_get(
	         c->req, "organisation_id", org, sizeof(org))) == 1 &&
	    org[0] != '\0') {
		if (valid_int64(org, 1, INT64_MAX, &v) == -1)
			problems_add(&ps, "organisation_id",
			    "must be a positive integer");
		p[1] = org;
	} else if (got == -1)
		problems_add(
		    &ps, "organisation_id", "must be a positive integer");
	if ((got = req_query_get(c->req, "q", q, sizeof(q))) == 1 && q[0])
		p[2] = q;
	else if (got == -1)
		problems_add(&ps, "q", "must be valid UTF-8, at most %d bytes",
		    RG_QUERY_VALUE_MAX - 1);
	if (list_cursor_get(c, &v, after_email, sizeof(after_email), &ps) ==
	    1) {
		snprintf(after_id, sizeof(after_id), "%lld", v);
		p[3] = after_email;
		p[4] = after_id;
	}
	if ((res = list_fetch(c, Q_USER_LIST, 6, p, &limit, &ps)) == NULL)
		return 0;
	return list_reply(c, res, limit, user_json, U_ID, U_EMAIL);
}

/* What a PATCH asks for: each member is optional. */
struct user_change {
	const char *role; /* NULL: unchanged */
	int set_org;      /* organisation_id given (0 in org: null) */
	long long org;
	const char *name; /* NULL: unchanged */
};

/* Reads the body of PATCH /users/{id}. Returns 0, or -1 with problems. */
static int
user_change_read(
    const json_t *body, struct user_change *ch, struct problems *ps)
{
	static const char *const keys[] = {
	    "role", "organisation_id", "name", NULL};
	json_t *org;

	memset(ch, 0, sizeof(*ch));
	if (jv_object(body, "", keys, ps) == -1)
		return -1;
	/* Present means changed: null is no role and no name. */
	if (json_object_get(body, "role") != NULL &&
	    (ch->role = jv_string(body, "role", JV_REQUIRED, 16, ps)) != NULL &&
	    auth_role_bit(ch->role) == 0)
		problems_add(ps, "/role",
		    "must be respondent, coordinator, researcher or admin");
	if (json_object_get(body, "name") != NULL)
		ch->name =
		    jv_string(body, "name", JV_REQUIRED, RG_NAME_MAX, ps);
	if ((org = json_object_get(body, "organisation_id")) != NULL) {
		ch->set_org = 1;
		if (!json_is_null(org))
			(void)jv_int(body, "organisation_id", JV_REQUIRED, 1,
			    INT64_MAX, &ch->org, ps);
	}
	return ps->count > 0 ? -1 : 0;
}

/*
 * Checks the account that the change would leave: a respondent with an
 * organisation that exists, any other role without one. Returns 0, or -1
 * with problems (or with the answer set when the database failed).
 */
static int
user_change_check(struct ctx *c, unsigned new_role, long long new_org,
    const struct user_change *ch, struct problems *ps)
{
	char org_s[USER_ID_TEXT];
	const char *p[1] = {org_s};
	PGresult *res;
	int found;

	if (new_role == ROLE_RESPONDENT && new_org == 0)
		problems_add(ps, "/organisation_id",
		    ch->set_org ? "is required for a respondent"
		                : "is required: the account becomes a "
		                  "respondent and has no organisation");
	else if (new_role != ROLE_RESPONDENT && new_org != 0)
		problems_add(ps, "/organisation_id",
		    ch->set_org ? "only respondents belong to an organisation"
		                : "must be null: only respondents belong to "
		                  "an organisation");
	else if (ch->set_org && new_org != 0) {
		snprintf(org_s, sizeof(org_s), "%lld", new_org);
		res = db_exec(c->db, Q_ORG_MEMBER, 1, p);
		if (!db_ok(res)) {
			app_db_fail(c, res, "users: organisation");
			PQclear(res);
			return -1;
		}
		found = PQntuples(res) == 1;
		PQclear(res);
		if (!found)
			problems_add(
			    ps, "/organisation_id", "no such organisation");
	}
	return ps->count > 0 ? -1 : 0;
}

/*
 * Writes the audit entry of a change that happened (res: a row of
 * user_update): "role_changed" when the role or organisation changed,
 * "user_renamed" when only the name did. Ids and role names only.
 * Returns 0, or -1 with the answer set.
 */
static int
user_audit(struct ctx *c, const PGresult *res, int renamed)
{
	char actor[USER_ID_TEXT];
	const char *p[4];
	int role_changed = strcmp(PQgetvalue(res, 0, U_ROLE),
	                       PQgetvalue(res, 0, U_OLD_ROLE)) != 0 ||
	                   strcmp(PQgetvalue(res, 0, U_ORG),
	                       PQgetvalue(res, 0, U_OLD_ORG)) != 0;
	char *detail = NULL;
	json_t *d;
	PGresult *a;
	int rc = 0;

	if (!role_changed && !renamed)
		return 0;
	if (role_changed)
		d = json_pack("{s:o, s:o, s:o, s:o, s:o}", "user",
		    pgj_int(res, 0, U_ID), "old_role",
		    pgj_str(res, 0, U_OLD_ROLE), "new_role",
		    pgj_str(res, 0, U_ROLE), "old_organisation",
		    pgj_int(res, 0, U_OLD_ORG), "new_organisation",
		    pgj_int(res, 0, U_ORG));
	else
		d = json_pack("{s:o}", "user", pgj_int(res, 0, U_ID));
	detail = d != NULL ? json_dumps(d, JSON_COMPACT) : NULL;
	json_decref(d);
	if (detail == NULL) {
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		return -1;
	}
	snprintf(actor, sizeof(actor), "%lld", c->user.id);
	p[0] = actor;
	p[1] = role_changed ? "role_changed" : "user_renamed";
	/* The organisation the account belongs to now, else the one it
	 * left. */
	p[2] = !PQgetisnull(res, 0, U_ORG)       ? PQgetvalue(res, 0, U_ORG)
	       : !PQgetisnull(res, 0, U_OLD_ORG) ? PQgetvalue(res, 0, U_OLD_ORG)
	                                         : NULL;
	p[3] = detail;
	a = db_exec(c->db, Q_AUDIT, 4, p);
	if (!db_ok(a)) {
		app_db_fail(c, a, "users: audit");
		rc = -1;
	}
	PQclear(a);
	free(detail);
	return rc;
}

/*
 * PATCH /users/{id} {"role"?, "organisation_id"?, "name"?}: 422 for a bad
 * body, 404 for an unknown account, 422 when the account would break the
 * rules of invitations, 409 for the last admin, else 200 with the account.
 */
int
h_user_update(struct ctx *c)
{
	struct problems ps = {.count = 0};
	struct user_change ch;
	char id[USER_ID_TEXT], org_s[USER_ID_TEXT];
	const char *p[4];
	PGresult *st = NULL, *res = NULL;
	unsigned old_role, new_role;
	long long new_org;
	int rc = 0;

	if (user_change_read(c->body, &ch, &ps) == -1) {
		app_invalid(c, &ps);
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", c->req->param[0]);
	p[0] = id;
	/* Lock first, then read: the number of other admins must still hold
	 * when the change is written. */
	res = db_exec(c->db, Q_USER_LOCK, 0, NULL);
	if (!db_ok(res)) {
		app_db_fail(c, res, "users: lock");
		goto out;
	}
	PQclear(res);
	res = NULL;
	st = db_exec(c->db, Q_USER_STATE, 1, p);
	if (!db_ok(st)) {
		app_db_fail(c, st, "users: state");
		goto out;
	}
	if (PQntuples(st) != 1) {
		resp_error(
		    c->resp, 404, "not_found", "No such resource.", NULL);
		goto out;
	}
	old_role = auth_role_bit(PQgetvalue(st, 0, S_ROLE));
	new_role = ch.role != NULL ? auth_role_bit(ch.role) : old_role;
	new_org = ch.set_org                  ? ch.org
	          : PQgetisnull(st, 0, S_ORG) ? 0
	                                      : pgj_ll(st, 0, S_ORG);
	if (user_change_check(c, new_role, new_org, &ch, &ps) == -1) {
		if (c->resp->status == 0)
			app_invalid(c, &ps);
		goto out;
	}
	if (old_role == ROLE_ADMIN && new_role != ROLE_ADMIN &&
	    pgj_ll(st, 0, S_OTHER_ADMINS) == 0) {
		resp_error(c->resp, 409, "conflict",
		    "This is the last admin account; make another account an "
		    "admin first.",
		    NULL);
		goto out;
	}
	snprintf(org_s, sizeof(org_s), "%lld", new_org);
	p[1] = auth_role_name(new_role);
	p[2] = new_org != 0 ? org_s : NULL;
	p[3] = ch.name;
	res = db_exec(c->db, Q_USER_UPDATE, 4, p);
	if (!db_ok(res) || PQntuples(res) != 1) {
		/* The row was read under the lock a moment ago. */
		app_db_fail(c, res, "users: update");
		goto out;
	}
	if (user_audit(c, res,
	        ch.name != NULL &&
	            strcmp(ch.name, PQgetvalue(st, 0, S_NAME))) == -1)
		goto out;
	/* Demoting oneself ends one's own session too: say so to the
	 * browser as well. */
	if (pgj_ll(res, 0, U_ID) == c->user.id &&
	    pgj_ll(res, 0, U_SESSIONS_ENDED) > 0)
		auth_cookie_clear(c);
	rc = resp_json(c->resp, 200, user_json(res, 0));
out:
	PQclear(st);
	PQclear(res);
	return rc;
}
