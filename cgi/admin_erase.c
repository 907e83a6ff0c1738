/*
 * admin_erase.c: answering erasure requests (GDPR art. 17).
 *
 *   reifegrad-admin org erase KEY     a municipality's responses, accounts,
 *                                     sessions, invitations and ranks
 *   reifegrad-admin user erase EMAIL  one account
 *
 * Each runs in one transaction and leaves one audit entry that names no
 * person ("org_erased" with the organisation's id, "user_erased" with the
 * role and organisation). What stays, and why, is in deploy/README.md
 * ("Privacy"): the organisation row itself (a public register entry, with
 * member and consent_named cleared), audit entries of the erased accounts
 * without actor and without addresses, and the published peer statistics
 * (aggregates that name nobody), which are renewed by the usual rule: the
 * erased responses count as changes, as a reopening does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "snapshot.h"
#include "valid.h"

/* What an erasure removed, for the summary and the audit entry. */
struct erased {
	long responses, ranks, accounts, sessions, invitations, audit;
};

/* Runs a statement with text parameters and returns the number of rows it
 * changed, or -1 after printing the error. */
static long
erase_run(PGconn *conn, const char *sql, int n, const char *const *p)
{
	PGresult *res = admin_query(conn, sql, n, p);
	long count;

	if (res == NULL)
		return -1;
	count = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return count;
}

/*
 * Erases the accounts whose ids and e-mail addresses are given as
 * PostgreSQL array literals (ids '{1,2}', emails '{a@x,b@y}'): their name
 * on the responses they last saved, their sessions, the invitations sent
 * to them, their sign-in counters, the actor and the addresses of the
 * audit entries about them, and the accounts themselves. Adds to *e.
 * Returns 0 or -1 (printed); the caller's transaction is then aborted.
 */
static int
erase_accounts(
    PGconn *conn, const char *ids, const char *emails, struct erased *e)
{
	const char *p[2] = {ids, emails};
	long n;

	if (erase_run(conn,
	        "UPDATE response SET updated_by_name = ''"
	        " WHERE updated_by = ANY ($1::bigint[])",
	        1, p) == -1)
		return -1;
	if ((n = erase_run(conn,
	         "DELETE FROM session WHERE user_id = ANY ($1::bigint[])", 1,
	         p)) == -1)
		return -1;
	e->sessions += n;
	if ((n = erase_run(conn,
	         "DELETE FROM invitation WHERE email = ANY ($2::text[])"
	         " OR user_id = ANY ($1::bigint[])",
	         2, p)) == -1)
		return -1;
	e->invitations += n;
	if (erase_run(conn,
	        "DELETE FROM login_failure"
	        " WHERE subject = ANY (SELECT 'e:' || x"
	        "  FROM unnest($1::text[]) x)",
	        1, p + 1) == -1)
		return -1;
	/* Failed sign-ins are audited with the address that was tried and no
	 * actor; the person's own entries by actor. */
	if ((n = erase_run(conn,
	         "UPDATE audit_log SET actor_id = NULL,"
	         " detail = detail - '{address,email,name}'::text[]"
	         " WHERE actor_id = ANY ($1::bigint[])"
	         " OR detail ->> 'email' = ANY ($2::text[])",
	         2, p)) == -1)
		return -1;
	e->audit += n;
	if ((n = erase_run(conn,
	         "DELETE FROM app_user WHERE id = ANY ($1::bigint[])", 1, p)) ==
	    -1)
		return -1;
	e->accounts += n;
	return 0;
}

/*
 * Removes the responses of organisation org (with their ranks) and counts
 * each submitted one as a change of its wave's peer groups, so that the
 * snapshots drop it by the same rule as a reopening. Adds to *e. Returns 0
 * or -1 (printed).
 */
static int
erase_responses(PGconn *conn, const char *org, struct erased *e)
{
	const char *p[1] = {org};
	char err[512];
	PGresult *waves;
	long n;
	int i;

	if ((waves = admin_query(conn,
	         "SELECT wave_id::text FROM response"
	         " WHERE organisation_id = $1 AND state = 'submitted'"
	         " ORDER BY wave_id",
	         1, p)) == NULL)
		return -1;
	if ((n = erase_run(conn,
	         "DELETE FROM snapshot_rank WHERE organisation_id = $1", 1,
	         p)) == -1)
		goto fail;
	e->ranks += n;
	if ((n = erase_run(conn,
	         "DELETE FROM response WHERE organisation_id = $1", 1, p)) ==
	    -1)
		goto fail;
	e->responses += n;
	for (i = 0; i < PQntuples(waves); i++)
		if (snapshot_touch(conn, PQgetvalue(waves, i, 0), org, 1, err,
		        sizeof(err)) == -1) {
			admin_fail("%s", err);
			goto fail;
		}
	PQclear(waves);
	return 0;
fail:
	PQclear(waves);
	return -1;
}

/* Writes the audit entry of an erasure: action, organisation (may be
 * NULL) and the counts; nothing that names a person. */
static int
erase_audit(PGconn *conn, const char *action, const char *org, const char *role,
    const struct erased *e)
{
	char n[4][24];
	const char *p[7];

	snprintf(n[0], sizeof(n[0]), "%ld", e->responses);
	snprintf(n[1], sizeof(n[1]), "%ld", e->accounts);
	snprintf(n[2], sizeof(n[2]), "%ld", e->sessions);
	snprintf(n[3], sizeof(n[3]), "%ld", e->invitations);
	p[0] = action;
	p[1] = org;
	p[2] = role;
	p[3] = n[0];
	p[4] = n[1];
	p[5] = n[2];
	p[6] = n[3];
	return erase_run(conn,
	           "INSERT INTO audit_log (action, organisation_id, detail)"
	           " VALUES ($1, $2::bigint, "
	           "jsonb_strip_nulls(jsonb_build_object("
	           "  'role', $3::text, 'responses', $4::integer,"
	           "  'accounts', $5::integer, 'sessions', $6::integer,"
	           "  'invitations', $7::integer)))",
	           7, p) == -1
	           ? -1
	           : 0;
}

