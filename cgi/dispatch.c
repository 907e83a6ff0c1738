/*
 * dispatch.c: from a parsed request to a complete answer. The order of the
 * checks is the order of API.md's errors: route, method, media type, body,
 * database, identity, role, CSRF, then the handler.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "auth.h"
#include "log.h"
#include "metrics.h"
#include "pgjson.h"

/* Whether the request runs on the read connection. */
static int
on_read(const struct ctx *c)
{
	return c->replica != NULL && c->db == c->replica;
}

void
app_unavailable(struct ctx *c)
{
	/* Never a 503 because only the read connection failed: the primary
	 * answers instead (dispatch). */
	if (on_read(c))
		c->retry_primary = 1;
	resp_error(c->resp, 503, "unavailable",
	    "The database is not reachable; try again shortly.", NULL);
	(void)resp_header(c->resp, "Retry-After", "%d", DB_RETRY_AFTER);
}

void
app_db_fail(struct ctx *c, const PGresult *res, const char *what)
{
	int status = db_status_of(c->db, res);

	/* A standby may refuse (a write, a query cancelled by recovery) or
	 * lack (a migration not yet replayed) what the primary has. */
	if (on_read(c))
		c->retry_primary = 1;
	if (status == 503) {
		app_unavailable(c);
		return;
	}
	if (on_read(c))
		log_info("%s: on the read connection, so the primary answers: "
		         "%s",
		    what, res ? PQresultErrorMessage(res) : "");
	else
		log_error("%s: %s", what, res ? PQresultErrorMessage(res) : "");
	if (status == 409)
		resp_error(c->resp, 409, "conflict",
		    "A concurrent change got in the way; try again.", NULL);
	else
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
}

/* Parses the JSON body of a write. Returns 0, or -1 with the answer set. */
static int
dispatch_body(struct ctx *c)
{
	struct req *r = c->req;
	json_error_t err;
	struct problems ps;

	if (r->method != METHOD_POST && r->method != METHOD_PUT &&
	    r->method != METHOD_PATCH)
		return 0;
	if (r->body_len == 0 && r->content_type == NULL)
		return 0;
	if (!req_is_json(r)) {
		resp_error(c->resp, 415, "unsupported_media_type",
		    "Send the body as application/json; charset=utf-8.", NULL);
		return -1;
	}
	c->body =
	    json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &err);
	if (c->body == NULL) {
		ps.count = 0;
		problems_add(&ps, "", "line %d, column %d: %s", err.line,
		    err.column, err.text);
		resp_error(c->resp, 400, "malformed_json",
		    "The body is not valid JSON.", &ps);
		return -1;
	}
	return 0;
}

void
app_invalid(struct ctx *c, const struct problems *ps)
{
	resp_error(c->resp, 422, "invalid", "Some values are not valid.", ps);
}

void
app_primary(struct ctx *c)
{
	c->retry_primary = 1;
	app_unavailable(c);
}

/* Checks identity, role and CSRF for the route (the session is known by
 * now). Returns 0 to go on, or -1 with the answer set. */
static int
dispatch_authorise(struct ctx *c)
{
	const struct route *rt = c->route;
	enum http_method m = c->req->method;

	if (rt->roles == ROUTE_PUBLIC)
		return 0;
	if (c->user.id == 0) {
		resp_error(c->resp, 401, "unauthenticated",
		    "Sign in first (or again: the session has ended).", NULL);
		return -1;
	}
	if ((rt->roles & c->user.role) == 0) {
		resp_error(c->resp, 403, "forbidden",
		    "Your role may not do this.", NULL);
		return -1;
	}
	if ((m == METHOD_POST || m == METHOD_PUT || m == METHOD_PATCH ||
	        m == METHOD_DELETE) &&
	    !auth_csrf_ok(c)) {
		resp_error(c->resp, 403, "csrf_failed",
		    "The X-CSRF-Token header is missing or wrong.", NULL);
		return -1;
	}
	return 0;
}

