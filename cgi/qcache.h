/*
 * qcache.h: a worker's cache of parsed questionnaires. Questionnaires are
 * immutable once stored, so a parsed copy never goes stale; caching saves
 * reading and validating ~140 KB of JSON on every autosave.
 */
#ifndef QCACHE_H
#define QCACHE_H

#include "app.h"
#include "questionnaire.h"

/* Questionnaires kept per worker; a network runs a handful. */
#define QCACHE_SLOTS 16

struct qentry {
	long long id;
	struct qdef def;
	json_t *json; /* the definition as stored */
	/* rec[d][s]: the recommendation of dimension d for stage s as JSON
	 * text ({"de": ..., "en": ...}, escaped once here, or null), for the
	 * benchmark. */
	char *rec[RG_DIMENSIONS_MAX][RG_STAGES];
};

/*
 * The questionnaire id, from the cache or loaded from the database.
 * Returns NULL with an error answer set when it cannot be had (404 when
 * there is no such questionnaire).
 */
const struct qentry *qcache_get(struct ctx *c, long long id);

/*
 * The same on db, for a process without requests (the committer), into
 * *out. Returns 0; 404 when there is no such questionnaire; 500 when its
 * stored definition no longer validates (logged) or memory ran out; or -1
 * when the database failed, with *failed its result (NULL when the
 * connection is gone) for db_status_of(), to be PQclear()ed.
 */
int qcache_load(struct db *db, long long id, const struct qentry **out,
    PGresult **failed) RG_WUR;

#endif /* QCACHE_H */