/*
 * `org erase KEY`: removes the municipality's responses (and ranks), its
 * accounts with their sessions, its invitations; keeps the organisation
 * row as a register entry that is no longer a member and has withdrawn
 * consent. Repeatable: a second run removes nothing and says so.
 */
int
admin_org_erase(int argc, char **argv)
{
	struct erased e = {0};
	const char *key, *p[3];
	char org[24];
	PGconn *conn;
	PGresult *res;
	long n;
	int rc = ADMIN_FAIL;

	if (admin_opts_parse(argc, argv, (struct admin_opt[]){{0}}, &key, 1) ==
	    -1) {
		fprintf(stderr, "usage: reifegrad-admin org erase KEY\n");
		return ADMIN_USAGE;
	}
	if ((conn = admin_connect()) == NULL)
		return ADMIN_FAIL;
	p[0] = key;
	if (admin_exec(conn, "BEGIN") == -1 ||
	    (res = admin_query(conn,
	         "SELECT id FROM organisation WHERE key = $1 FOR UPDATE", 1,
	         p)) == NULL)
		goto out;
	if (PQntuples(res) != 1) {
		PQclear(res);
		admin_fail("org erase: no organisation with key %s", key);
		goto out;
	}
	snprintf(org, sizeof(org), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	p[0] = org;
	if (erase_responses(conn, org, &e) == -1 ||
	    (res = admin_query(conn,
	         "SELECT coalesce(array_agg(id), '{}')::text,"
	         " coalesce(array_agg(email), '{}')::text"
	         " FROM app_user WHERE organisation_id = $1",
	         1, p)) == NULL)
		goto out;
	if (erase_accounts(
	        conn, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), &e) == -1) {
		PQclear(res);
		goto out;
	}
	PQclear(res);
	if ((n = erase_run(conn,
	         "DELETE FROM invitation WHERE organisation_id = $1", 1, p)) ==
	        -1 ||
	    erase_run(conn,
	        "UPDATE audit_log SET detail = detail -"
	        " '{address,email,name}'::text[]"
	        " WHERE organisation_id = $1"
	        " AND detail ?| '{address,email,name}'::text[]",
	        1, p) == -1 ||
	    erase_run(conn,
	        "UPDATE organisation SET member = false, consent_named = false,"
	        " updated_at = now() WHERE id = $1",
	        1, p) == -1)
		goto out;
	e.invitations += n;
	if (erase_audit(conn, "org_erased", org, NULL, &e) == -1 ||
	    admin_exec(conn, "COMMIT") == -1)
		goto out;
	printf("org erase: %s (id %s): removed %ld responses, %ld ranks, "
	       "%ld accounts, %ld sessions, %ld invitations\n",
	    key, org, e.responses, e.ranks, e.accounts, e.sessions,
	    e.invitations);
	rc = ADMIN_OK;
out:
	PQfinish(conn);
	return rc;
}

/*
 * `user erase EMAIL`: removes one account, its sessions and the
 * invitations sent to it, and takes its name and addresses out of the
 * responses and audit entries that carried them.
 */
int
admin_user_erase(int argc, char **argv)
{
	struct erased e = {0};
	const char *email, *p[1];
	char role[16], org[24], ids[32], emails[RG_EMAIL_MAX * 2 + 8];
	PGconn *conn;
	PGresult *res;
	int rc = ADMIN_FAIL, has_org;

	if (admin_opts_parse(
	        argc, argv, (struct admin_opt[]){{0}}, &email, 1) == -1) {
		fprintf(stderr, "usage: reifegrad-admin user erase EMAIL\n");
		return ADMIN_USAGE;
	}
	if (valid_email(email) == -1)
		return admin_fail(
		    "user erase: %s is not an e-mail address", email);
	if ((conn = admin_connect()) == NULL)
		return ADMIN_FAIL;
	p[0] = email;
	if (admin_exec(conn, "BEGIN") == -1 ||
	    (res = admin_query(conn,
	         "SELECT id, role, organisation_id,"
	         " ARRAY[id]::text, ARRAY[email]::text"
	         " FROM app_user WHERE email = lower($1) FOR UPDATE",
	         1, p)) == NULL)
		goto out;
	if (PQntuples(res) != 1) {
		PQclear(res);
		admin_fail("user erase: no account with the address %s", email);
		goto out;
	}
	snprintf(role, sizeof(role), "%s", PQgetvalue(res, 0, 1));
	has_org = !PQgetisnull(res, 0, 2);
	snprintf(org, sizeof(org), "%s", PQgetvalue(res, 0, 2));
	snprintf(ids, sizeof(ids), "%s", PQgetvalue(res, 0, 3));
	snprintf(emails, sizeof(emails), "%s", PQgetvalue(res, 0, 4));
	PQclear(res);
	if (erase_accounts(conn, ids, emails, &e) == -1 ||
	    erase_audit(conn, "user_erased", has_org ? org : NULL, role, &e) ==
	        -1 ||
	    admin_exec(conn, "COMMIT") == -1)
		goto out;
	printf("user erase: removed 1 account (%s), %ld sessions, "
	       "%ld invitations; %ld audit entries made anonymous\n",
	    role, e.sessions, e.invitations, e.audit);
	rc = ADMIN_OK;
out:
	PQfinish(conn);
	return rc;
}
