/*
 * h_questionnaire.c: GET /questionnaires, GET /questionnaires/{id},
 * POST /questionnaires (admin: validate and store a definition).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "handlers.h"
#include "list.h"
#include "pgjson.h"
#include "qcache.h"
#include "qdigest.h"

/* A questionnaire as the list shows it (questionnaire_list's columns). */
static json_t *
questionnaire_row_json(const PGresult *res, int row)
{
	return json_pack("{s:o, s:o, s:o, s:o}", "id", pgj_int(res, row, 0),
	    "slug", pgj_str(res, row, 1), "version", pgj_int(res, row, 2),
	    "title", pgj_json(res, row, 3));
}

/*
 * GET /questionnaires: by slug (byte order) and version, a page of limit
 * at a time; the cursor holds the version and slug of the last row shown.
 * 400 for a bad limit or cursor.
 */
int
h_questionnaire_list(struct ctx *c)
{
	char slug[LIST_CURSOR_KEY_MAX + 1], version[24];
	const char *p[3] = {NULL};
	struct problems ps = {.count = 0};
	long long limit, v;
	PGresult *res;

	if (list_cursor_get(c, &v, slug, sizeof(slug), &ps) == 1) {
		if (v > INT32_MAX)
			problems_add(&ps, "cursor", "is not a cursor of ours");
		snprintf(version, sizeof(version), "%lld", v);
		p[0] = slug;
		p[1] = version;
	}
	if ((res = list_fetch(c, Q_QUESTIONNAIRE_LIST, 3, p, &limit, &ps)) ==
	    NULL)
		return 0;
	return list_reply(c, res, limit, questionnaire_row_json, 2, 1);
}

int
h_questionnaire_get(struct ctx *c)
{
	const struct qentry *q;
	json_t *def;

	if ((q = qcache_get(c, c->req->param[0])) == NULL)
		return 0;
	def = json_deep_copy(q->json);
	json_object_set_new(def, "id", json_integer(q->id));
	return resp_json(c->resp, 200, def);
}

/*
 * Stores a validated definition. Answers 201 with its id, 200 when the very
 * same definition is there already, 409 when another one has this slug and
 * version (a stored questionnaire never changes).
 */
int
questionnaire_store(struct ctx *c, const json_t *def, const struct qdef *q)
{
	char version[16], digest[QDIGEST_PARAM];
	char *title = NULL, *text = NULL;
	const char *p[5];
	PGresult *res = NULL;
	int rc = -1, tries;

	snprintf(version, sizeof(version), "%d", q->version);
	title = json_dumps(json_object_get(def, "title"), JSON_COMPACT);
	text = json_dumps(def, JSON_COMPACT);
	if (title == NULL || text == NULL || qdigest_param(def, digest)) {
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		goto out;
	}
	p[0] = q->slug;
	p[1] = version;
	p[2] = title;
	p[3] = text;
	p[4] = digest;
	/* When another request stores this slug and version at the same
	 * time, ours waits for it and then inserts nothing, yet cannot see
	 * its row either (our snapshot is older): no row at all. A second
	 * statement has a fresh snapshot and finds it. */
	for (tries = 0; tries < 2; tries++) {
		PQclear(res);
		res = db_exec(c->db, Q_QUESTIONNAIRE_INSERT, 5, p);
		if (!db_ok(res) || PQntuples(res) != 0)
			break;
	}
	if (!db_ok(res) || PQntuples(res) != 1) {
		app_db_fail(c, res, "questionnaires: insert");
		goto out;
	}
	if (PQgetvalue(res, 0, 2)[0] != 't') {
		resp_error(c->resp, 409, "conflict",
		    "Another questionnaire has this slug and version; a stored "
		    "questionnaire never changes, so raise the version.",
		    NULL);
		rc = 0;
		goto out;
	}
	rc = resp_json(c->resp, PQgetvalue(res, 0, 1)[0] == 't' ? 201 : 200,
	    json_pack("{s:o, s:s, s:i}", "id", pgj_int(res, 0, 0), "slug",
	        q->slug, "version", q->version));
out:
	free(title);
	free(text);
	PQclear(res);
	return rc;
}

int
h_questionnaire_create(struct ctx *c)
{
	struct problems ps = {.count = 0};
	struct qdef *q;
	int rc;

	if ((q = malloc(sizeof(*q))) == NULL) {
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		return 0;
	}
	if (questionnaire_validate(c->body, q, &ps) == -1) {
		app_invalid(c, &ps);
		free(q);
		return 0;
	}
	rc = questionnaire_store(c, c->body, q);
	free(q);
	return rc;
}