/*
 * Gives a session that a standby found due a touch (rg_session_begin()
 * with p_touch false) its touch on the primary: rg_session_begin() in a
 * transaction of its own, so that the idle timeout holds whichever server
 * answers. Only when the primary's connection is up: a read never waits
 * for the primary.
 */
static void
dispatch_touch(struct ctx *c, const char *hash)
{
	const char *p[1] = {hash};

	if (c->primary->conn == NULL ||
	    PQstatus(c->primary->conn) != CONNECTION_OK)
		return;
	PQclear(db_exec(c->primary, Q_SESSION_BEGIN, 1, p));
}

/* Forgets the worker's cached answers when one of its connections was
 * made anew since it last looked: it may lead to another database, or to
 * one restored from a backup, whose versions count anew. */
static void
dispatch_cache_epoch(const struct ctx *c)
{
	static unsigned long seen;
	unsigned long now = c->primary->reconnects +
	                    (c->replica != NULL ? c->replica->reconnects : 0);

	if (now != seen) {
		anscache_clear();
		seen = now;
	}
}

/* Keeps the session just checked (its row of session_begin or
 * session_check: user, role, organisation, version, valid until). */
static void
dispatch_keep_session(struct ctx *c, const char *hash, const PGresult *res)
{
	long long v, until;

	if (PQnfields(res) < 5 ||
	    valid_int64(PQgetvalue(res, 0, 3), 0, INT64_MAX, &v) != 0 ||
	    valid_int64(PQgetvalue(res, 0, 4), 0, INT64_MAX, &until) != 0)
		return;
	dispatch_cache_epoch(c);
	anscache_session_put(hash, c->user.id, c->user.role, c->user.org_id, v,
	    until, on_read(c), (long long)time(NULL));
}

/*
 * Gives a ROUTE_CACHED route's answer from the worker's cache: when the
 * session and the answer are both kept, and one statement (cache_check,
 * no transaction, no session function) finds the versions they were made
 * from unchanged. Returns 1 when it answered, 0 to make the answer afresh
 * (then whatever did not match is forgotten).
 */
static int
dispatch_cached(struct ctx *c)
{
	char hash[AUTH_HASH_PARAM], u[24], o[24], w[24];
	const char *p[3] = {u, o, w};
	const struct anscache_session *s;
	const struct anscache_answer *a;
	long long now = (long long)time(NULL), v[3];
	int read = on_read(c), i, same_user, same_answer;
	PGresult *res;

	dispatch_cache_epoch(c);
	if (!auth_session_param(c, hash) ||
	    (s = anscache_session_get(hash, read, now)) == NULL ||
	    (c->route->roles & s->role) == 0 || s->org == 0 ||
	    (a = anscache_answer_get(c->route->name, s->org, c->req->param[0],
	         c->req->query, read, now)) == NULL ||
	    db_ready(c->db) == -1)
		return 0;
	snprintf(u, sizeof(u), "%lld", s->user);
	snprintf(o, sizeof(o), "%lld", s->org);
	snprintf(w, sizeof(w), "%lld", c->req->param[0]);
	res = db_exec(c->db, Q_CACHE_CHECK, 3, p);
	if (!db_ok(res) || PQntuples(res) != 1 || PQnfields(res) != 3) {
		PQclear(res);
		return 0;
	}
	for (i = 0; i < 3; i++)
		if (valid_int64(PQgetvalue(res, 0, i), 0, INT64_MAX, &v[i]))
			v[i] = -1;
	PQclear(res);
	same_user = v[0] == s->version;
	same_answer = v[1] == a->v.org && v[2] == a->v.wave;
	if (!same_user || !same_answer) {
		if (!same_user)
			anscache_session_drop(hash);
		if (!same_answer)
			anscache_answer_drop(c->route->name, s->org,
			    c->req->param[0], c->req->query);
		return 0;
	}
	buf_reset(&c->resp->body);
	if (buf_append(&c->resp->body, a->body, a->len) != 0) {
		buf_reset(&c->resp->body);
		return 0;
	}
	c->user.id = s->user;
	c->user.role = s->role;
	c->user.org_id = s->org;
	c->resp->status = 200;
	c->resp->content_type = "application/json; charset=utf-8";
	metrics_cached(1);
	return 1;
}

