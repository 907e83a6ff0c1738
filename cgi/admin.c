/*
 * admin.c: reifegrad-admin, the operator's command line (API.md "Command
 * line"). This file holds the command table and what commands share; each
 * command lives in admin_<name>.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <unistd.h>

#include "admin.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *usage;
} commands[] = {
    {"migrate", admin_cmd_migrate, "migrate"},
    {"org", admin_cmd_org,
        "org add --key KEY --name NAME --kind KIND --state STATE "
        "--population N [--urbanisation 1|2|3] [--member] [--consent-named]\n"
        "  org import FILE\n"
        "  org erase KEY"},
    {"user", admin_cmd_user,
        "user add --email E --role ROLE [--organisation KEY] [--name NAME]"
        "   (password on standard input)\n"
        "  user erase EMAIL"},
    {"questionnaire", admin_cmd_questionnaire, "questionnaire load FILE"},
    {"wave", admin_cmd_wave,
        "wave add --questionnaire SLUG[@VERSION] --title T --opens ISO8601 "
        "--closes ISO8601"},
    {"demo", admin_cmd_demo,
        "demo [--municipalities N] [--waves W] [--seed S]"},
    {"snapshot", admin_cmd_snapshot, "snapshot WAVE-ID"},
    {"export-key", admin_cmd_export_key, "export-key rotate"},
    {"backup", admin_cmd_backup, "backup FILE"},
    {"restore", admin_cmd_restore, "restore FILE   (into an empty database)"},
    {"housekeeping", admin_cmd_housekeeping, "housekeeping"},
};

int
admin_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("reifegrad-admin: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return ADMIN_FAIL;
}

int
admin_exec(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	         PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		admin_fail("%s", PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

PGresult *
admin_query(PGconn *conn, const char *sql, int n, const char *const *params)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(res));
		msg[strcspn(msg, "\n")] = '\0';
		admin_fail("%s", msg);
		PQclear(res);
		return NULL;
	}
	return res;
}

int
admin_progress_enabled(void)
{
	return isatty(STDERR_FILENO);
}

PGconn *
admin_connect(void)
{
	const char *keys[3] = {NULL}, *vals[3] = {NULL};
	const char *url = getenv("DATABASE_URL");
	PGconn *conn;
	int k = 0;

	if (url != NULL && url[0] != '\0') {
		keys[k] = "dbname";
		vals[k++] = url;
	}
	keys[k] = "fallback_application_name";
	vals[k++] = "reifegrad-admin";
	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s",
		    conn ? PQerrorMessage(conn) : "out of memory");
		msg[strcspn(msg, "\n")] = '\0';
		admin_fail("cannot connect to the database: %s "
		           "(did you '. var/env'?)",
		    msg);
		PQfinish(conn);
		return NULL;
	}
	PQclear(PQexec(conn, "SET client_min_messages = warning"));
	if (admin_exec(conn, "SELECT set_config('rg.role', 'admin', false)") ==
	    -1) {
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

static int
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: reifegrad-admin COMMAND [ARGS]\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, "  %s\n", commands[i].usage);
	return ADMIN_USAGE;
}

int
main(int argc, char *argv[])
{
	size_t i;

	if (sodium_init() < 0)
		return admin_fail("libsodium failed to start");
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "--version") == 0) {
		printf("reifegrad-admin %s\n", RG_VERSION);
		return ADMIN_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 2, argv + 2);
	return usage();
}
