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
#include "committer.h"
#include "handlers.h"
#include "jsonv.h"
#include "jw.h"
#include "log.h"
#include "pgjson.h"
#include "qcache.h"
#include "score.h"
#include "snapshot.h"
#include "submission.h"

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
 * count (response_save_batch keeps it as questionnaire_progress() counts:
 * items with a level or na = true; answers hold items of q only). 0 or -1.
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

	res = app_read(c, Q_RESPONSE_CONTEXT, 1, p);
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

/* The questionnaire of each wave this worker saw an autosave for, so that
 * it can check answers before it sends them: a hint only, since
 * rg_response_save_batch refuses answers checked against another
 * questionnaire than the wave's (SAVE_QUESTIONNAIRE) and names the right
 * one. */
#define WAVE_QUESTIONNAIRES 64
static struct {
	long long wave, qid;
} wave_q[WAVE_QUESTIONNAIRES];

static long long
wave_q_get(long long wave)
{
	size_t i = (size_t)wave % WAVE_QUESTIONNAIRES;

	return wave_q[i].wave == wave ? wave_q[i].qid : 0;
}

static void
wave_q_put(long long wave, long long qid)
{
	size_t i = (size_t)wave % WAVE_QUESTIONNAIRES;

	wave_q[i].wave = wave;
	wave_q[i].qid = qid;
}

/* An autosave on its way: the request's removals and answers as JSON text
 * and the problems of checking them. */
struct autosave {
	const json_t *patch;
	struct problems ps;
	char *remove_s, *set_s;
};

/*
 * Checks the answers against questionnaire qid and makes the item's
 * removals and answers; answers that fail leave the item asking for the
 * checks only (set NULL), with the problems kept for a 422. Returns 0, or
 * -1 with the answer set.
 */
static int
autosave_prepare(
    struct ctx *c, struct autosave *a, struct save_item *it, long long qid)
{
	const struct qentry *q = qcache_get(c, qid);
	json_t *remove, *set;

	if (q == NULL)
		return -1;
	free(a->remove_s);
	free(a->set_s);
	a->remove_s = a->set_s = NULL;
	a->ps.count = 0;
	it->qid = qid;
	it->remove = it->set = NULL;
	it->remove_len = it->set_len = 0;
	if (questionnaire_validate_answers(&q->def, a->patch, &a->ps) == -1)
		return 0;
	remove = json_array();
	set = json_object();
	patch_split(a->patch, remove, set);
	a->remove_s = json_dumps(remove, JSON_COMPACT);
	a->set_s = json_dumps(set, JSON_COMPACT);
	json_decref(remove);
	json_decref(set);
	if (a->remove_s == NULL || a->set_s == NULL) {
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		return -1;
	}
	it->remove = a->remove_s;
	it->remove_len = strlen(a->remove_s);
	it->set = a->set_s;
	it->set_len = strlen(a->set_s);
	return 0;
}

/* Answers a write the committer's call did not store, by its status, with
 * the errors of API.md. Returns 0, or -1 with a 500 set. */
static int
save_refused(struct ctx *c, const struct save_result *r)
{
	switch (r->status) {
	case SAVE_UNAUTHENTICATED:
		resp_error(c->resp, 401, "unauthenticated",
		    "Sign in first (or again: the session has ended).", NULL);
		return 0;
	case SAVE_FORBIDDEN:
		resp_error(c->resp, 403, "forbidden",
		    "Your role may not do this.", NULL);
		return 0;
	case SAVE_NOT_FOUND:
		resp_error(c->resp, 404, "not_found", "No such wave.", NULL);
		return 0;
	case SAVE_PLANNED:
		(void)wave_not_open(c, "planned", r->revision);
		return 0;
	case SAVE_CLOSED:
		(void)wave_not_open(c, "closed", r->revision);
		return 0;
	case SAVE_SUBMITTED:
		response_conflict(c, "already_submitted",
		    "This response was submitted; a coordinator can reopen it.",
		    r->revision);
		return 0;
	case SAVE_STALE:
		response_conflict(c, "stale_revision",
		    "Someone saved in between; fetch the current answers.",
		    r->revision);
		return 0;
	case SAVE_UNAVAILABLE: app_unavailable(c); return 0;
	case SAVE_CONFLICT:
		resp_error(c->resp, 409, "conflict",
		    "A concurrent change got in the way; try again.", NULL);
		return 0;
	default:
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		return -1;
	}
}

