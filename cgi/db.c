/*
 * db.c: the worker's connections to PostgreSQL (see db.h).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

/* Prepares every named statement. Returns 0 or -1. */
static int
db_prepare_all(PGconn *conn)
{
	size_t i;

	for (i = 0; i < Q__MAX; i++) {
		PGresult *res =
		    PQprepare(conn, queries[i].name, queries[i].text, 0, NULL);

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

void
db_init(struct db *d, const char *conninfo)
{
	memset(d, 0, sizeof(*d));
	d->conninfo = conninfo;
}

/* Opens a connection as db_init says and prepares every statement.
 * Returns it, or NULL (logged). */
static PGconn *
db_open(const struct db *d)
{
	const char *keys[5], *vals[5];
	const char *url;
	PGconn *conn;
	int k = 0;

	if (d->conninfo == NULL) {
		url = getenv("DATABASE_URL");
		if (url != NULL && url[0] != '\0') {
			keys[k] = "dbname";
			vals[k++] = url;
		}
	}
	if (getenv("PGCONNECT_TIMEOUT") == NULL) {
		keys[k] = "connect_timeout";
		vals[k++] = DB_CONNECT_TIMEOUT;
	}
	keys[k] = "fallback_application_name";
	vals[k++] = d->appname != NULL    ? d->appname
	            : d->conninfo == NULL ? "reifegrad"
	                                  : DB_READ_APPNAME;
	if (d->conninfo != NULL) {
		/* Defaults first: the connection string, expanded after them,
		 * overrides what it names (PGTARGETSESSIONATTRS, meant for
		 * the primary, does not apply). */
		keys[k] = "target_session_attrs";
		vals[k++] = "prefer-standby";
		keys[k] = "dbname";
		vals[k++] = d->conninfo;
	}
	keys[k] = NULL;
	vals[k] = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		log_error("db: connect%s: %s",
		    d->conninfo != NULL ? " (reads)" : "",
		    conn ? PQerrorMessage(conn) : "out of memory");
		PQfinish(conn);
		return NULL;
	}
	if (db_prepare_all(conn) == -1) {
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/* The read connection waits longer before each further attempt. */
static void
db_backoff(struct db *d)
{
	if (d->backoff < DB_READ_RETRY_MIN)
		d->backoff = DB_READ_RETRY_MIN;
	else if (d->backoff < DB_READ_RETRY_MAX / 2)
		d->backoff *= 2;
	else
		d->backoff = DB_READ_RETRY_MAX;
}

/* Whether the connection was asked to prefer a standby. */
static int
db_prefers_standby(PGconn *conn)
{
	PQconninfoOption *opts = PQconninfo(conn), *o;
	int yes = 0;

	for (o = opts; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, "target_session_attrs") == 0)
			yes = o->val != NULL &&
			      strcmp(o->val, "prefer-standby") == 0;
	PQconninfoFree(opts);
	return yes;
}

/* Whether the server of a new read connection is in recovery, for those
 * that do not report in_hot_standby (pgbouncer passes it on only when
 * told to: track_extra_parameters). */
static int
db_in_recovery(PGconn *conn)
{
	PGresult *res;
	int yes;

	if (PQparameterStatus(conn, "in_hot_standby") != NULL)
		return 0;
	res = PQexecPrepared(
	    conn, queries[Q_IN_RECOVERY].name, 0, NULL, NULL, NULL, 0);
	yes = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	      PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return yes;
}

/* Takes a new connection into use. */
static void
db_use(struct db *d, PGconn *conn)
{
	PQfinish(d->conn);
	d->conn = conn;
	d->reconnects++;
	d->seek_standby = 0;
	d->in_recovery = 0;
	if (d->conninfo == NULL)
		return;
	d->in_recovery = db_in_recovery(conn);
	if (!db_standby(d) && db_prefers_standby(conn)) {
		/* prefer-standby found none: read from the primary for now,
		 * and look for a standby again later. */
		if (d->backoff == 0)
			log_info("db: reads: no standby reachable, reading "
			         "from the primary meanwhile");
		d->seek_standby = 1;
		db_backoff(d);
	} else
		d->backoff = 0;
}

int
db_ready(struct db *d)
{
	PGconn *conn;
	time_t now;

	if (d->conn != NULL && PQstatus(d->conn) == CONNECTION_OK) {
		if (!d->seek_standby ||
		    (now = time(NULL)) - d->last_attempt < d->backoff)
			return 0;
		/* A read connection on a primary: is a standby back? The
		 * connection in hand stays when none is. */
		d->last_attempt = now;
		if ((conn = db_open(d)) == NULL) {
			d->errors++;
			db_backoff(d);
		} else
			db_use(d, conn);
		return 0;
	}
	now = time(NULL);
	if (d->conn == NULL && d->last_attempt != 0 &&
	    now - d->last_attempt <
	        (d->conninfo == NULL ? DB_RETRY_SECONDS : d->backoff))
		return -1;
	d->last_attempt = now;
	if (d->conn != NULL) {
		PQfinish(d->conn);
		d->conn = NULL;
	}
	if ((conn = db_open(d)) == NULL) {
		d->errors++;
		if (d->conninfo != NULL)
			db_backoff(d);
		return -1;
	}
	db_use(d, conn);
	return 0;
}

int
db_standby(const struct db *d)
{
	const char *v;

	if (d->conn == NULL)
		return 0;
	v = PQparameterStatus(d->conn, "in_hot_standby");
	return v != NULL ? strcmp(v, "on") == 0 : d->in_recovery;
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
	res =
	    PQexecPrepared(d->conn, queries[q].name, n, values, NULL, NULL, 0);
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

/* Gives up a connection whose pipeline failed half-way: it cannot be
 * reused, so the next db_ready() starts afresh. */
static void
db_pipeline_lost(struct db *d)
{
	log_error("db: pipeline: %s", d->conn ? PQerrorMessage(d->conn) : "");
	d->errors++;
	PQfinish(d->conn);
	d->conn = NULL;
	d->last_attempt = 0;
}

int
db_pipeline_send(struct db *d, size_t n, const struct db_call *calls)
{
	size_t i;
	int ok;

	if (d->conn == NULL || n > DB_PIPELINE_MAX ||
	    PQenterPipelineMode(d->conn) != 1)
		goto fail;
	for (i = 0; i < n; i++) {
		ok =
		    calls[i].sql != NULL
		        ? PQsendQueryParams(d->conn, calls[i].sql, 0, NULL,
		              NULL, NULL, NULL, 0)
		        : PQsendQueryPrepared(d->conn, queries[calls[i].q].name,
		              calls[i].n, calls[i].values, NULL, NULL, 0);
		if (ok != 1)
			goto fail;
	}
	if (PQpipelineSync(d->conn) != 1)
		goto fail;
	return 0;
fail:
	db_pipeline_lost(d);
	return -1;
}

int
db_pipeline_recv(struct db *d, size_t n, PGresult **out)
{
	size_t i;
	PGresult *res;
	int ok;

	for (i = 0; i < n; i++)
		out[i] = NULL;
	if (d->conn == NULL)
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
	for (i = 0; i < n; i++) {
		PQclear(out[i]);
		out[i] = NULL;
	}
	db_pipeline_lost(d);
	return -1;
}

int
db_pipeline(struct db *d, size_t n, const struct db_call *calls, PGresult **out)
{
	size_t i;

	if (db_pipeline_send(d, n, calls) == -1) {
		for (i = 0; i < n; i++)
			out[i] = NULL;
		return -1;
	}
	return db_pipeline_recv(d, n, out);
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
	/* A unique key taken, a serialisation failure, a deadlock, a lock
	 * not granted within lock_timeout: a concurrent change. */
	if (strcmp(state, "23505") == 0 || strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
		return 409;
	/* Class 08 (connection), 57P (shutdown): the database went away. */
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		return 503;
	return 500;
}

void
db_idle_check(struct db *d)
{
	struct pollfd p;
	PGresult *res;
	int i;

	if (d->conn == NULL || PQsocket(d->conn) < 0)
		return;
	/* Nothing is due on an idle connection but a notice or its end: a
	 * server that ends it sends an error, then closes, so read until
	 * nothing more arrives or the end shows. */
	for (i = 0; i < 4; i++) {
		p = (struct pollfd){PQsocket(d->conn), POLLIN, 0};
		if (poll(&p, 1, 0) <= 0)
			break;
		if (PQconsumeInput(d->conn) != 1 ||
		    PQstatus(d->conn) != CONNECTION_OK)
			goto ended;
	}
	/* An error that came unasked (the server's last word). */
	if (!PQisBusy(d->conn) && (res = PQgetResult(d->conn)) != NULL) {
		PQclear(res);
		goto ended;
	}
	return;
ended:
	log_error("db: the connection ended while idle");
	PQfinish(d->conn);
	d->conn = NULL;
	d->last_attempt = 0;
}

void
db_close(struct db *d)
{
	PQfinish(d->conn);
	d->conn = NULL;
}
