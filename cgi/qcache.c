/*
 * qcache.c: parsed questionnaires per worker (see qcache.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "jw.h"
#include "log.h"
#include "pgjson.h"
#include "qcache.h"
#include "score.h"

static struct qentry *slots[QCACHE_SLOTS];
static size_t next_victim;

static void
entry_free(struct qentry *e)
{
	size_t d, st;

	if (e == NULL)
		return;
	for (d = 0; d < RG_DIMENSIONS_MAX; d++)
		for (st = 0; st < RG_STAGES; st++)
			free(e->rec[d][st]);
	json_decref(e->json);
	free(e);
}

/* Writes the recommendations' JSON text. Returns 0 or -1 (no memory). */
static int
entry_recommendations(struct qentry *e)
{
	json_t *dims = json_object_get(e->json, "dimensions");
	size_t d, st;

	for (d = 0; d < e->def.ndims; d++)
		for (st = 0; st < RG_STAGES; st++) {
			const json_t *t = json_object_get(
			    json_object_get(
			        json_array_get(dims, d), "recommendations"),
			    score_stage_id((int)st));
			struct buf b = {0};

			if (jw_json(&b, t) == -1) {
				buf_free(&b);
				return -1;
			}
			e->rec[d][st] = b.data;
		}
	return 0;
}

/* The cached entry of questionnaire id, or NULL. */
static const struct qentry *
entry_find(long long id)
{
	size_t i;

	for (i = 0; i < QCACHE_SLOTS; i++)
		if (slots[i] != NULL && slots[i]->id == id)
			return slots[i];
	return NULL;
}

/* Makes and keeps the entry of questionnaire id from the one row of
 * questionnaire_get (res, borrowed). NULL (logged) when the definition no
 * longer validates or memory ran out. */
static const struct qentry *
entry_keep(long long id, const PGresult *res)
{
	struct problems ps = {.count = 0};
	struct qentry *e;
	size_t i;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->id = id;
	e->json = pgj_json(res, 0, 1);
	/* Stored definitions were validated on the way in; one that fails
	 * now means the validator changed, which the operator must hear. */
	if (questionnaire_validate(e->json, &e->def, &ps) == -1) {
		log_error("qcache: questionnaire %lld no longer validates: "
		          "%s %s",
		    id, ps.count ? ps.item[0].path : "",
		    ps.count ? ps.item[0].problem : "");
		entry_free(e);
		return NULL;
	}
	if (entry_recommendations(e) == -1) {
		entry_free(e);
		return NULL;
	}
	i = next_victim++ % QCACHE_SLOTS;
	entry_free(slots[i]);
	slots[i] = e;
	return e;
}

int
qcache_load(
    struct db *db, long long id, const struct qentry **out, PGresult **failed)
{
	char ids[24];
	const char *p[1] = {ids};
	PGresult *res;

	*failed = NULL;
	if ((*out = entry_find(id)) != NULL)
		return 0;
	snprintf(ids, sizeof(ids), "%lld", id);
	res = db_exec(db, Q_QUESTIONNAIRE_GET, 1, p);
	if (!db_ok(res)) {
		*failed = res;
		return -1;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		return 404;
	}
	*out = entry_keep(id, res);
	PQclear(res);
	return *out != NULL ? 0 : 500;
}

const struct qentry *
qcache_get(struct ctx *c, long long id)
{
	const struct qentry *e;
	PGresult *res;

	switch (qcache_load(c->db, id, &e, &res)) {
	case 0: return e;
	case 404:
		resp_error(
		    c->resp, 404, "not_found", "No such resource.", NULL);
		break;
	case -1:
		app_db_fail(c, res, "qcache: load");
		PQclear(res);
		break;
	default: resp_error(c->resp, 500, "internal", "Internal error.", NULL);
	}
	return NULL;
}
