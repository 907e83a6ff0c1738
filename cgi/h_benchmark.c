/*
 * h_benchmark.c: GET /waves/{wave}/benchmark (a municipality against its
 * peers) and GET /organisations/{id}/trend (its scores across waves).
 *
 * Everything shown comes from published snapshots (see snapshot.c): one
 * round trip fetches the caller's scores, ranks and the snapshots of its
 * groups. Groups and dimensions with fewer than k responses are
 * suppressed, never shown; min and max are never published.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "handlers.h"
#include "labels.h"
#include "log.h"
#include "pgjson.h"
#include "qcache.h"
#include "score.h"
#include "snapshot.h"
#include "stats.h"

/* Columns of the benchmark query. */
enum {
	B_ORG_ID,
	B_ORG_NAME,
	B_SIZE,
	B_URB,
	B_KIND,
	B_STATE,
	B_RSTATE,
	B_SCORES,
	B_ANSWERS,
	B_QID,
	B_RANKS,
	B_SNAPS,
	B_K,
	B_UNFINAL
};

/* The suppression marker of API.md. */
static json_t *
suppressed(long long k)
{
	return json_pack("{s:b, s:s, s:I}", "suppressed", 1, "reason",
	    "fewer_than_k", "k", (json_int_t)k);
}

/* The own score of column col ("overall" or a dimension id), or NAN. */
static double
own_score(const json_t *scores, const char *col)
{
	json_t *v =
	    strcmp(col, "overall") == 0
	        ? json_object_get(scores, "overall")
	        : json_object_get(json_object_get(scores, "dimensions"), col);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/*
 * The stats object of one column: the snapshot's figures and the member's
 * percentile rank (from its stored ranks, or, when it submitted after the
 * snapshot, the hypothetical rank within the snapshot's scores), or the
 * suppression marker when fewer than k responses have this column.
 */
static json_t *
column_stats(const json_t *snap_stats, const json_t *ranks,
    const json_t *sorted_scores, const char *col, double own, long long k)
{
	json_t *st = json_object_get(snap_stats, col), *o, *rk;
	json_int_t n = json_integer_value(json_object_get(st, "n"));

	if (st == NULL || n < k)
		return suppressed(k);
	o = json_pack("{s:I, s:O, s:O, s:O, s:O}", "n", n, "p25",
	    json_object_get(st, "p25"), "median", json_object_get(st, "median"),
	    "p75", json_object_get(st, "p75"), "mean",
	    json_object_get(st, "mean"));
	if (o == NULL)
		return NULL;
	rk = json_object_get(ranks, col);
	if (json_is_integer(rk))
		json_object_set(o, "percentile_rank", rk);
	else if (!isnan(own) && sorted_scores != NULL) {
		json_t *arr = json_object_get(sorted_scores, col);
		size_t i, len = json_array_size(arr);
		double *v = malloc((len ? len : 1) * sizeof(double));

		if (v != NULL) {
			for (i = 0; i < len; i++)
				v[i] =
				    json_number_value(json_array_get(arr, i));
			json_object_set_new(o, "percentile_rank",
			    json_integer((json_int_t)lround(
			        100 *
			        stats_percent_rank_hypothetical(v, len, own))));
			free(v);
		}
	} else
		json_object_set_new(o, "percentile_rank", json_null());
	return o;
}

/* Mean target level per dimension as a score, and the gap to the score. */
static void
targets_add(json_t *out, const struct qdef *q, const json_t *answers,
    const json_t *scores)
{
	json_t *targets = json_object(), *gap = json_object();
	size_t d, i;

	for (d = 0; d < q->ndims; d++) {
		double sum = 0, own;
		int n = 0;

		for (i = 0; i < q->dim[d].nitems; i++) {
			json_t *t = json_object_get(
			    json_object_get(answers, q->dim[d].item[i].id),
			    "target");

			if (json_is_integer(t)) {
				sum += (double)json_integer_value(t);
				n++;
			}
		}
		if (n == 0) {
			json_object_set_new(targets, q->dim[d].id, json_null());
			json_object_set_new(gap, q->dim[d].id, json_null());
			continue;
		}
		json_object_set_new(targets, q->dim[d].id,
		    json_real(100.0 * sum / n / RG_LEVEL_MAX));
		own = own_score(scores, q->dim[d].id);
		json_object_set_new(gap, q->dim[d].id,
		    isnan(own)
		        ? json_null()
		        : json_real(100.0 * sum / n / RG_LEVEL_MAX - own));
	}
	json_object_set_new(out, "targets", targets);
	json_object_set_new(out, "gap", gap);
}

/* The recommendation of each dimension for the stage of its score. */
static json_t *
recommendations(const struct qentry *q, const json_t *scores)
{
	json_t *out = json_object(),
	       *dims = json_object_get(q->json, "dimensions");
	size_t d;

	for (d = 0; d < q->def.ndims; d++) {
		double s = own_score(scores, q->def.dim[d].id);
		const char *stage;
		json_t *text;

		if (isnan(s))
			continue;
		stage = score_stage_id(score_stage(s));
		text = json_object_get(
		    json_object_get(json_array_get(dims, d), "recommendations"),
		    stage);
		json_object_set_new(out, q->def.dim[d].id,
		    json_pack("{s:s, s:O}", "stage", stage, "text",
		        text ? text : json_null()));
	}
	return out;
}

/* Finalises the snapshots of a closed wave once (lazily, at the first
 * benchmark after closing). Returns 0 or -1 with an answer set. */
static int
wave_finalise(struct ctx *c, const char *wave)
{
	const char *p[1] = {wave};
	char err[512];
	PGresult *res = db_exec(c->db, Q_SNAP_LOCK, 1, p);

	if (!db_ok(res)) {
		app_db_fail(c, res, "benchmark: lock");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	if (snapshot_wave(c->db->conn, wave, 1, err, sizeof(err)) == -1) {
		/* The database went away in the middle: API.md's 503. */
		if (PQstatus(c->db->conn) != CONNECTION_OK) {
			app_unavailable(c);
			return -1;
		}
		log_error("%s", err);
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		return -1;
	}
	return 0;
}

int
h_benchmark_get(struct ctx *c)
{
	static const char *const order[] = {
	    "size_class", "urbanisation", "kind", "network"};
	char wave[24], peers[24];
	const char *p[3], *by = NULL, *value = NULL;
	const struct qentry *q;
	json_t *snaps = NULL, *scores = NULL, *ranks = NULL, *answers = NULL,
	       *snap, *stats = NULL, *dims, *out, *sorted = NULL;
	PGresult *res = NULL, *r2 = NULL;
	long long k;
	size_t i;
	int got, rc = -1, tries;

	got = req_query_get(c->req, "peers", peers, sizeof(peers));
	if (got == 0)
		snprintf(peers, sizeof(peers), "auto");
	if (got == -1 ||
	    (strcmp(peers, "auto") && strcmp(peers, "size_class") &&
	        strcmp(peers, "kind") && strcmp(peers, "state") &&
	        strcmp(peers, "urbanisation") && strcmp(peers, "network"))) {
		struct problems ps = {.count = 0};

		problems_add(&ps, "peers",
		    "must be auto, size_class, kind, state, urbanisation or "
		    "network");
		resp_error(c->resp, 400, "bad_request",
		    "A query parameter is not valid.", &ps);
		return 0;
	}
	snprintf(wave, sizeof(wave), "%lld", c->req->param[0]);
	p[0] = wave;
	for (tries = 0; tries < 2; tries++) {
		PQclear(res);
		res = app_query(c, Q_BENCHMARK, 1, p);
		if (!db_ok(res))
			goto dbfail;
		if (PQntuples(res) != 1) {
			resp_error(
			    c->resp, 404, "not_found", "No such wave.", NULL);
			rc = 0;
			goto out;
		}
		if (PQgetvalue(res, 0, B_UNFINAL)[0] != 't')
			break;
		/* A hot standby cannot write the final snapshots: the
		 * primary answers this request (and finalises). */
		if (db_standby(c->db)) {
			app_primary(c);
			rc = 0;
			goto out;
		}
		if (app_tx(c) == -1 || wave_finalise(c, wave) == -1)
			goto out;
	}
	if (PQgetisnull(res, 0, B_RSTATE) ||
	    strcmp(PQgetvalue(res, 0, B_RSTATE), "submitted") != 0) {
		resp_error(c->resp, 409, "conflict",
		    "Benchmarks open up once your organisation has submitted.",
		    NULL);
		rc = 0;
		goto out;
	}
	k = pgj_ll(res, 0, B_K);
	snaps = pgj_json(res, 0, B_SNAPS);
	scores = pgj_json(res, 0, B_SCORES);
	ranks = pgj_json(res, 0, B_RANKS);
	answers = pgj_json(res, 0, B_ANSWERS);
	if ((q = qcache_get(c, pgj_ll(res, 0, B_QID))) == NULL)
		goto out;

	/* peers=auto: the first group with at least k members. */
	if (strcmp(peers, "auto") == 0) {
		for (i = 0; i < sizeof(order) / sizeof(*order); i++) {
			snap = json_object_get(snaps, order[i]);
			if (json_integer_value(json_object_get(snap, "n")) >= k)
				break;
		}
		by = order[i < sizeof(order) / sizeof(*order) ? i : 3];
	} else
		by = peers;
	snap = json_object_get(snaps, by);
	value = json_string_value(json_object_get(snap, "value"));

	/* A member that submitted after the snapshot has no stored rank
	 * there: its rank is the hypothetical one within the snapshot. */
	if (snap != NULL && json_object_get(ranks, by) == NULL) {
		p[1] = by;
		p[2] = value;
		r2 = db_exec(c->db, Q_SNAP_SCORES, 3, p);
		if (!db_ok(r2)) {
			PQclear(res);
			res = r2;
			r2 = NULL;
			goto dbfail;
		}
		if (PQntuples(r2) == 1)
			sorted = pgj_json(r2, 0, 0);
	}

	stats = json_object();
	if (snap == NULL ||
	    json_integer_value(json_object_get(snap, "n")) < k) {
		json_object_set_new(stats, "overall", suppressed(k));
		dims = json_object();
		for (i = 0; i < q->def.ndims; i++)
			json_object_set_new(
			    dims, q->def.dim[i].id, suppressed(k));
	} else {
		json_t *ss = json_object_get(snap, "stats");
		json_t *rk = json_object_get(ranks, by);

		json_object_set_new(stats, "overall",
		    column_stats(ss, rk, sorted, "overall",
		        own_score(scores, "overall"), k));
		dims = json_object();
		for (i = 0; i < q->def.ndims; i++)
			json_object_set_new(dims, q->def.dim[i].id,
			    column_stats(ss, rk, sorted, q->def.dim[i].id,
			        own_score(scores, q->def.dim[i].id), k));
		json_object_set(stats, "as_of", json_object_get(snap, "as_of"));
		json_object_set(stats, "final", json_object_get(snap, "final"));
	}
	json_object_set_new(stats, "dimensions", dims);

	out = json_pack("{s:I, s:{s:o, s:o}, s:O, s:{s:s, s:s, s:s, s:o}, "
	                "s:O, s:o}",
	    "wave", (json_int_t)c->req->param[0], "organisation", "id",
	    pgj_int(res, 0, B_ORG_ID), "name", pgj_str(res, 0, B_ORG_NAME),
	    "scores", scores, "peers", "by", by, "label",
	    value ? labels_peer(by, value, "de") : "", "label_en",
	    value ? labels_peer(by, value, "en") : "", "n",
	    snap != NULL && json_integer_value(json_object_get(snap, "n")) >= k
	        ? json_integer(json_integer_value(json_object_get(snap, "n")))
	        : json_null(),
	    "stats", stats, "recommendations", recommendations(q, scores));
	if (out != NULL)
		targets_add(out, &q->def, answers, scores);
	rc = resp_json(c->resp, 200, out);
	goto out;
dbfail:
	app_db_fail(c, res, "benchmark");
out:
	json_decref(snaps);
	json_decref(scores);
	json_decref(ranks);
	json_decref(answers);
	json_decref(stats);
	json_decref(sorted);
	PQclear(res);
	PQclear(r2);
	return rc;
}

int
h_benchmark_trend(struct ctx *c)
{
	char id[24], slug[72];
	const char *p[2] = {id, slug};
	PGresult *res = NULL;
	json_t *waves;
	int got, i, rc = -1;

	got = req_query_get(c->req, "questionnaire", slug, sizeof(slug));
	if (got == 0)
		snprintf(slug, sizeof(slug), "smart-city-reifegrad");
	if (got == -1) {
		struct problems ps = {.count = 0};

		problems_add(&ps, "questionnaire", "must be a slug");
		resp_error(c->resp, 400, "bad_request",
		    "A query parameter is not valid.", &ps);
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", c->req->param[0]);
	res = db_exec(c->db, Q_TREND_ORG, 1, p);
	if (!db_ok(res))
		goto dbfail;
	/* Respondents see their own organisation only; coordinators a named
	 * municipality's scores only where it consented to named sharing. */
	if (PQntuples(res) != 1 || (c->user.role == ROLE_RESPONDENT &&
	                               c->user.org_id != c->req->param[0])) {
		resp_error(
		    c->resp, 404, "not_found", "No such resource.", NULL);
		rc = 0;
		goto out;
	}
	if (c->user.role == ROLE_COORDINATOR &&
	    PQgetvalue(res, 0, 2)[0] != 't') {
		resp_error(c->resp, 403, "forbidden",
		    "This municipality has not consented to named sharing.",
		    NULL);
		rc = 0;
		goto out;
	}
	waves = json_array();
	{
		PGresult *t = db_exec(c->db, Q_TREND, 2, p);

		if (!db_ok(t)) {
			json_decref(waves);
			PQclear(res);
			res = t;
			goto dbfail;
		}
		for (i = 0; i < PQntuples(t); i++) {
			json_t *sc = pgj_json(t, i, 4);

			json_array_append_new(waves,
			    json_pack("{s:o, s:o, s:o, s:o, s:O, s:O, s:O}",
			        "wave", pgj_int(t, i, 0), "title",
			        pgj_str(t, i, 1), "opens_at", pgj_str(t, i, 2),
			        "questionnaire_version", pgj_int(t, i, 3),
			        "overall", json_object_get(sc, "overall"),
			        "stage", json_object_get(sc, "stage"),
			        "dimensions",
			        json_object_get(sc, "dimensions")));
			json_decref(sc);
		}
		PQclear(t);
	}
	rc = resp_json(c->resp, 200,
	    json_pack("{s:{s:o, s:o}, s:s, s:o}", "organisation", "id",
	        pgj_int(res, 0, 0), "name", pgj_str(res, 0, 1), "questionnaire",
	        slug, "waves", waves));
	goto out;
dbfail:
	app_db_fail(c, res, "trend");
out:
	PQclear(res);
	return rc;
}
