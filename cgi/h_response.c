/*
 * h_response.c: a municipality's response to a wave (API.md "A
 * municipality's response"): GET, PUT (autosave, merging), submit, and the
 * coordinators' reopen.
 *
 * Colleagues of one municipality share one response. Every save names the
 * revision it builds on; a save on an older revision gets 409
 * stale_revision with the current one, so nobody overwrites a colleague
 * unseen. A save is one statement on one row.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "handlers.h"
#include "jsonv.h"
#include "jw.h"
#include "log.h"
#include "pgjson.h"
#include "qcache.h"
#include "score.h"
#include "snapshot.h"

/* Answers 409 with the response's current revision. */
static void
response_conflict(
    struct ctx *c, const char *code, const char *message, long long revision)
{
	json_t *o;

	resp_error(c->resp, 409, code, message, NULL);
	/* Add "revision" beside the error so that a client can refetch. */
	o = json_loadb(c->resp->body.data, c->resp->body.len, 0, NULL);
	if (o != NULL) {
		json_object_set_new(json_object_get(o, "error"), "revision",
		    json_integer(revision));
		(void)resp_json(c->resp, 409, o);
		c->resp->error_code = code;
	}
}

/* The number of items of questionnaire q: progress' total. */
static size_t
items_total(const struct qdef *q)
{
	size_t d, n = 0;

	for (d = 0; d < q->ndims; d++)
		n += q->dim[d].nitems;
	return n;
}

/*
 * Appends "progress":{...} of API.md. answered is the response row's
 * count (response_save keeps it as questionnaire_progress() counts: items
 * with a level or na = true; answers hold items of q only). 0 or -1.
 */
static int
progress_write(struct buf *b, long long answered, const struct qdef *q)
{
	if (buf_puts(b, "\"progress\":{\"answered\":") == -1 ||
	    jw_int(b, answered) == -1 || buf_puts(b, ",\"total\":") == -1 ||
	    jw_int(b, (long long)items_total(q)) == -1)
		return -1;
	return buf_puts(b, "}");
}

/* Appends text field col of row 0 as a JSON string, null for SQL NULL. */
static int
field_write(struct buf *b, const PGresult *res, int col)
{
	if (PQgetisnull(res, 0, col))
		return buf_puts(b, "null");
	return jw_str(b, PQgetvalue(res, 0, col));
}

/*
 * Completes an answer whose JSON text the handler wrote into c->resp->body
 * (written is what the writing returned): status and content type as
 * resp_json() sets them, or a 500 when writing failed. Returns 0 or -1.
 */
static int
response_written(struct ctx *c, int status, int written)
{
	if (written == -1) {
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		return -1;
	}
	c->resp->status = status;
	c->resp->content_type = "application/json; charset=utf-8";
	return 0;
}

/* The scores object of API.md from computed scores. */
json_t *
scores_json(const struct qdef *q, const struct scores *s)
{
	json_t *dims = json_object();
	size_t i;

	for (i = 0; i < q->ndims; i++)
		json_object_set_new(dims, q->dim[i].id,
		    s->has_dim[i] ? json_real(s->dim[i]) : json_null());
	return json_pack("{s:o, s:o, s:o}", "overall",
	    s->has_overall ? json_real(s->overall) : json_null(), "stage",
	    s->stage >= 0 ? json_string(score_stage_id(s->stage)) : json_null(),
	    "dimensions", dims);
}

/* Sets a wave-state error for a write when the wave is not open.
 * Returns 1 when it did. */
static int
wave_not_open(struct ctx *c, const char *state, long long revision)
{
	if (strcmp(state, "open") == 0)
		return 0;
	response_conflict(c, "wave_closed",
	    strcmp(state, "planned") == 0 ? "This wave is not open yet."
	                                  : "This wave is closed.",
	    revision);
	return 1;
}

/*
 * Counts a reopening of organisation org in the peer groups of wave (its
 * ranks go at once) and renews the snapshots that have seen k changes
 * (same transaction). Returns 0, or -1 with the answer set: 503 when the
 * database went away meanwhile (nothing is stored then), else 500.
 */