void
app_keep(struct ctx *c, const PGresult *res, int col, long long until)
{
	c->cache.v.org = pgj_ll(res, 0, col);
	c->cache.v.wave = pgj_ll(res, 0, col + 1);
	c->cache.until = until;
	c->cache.keep = 1;
}

/* Keeps the answer a ROUTE_CACHED handler allowed to keep. */
static void
dispatch_keep_answer(struct ctx *c)
{
	if (!c->cache.keep || c->resp->status != 200 || c->user.id == 0 ||
	    c->resp->stream != NULL)
		return;
	dispatch_cache_epoch(c);
	(void)anscache_answer_put(c->route->name, c->user.org_id,
	    c->req->param[0], c->req->query, &c->cache.v, c->cache.until,
	    on_read(c), c->resp->body.data, c->resp->body.len,
	    (long long)time(NULL));
}

/*
 * Opens the request's transaction and finds its session in one round trip
 * (a pipeline of BEGIN and session_begin). With prefetch, the route's
 * prefetch statement joins the pipeline, so that the handler finds its
 * first result waiting (app_query). A GET sends session_begin and that
 * statement alone: without BEGIN they form one implicit transaction up to
 * the pipeline's sync, so the identity holds for the statement and the
 * whole request is one round trip with two statements. Any other method
 * writes after it, so its pipeline starts with BEGIN and the transaction
 * stays open. On a hot standby, which refuses every write, session_check
 * takes session_begin's place. Returns 0, or -1 with the answer set.
 */
static int
dispatch_begin(struct ctx *c, int prefetch)
{
	char hash[AUTH_HASH_PARAM], id[24];
	const char *p[1] = {hash}, *pp[1] = {id};
	const struct route *rt = c->route;
	struct db_call calls[3];
	PGresult *res[3] = {NULL};
	size_t n = 0, i;
	int rc = 0, s = -1, f = -1, b = -1, touch = 0;
	int standby = on_read(c) && db_standby(c->db);
	int batched = (rt->flags & ROUTE_BATCHED) != 0;
	int implicit = (prefetch && rt->method == METHOD_GET) || batched;

	if (!implicit) {
		b = (int)n;
		calls[n++] = (struct db_call){Q__MAX,
		    (rt->flags & ROUTE_SNAPSHOT)
		        ? "BEGIN ISOLATION LEVEL REPEATABLE READ"
		        : "BEGIN",
		    0, NULL};
	}
	if (auth_session_param(c, hash)) {
		s = (int)n;
		/* A batched route's write touches the session in the
		 * committer's transaction: its check here only reads. */
		calls[n++] = (struct db_call){
		    standby || batched ? Q_SESSION_CHECK : Q_SESSION_BEGIN,
		    NULL, 1, p};
	}
	if (prefetch) {
		snprintf(id, sizeof(id), "%lld", c->req->param[0]);
		f = (int)n;
		calls[n++] = (struct db_call){(enum query)(rt->prefetch - 1),
		    NULL, c->req->nparams > 0 ? 1 : 0, pp};
	}
	if (db_ready(c->db) == -1 || db_pipeline(c->db, n, calls, res) == -1) {
		/* A connection that broke while idle (the server restarted)
		 * shows only now; nothing has run yet, so try once afresh. */
		if (c->db->conn != NULL || db_ready(c->db) == -1 ||
		    db_pipeline(c->db, n, calls, res) == -1) {
			app_unavailable(c);
			return -1;
		}
	}
	c->tx_open = !implicit;
	if (b >= 0 && !db_ok(res[b])) {
		app_db_fail(c, res[b], "dispatch: begin");
		rc = -1;
	} else if (s >= 0) {
		rc = auth_session_apply(c, res[s]);
		touch = rc == 0 && (standby || batched) && c->user.id != 0 &&
		        PQnfields(res[s]) > 5 &&
		        PQgetvalue(res[s], 0, 5)[0] == 't';
		if (rc == 0 && c->user.id != 0 &&
		    (rt->flags & (ROUTE_CACHED | ROUTE_BATCHED)))
			dispatch_keep_session(c, hash, res[s]);
	} else
		memset(&c->user, 0, sizeof(c->user));
	if (rc == 0 && f >= 0) {
		c->prefetched = res[f];
		res[f] = NULL;
	}
	for (i = 0; i < n; i++)
		PQclear(res[i]);
	if (touch && batched)
		c->touch_due = 1;
	else if (touch)
		dispatch_touch(c, hash);
	return rc;
}

