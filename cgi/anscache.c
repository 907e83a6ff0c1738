/*
 * anscache.c: the tables of anscache.h, two-way set-associative by an
 * FNV-1a hash of the key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "anscache.h"

static struct anscache_session sessions[ANSCACHE_SESSIONS];
static struct anscache_answer answers[ANSCACHE_ANSWERS];
/* Whether anything was kept since the last clear (which then touches no
 * page of the tables, so that a worker at rest stays small). */
static int kept;
/* Bytes of the bodies kept. */
static size_t bytes;

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0)
		h = (h ^ *s++) * 1099511628211u;
	return h;
}

/* The pair of slots of a key: [0] and [1]. */
static size_t
pair(uint64_t h, size_t slots)
{
	return (size_t)(h % (slots / 2)) * 2;
}

/* The slot holding hash, or for a newcomer the free or sooner-ending one
 * of its pair. */
static struct anscache_session *
session_slot(const char *hash)
{
	struct anscache_session *s = &sessions[pair(
	    fnv(14695981039346656037u, hash, strlen(hash)), ANSCACHE_SESSIONS)];

	if (strcmp(s[1].hash, hash) == 0)
		return &s[1];
	if (strcmp(s[0].hash, hash) == 0 || s[0].hash[0] == '\0')
		return &s[0];
	if (s[1].hash[0] == '\0' || s[1].until < s[0].until)
		return &s[1];
	return &s[0];
}

void
anscache_session_put(const char *hash, long long user, unsigned role,
    long long org, long long version, long long until, int read, long long now)
{
	struct anscache_session *s;
	size_t len = strlen(hash);

	if (len == 0 || len >= sizeof(s->hash))
		return;
	s = session_slot(hash);
	kept = 1;
	memcpy(s->hash, hash, len + 1);
	s->user = user;
	s->role = role;
	s->org = org;
	s->version = version;
	s->until = until - ANSCACHE_MARGIN;
	if (s->until > now + ANSCACHE_SESSION_SECONDS)
		s->until = now + ANSCACHE_SESSION_SECONDS;
	s->read = read;
}

const struct anscache_session *
anscache_session_get(const char *hash, int read, long long now)
{
	struct anscache_session *s = session_slot(hash);

	if (hash[0] == '\0' || strcmp(s->hash, hash) != 0)
		return NULL;
	if (s->read != read || now >= s->until) {
		s->hash[0] = '\0';
		return NULL;
	}
	return s;
}

void
anscache_session_drop(const char *hash)
{
	struct anscache_session *s = session_slot(hash);

	if (strcmp(s->hash, hash) == 0)
		s->hash[0] = '\0';
}

static int
answer_is(const struct anscache_answer *a, const char *route, long long org,
    long long wave, const char *query)
{
	return a->route != NULL && strcmp(a->route, route) == 0 &&
	       a->org == org && a->wave == wave && strcmp(a->query, query) == 0;
}

/* As session_slot, for answers. */
static struct anscache_answer *
answer_slot(const char *route, long long org, long long wave, const char *query)
{
	uint64_t h = 14695981039346656037u;
	struct anscache_answer *a;

	h = fnv(h, route, strlen(route));
	h = fnv(h, &org, sizeof(org));
	h = fnv(h, &wave, sizeof(wave));
	h = fnv(h, query, strlen(query));
	a = &answers[pair(h, ANSCACHE_ANSWERS)];
	if (answer_is(&a[1], route, org, wave, query))
		return &a[1];
	if (answer_is(&a[0], route, org, wave, query) || a[0].route == NULL)
		return &a[0];
	if (a[1].route == NULL || a[1].until < a[0].until)
		return &a[1];
	return &a[0];
}

static void
answer_free(struct anscache_answer *a)
{
	bytes -= a->len;
	free(a->body);
	memset(a, 0, sizeof(*a));
}

static void
answers_clear(void)
{
	size_t i;

	for (i = 0; i < ANSCACHE_ANSWERS; i++)
		answer_free(&answers[i]);
}

int
anscache_answer_put(const char *route, long long org, long long wave,
    const char *query, const struct anscache_versions *v, long long until,
    int read, const char *body, size_t len, long long now)
{
	struct anscache_answer *a;
	size_t qlen = strlen(query);
	char *copy;

	if (qlen >= sizeof(a->query) || until - ANSCACHE_MARGIN <= now ||
	    len > ANSCACHE_BODY_MAX)
		return -1;
	if ((copy = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(copy, body, len);
	a = answer_slot(route, org, wave, query);
	answer_free(a);
	if (bytes + len > ANSCACHE_BYTES)
		answers_clear();
	kept = 1;
	bytes += len;
	a->route = route;
	a->org = org;
	a->wave = wave;
	memcpy(a->query, query, qlen + 1);
	a->v = *v;
	a->until = until - ANSCACHE_MARGIN;
	a->read = read;
	a->body = copy;
	a->len = len;
	return 0;
}

const struct anscache_answer *
anscache_answer_get(const char *route, long long org, long long wave,
    const char *query, int read, long long now)
{
	struct anscache_answer *a = answer_slot(route, org, wave, query);

	if (!answer_is(a, route, org, wave, query))
		return NULL;
	if (a->read != read || now >= a->until) {
		answer_free(a);
		return NULL;
	}
	return a;
}

void
anscache_answer_drop(
    const char *route, long long org, long long wave, const char *query)
{
	struct anscache_answer *a = answer_slot(route, org, wave, query);

	if (answer_is(a, route, org, wave, query))
		answer_free(a);
}

void
anscache_clear(void)
{
	if (!kept)
		return;
	kept = 0;
	answers_clear();
	memset(sessions, 0, sizeof(sessions));
}