/* Answers an autosave's result r: its new revision and progress, the
 * problems of answers that only the checks were asked for, or the error.
 * Returns 0, or -1 with a 500 set. */
static int
autosave_answer(struct ctx *c, const struct save_result *r,
    const struct autosave *a, long long qid)
{
	const struct qentry *q;

	if (r->status == SAVE_CHECKED) {
		app_invalid(c, &a->ps);
		return 0;
	}
	if (r->status != SAVE_OK)
		return save_refused(c, r);
	if ((q = qcache_get(c, qid)) == NULL)
		return -1;
	buf_reset(&c->resp->body);
	if (buf_puts(&c->resp->body, "{\"revision\":") == -1 ||
	    jw_int(&c->resp->body, r->revision) == -1 ||
	    buf_puts(&c->resp->body, ",") == -1 ||
	    progress_write(&c->resp->body, r->answered, &q->def) == -1 ||
	    buf_puts(&c->resp->body, "}") == -1)
		return response_written(c, 200, -1);
	return response_written(c, 200, 0);
}

/* Sends it again at most this often: for a wave's questionnaire learnt
 * (or changed) on the way, and for a save that met another of the same
 * response (a worker saving by itself). */
#define AUTOSAVE_TRIES 4

/*
 * The autosave (ROUTE_BATCHED): no transaction of its own. The answers
 * are checked against the wave's questionnaire, then the save goes to the
 * committer, which checks the session, the wave and the revision in the
 * transaction that saves, and answers after COMMIT. A wave this worker has
 * not seen goes first as the checks only, which name its questionnaire.
 */
int
h_response_put(struct ctx *c)
{
	static const char *const keys[] = {"revision", "answers", NULL};
	struct autosave a = {.ps = {.count = 0}};
	struct save_item it;
	struct save_result r;
	long long rev = 0, qid;
	int tries, rc = -1;

	savebatch_result_of(&r, SAVE_ERROR);
	if (jv_object(c->body, "", keys, &a.ps) == 0) {
		(void)jv_int(c->body, "revision", JV_REQUIRED, 0, INT32_MAX,
		    &rev, &a.ps);
		a.patch = json_object_get(c->body, "answers");
		if (a.patch == NULL)
			problems_add(&a.ps, "/answers", "is required");
		else if (!json_is_object(a.patch))
			problems_add(&a.ps, "/answers", "must be an object");
	}
	if (a.ps.count > 0) {
		app_invalid(c, &a.ps);
		return 0;
	}
	memset(&it, 0, sizeof(it));
	memcpy(it.hash, c->user.hash, sizeof(it.hash));
	it.wave = c->req->param[0];
	it.rev = rev;
	qid = wave_q_get(it.wave);
	if (qid != 0 && autosave_prepare(c, &a, &it, qid) == -1)
		goto out;
	/* The call touches the session when it is due. */
	c->touch_due = 0;
	for (tries = 0; tries < AUTOSAVE_TRIES; tries++) {
		committer_save(c->db, &it, &r);
		if (r.status == SAVE_QUESTIONNAIRE && r.qid > 0) {
			wave_q_put(it.wave, r.qid);
			if (autosave_prepare(c, &a, &it, r.qid) == -1)
				goto out;
			continue;
		}
		if (r.status != SAVE_AGAIN && r.status != SAVE_RACE)
			break;
	}
	if (r.status == SAVE_QUESTIONNAIRE || r.status == SAVE_AGAIN ||
	    r.status == SAVE_RACE)
		r.status = SAVE_CONFLICT;
	if (r.status == SAVE_UNAVAILABLE || r.status == SAVE_ERROR ||
	    r.status == SAVE_CONFLICT)
		log_error("response: save: %s",
		    r.status == SAVE_UNAVAILABLE ? "unavailable"
		    : r.status == SAVE_CONFLICT  ? "conflict"
		                                 : "failed");
	rc = autosave_answer(c, &r, &a, it.qid);
out:
	free(a.remove_s);
	free(a.set_s);
	return rc;
}

/*
 * A submission the committer found incomplete: reads the answers again (in
 * a transaction of its own, with the session) to list the open required
 * items. When a colleague's change got in between, what is there now
 * answers. Returns 0, or -1 with the answer set.
 */
