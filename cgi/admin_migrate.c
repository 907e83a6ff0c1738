/*
 * admin_migrate.c: `reifegrad-admin migrate` applies the embedded
 * migrations that the database has not seen, in order, each in its own
 * transaction together with its record in schema_migration: its name and
 * the SHA-256 of its text. Repeatable; concurrent runs wait for each other
 * on an advisory lock. A migration once applied must never change: when
 * the text of one the database has applied differs from what it applied,
 * migrate says which and stops, before anything runs against a schema that
 * is not what the program expects (a migration recorded before digests
 * were kept is given its digest at the next run).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "migrations.h"

/* Key of the advisory lock that serialises migrations. */
#define MIGRATE_LOCK_KEY "727265696665"

/* Hex SHA-256 of a migration's text. */
#define MIGRATE_DIGEST_HEX (crypto_hash_sha256_BYTES * 2 + 1)

static void
migration_digest(const struct migration *m, char hex[MIGRATE_DIGEST_HEX])
{
	unsigned char d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(d, (const unsigned char *)m->text,
	    (unsigned long long)strlen(m->text));
	sodium_bin2hex(hex, MIGRATE_DIGEST_HEX, d, sizeof(d));
}

/*
 * Whether migration m is recorded: 1 (and its digest checked, or recorded
 * when it has none), 0 when not, -1 on error or when its text changed
 * since it was applied.
 */
static int
migration_applied(PGconn *conn, const struct migration *m, const char *hex)
{
	const char *params[2] = {m->name, hex};
	PGresult *res = PQexecParams(conn,
	    "SELECT digest FROM schema_migration WHERE name = $1", 1, NULL,
	    params, NULL, NULL, 0);
	int rc;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		admin_fail("migrate: %s", PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	if (!PQgetisnull(res, 0, 0)) {
		rc = strcmp(PQgetvalue(res, 0, 0), hex) == 0 ? 1 : -1;
		if (rc == -1)
			admin_fail(
			    "migrate: %s has changed since this database "
			    "applied it (SHA-256 then %.12s..., now "
			    "%.12s...); an applied migration must never "
			    "change: put the change into a new migration, "
			    "or restore the database",
			    m->name, PQgetvalue(res, 0, 0), hex);
		PQclear(res);
		return rc;
	}
	PQclear(res);
	res = PQexecParams(conn,
	    "UPDATE schema_migration SET digest = $2 WHERE name = $1", 2, NULL,
	    params, NULL, NULL, 0);
	rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 1 : -1;
	if (rc == -1)
		admin_fail("migrate: %s", PQresultErrorMessage(res));
	PQclear(res);
	return rc;
}

/* Applies one migration and records it, in one transaction. */
static int
migration_apply(PGconn *conn, const struct migration *m, const char *hex)
{
	const char *params[2] = {m->name, hex};
	PGresult *res;

	if (admin_exec(conn, "BEGIN") == -1)
		return -1;
	res = PQexec(conn, m->text);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(res));
		msg[strcspn(msg, "\n")] = '\0';
		PQclear(res);
		PQclear(PQexec(conn, "ROLLBACK"));
		return admin_fail("migrate: %s failed: %s", m->name, msg), -1;
	}
	PQclear(res);
	res = PQexecParams(conn,
	    "INSERT INTO schema_migration (name, digest) VALUES ($1, $2)", 2,
	    NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		admin_fail("migrate: %s", PQresultErrorMessage(res));
		PQclear(res);
		PQclear(PQexec(conn, "ROLLBACK"));
		return -1;
	}
	PQclear(res);
	return admin_exec(conn, "COMMIT");
}

int
admin_cmd_migrate(int argc, char **argv)
{
	PGconn *conn;
	size_t i, applied = 0;
	int rc = ADMIN_FAIL;

	(void)argv;
	if (argc != 0) {
		fprintf(stderr, "usage: reifegrad-admin migrate\n");
		return ADMIN_USAGE;
	}
	if ((conn = admin_connect()) == NULL)
		return ADMIN_FAIL;
	if (admin_exec(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")") ==
	        -1 ||
	    admin_exec(conn,
	        "CREATE TABLE IF NOT EXISTS schema_migration ("
	        " name text PRIMARY KEY,"
	        " applied_at timestamptz NOT NULL DEFAULT now())") == -1 ||
	    admin_exec(conn, "ALTER TABLE schema_migration"
	                     " ADD COLUMN IF NOT EXISTS digest text") == -1)
		goto out;
	for (i = 0; i < migrations_count; i++) {
		char hex[MIGRATE_DIGEST_HEX];
		int done;

		migration_digest(&migrations[i], hex);
		if ((done = migration_applied(conn, &migrations[i], hex)) == -1)
			goto out;
		if (done)
			continue;
		if (migration_apply(conn, &migrations[i], hex) == -1)
			goto out;
		if (admin_progress_enabled())
			fprintf(stderr, "migrate: applied %s\n",
			    migrations[i].name);
		applied++;
	}
	printf("migrate: %zu applied, %zu already there\n", applied,
	    migrations_count - applied);
	rc = ADMIN_OK;
out:
	PQfinish(conn);
	return rc;
}
