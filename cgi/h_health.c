/*
 * h_health.c: GET /api/v1/health, one database round trip.
 */
#include "app.h"
#include "handlers.h"

int
h_health_get(struct ctx *c)
{
	PGresult *res = NULL;
	int up;

	up = db_ready(c->db) == 0 &&
	     db_ok(res = db_exec(c->db, Q_HEALTH, 0, NULL));
	/* A connection that broke while idle shows only now: once afresh. */
	if (!up && res == NULL && c->db->conn == NULL)
		up = db_ready(c->db) == 0 &&
		     db_ok(res = db_exec(c->db, Q_HEALTH, 0, NULL));
	PQclear(res);
	if (!up) {
		(void)resp_header(c->resp, "Retry-After", "%d", DB_RETRY_AFTER);
		return resp_json(c->resp, 503,
		    json_pack("{s:s, s:s, s:s}", "status", "unavailable", "db",
		        "down", "version", RG_VERSION));
	}
	return resp_json(c->resp, 200,
	    json_pack("{s:s, s:s, s:s}", "status", "ok", "db", "ok", "version",
	        RG_VERSION));
}