static int
submit_incomplete(struct ctx *c, const char *wave, long long rev)
{
	const char *p[1] = {wave};
	struct problems ps = {.count = 0};
	const struct qentry *q;
	struct submission sub;
	PGresult *res = app_read(c, Q_RESPONSE_GET, 1, p);
	int rc;

	if (!db_ok(res) || PQntuples(res) != 1) {
		app_db_fail(c, res, "response: submit: read again");
		PQclear(res);
		return -1;
	}
	if ((q = qcache_get(c, pgj_ll(res, 0, 0))) == NULL) {
		PQclear(res);
		return -1;
	}
	rc = strcmp(PQgetvalue(res, 0, 2), "draft") == 0 &&
	             pgj_ll(res, 0, 3) == rev
	         ? submission_score(&q->def, PQgetvalue(res, 0, 4),
	               (size_t)PQgetlength(res, 0, 4), &sub, &ps)
	         : SUBMISSION_SCORED;
	submission_free(&sub);
	PQclear(res);
	if (rc == SUBMISSION_INCOMPLETE) {
		resp_error(c->resp, 422, "incomplete",
		    "Some required items are still open.", &ps);
		return 0;
	}
	return response_lost_race(c, wave, rev, 1);
}

/*
 * POST .../response/submit (ROUTE_BATCHED, ROUTE_COMMITTER_AUTH): the
 * committer reads the response, checks it (the session too, when this
 * worker did not know it), scores its answers and submits it in one
 * transaction (committer.c, migrations 013 and 014); the scores stored
 * are those of the answers stored. The worker checks the body and answers.
 */
int
h_response_submit(struct ctx *c)
{
	static const char *const keys[] = {"revision", NULL};
	struct problems ps = {.count = 0};
	char wave[24];
	struct save_item it;
	struct save_result r;
	long long rev = 0;
	int tries;

	if (jv_object(c->body, "", keys, &ps) == 0)
		(void)jv_int(
		    c->body, "revision", JV_REQUIRED, 0, INT32_MAX, &rev, &ps);
	if (ps.count > 0) {
		/* Who asks comes first (401, 403), as on every route. */
		if (app_identify(c) == 0)
			app_invalid(c, &ps);
		return 0;
	}
	snprintf(wave, sizeof(wave), "%lld", c->req->param[0]);
	memset(&it, 0, sizeof(it));
	it.kind = SAVE_KIND_SUBMIT;
	memcpy(it.hash, c->user.hash, sizeof(it.hash));
	it.wave = c->req->param[0];
	it.rev = rev;
	c->touch_due = 0;
	savebatch_result_of(&r, SAVE_ERROR);
	for (tries = 0; tries < AUTOSAVE_TRIES; tries++) {
		committer_save(c->db, &it, &r);
		if (r.status != SAVE_AGAIN && r.status != SAVE_RACE)
			break;
	}
	if (c->identity_later && r.user > 0)
		c->user.id = r.user; /* for the log */
	switch (r.status) {
	case SAVE_OK:
		/* The scores as the committer stored them (17 digits),
		 * shown as every answer shows reals (jw.h). */
		if (r.scores_len > 0) {
			buf_reset(&c->resp->body);
			return response_written(c, 200,
			    buf_puts(&c->resp->body,
			        "{\"state\":\"submitted\",\"scores\":") ||
			            jw_json_text(&c->resp->body, r.scores) ||
			            buf_puts(&c->resp->body, "}")
			        ? -1
			        : 0);
		}
		/* Its scores did not come along: as stored. */
		return response_lost_race(c, wave, rev, 1);
	case SAVE_SUBMITTED:
	case SAVE_AGAIN:
	case SAVE_RACE:
	case SAVE_CONFLICT:
		/* Submitted already (a repeated submission of the same
		 * revision is answered with its scores), or a colleague got
		 * in between: what is there now answers. */
		return response_lost_race(c, wave, rev, 1);
	case SAVE_INCOMPLETE: return submit_incomplete(c, wave, rev);
	default:
		if (r.status != SAVE_UNAUTHENTICATED &&
		    r.status != SAVE_FORBIDDEN && r.status != SAVE_NOT_FOUND &&
		    r.status != SAVE_PLANNED && r.status != SAVE_CLOSED &&
		    r.status != SAVE_STALE)
			log_error("response: submit: status %d", r.status);
		return save_refused(c, &r);
	}
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
