/*
 * anscache.h: a worker's cache of answers it can give again without making
 * them anew: the sessions it checked and the answers of ROUTE_CACHED
 * routes (a benchmark, a response), each with the versions of what it was made
 * from (sql/migrations/011_answer_cache.sql). dispatch.c gives a cached answer
 * only after one plain statement has read those versions as they are now
 * and found them equal; every change that could alter an answer counts a
 * version up in its own transaction, so a cached answer is the one the
 * database would give. Pure: tables in memory, the time passed in.
 */
#ifndef ANSCACHE_H
#define ANSCACHE_H

#include <stddef.h>

/* Slots, in pairs: a key may take either slot of its pair, and a newcomer
 * replaces the one that ends sooner. */
#define ANSCACHE_SESSIONS 2048
#define ANSCACHE_ANSWERS 1024
/* A session is checked in the database again after this many seconds at
 * the latest, which touches it (rg_session_begin() does so at most once a
 * minute), so that a session used only from the cache does not run idle. */
#define ANSCACHE_SESSION_SECONDS 30
/* Entries end this many seconds before their time is up (a session's idle
 * timeout, a wave's close), whatever the clocks of worker and database. */
#define ANSCACHE_MARGIN 2
/* Bodies kept: each at most ANSCACHE_BODY_MAX bytes (a response with
 * long comments is made afresh each time), all together at most
 * ANSCACHE_BYTES (beyond, the answers kept so far are forgotten), so that
 * a worker stays small whatever it serves. */
#define ANSCACHE_BODY_MAX (64 * 1024)
#define ANSCACHE_BYTES (4 * 1024 * 1024)
/* Longest hash parameter and query string kept. */
#define ANSCACHE_HASH_MAX 68
#define ANSCACHE_QUERY_MAX 64

/* A checked session: who it is, the version of its user, and until when
 * it may be taken from here (seconds since 1970). */
struct anscache_session {
	char hash[ANSCACHE_HASH_MAX]; /* the token hash parameter; "" free */
	long long user, org;
	unsigned role;
	long long version;
	long long until;
	int read; /* checked on the read connection */
};

/* The versions an answer was made from: its organisation's and its
 * wave's (which counts the settings too). */
struct anscache_versions {
	long long org, wave;
};

/* An answer of route (its name) for organisation org, wave and query. */
struct anscache_answer {
	const char *route; /* NULL: free */
	long long org, wave;
	char query[ANSCACHE_QUERY_MAX];
	struct anscache_versions v;
	long long until;
	int read;
	char *body;
	size_t len;
};

/* Keeps a checked session until min(until - margin, now + 30 s). */
void anscache_session_put(const char *hash, long long user, unsigned role,
    long long org, long long version, long long until, int read, long long now);

/* The session with this hash, checked on the same kind of connection, if
 * its time is not up; else NULL. */
const struct anscache_session *anscache_session_get(
    const char *hash, int read, long long now);

void anscache_session_drop(const char *hash);

/* Keeps a copy of body (len bytes) until until - margin. Returns 0, or -1
 * when it is not kept (too long a query or body, no memory). */
int anscache_answer_put(const char *route, long long org, long long wave,
    const char *query, const struct anscache_versions *v, long long until,
    int read, const char *body, size_t len, long long now);

const struct anscache_answer *anscache_answer_get(const char *route,
    long long org, long long wave, const char *query, int read, long long now);

void anscache_answer_drop(
    const char *route, long long org, long long wave, const char *query);

/* Forgets everything (a new database connection: it may be another
 * database, restored from a backup, with versions counted anew). */
void anscache_clear(void);

#endif /* ANSCACHE_H */