PGresult *
app_query(struct ctx *c, enum query q, int n, const char *const *values)
{
	PGresult *res;

	if (c->prefetched != NULL && c->route->prefetch == (int)q + 1) {
		res = c->prefetched;
		c->prefetched = NULL;
		return res;
	}
	return db_exec(c->db, q, n, values);
}

/* Runs session_begin and q in one pipeline on db, an implicit transaction
 * of their own, so that q runs with the request's identity. Returns q's
 * result, or NULL when the session is gone or db failed. */
static PGresult *
dispatch_with_session(struct ctx *c, struct db *db, enum query q, int n,
    const char *const *values)
{
	char hash[AUTH_HASH_PARAM];
	const char *p[1] = {hash};
	struct db_call calls[2];
	PGresult *res[2];

	if (!auth_session_param(c, hash) || db_ready(db) == -1)
		return NULL;
	calls[0] = (struct db_call){Q_SESSION_BEGIN, NULL, 1, p};
	calls[1] = (struct db_call){q, NULL, n, values};
	if (db_pipeline(db, 2, calls, res) == -1)
		return NULL;
	if (!db_ok(res[0]) || PQntuples(res[0]) != 1) {
		PQclear(res[0]);
		PQclear(res[1]);
		return NULL;
	}
	PQclear(res[0]);
	return res[1];
}

PGresult *
app_write(struct ctx *c, enum query q, int n, const char *const *values)
{
	PGresult *res;

	if (!on_read(c) || !db_standby(c->db))
		return db_exec(c->db, q, n, values);
	res = dispatch_with_session(c, c->primary, q, n, values);
	if (db_ok(res))
		c->wrote_primary = 1;
	return res;
}

PGresult *
app_read(struct ctx *c, enum query q, int n, const char *const *values)
{
	return dispatch_with_session(c, c->db, q, n, values);
}

int
app_identify(struct ctx *c)
{
	if (!c->identity_later)
		return 0;
	c->identity_later = 0;
	if (dispatch_begin(c, 0) == -1)
		return -1;
	return dispatch_authorise(c);
}

int
app_tx(struct ctx *c)
{
	if (c->tx_open)
		return 0;
	if (dispatch_begin(c, 0) == -1)
		return -1;
	return 0;
}

/* Sets the answer for a COMMIT that failed: the answer would otherwise
 * claim what did not happen. 503 when the connection went away. */
static void
dispatch_commit_failed(struct ctx *c)
{
	if (c->db->conn == NULL || PQstatus(c->db->conn) != CONNECTION_OK)
		app_unavailable(c);
	else
		resp_error(c->resp, 500, "internal",
		    "The change could not be stored.", NULL);
}

