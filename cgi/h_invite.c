/*
 * h_invite.c: POST /invitations and POST /invitations/accept.
 *
 * A coordinator invites respondents of member organisations; an admin
 * invites anyone. The one-time token appears only in the answer to its
 * creation (in the accept_url's fragment, which browsers never send to a
 * server, so it stays out of access logs); only its hash is stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "handlers.h"
#include "jsonv.h"
#include "password.h"
#include "pgjson.h"

int
h_invite_create(struct ctx *c)
{
	static const char *const keys[] = {
	    "email", "role", "organisation_id", NULL};
	struct problems ps = {.count = 0};
	const char *email = NULL, *role = NULL;
	char lower[RG_EMAIL_MAX + 1], org_s[24], token[AUTH_TOKEN_TEXT];
	char hash[AUTH_HASH_PARAM], url[128], *detail = NULL;
	const char *p[4];
	long long org = 0;
	int has_org = 0, rc = -1;
	unsigned rbit = 0;
	PGresult *res = NULL;
	size_t i;

	if (jv_object(c->body, "", keys, &ps) == 0) {
		email =
		    jv_string(c->body, "email", JV_REQUIRED, RG_EMAIL_MAX, &ps);
		role = jv_string(c->body, "role", JV_REQUIRED, 16, &ps);
		has_org = jv_int(c->body, "organisation_id", JV_OPTIONAL, 1,
		              INT64_MAX, &org, &ps) == 1;
		if (email != NULL && valid_email(email) == -1)
			problems_add(&ps, "/email", "is not an e-mail address");
		if (role != NULL && (rbit = auth_role_bit(role)) == 0)
			problems_add(&ps, "/role",
			    "must be respondent, coordinator, researcher or "
			    "admin");
		if (rbit == ROLE_RESPONDENT && !has_org)
			problems_add(&ps, "/organisation_id",
			    "is required for a respondent");
		if (rbit != 0 && rbit != ROLE_RESPONDENT && has_org)
			problems_add(&ps, "/organisation_id",
			    "only respondents belong to an organisation");
	}
	if (ps.count > 0) {
		app_invalid(c, &ps);
		return 0;
	}
	if (c->user.role == ROLE_COORDINATOR && rbit != ROLE_RESPONDENT) {
		resp_error(c->resp, 403, "forbidden",
		    "Coordinators invite respondents only.", NULL);
		return 0;
	}
	snprintf(org_s, sizeof(org_s), "%lld", org);
	if (has_org) {
		p[0] = org_s;
		res = db_exec(c->db, Q_ORG_MEMBER, 1, p);
		if (!db_ok(res))
			goto dbfail;
		if (PQntuples(res) != 1) {
			problems_add(
			    &ps, "/organisation_id", "no such organisation");
			app_invalid(c, &ps);
			rc = 0;
			goto out;
		}
		if (c->user.role == ROLE_COORDINATOR &&
		    PQgetvalue(res, 0, 0)[0] != 't') {
			problems_add(&ps, "/organisation_id",
			    "is not a member of the network");
			app_invalid(c, &ps);
			rc = 0;
			goto out;
		}
		PQclear(res);
	}
	for (i = 0; email[i] != '\0'; i++)
		lower[i] = (email[i] >= 'A' && email[i] <= 'Z')
		               ? (char)(email[i] - 'A' + 'a')
		               : email[i];
	lower[i] = '\0';
	auth_token_new(token);
	auth_token_hash_param(token, hash);
	p[0] = hash;
	p[1] = lower;
	p[2] = role;
	p[3] = has_org ? org_s : NULL;
	res = db_exec(c->db, Q_INVITATION_CREATE, 4, p);
	if (!db_ok(res) || PQntuples(res) != 1)
		goto dbfail;
	{
		char uid[24];
		const char *ap[4];
		json_t *d = json_pack("{s:o, s:s}", "invitation",
		    pgj_int(res, 0, 0), "role", role);

		detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
		json_decref(d);
		snprintf(uid, sizeof(uid), "%lld", c->user.id);
		ap[0] = uid;
		ap[1] = "invitation_created";
		ap[2] = has_org ? org_s : NULL;
		ap[3] = detail;
		PQclear(db_exec(c->db, Q_AUDIT, 4, ap));
	}
	snprintf(url, sizeof(url), "/invitation.html#token=%s", token);
	rc = resp_json(c->resp, 201,
	    json_pack(
	        "{s:o, s:s}", "id", pgj_int(res, 0, 0), "accept_url", url));
	goto out;
dbfail:
	app_db_fail(c, res, "invitations: create");
out:
	free(detail);
	PQclear(res);
	return rc;
}

int
h_invite_accept(struct ctx *c)
{
	static const char *const keys[] = {"token", "name", "password", NULL};
	struct problems ps = {.count = 0};
	const char *token = NULL, *name = NULL, *pw = NULL;
	char hash[AUTH_HASH_PARAM], pwhash[crypto_pwhash_STRBYTES];
	char session[AUTH_TOKEN_TEXT], session_hash[AUTH_HASH_PARAM];
	const char *p[4];
	PGresult *res;
	int rc;

	if (jv_object(c->body, "", keys, &ps) == 0) {
		token = jv_string(
		    c->body, "token", JV_REQUIRED, RG_TOKEN_TEXT_MAX, &ps);
		name =
		    jv_string(c->body, "name", JV_REQUIRED, RG_NAME_MAX, &ps);
		pw = jv_string(
		    c->body, "password", JV_REQUIRED, RG_PASSWORD_MAX, &ps);
		if (pw != NULL)
			(void)!password_check(pw, NULL, "/password", &ps);
	}
	if (ps.count > 0) {
		app_invalid(c, &ps);
		return 0;
	}
	if (password_hash(pw, pwhash) == -1) {
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		return 0;
	}
	auth_token_hash_param(token, hash);
	auth_token_new(session);
	auth_token_hash_param(session, session_hash);
	p[0] = hash;
	p[1] = name;
	p[2] = pwhash;
	p[3] = session_hash;
	res = db_exec(c->db, Q_INVITATION_ACCEPT, 4, p);
	if (!db_ok(res)) {
		app_db_fail(c, res, "invitations: accept");
		PQclear(res);
		return 0;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		resp_error(c->resp, 410, "gone",
		    "This invitation was used already or has expired.", NULL);
		return 0;
	}
	c->user.id = pgj_ll(res, 0, 0);
	rc = session_answer(
	    c, 201, session, session_user_json(res, 0, 0, 1, 3, 2, 4, 5));
	PQclear(res);
	return rc;
}