static int
benchmark_touch(struct ctx *c, const char *wave, long long org, int reopened)
{
	char org_s[24], err[512];

	snprintf(org_s, sizeof(org_s), "%lld", org);
	if (snapshot_touch(
	        c->db->conn, wave, org_s, reopened, err, sizeof(err)) == -1) {
		log_error("%s", err);
		if (PQstatus(c->db->conn) != CONNECTION_OK)
			app_unavailable(c);
		else
			resp_error(
			    c->resp, 500, "internal", "Internal error.", NULL);
		return -1;
	}
	return 0;
}

/*
 * Answers a write that found no row to change although the checks before
 * it passed: a colleague's save or submit got in between, and has committed
 * by now. res is the response read again after the write (response_context)
 * and answers as the checks would have: 409 already_submitted or
 * stale_revision with the current revision, or, for a submit of the very
 * revision a colleague has just submitted, 200 with its scores. Returns 0,
 * or -1 with the answer set when the reading failed.
 */
static int
response_race_answer(
    struct ctx *c, const PGresult *res, long long rev, int submitting)
{
	long long cur;

	if (!db_ok(res) || PQntuples(res) != 1) {
		app_db_fail(c, res, "response: read again");
		return -1;
	}
	cur = pgj_ll(res, 0, 2);
	if (strcmp(PQgetvalue(res, 0, 3), "submitted") != 0)
		response_conflict(c, "stale_revision",
		    "Someone saved in between; fetch the current answers.",
		    cur);
	else if (submitting && !PQgetisnull(res, 0, 4) &&
	         pgj_ll(res, 0, 4) == rev)
		return resp_json(c->resp, 200,
		    json_pack("{s:s, s:o}", "state", "submitted", "scores",
		        pgj_json(res, 0, 5)));
	else
		response_conflict(c, "already_submitted",
		    "This response was submitted; a coordinator can reopen it.",
		    cur);
	return 0;
}

/*
 * response_race_answer() after a write that found no row to change and has
 * committed (nothing): reads the response again in a transaction of its
 * own, which sees what the colleague committed. A lost race is rare; the
 * writes that win pay no re-read.
 */
static int
response_lost_race(
    struct ctx *c, const char *wave, long long rev, int submitting)
{
	const char *p[1] = {wave};
	PGresult *res;
	int rc;

	if (app_tx(c) == -1)
		return -1;
	res = db_exec(c->db, Q_RESPONSE_CONTEXT, 1, p);
	rc = response_race_answer(c, res, rev, submitting);
	PQclear(res);
	return rc;
}

/* Writes GET's answer from response_get's row (res) into b. 0 or -1. */
static int
response_get_write(
    struct buf *b, const PGresult *res, long long wave, const struct qdef *q)
{
	/* The answers as PostgreSQL wrote the jsonb: valid JSON, and only
	 * integers, booleans and strings in it, which parsing and writing
	 * again would not change. */
	if (buf_puts(b, "{\"wave\":") == -1 || jw_int(b, wave) == -1 ||
	    buf_puts(b, ",\"state\":") == -1 || field_write(b, res, 2) == -1 ||
	    buf_puts(b, ",\"revision\":") == -1 ||
	    jw_int(b, pgj_ll(res, 0, 3)) == -1 ||
	    buf_puts(b, ",\"answers\":") == -1 ||
	    buf_append(b, PQgetvalue(res, 0, 4),
	        (size_t)PQgetlength(res, 0, 4)) == -1 ||
	    buf_puts(b, ",") == -1 ||
	    progress_write(b, pgj_ll(res, 0, 9), q) == -1 ||
	    buf_puts(b, ",\"updated_at\":") == -1 ||
	    field_write(b, res, 5) == -1 ||
	    buf_puts(b, ",\"updated_by\":") == -1 ||
	    field_write(b, res, 6) == -1)
		return -1;
	/* Scores were stored with 17 digits: jw_json_text writes them as
	 * resp_json() would. */
	if (!PQgetisnull(res, 0, 7) &&
	    (buf_puts(b, ",\"scores\":") == -1 ||
	        jw_json_text(b, PQgetvalue(res, 0, 7)) == -1))
		return -1;
	return buf_puts(b, "}");
}

