/*
 * admin_migrate.c: `reifegrad-admin migrate` applies the embedded
 * migrations that the database has not seen, in order, each in its own
 * transaction together with its record in schema_migration. Repeatable;
 * concurrent runs wait for each other on an advisory lock.
 */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "migrations.h"

/* Key of the advisory lock that serialises migrations. */
#define MIGRATE_LOCK_KEY "727265696665"

/* 1 when the migration name is recorded, 0 when not, -1 on error. */
static int
migration_applied(PGconn *conn, const char *name)
{
	const char *params[1] = {name};
	PGresult *res =
	    PQexecParams(conn, "SELECT 1 FROM schema_migration WHERE name = $1",
	        1, NULL, params, NULL, NULL, 0);
	int rc;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		admin_fail("migrate: %s", PQresultErrorMessage(res));
		rc = -1;
	} else
		rc = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

/* Applies one migration and records it, in one transaction. */
static int
migration_apply(PGconn *conn, const struct migration *m)
{
	const char *params[1] = {m->name};
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
	    "INSERT INTO schema_migration (name) VALUES ($1)", 1, NULL, params,
	    NULL, NULL, 0);
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
	        " applied_at timestamptz NOT NULL DEFAULT now())") == -1)
		goto out;
	for (i = 0; i < migrations_count; i++) {
		int done = migration_applied(conn, migrations[i].name);

		if (done == -1)
			goto out;
		if (done)
			continue;
		if (migration_apply(conn, &migrations[i]) == -1)
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
