/*
 * admin_snapshot.c: `reifegrad-admin snapshot WAVE` recomputes every peer
 * statistics snapshot of a wave now (final when the wave is closed) and
 * prints how long it took. Repeatable.
 */
#include <stdio.h>
#include <time.h>

#include "admin.h"
#include "snapshot.h"
#include "valid.h"

int
admin_cmd_snapshot(int argc, char **argv)
{
	const char *wave, *p[1];
	struct timespec t0, t1;
	long long id;
	char err[512];
	PGconn *conn;
	PGresult *res;
	int n, rc = ADMIN_FAIL;

	if (admin_opts_parse(argc, argv, (struct admin_opt[]){{0}}, &wave, 1) ==
	        -1 ||
	    valid_int64(wave, 1, INT64_MAX, &id) == -1) {
		fprintf(stderr, "usage: reifegrad-admin snapshot WAVE-ID\n");
		return ADMIN_USAGE;
	}
	if ((conn = admin_connect()) == NULL)
		return ADMIN_FAIL;
	p[0] = wave;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (admin_exec(conn, "BEGIN") == -1 ||
	    (res = admin_query(conn,
	         "SELECT rg_wave_state(w) = 'closed' FROM wave w WHERE id = $1",
	         1, p)) == NULL)
		goto out;
	if (PQntuples(res) != 1) {
		PQclear(res);
		admin_fail("snapshot: no wave %s", wave);
		goto out;
	}
	n = snapshot_wave(
	    conn, wave, PQgetvalue(res, 0, 0)[0] == 't', err, sizeof(err));
	PQclear(res);
	if (n == -1) {
		admin_fail("%s", err);
		goto out;
	}
	if (admin_exec(conn, "COMMIT") == -1)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("snapshot: wave %s: %d peer groups in %.3f s\n", wave, n,
	    (double)(t1.tv_sec - t0.tv_sec) +
	        (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	rc = ADMIN_OK;
out:
	PQfinish(conn);
	return rc;
}