/*
 * The hot read of every page of the questionnaire: one round trip (the
 * statement is prefetched with the session check), and the answer written
 * straight from the row's text, without parsing the answers.
 */
int
h_response_get(struct ctx *c)
{
	char wave[24];
	const char *p[1] = {wave};
	const struct qentry *q;
	PGresult *res;
	int rc;

	snprintf(wave, sizeof(wave), "%lld", c->req->param[0]);
	res = app_query(c, Q_RESPONSE_GET, 1, p);
	if (!db_ok(res)) {
		app_db_fail(c, res, "response: get");
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		resp_error(c->resp, 404, "not_found", "No such wave.", NULL);
		return 0;
	}
	if ((q = qcache_get(c, pgj_ll(res, 0, 0))) == NULL) {
		PQclear(res);
		return -1;
	}
	buf_reset(&c->resp->body);
	rc = response_written(c, 200,
	    response_get_write(&c->resp->body, res, c->req->param[0], &q->def));
	/* Nothing of the answer changes with time alone (the wave's state is
	 * not in it): dispatch may keep it while the versions hold. */
	app_keep(c, res, 10, LLONG_MAX / 2);
	PQclear(res);
	return rc;
}

/*
 * Splits a validated patch into the keys to remove (null values, and
 * answers left empty) and the normalised answers to set (null members and
 * empty comments dropped, na only when true).
 */
static void
patch_split(const json_t *patch, json_t *remove, json_t *set)
{
	const char *key;
	json_t *val;

	json_object_foreach ((json_t *)patch, key, val) {
		json_t *a, *v;

		if (json_is_null(val)) {
			json_array_append_new(remove, json_string(key));
			continue;
		}
		a = json_object();
		if ((v = json_object_get(val, "level")) && json_is_integer(v))
			json_object_set(a, "level", v);
		if ((v = json_object_get(val, "target")) && json_is_integer(v))
			json_object_set(a, "target", v);
		if ((v = json_object_get(val, "na")) && json_is_true(v))
			json_object_set(a, "na", v);
		if ((v = json_object_get(val, "comment")) &&
		    json_is_string(v) && json_string_length(v) > 0)
			json_object_set(a, "comment", v);
		if (json_object_size(a) == 0) {
			json_decref(a);
			json_array_append_new(remove, json_string(key));
		} else {
			/* Replace, not merge: remove first, then set. */
			json_array_append_new(remove, json_string(key));
			json_object_set_new(set, key, a);
		}
	}
}

/* Writes PUT's answer from response_save's row (res) into b. 0 or -1. */
static int
response_put_write(struct buf *b, const PGresult *res, const struct qdef *q)
{
	if (buf_puts(b, "{\"revision\":") == -1 ||
	    jw_int(b, pgj_ll(res, 0, 0)) == -1 || buf_puts(b, ",") == -1 ||
	    progress_write(b, pgj_ll(res, 0, 1), q) == -1)
		return -1;
	return buf_puts(b, "}");
}

/*
 * The autosave: two round trips. The response's context comes with the
 * session check (the route's prefetch); the save, the context read again
 * (for when a colleague got in between) and COMMIT go in one pipeline.
 */
