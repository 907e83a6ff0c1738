/*
 * snapshotter.c: counts pending submissions into their peer groups and
 * renews the snapshots that reached their threshold (see snapshotter.h).
 *
 * A pass is one transaction with synchronous_commit off: the counts, the
 * taken pending rows and the renewed snapshots commit together, so a crash
 * before the commit is flushed only returns the rows to the queue, to be
 * counted again. Published figures are derived data; a submission was
 * made durable by its own transaction long before.
 */
#include <stdint.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "snapshot.h"
#include "snapshotter.h"
#include "valid.h"

/* Milliseconds of CLOCK_MONOTONIC. */
static long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Sleeps ms milliseconds (less when a signal arrives). */
static void
pause_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&t, NULL);
}

/* One pass. Returns the groups renewed (0 also when nothing was pending),
 * or -1 after logging why. */
static int
pass(struct db *db)
{
	char err[512];
	int renewed;

	if (db_command(db, "BEGIN") == -1 ||
	    db_command(db, "SET LOCAL synchronous_commit = off") == -1)
		return -1;
	renewed = snapshot_pending(db->conn, err, sizeof(err));
	if (renewed == -1) {
		log_error("snapshotter: %s", err);
		(void)!db_command(db, "ROLLBACK");
		return -1;
	}
	if (db_command(db, "COMMIT") == -1)
		return -1;
	return renewed;
}

/* The submissions waiting in the queue, or -1 after logging why not. */
static long long
pending_count(struct db *db)
{
	PGresult *res = db_exec(db, Q_METRICS_PENDING, 0, NULL);
	long long n = -1;

	if (res == NULL || !db_ok(res) || PQntuples(res) != 1 ||
	    valid_int64(PQgetvalue(res, 0, 0), 0, INT64_MAX, &n) == -1) {
		log_error("snapshotter: the queue: %s",
		    res ? PQresultErrorMessage(res) : "no connection");
		n = -1;
	}
	PQclear(res);
	return n;
}

int
snapshotter_run(volatile sig_atomic_t *stop)
{
	struct db db;
	long long last = -1;
	long since = 0; /* when rows were first seen waiting, 0: none */

	db_init(&db, NULL);
	db.appname = SNAPSHOTTER_NAME;
	while (!*stop) {
		long long pending;
		long t0;
		int renewed;

		if (db_ready(&db) == -1 || (pending = pending_count(&db)) < 0) {
			pause_ms(1000);
			continue;
		}
		t0 = now_ms();
		if (pending > 0 && since == 0)
			since = t0;
		if (!snapshotter_due(pending, last, t0 - since)) {
			last = pending;
			if (pending == 0)
				since = 0;
			pause_ms(SNAPSHOTTER_IDLE_MS);
			continue;
		}
		last = -1;
		since = 0;
		renewed = pass(&db);
		if (renewed > 0)
			log_info(
			    "snapshotter: %d peer groups renewed", renewed);
		pause_ms(snapshotter_pause_ms(now_ms() - t0, renewed < 0));
	}
	db_close(&db);
	return 0;
}