int
app_pipeline_commit(struct ctx *c, size_t n, const struct db_call *calls,
    PGresult **out, const char *what)
{
	struct db_call all[DB_PIPELINE_MAX];
	PGresult *res[DB_PIPELINE_MAX];
	size_t i;

	assert(n < DB_PIPELINE_MAX);
	for (i = 0; i < n; i++)
		out[i] = NULL;
	if (app_tx(c) == -1)
		return -1;
	memcpy(all, calls, n * sizeof(*calls));
	all[n] = (struct db_call){Q__MAX, "COMMIT", 0, NULL};
	if (db_pipeline(c->db, n + 1, all, res) == -1) {
		/* Whether COMMIT got through is unknown: never a 2xx. */
		app_unavailable(c);
		return -1;
	}
	memcpy(out, res, n * sizeof(*out));
	if (db_ok(res[n])) {
		PQclear(res[n]);
		c->tx_open = 0;
		return 0;
	}
	/* The transaction stays open for dispatch_tx to roll back: it is
	 * aborted after a failed call, and ended already when COMMIT itself
	 * failed (then the ROLLBACK only warns). */
	for (i = 0; i < n && db_ok(out[i]); i++)
		;
	if (i < n)
		app_db_fail(c, out[i], what);
	else {
		log_error("%s: COMMIT: %s", what, PQresultErrorMessage(res[n]));
		dispatch_commit_failed(c);
	}
	PQclear(res[n]);
	return -1;
}

/*
 * Runs a ROUTE_BATCHED route: its handler writes through the committer,
 * which checks the session again in the transaction that saves, so the
 * identity may come from the worker's session cache. The cache is used
 * only when its role may call the route; else, and on a miss, the session
 * is checked (and touched) in an implicit transaction of its own, so that
 * a 401 or 403 is never the cache's. A ROUTE_COMMITTER_AUTH route (a
 * submission) leaves a session the cache does not hold to the committer's
 * transaction, once CSRF holds; its handler calls app_identify() before
 * it answers anything itself. A route that reads first (prefetch) has the
 * session check and that read in one implicit transaction instead. Every
 * check here only reads: the session's touch (once a minute) comes with
 * the committer's transaction, or after the handler when it sent nothing
 * there.
 */
static void
dispatch_batched(struct ctx *c)
{
	char hash[AUTH_HASH_PARAM];
	const struct anscache_session *s;

	dispatch_cache_epoch(c);
	if (c->route->prefetch != 0) {
		/* The handler reads first: with the identity, in one round
		 * trip with the session check. */
		if (dispatch_begin(c, 1) == -1)
			return;
	} else if (!auth_session_param(c, hash))
		memset(&c->user, 0, sizeof(c->user));
	else if ((s = anscache_session_get(hash, 0, (long long)time(NULL))) !=
	             NULL &&
	         (c->route->roles & s->role) != 0 && s->org != 0) {
		c->user.id = s->user;
		c->user.role = s->role;
		c->user.org_id = s->org;
	} else if ((c->route->flags & ROUTE_COMMITTER_AUTH) &&
	           auth_csrf_ok(c)) {
		/* The committer checks the session, and the role, in the
		 * transaction that writes: no round trip before it. */
		c->user.id = 0;
		c->user.role = 0;
		c->user.org_id = 0;
		c->identity_later = 1;
	} else if (dispatch_begin(c, 0) == -1)
		return;
	if ((c->identity_later || dispatch_authorise(c) == 0) &&
	    c->route->handler(c) == -1 && c->resp->status == 0)
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
	if (c->resp->status == 0)
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
	PQclear(c->prefetched);
	c->prefetched = NULL;
	/* A request that sent nothing to the committer (refused before)
	 * still counts as the session's activity. */
	if (c->touch_due)
		dispatch_touch(c, c->user.hash);
}

/* Runs the route in its transaction on c->db: the session, identity,
 * role and CSRF, the handler, then COMMIT (or ROLLBACK for an error),
 * unless the handler committed already (app_pipeline_commit). */
