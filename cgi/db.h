/*
 * db.h: a worker's one PostgreSQL connection: connecting with the standard
 * libpq environment, preparing every named statement once, reconnecting by
 * itself, and mapping failures to HTTP statuses.
 */
#ifndef DB_H
#define DB_H

#include <libpq-fe.h>
#include <time.h>

#include "queries.h"
#include "reifegrad.h"

/* A lost database is tried again at most this often per worker, so that
 * an outage costs each request one quick 503, not a connection attempt. */
#define DB_RETRY_SECONDS 1
/* How long one connection attempt may take (seconds). */
#define DB_CONNECT_TIMEOUT "2"
/* Seconds a client is told to wait while the database is away. */
#define DB_RETRY_AFTER 2

struct db {
	PGconn *conn;
	time_t last_attempt;
	unsigned long reconnects;
	unsigned long errors;
};

/*
 * Makes sure the connection is usable: connects (libpq environment, or
 * DATABASE_URL when set) and prepares every statement of sql/queries.
 * Tries at most once per DB_RETRY_SECONDS. Returns 0 when usable, -1 not.
 */
int db_ready(struct db *) RG_WUR;

/*
 * Runs the prepared statement q with n text parameters (NULL is SQL NULL).
 * Returns the result (the caller PQclear()s it), or NULL when the
 * connection failed; then the connection is dropped for a later retry.
 */
PGresult *db_exec(struct db *, enum query q, int n,
    const char *const *values);

/* One statement of a pipeline: a named statement (sql NULL) or a fixed
 * text without parameters (BEGIN, COMMIT). */
struct db_call {
	enum query q;
	const char *sql;
	int n;
	const char *const *values;
};

/* Most statements sent in one pipeline. */
#define DB_PIPELINE_MAX 8

/*
 * Sends n statements in one pipeline, that is, in one round trip to the
 * server, and stores each one's result in out[i] (the caller PQclear()s
 * them; a statement after a failed one gets a PGRES_PIPELINE_ABORTED
 * result). Without an explicit BEGIN the statements form one implicit
 * transaction, so an identity set with set_config(..., true) by the first
 * holds for the others. Returns 0, or -1 when the connection failed (every
 * out[i] is then NULL and the connection dropped for a later retry).
 */
int db_pipeline(struct db *, size_t n, const struct db_call *calls,
    PGresult **out) RG_WUR;

/* Runs a fixed command (BEGIN, COMMIT, ROLLBACK). Returns 0 or -1. */
int db_command(struct db *, const char *sql) RG_WUR;

/* 1 when the result is a success (tuples or command ok). */
int db_ok(const PGresult *);

/* The HTTP status a failed result or NULL stands for: 503 when the
 * database is unreachable, 409 for unique/serialisation conflicts, 500
 * otherwise. */
int db_status_of(struct db *, const PGresult *);

/* Closes the connection. */
void db_close(struct db *);

#endif /* DB_H */
