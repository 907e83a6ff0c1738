/*
 * admin_exportkey.c: `reifegrad-admin export-key rotate` makes a new
 * pseudonymisation key for research exports (005_exports.sql, anon.h).
 * The current key is retired and its bytes destroyed in the same
 * transaction, so pseudonyms of earlier exports can neither be reproduced
 * nor linked to those of later ones. The key comes from libsodium's
 * random generator and is never printed. Every run makes a new key; the
 * rotation is audited (without the key).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "anon.h"

int
admin_cmd_export_key(int argc, char **argv)
{
	unsigned char key[ANON_KEY_BYTES];
	char hex[2 + 2 * ANON_KEY_BYTES + 1];
	const char *verb = NULL, *p[2];
	PGconn *conn;
	PGresult *res = NULL;
	int rc = ADMIN_FAIL;

	if (admin_opts_parse(argc, argv, (struct admin_opt[]){{0}}, &verb, 1) ==
	        -1 ||
	    strcmp(verb, "rotate") != 0) {
		fprintf(stderr, "usage: reifegrad-admin export-key rotate\n");
		return ADMIN_USAGE;
	}
	if ((conn = admin_connect()) == NULL)
		return ADMIN_FAIL;
	randombytes_buf(key, sizeof(key));
	hex[0] = '\\';
	hex[1] = 'x';
	sodium_bin2hex(hex + 2, sizeof(hex) - 2, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	p[0] = hex;
	if (admin_exec(conn, "BEGIN") == -1 ||
	    (res = admin_query(conn,
	         "UPDATE export_key SET key = NULL, retired_at = now() "
	         "WHERE retired_at IS NULL",
	         0, NULL)) == NULL)
		goto out;
	PQclear(res);
	res = admin_query(conn,
	    "INSERT INTO export_key (key) VALUES ($1::bytea) RETURNING id", 1,
	    p);
	sodium_memzero(hex, sizeof(hex));
	if (res == NULL || PQntuples(res) != 1)
		goto out;
	p[0] = PQgetvalue(res, 0, 0);
	{
		PGresult *a = admin_query(conn,
		    "INSERT INTO audit_log (action, detail) VALUES "
		    "('export_key_rotated', jsonb_build_object('key_id', "
		    "$1::bigint))",
		    1, p);

		if (a == NULL)
			goto out;
		PQclear(a);
	}
	if (admin_exec(conn, "COMMIT") == -1)
		goto out;
	printf("export-key: key %s is current; pseudonyms of earlier exports "
	       "can no longer be reproduced\n",
	    PQgetvalue(res, 0, 0));
	rc = ADMIN_OK;
out:
	sodium_memzero(hex, sizeof(hex));
	PQclear(res);
	PQfinish(conn);
	return rc;
}