static void
dispatch_tx(struct ctx *c)
{
	const struct route *rt = c->route;
	int ok;

	/* Every other route runs in one transaction that commits before the
	 * answer leaves: nothing acknowledged is ever lost, and the identity
	 * set for row-level security ends with it. */
	if ((rt->flags & ROUTE_CACHED) && dispatch_cached(c))
		return;
	if (rt->flags & ROUTE_BATCHED) {
		dispatch_batched(c);
		return;
	}
	if (dispatch_begin(c, rt->prefetch != 0) == -1) {
		/* A transaction may be open; the connection is dropped or
		 * rolled back here. */
		if (c->db->conn != NULL)
			(void)!db_command(c->db, "ROLLBACK");
		return;
	}
	if (dispatch_authorise(c) == 0 && rt->handler(c) == -1 &&
	    c->resp->status == 0)
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
	if (c->resp->status == 0)
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
	PQclear(c->prefetched);
	c->prefetched = NULL;
	if (rt->flags & ROUTE_CACHED) {
		metrics_cached(0);
		if (!c->tx_open)
			dispatch_keep_answer(c);
	}
	if (!c->tx_open)
		return;
	ok = c->resp->status < 400 || c->commit_always;
	if (db_command(c->db, ok ? "COMMIT" : "ROLLBACK") == -1 && ok)
		dispatch_commit_failed(c);
}

/*
 * Whether a request answered on the read connection is to be answered
 * again by the primary: when the read connection failed or the handler
 * asked for it (app_primary), and when a standby's answer is an error that
 * may only mean that it has not yet replayed what the primary has: a
 * session it does not know yet (401 although a token came), a wave it has
 * not seen (404), a submission it has not seen (409).
 */
static int
dispatch_again(struct ctx *c)
{
	char hash[AUTH_HASH_PARAM];
	int st = c->resp->status, again;

	/* What was written on the primary is not written twice. */
	if (c->wrote_primary)
		return 0;
	if (c->retry_primary)
		return 1;
	if (!db_standby(c->db) || c->resp->stream != NULL)
		return 0;
	if (st == 404 || st == 409)
		return 1;
	if (st != 401)
		return 0;
	again = auth_session_param(c, hash);
	memset(&c->user, 0, sizeof(c->user));
	return again;
}

/* Forgets the answer and identity of a first attempt. */
static void
dispatch_reset(struct ctx *c)
{
	PQclear(c->prefetched);
	c->prefetched = NULL;
	resp_free(c->resp);
	resp_init(c->resp);
	memset(&c->user, 0, sizeof(c->user));
	c->commit_always = 0;
	c->tx_open = 0;
	c->retry_primary = 0;
	c->touch_due = 0;
	c->identity_later = 0;
	memset(&c->cache, 0, sizeof(c->cache));
}

void
dispatch(struct ctx *c)
{
	char allow[64];
	const struct route *rt;
	int read;

	rt = router_match(routes, routes_count, c->req, allow, sizeof(allow));
	if (rt == NULL) {
		if (allow[0] != '\0') {
			resp_error(c->resp, 405, "method_not_allowed",
			    "This method is not allowed here.", NULL);
			(void)resp_header(c->resp, "Allow", "%s", allow);
		} else
			resp_error(c->resp, 404, "not_found",
			    "No such resource.", NULL);
		return;
	}
	c->route = rt;
	if (c->primary == NULL)
		c->primary = c->db;
	if (dispatch_body(c) == -1)
		return;
	if (rt->flags & ROUTE_NO_TX) {
		if (rt->handler(c) == -1 && c->resp->status == 0)
			resp_error(
			    c->resp, 500, "internal", "Internal error.", NULL);
		return;
	}

	/* A read-only route goes to the read connection while it is there
	 * (fcgi.c keeps it ready between requests); when it fails, or its
	 * answer may only say that a standby is behind, the primary answers
	 * again, so that a standby never costs an answer. */
	read = (rt->flags & ROUTE_READ) && c->replica != NULL &&
	       c->replica->conn != NULL &&
	       PQstatus(c->replica->conn) == CONNECTION_OK;
	if (read)
		c->db = c->replica;
	dispatch_tx(c);
	if (read && dispatch_again(c)) {
		dispatch_reset(c);
		c->db = c->primary;
		dispatch_tx(c);
	}
	if (rt->flags & ROUTE_READ)
		metrics_read(on_read(c) && db_standby(c->db));
}
