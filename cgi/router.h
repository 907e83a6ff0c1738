/*
 * router.h: matching a method and path against the route table. Pure.
 */
#ifndef ROUTER_H
#define ROUTER_H

#include "req.h"

struct ctx;

/* Who may call a route: a set of roles, or ROUTE_PUBLIC for anyone. */
enum role_bit {
	ROLE_RESPONDENT = 1u << 0,
	ROLE_COORDINATOR = 1u << 1,
	ROLE_RESEARCHER = 1u << 2,
	ROLE_ADMIN = 1u << 3,
};
#define ROUTE_PUBLIC 0u
#define ROLES_SIGNED_IN                                                        \
	(ROLE_RESPONDENT | ROLE_COORDINATOR | ROLE_RESEARCHER | ROLE_ADMIN)

struct route {
	enum http_method method;
	/* "/api/v1/waves/{id}/response": {id} matches a positive integer. */
	const char *pattern;
	int (*handler)(struct ctx *);
	unsigned roles;
	const char *name; /* stable route name for logs and metrics */
	unsigned flags;   /* ROUTE_* below */
	/* A route may name the statement its handler starts with (1 + the
	 * enum query of sql/queries, 0 for none; its one parameter is the
	 * path's first {id}, if any): dispatch then sends it together with
	 * the session check, so that a GET is one round trip to the database
	 * and a write saves one (dispatch_begin). */
	int prefetch;
};

/* The prefetch field's value for statement q. */
#define PREFETCH(q) ((q) + 1)

/* The handler manages the database itself (health: no transaction). */
#define ROUTE_NO_TX 1u
/* The transaction is REPEATABLE READ: every statement of the handler sees
 * one snapshot (research exports count rows, then stream them). */
#define ROUTE_SNAPSHOT 2u
/* The route only reads: with REIFEGRAD_READ_DATABASE_URL set, dispatch
 * answers it on the read connection (a hot standby), falling back to the
 * primary (dispatch.c). */
#define ROUTE_READ 4u
/* The answer depends only on the caller's organisation, the wave of the
 * first {id}, the query string and the settings, and the handler may keep
 * it (anscache.h): dispatch gives it again while none of them changed. */
#define ROUTE_CACHED 8u
/* The handler saves through the committer (committer.h) and opens no
 * transaction: dispatch takes the identity from the worker's session cache
 * (the committer's call checks the session again) or checks the session in
 * a statement of its own. */
#define ROUTE_BATCHED 16u
/* With ROUTE_BATCHED: the committer's call checks the session in the
 * transaction that writes, and answers 401 or 403 itself. When the
 * worker's cache does not hold the session (and CSRF holds), dispatch
 * leaves the identity to it rather than check the session first: the
 * handler calls app_identify() before it answers anything else (an
 * invalid body), so that the order of the errors stays API.md's. */
#define ROUTE_COMMITTER_AUTH 32u

/*
 * Finds the route for r's method and path in table[0..n). On a match
 * returns it and stores the {id} values in r->param. When the path matches
 * but not the method, returns NULL and writes the allowed methods
 * ("GET, PUT") into allow; when nothing matches, returns NULL with allow
 * empty. HEAD is answered by a GET route.
 */
const struct route *router_match(const struct route *table, size_t n,
    struct req *r, char *allow, size_t allowsz);

#endif /* ROUTER_H */
