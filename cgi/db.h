/*
 * db.h: a worker's PostgreSQL connections: connecting with the standard
 * libpq environment, preparing every named statement once, reconnecting by
 * itself, and mapping failures to HTTP statuses. A worker holds one
 * connection to the primary and, when REIFEGRAD_READ_DATABASE_URL is set,
 * a second one for read-only routes (preferably to a hot standby).
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
/* A read connection that failed, or that found no standby although it
 * prefers one, tries again after this many seconds, doubling up to the
 * maximum while it keeps failing (or finding none). */
#define DB_READ_RETRY_MIN 5
#define DB_READ_RETRY_MAX 300
/* The read connection's name in pg_stat_activity (unless PGAPPNAME). */
#define DB_READ_APPNAME "reifegrad-read"

struct db {
	PGconn *conn;
	time_t last_attempt;
	unsigned long reconnects;
	unsigned long errors;
	/* Where it connects: NULL for the primary's libpq environment
	 * (DATABASE_URL first when set); else the read connection's
	 * connection string or URI (db_init). */
	const char *conninfo;
	/* The read connection's wait before its next attempt (seconds), and
	 * whether it is connected to a primary although it prefers a standby
	 * (target_session_attrs=prefer-standby): then it looks for one again
	 * from time to time. */
	int backoff;
	int seek_standby;
	/* Whether the server is in recovery, asked once at connecting, for
	 * servers (or poolers) that do not report in_hot_standby. */
	int in_recovery;
	/* The application_name it shows in pg_stat_activity when the
	 * environment names none: NULL for the workers' "reifegrad" (or
	 * DB_READ_APPNAME); the helpers set their process names. */
	const char *appname;
};

/*
 * Sets up an unconnected db: the primary's (conninfo NULL) or a read
 * connection to conninfo, whose target_session_attrs is prefer-standby
 * unless conninfo says otherwise.
 */
void db_init(struct db *, const char *conninfo);

/*
 * Makes sure the connection is usable: connects (see db_init) and prepares
 * every statement of sql/queries. The primary's tries at most once per
 * DB_RETRY_SECONDS; a read connection backs off (DB_READ_RETRY_*), and
 * while it sits on a primary although it prefers a standby, it looks for
 * one on the same schedule (keeping its connection when it finds none).
 * Returns 0 when usable, -1 not.
 */
int db_ready(struct db *) RG_WUR;

/* 1 when the connection is to a hot standby (read-only, in recovery): as
 * the server reports it (in_hot_standby, PostgreSQL 14 and later, also
 * after a promotion), else as pg_is_in_recovery() said at connecting. */
int db_standby(const struct db *);

/*
 * Runs the prepared statement q with n text parameters (NULL is SQL NULL).
 * Returns the result (the caller PQclear()s it), or NULL when the
 * connection failed; then the connection is dropped for a later retry.
 */
PGresult *db_exec(struct db *, enum query q, int n, const char *const *values);

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
int db_pipeline(
    struct db *, size_t n, const struct db_call *calls, PGresult **out) RG_WUR;

/*
 * The two halves of db_pipeline, for a caller with work to do while the
 * server runs the statements: db_pipeline_send sends them and returns at
 * once (0, or -1 when the connection failed); db_pipeline_recv waits for
 * their n results, as db_pipeline returns them. Nothing else may use the
 * connection in between.
 */
int db_pipeline_send(struct db *, size_t n, const struct db_call *calls) RG_WUR;
int db_pipeline_recv(struct db *, size_t n, PGresult **out) RG_WUR;

/* Runs a fixed command (BEGIN, COMMIT, ROLLBACK). Returns 0 or -1. */
int db_command(struct db *, const char *sql) RG_WUR;

/* 1 when the result is a success (tuples or command ok). */
int db_ok(const PGresult *);

/* The HTTP status a failed result or NULL stands for: 503 when the
 * database is unreachable, 409 for conflicts (a unique key, serialisation,
 * a deadlock, a lock timeout), 500 otherwise. */
int db_status_of(struct db *, const PGresult *);

/*
 * Notices a connection that ended while idle (the server restarted or
 * ended it): reads whatever arrived and, when the connection has ended,
 * drops it so that db_ready() makes a new one at once. For a write whose
 * outcome could not be told after a failure, this is the only moment a
 * broken connection can be found harmlessly.
 */
void db_idle_check(struct db *);

/* Closes the connection. */
void db_close(struct db *);

#endif /* DB_H */
