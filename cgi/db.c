/*
 * db.c: the worker's connection to PostgreSQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

/* Prepares every named statement. Returns 0 or -1. */
static int
db_prepare_all(struct db *d)
{
	size_t i;

	for (i = 0; i < Q__MAX; i++) {
		PGresult *res = PQprepare(d->conn, queries[i].name,
		    queries[i].text, 0, NULL);

		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_error("db: prepare %s: %s", queries[i].name,
			    PQresultErrorMessage(res));
			PQclear(res);
			return -1;
		}
		PQclear(res);
	}
	return 0;
}

int
db_ready(struct db *d)
{
	const char *keys[4], *vals[4];
	const char *url;
	time_t now;
	int k = 0;

	if (d->conn != NULL && PQstatus(d->conn) == CONNECTION_OK)
		return 0;
	now = time(NULL);
	if (d->conn == NULL && d->last_attempt != 0 &&
	    now - d->last_attempt < DB_RETRY_SECONDS)
		return -1;
	d->last_attempt = now;
	if (d->conn != NULL) {
		PQfinish(d->conn);
		d->conn = NULL;
	}
	url = getenv("DATABASE_URL");
	if (url != NULL && url[0] != '\0') {
		keys[k] = "dbname";
		vals[k++] = url;
	}
	if (getenv("PGCONNECT_TIMEOUT") == NULL) {
		keys[k] = "connect_timeout";
		vals[k++] = DB_CONNECT_TIMEOUT;
	}
	keys[k] = "fallback_application_name";
	vals[k++] = "reifegrad";
	keys[k] = NULL;
	vals[k] = NULL;
	d->conn = PQconnectdbParams(keys, vals, 1);
	if (d->conn == NULL || PQstatus(d->conn) != CONNECTION_OK) {
		log_error("db: connect: %s",
		    d->conn ? PQerrorMessage(d->conn) : "out of memory");
		goto fail;
	}
	if (db_prepare_all(d) == -1)
		goto fail;
	d->reconnects++;
	return 0;
fail:
	d->errors++;
	PQfinish(d->conn);
	d->conn = NULL;
	return -1;
}

/* Drops a connection that failed so that the next request reconnects. */
static void
db_check_lost(struct db *d)
{
	if (d->conn != NULL && PQstatus(d->conn) != CONNECTION_OK) {
		log_error("db: connection lost");
		PQfinish(d->conn);
		d->conn = NULL;
		d->last_attempt = 0;
	}
}

PGresult *
db_exec(struct db *d, enum query q, int n, const char *const *values)
{
	PGresult *res;

	if (d->conn == NULL)
		return NULL;
	res = PQexecPrepared(d->conn, queries[q].name, n, values, NULL, NULL,
	    0);
	if (!db_ok(res)) {
		d->errors++;
		if (PQstatus(d->conn) != CONNECTION_OK) {
			PQclear(res);
			db_check_lost(d);
			return NULL;
		}
	}
	return res;
}

int
db_pipeline(struct db *d, size_t n, const struct db_call *calls,
    PGresult **out)
{
	size_t i;
	PGresult *res;
	int ok;

	for (i = 0; i < n; i++)
		out[i] = NULL;
	if (d->conn == NULL || n > DB_PIPELINE_MAX ||
	    PQenterPipelineMode(d->conn) != 1)
		goto fail;
	for (i = 0; i < n; i++) {
		ok = calls[i].sql != NULL
		    ? PQsendQueryParams(d->conn, calls[i].sql, 0, NULL, NULL,
			  NULL, NULL, 0)
		    : PQsendQueryPrepared(d->conn, queries[calls[i].q].name,
			  calls[i].n, calls[i].values, NULL, NULL, 0);
		if (ok != 1)
			goto fail;
	}
	if (PQpipelineSync(d->conn) != 1)
		goto fail;
	/* Each statement's result is followed by a NULL; then the sync. */
	for (i = 0; i < n; i++) {
		if ((out[i] = PQgetResult(d->conn)) == NULL)
			goto fail;
		while ((res = PQgetResult(d->conn)) != NULL)
			PQclear(res);
		if (!db_ok(out[i]))
			d->errors++;
	}
	res = PQgetResult(d->conn);
	ok = PQresultStatus(res) == PGRES_PIPELINE_SYNC;
	PQclear(res);
	if (!ok || PQexitPipelineMode(d->conn) != 1)
		goto fail;
	return 0;
fail:
	log_error("db: pipeline: %s", d->conn ? PQerrorMessage(d->conn) : "");
	for (i = 0; i < n; i++) {
		PQclear(out[i]);
		out[i] = NULL;
	}
	d->errors++;
	/* A pipeline left half-read cannot be reused: start afresh. */
	PQfinish(d->conn);
	d->conn = NULL;
	d->last_attempt = 0;
	return -1;
}

int
db_command(struct db *d, const char *sql)
{
	PGresult *res;
	int rc;

	if (d->conn == NULL)
		return -1;
	res = PQexec(d->conn, sql);
	rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc == -1) {
		d->errors++;
		log_error("db: %s: %s", sql, PQresultErrorMessage(res));
	}
	PQclear(res);
	db_check_lost(d);
	return rc;
}

int
db_ok(const PGresult *res)
{
	ExecStatusType s = PQresultStatus(res);

	return res != NULL && (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK);
}

int
db_status_of(struct db *d, const PGresult *res)
{
	const char *state;

	if (res == NULL || d->conn == NULL)
		return 503;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (state == NULL)
		return 500;
	if (strcmp(state, "23505") == 0 || strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0)
		return 409;
	/* Class 08 (connection), 57P (shutdown): the database went away. */
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		return 503;
	return 500;
}

void
db_close(struct db *d)
{
	PQfinish(d->conn);
	d->conn = NULL;
}
