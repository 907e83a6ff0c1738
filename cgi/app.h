/*
 * app.h: what a handler gets: the parsed request, the answer to fill, the
 * database, and who is asking. Handlers are named h_<group>_<action> and
 * live in h_<group>.c; they never touch FastCGI.
 */
#ifndef APP_H
#define APP_H

#include <jansson.h>

#include "anscache.h"
#include "db.h"
#include "req.h"
#include "resp.h"
#include "router.h"
#include "valid.h"

/* The signed-in user of a request; id 0 when nobody is signed in. */
struct user {
	long long id;
	unsigned role;    /* one ROLE_* bit */
	long long org_id; /* 0 when the user belongs to no organisation */
	int via_cookie;   /* authenticated by the cookie (CSRF applies) */
	char token[RG_TOKEN_TEXT_MAX + 1]; /* the session token */
	char hash[RG_TOKEN_HASH_PARAM];    /* its hash parameter */
};

struct ctx {
	struct req *req;
	struct resp *resp;
	struct db *db;
	struct user user;
	json_t *body; /* the parsed JSON body, or NULL */
	const struct route *route;
	/* Commit the transaction even though the answer is an error (failed
	 * sign-ins must count). */
	int commit_always;
	/* The result of the route's prefetch statement (owned), and whether a
	 * transaction is open (prefetching GET routes commit at once; a
	 * handler may commit early with app_pipeline_commit). */
	PGresult *prefetched;
	int tx_open;
	/* The worker's connection to the primary, and its read connection
	 * (NULL unless REIFEGRAD_READ_DATABASE_URL is set). db is the one
	 * the request uses: the read connection for a ROUTE_READ route while
	 * it is there, else the primary's (dispatch.c). */
	struct db *primary;
	struct db *replica;
	/* Set when the request, tried on the read connection, is to be
	 * answered by the primary after all (app_primary); and when it wrote
	 * on the primary (app_write), after which it is not tried again. */
	int retry_primary;
	int wrote_primary;
	/* A ROUTE_BATCHED request whose session is due a touch that its
	 * check did not give; a handler that hands a write to the committer
	 * (which touches) clears it, else dispatch gives it afterwards. */
	int touch_due;
	/* A ROUTE_COMMITTER_AUTH request whose session is left to the
	 * committer: user.token and user.hash are the request's, user.id is
	 * 0 until app_identify() or the committer's answer. */
	int identity_later;
	/* A ROUTE_CACHED handler sets keep when its answer may be kept, with
	 * the versions it was made from and until when it holds (seconds
	 * since 1970); dispatch keeps it (anscache.h). */
	struct {
		int keep;
		struct anscache_versions v;
		long long until;
	} cache;
};

/* The route table (routes.c) and its length. */
extern const struct route routes[];
extern const size_t routes_count;

/*
 * Answers one request: routing (404/405), body checks (415, 400), the
 * database's readiness (503), authentication and roles (401/403), CSRF,
 * then the handler. Always leaves a complete answer in c->resp.
 */
void dispatch(struct ctx *c);

/* Sets a 503 "unavailable" answer with Retry-After. */
void app_unavailable(struct ctx *c);

/*
 * The result of statement q: the prefetched one when dispatch fetched it
 * with the session check (ownership passes to the caller; a GET's
 * transaction has ended then, any other method's is open), else it runs q
 * now with n values. NULL when the connection failed.
 */
PGresult *app_query(
    struct ctx *c, enum query q, int n, const char *const *values);

/*
 * Makes sure the request has an open transaction with its identity set
 * (prefetching GET routes close theirs early, and so does
 * app_pipeline_commit). Returns 0, or -1 with the answer set.
 */
int app_tx(struct ctx *c);

/*
 * Runs the n calls and then COMMIT in one pipeline, that is, in one round
 * trip: for a handler whose last statements are known at once (what it
 * needs to answer in every outcome among them). The request's transaction
 * is opened first if it is not open. Each call's result goes to out[i]
 * (the caller PQclear()s them). Returns 0 when COMMIT succeeded: the
 * transaction is closed then, dispatch does not commit again, and the
 * handler runs no further statement. Returns -1 with an error answer set
 * otherwise (dispatch then rolls back): the first failed call's as
 * app_db_fail() sets it (what names the handler in the log), 503 when the
 * connection went away (whether COMMIT got through is unknown), 500 when
 * COMMIT alone failed. n < DB_PIPELINE_MAX. For routes that write, which
 * never run on the read connection.
 */
int app_pipeline_commit(struct ctx *c, size_t n, const struct db_call *calls,
    PGresult **out, const char *what) RG_WUR;

/*
 * For a ROUTE_READ handler that finds it must write (which a standby
 * refuses): dispatch answers the request again on the primary. Sets a 503
 * answer in case that cannot happen; the handler returns at once.
 */
void app_primary(struct ctx *c);

/*
 * Runs statement q, which writes, for a ROUTE_READ handler (an export's
 * audit entry): like db_exec in the request's transaction, except on a
 * hot standby, where it runs on the primary in a transaction of its own
 * (session_begin and q in one pipeline, so the identity holds for q),
 * committed when it returns. NULL when the primary is not reachable or the
 * session has ended meanwhile.
 */
PGresult *app_write(
    struct ctx *c, enum query q, int n, const char *const *values);

/*
 * Runs q with the request's identity when no transaction holds it (a
 * ROUTE_BATCHED handler): the session check and q in one round trip, an
 * implicit transaction of their own. Returns q's result (the caller
 * clears it), or NULL when the session has ended or the database failed.
 */
PGresult *app_read(
    struct ctx *c, enum query q, int n, const char *const *values);

/*
 * For a ROUTE_CACHED handler: lets dispatch keep the answer until until
 * (seconds since 1970), made from the versions in columns col (the
 * organisation's) and col + 1 (the wave's) of res's first row, which the
 * handler's statement read along with the data.
 */
void app_keep(struct ctx *c, const PGresult *res, int col, long long until);

/*
 * For a ROUTE_COMMITTER_AUTH handler that answers before the committer
 * checked the session: checks it now, with the route's role and CSRF, as
 * dispatch does first for every other route. Returns 0 to go on, or -1
 * with the answer (401, 403, 503) set.
 */
int app_identify(struct ctx *c);

/* Sets a 422 "invalid" answer with the problems as details. */
void app_invalid(struct ctx *c, const struct problems *ps);

/* Sets the answer for a failed database result (NULL: connection lost). */
void app_db_fail(struct ctx *c, const PGresult *res, const char *what);

#endif /* APP_H */