int
h_response_put(struct ctx *c)
{
	static const char *const keys[] = {"revision", "answers", NULL};
	struct problems ps = {.count = 0};
	char wave[24], rev_s[24];
	const char *p[4];
	const struct qentry *q;
	long long rev = 0, cur;
	json_t *patch = NULL, *remove = NULL, *set = NULL;
	char *remove_s = NULL, *set_s = NULL;
	struct db_call calls[1];
	PGresult *res = NULL, *out[1] = {NULL};
	int rc = -1;

	if (jv_object(c->body, "", keys, &ps) == 0) {
		(void)jv_int(
		    c->body, "revision", JV_REQUIRED, 0, INT32_MAX, &rev, &ps);
		patch = json_object_get(c->body, "answers");
		if (patch == NULL)
			problems_add(&ps, "/answers", "is required");
		else if (!json_is_object(patch))
			problems_add(&ps, "/answers", "must be an object");
	}
	if (ps.count > 0) {
		app_invalid(c, &ps);
		return 0;
	}
	snprintf(wave, sizeof(wave), "%lld", c->req->param[0]);
	p[0] = wave;
	res = app_query(c, Q_RESPONSE_CONTEXT, 1, p);
	if (!db_ok(res)) {
		app_db_fail(c, res, "response: save");
		goto out;
	}
	if (PQntuples(res) != 1) {
		resp_error(c->resp, 404, "not_found", "No such wave.", NULL);
		rc = 0;
		goto out;
	}
	cur = pgj_ll(res, 0, 2);
	if (wave_not_open(c, PQgetvalue(res, 0, 1), cur)) {
		rc = 0;
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 3), "submitted") == 0) {
		response_conflict(c, "already_submitted",
		    "This response was submitted; a coordinator can reopen it.",
		    cur);
		rc = 0;
		goto out;
	}
	if (cur != rev) {
		response_conflict(c, "stale_revision",
		    "Someone saved in between; fetch the current answers.",
		    cur);
		rc = 0;
		goto out;
	}
	if ((q = qcache_get(c, pgj_ll(res, 0, 0))) == NULL)
		goto out;
	PQclear(res);
	res = NULL;
	if (questionnaire_validate_answers(&q->def, patch, &ps) == -1) {
		app_invalid(c, &ps);
		rc = 0;
		goto out;
	}
	remove = json_array();
	set = json_object();
	patch_split(patch, remove, set);
	remove_s = json_dumps(remove, JSON_COMPACT);
	set_s = json_dumps(set, JSON_COMPACT);
	if (remove_s == NULL || set_s == NULL) {
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		goto out;
	}
	snprintf(rev_s, sizeof(rev_s), "%lld", rev);
	p[1] = rev_s;
	p[2] = remove_s;
	p[3] = set_s;
	/* The save and COMMIT in one round trip. */
	calls[0] = (struct db_call){Q_RESPONSE_SAVE, NULL, 4, p};
	if (app_pipeline_commit(c, 1, calls, out, "response: save") == -1)
		goto out;
	if (PQntuples(out[0]) != 1) {
		/* A colleague's save or submit got in between our check and
		 * ours (ours changed nothing). */
		rc = response_lost_race(c, wave, rev, 0);
		goto out;
	}
	buf_reset(&c->resp->body);
	rc = response_written(
	    c, 200, response_put_write(&c->resp->body, out[0], &q->def));
out:
	json_decref(remove);
	json_decref(set);
	free(remove_s);
	free(set_s);
	PQclear(res);
	PQclear(out[0]);
	return rc;
}

