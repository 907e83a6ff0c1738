/*
 * admin_user.c: `reifegrad-admin user add --email E --role ROLE
 * [--organisation KEY] [--name NAME]` reads the password from the first
 * line of standard input, checks it against the policy, stores its
 * argon2id hash, and prints the user id. An existing address is updated
 * (role, organisation, name, password), so the command is repeatable.
 */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "password.h"
#include "valid.h"

static int
user_add(int argc, char **argv)
{
	struct admin_opt o[] = {
	    {"email", 1, 1, NULL, 0},
	    {"role", 1, 1, NULL, 0},
	    {"organisation", 1, 0, NULL, 0},
	    {"name", 1, 0, NULL, 0},
	    {NULL, 0, 0, NULL, 0},
	};
	char pw[RG_PASSWORD_MAX + 2], email[RG_EMAIL_MAX + 1];
	char hash[crypto_pwhash_STRBYTES];
	struct problems ps = {.count = 0};
	const char *p[5];
	PGconn *conn;
	PGresult *res;
	size_t cps, i, n;
	int respondent;

	if (admin_opts_parse(argc, argv, o, NULL, 0) == -1)
		return ADMIN_USAGE;
	if (valid_email(o[0].value) == -1)
		return admin_fail("user add: --email is not an e-mail address");
	for (i = 0; o[0].value[i] != '\0'; i++)
		email[i] = (o[0].value[i] >= 'A' && o[0].value[i] <= 'Z')
		               ? (char)(o[0].value[i] - 'A' + 'a')
		               : o[0].value[i];
	email[i] = '\0';
	if (strcmp(o[1].value, "respondent") &&
	    strcmp(o[1].value, "coordinator") &&
	    strcmp(o[1].value, "researcher") && strcmp(o[1].value, "admin"))
		return admin_fail("user add: --role must be respondent, "
		                  "coordinator, researcher or admin");
	respondent = strcmp(o[1].value, "respondent") == 0;
	if (respondent != o[2].set)
		return admin_fail("user add: a respondent needs --organisation "
		                  "KEY, other roles take none");
	if (o[3].set &&
	    (valid_utf8(o[3].value, strlen(o[3].value), &cps) == -1 ||
	        cps > RG_NAME_MAX))
		return admin_fail("user add: --name must be at most %d "
		                  "characters of UTF-8",
		    RG_NAME_MAX);
	if (fgets(pw, sizeof(pw), stdin) == NULL)
		return admin_fail("user add: no password on standard input");
	n = strcspn(pw, "\r\n");
	if (pw[n] == '\0' && n == sizeof(pw) - 1)
		return admin_fail("user add: the password is too long");
	pw[n] = '\0';
	if (password_check(pw, email, "password", &ps) == -1)
		return admin_fail(
		    "user add: the password %s", ps.item[0].problem);
	if (password_hash(pw, hash) == -1)
		return admin_fail("user add: out of memory");
	sodium_memzero(pw, sizeof(pw));
	if ((conn = admin_connect()) == NULL)
		return ADMIN_FAIL;
	p[0] = email;
	p[1] = o[1].value;
	p[2] = o[2].set ? o[2].value : NULL;
	p[3] = o[3].set ? o[3].value : "";
	p[4] = hash;
	res = admin_query(conn,
	    "WITH org AS (SELECT id FROM organisation WHERE key = $3)"
	    " INSERT INTO app_user (email, role, organisation_id, name,"
	    "  password_hash)"
	    " SELECT $1, $2, (SELECT id FROM org), $4, $5"
	    " WHERE $3::text IS NULL OR EXISTS (SELECT 1 FROM org)"
	    " ON CONFLICT (email) DO UPDATE SET role = EXCLUDED.role,"
	    "  organisation_id = EXCLUDED.organisation_id,"
	    "  name = CASE WHEN EXCLUDED.name = '' THEN app_user.name"
	    "   ELSE EXCLUDED.name END,"
	    "  password_hash = EXCLUDED.password_hash"
	    " RETURNING id",
	    5, p);
	if (res == NULL) {
		PQfinish(conn);
		return ADMIN_FAIL;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		PQfinish(conn);
		return admin_fail(
		    "user add: no organisation with key %s", o[2].value);
	}
	{
		/* An existing account got a new password and perhaps a new
		 * role: its sessions end, as after PATCH /users. */
		const char *id[1] = {PQgetvalue(res, 0, 0)};
		PGresult *d = admin_query(conn,
		    "DELETE FROM session WHERE user_id = $1::bigint", 1, id);

		if (d == NULL) {
			PQclear(res);
			PQfinish(conn);
			return ADMIN_FAIL;
		}
		PQclear(d);
	}
	printf("%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
	return ADMIN_OK;
}

int
admin_cmd_user(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "add") == 0)
		return user_add(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "erase") == 0)
		return admin_user_erase(argc - 1, argv + 1);
	fprintf(stderr, "usage: reifegrad-admin user add|erase ...\n");
	return ADMIN_USAGE;
}
