/*
 * h_metrics.c: GET /api/v1/metrics, Prometheus text format (nginx lets only
 * local clients reach it). The counters come from shared memory; the
 * submissions per wave and the snapshotter's queue from the database.
 */
#include "app.h"
#include "handlers.h"
#include "metrics.h"

int
h_metrics_get(struct ctx *c)
{
	const char *names[METRICS_ROUTES_MAX];
	struct buf *b = &c->resp->body;
	PGresult *res = NULL;
	size_t i;
	int err = 0, r;

	for (i = 0; i < routes_count && i < METRICS_ROUTES_MAX; i++)
		names[i] = routes[i].name;
	buf_reset(b);
	err |= metrics_render(b, names, i);
	err |= buf_puts(b, "# HELP reifegrad_submissions Submitted responses "
	                   "per wave.\n# TYPE reifegrad_submissions gauge\n");
	if (db_ready(c->db) == 0 &&
	    db_ok(res = db_exec(c->db, Q_METRICS_SUBMISSIONS, 0, NULL)))
		for (r = 0; r < PQntuples(res); r++)
			err |= buf_printf(b,
			    "reifegrad_submissions{wave=\"%s\"} %s\n",
			    PQgetvalue(res, r, 0), PQgetvalue(res, r, 1));
	err |= buf_printf(b,
	    "# HELP reifegrad_db_up Whether this worker reached the "
	    "database.\n# TYPE reifegrad_db_up gauge\nreifegrad_db_up %d\n",
	    db_ok(res) ? 1 : 0);
	if (db_ok(res)) {
		PQclear(res);
		res = db_exec(c->db, Q_METRICS_PENDING, 0, NULL);
		if (db_ok(res) && PQntuples(res) == 1)
			err |= buf_printf(b,
			    "# HELP reifegrad_snapshot_pending Submissions "
			    "not yet counted into their peer groups (grows "
			    "while no snapshotter runs).\n# TYPE "
			    "reifegrad_snapshot_pending gauge\n"
			    "reifegrad_snapshot_pending %s\n",
			    PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	if (err) {
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		return 0;
	}
	c->resp->status = 200;
	c->resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return 0;
}