int
h_response_submit(struct ctx *c)
{
	static const char *const keys[] = {"revision", NULL};
	struct problems ps = {.count = 0};
	char wave[24], rev_s[24], overall[32];
	const char *p[5];
	const struct qentry *q;
	struct scores sc;
	long long rev = 0, cur;
	json_t *answers = NULL, *scores = NULL, *targets = NULL;
	char *scores_s = NULL, *targets_s = NULL;
	PGresult *res = NULL, *out[1] = {NULL};
	struct db_call calls[1];
	int rc = -1;

	if (jv_object(c->body, "", keys, &ps) == 0)
		(void)jv_int(
		    c->body, "revision", JV_REQUIRED, 0, INT32_MAX, &rev, &ps);
	if (ps.count > 0) {
		app_invalid(c, &ps);
		return 0;
	}
	snprintf(wave, sizeof(wave), "%lld", c->req->param[0]);
	p[0] = wave;
	res = app_query(c, Q_RESPONSE_GET, 1, p);
	if (!db_ok(res))
		goto dbfail;
	if (PQntuples(res) != 1) {
		resp_error(c->resp, 404, "not_found", "No such wave.", NULL);
		rc = 0;
		goto out;
	}
	cur = pgj_ll(res, 0, 3);
	if (strcmp(PQgetvalue(res, 0, 2), "submitted") == 0) {
		/* Submitting the same revision again answers the same. */
		if (!PQgetisnull(res, 0, 8) && pgj_ll(res, 0, 8) == rev) {
			rc = resp_json(c->resp, 200,
			    json_pack("{s:s, s:o}", "state", "submitted",
			        "scores", pgj_json(res, 0, 7)));
			goto out;
		}
		response_conflict(c, "already_submitted",
		    "This response was submitted already.", cur);
		rc = 0;
		goto out;
	}
	if (wave_not_open(c, PQgetvalue(res, 0, 1), cur)) {
		rc = 0;
		goto out;
	}
	if (cur != rev) {
		response_conflict(c, "stale_revision",
		    "Someone saved in between; check the answers again.", cur);
		rc = 0;
		goto out;
	}
	if ((q = qcache_get(c, pgj_ll(res, 0, 0))) == NULL)
		goto out;
	answers = pgj_json(res, 0, 4);
	if (questionnaire_missing_required(&q->def, answers, &ps) > 0) {
		resp_error(c->resp, 422, "incomplete",
		    "Some required items are still open.", &ps);
		rc = 0;
		goto out;
	}
	score_compute(&q->def, answers, &sc);
	scores = scores_json(&q->def, &sc);
	targets = score_targets_json(&q->def, &sc);
	scores_s = json_dumps(scores, JSON_COMPACT | JSON_REAL_PRECISION(17));
	targets_s = json_dumps(targets, JSON_COMPACT | JSON_REAL_PRECISION(17));
	if (scores_s == NULL || targets_s == NULL) {
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		goto out;
	}
	snprintf(rev_s, sizeof(rev_s), "%lld", rev);
	snprintf(overall, sizeof(overall), "%.17g", sc.overall);
	p[1] = rev_s;
	p[2] = scores_s;
	p[3] = sc.has_overall ? overall : NULL;
	p[4] = targets_s;
	/* The submission and COMMIT in one round trip. The peer groups
	 * count it later (snapshotter.c): response_submit queued it in
	 * peer_pending. */
	calls[0] = (struct db_call){Q_RESPONSE_SUBMIT, NULL, 5, p};
	if (app_pipeline_commit(c, 1, calls, out, "response: submit") == -1)
		goto out;
	if (PQntuples(out[0]) != 1) {
		rc = response_lost_race(c, wave, rev, 1);
		goto out;
	}
	rc = resp_json(c->resp, 200,
	    json_pack("{s:s, s:O}", "state", "submitted", "scores", scores));
	goto out;
dbfail:
	app_db_fail(c, res, "response: submit");
out:
	json_decref(answers);
	json_decref(scores);
	json_decref(targets);
	free(scores_s);
	PQclear(out[0]);
	free(targets_s);
	PQclear(res);
	return rc;
}

int
h_response_reopen(struct ctx *c)
{
	char wave[24], org[24];
	const char *p[2] = {wave, org};
	PGresult *res;
	int rc;

	snprintf(wave, sizeof(wave), "%lld", c->req->param[0]);
	snprintf(org, sizeof(org), "%lld", c->req->param[1]);
	res = db_exec(c->db, Q_RESPONSE_REOPEN, 2, p);
	if (!db_ok(res)) {
		app_db_fail(c, res, "response: reopen");
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1) {
		if (benchmark_touch(c, wave, c->req->param[1], 1) == -1) {
			PQclear(res);
			return -1;
		}
		rc = resp_json(c->resp, 200,
		    json_pack("{s:s, s:o}", "state", "draft", "revision",
		        pgj_int(res, 0, 0)));
		PQclear(res);
		return rc;
	}
	PQclear(res);
	res = db_exec(c->db, Q_RESPONSE_EXISTS, 2, p);
	if (!db_ok(res)) {
		app_db_fail(c, res, "response: reopen");
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1)
		resp_error(c->resp, 409, "conflict",
		    "This response is not submitted.", NULL);
	else
		resp_error(
		    c->resp, 404, "not_found", "No such response.", NULL);
	PQclear(res);
	return 0;
}
