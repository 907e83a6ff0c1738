/*
 * snapcache.c: a worker's copy of the peer snapshots (see snapcache.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pgjson.h"
#include "snapcache.h"

static struct snapset *slots[SNAPCACHE_SLOTS];
static size_t next_victim;

static void
set_free(struct snapset *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->count; i++) {
		free(set->snap[i].by);
		free(set->snap[i].value);
		json_decref(set->snap[i].stats);
	}
	free(set->snap);
	free(set);
}

/* The set of snap_wave's rows (res), or NULL when memory ran out. */
static struct snapset *
set_from(const PGresult *res, long long wave)
{
	struct snapset *set = calloc(1, sizeof(*set));
	int r, rows = PQntuples(res);

	if (set == NULL || (set->snap = calloc((size_t)rows + 1,
	                        sizeof(*set->snap))) == NULL) {
		free(set);
		return NULL;
	}
	set->wave = wave;
	set->generation = pgj_ll(res, 0, 0);
	for (r = 0; r < rows; r++) {
		struct snap *s = &set->snap[set->count];

		/* A wave without snapshots: one row, NULL but the number. */
		if (PQgetisnull(res, r, 1))
			continue;
		s->by = strdup(PQgetvalue(res, r, 1));
		s->value = strdup(PQgetvalue(res, r, 2));
		s->stats = pgj_json(res, r, 4);
		set->count++;
		if (s->by == NULL || s->value == NULL) {
			set_free(set);
			return NULL;
		}
		s->n = pgj_ll(res, r, 3);
		s->as_of = pgj_ll(res, r, 5);
		s->final = PQgetvalue(res, r, 6)[0] == 't';
	}
	return set;
}

const struct snapset *
snapcache_get(struct ctx *c, long long wave, long long generation)
{
	char ids[24];
	const char *p[1] = {ids};
	struct snapset *set;
	PGresult *res;
	size_t i, slot = SNAPCACHE_SLOTS;

	for (i = 0; i < SNAPCACHE_SLOTS; i++)
		if (slots[i] != NULL && slots[i]->wave == wave) {
			if (slots[i]->generation == generation)
				return slots[i];
			slot = i;
		}
	snprintf(ids, sizeof(ids), "%lld", wave);
	res = db_exec(c->db, Q_SNAP_WAVE, 1, p);
	if (!db_ok(res) || PQntuples(res) < 1) {
		app_db_fail(c, res, "snapcache: load");
		PQclear(res);
		return NULL;
	}
	set = set_from(res, wave);
	PQclear(res);
	if (set == NULL) {
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		return NULL;
	}
	if (slot == SNAPCACHE_SLOTS)
		slot = next_victim++ % SNAPCACHE_SLOTS;
	set_free(slots[slot]);
	slots[slot] = set;
	return set;
}

const struct snap *
snapcache_find(const struct snapset *set, const char *by, const char *value)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		if (strcmp(set->snap[i].by, by) == 0 &&
		    strcmp(set->snap[i].value, value) == 0)
			return &set->snap[i];
	return NULL;
}
