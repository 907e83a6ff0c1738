/*
 * h_benchmark.c: GET /waves/{wave}/benchmark (a municipality against its
 * peers) and GET /organisations/{id}/trend (its scores across waves).
 *
 * Everything shown comes from published snapshots (see snapshot.c): one
 * round trip, together with the session check, fetches the caller's
 * scores, targets, the snapshot of its peer group and its ranks there; the
 * answer is written straight into the body (jw.h), splicing the
 * recommendations' text escaped once per questionnaire, so that a
 * benchmark costs about what a health check costs (issue 8). Groups and
 * dimensions with fewer than k responses are suppressed, never shown; min
 * and max are never published.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "handlers.h"
#include "jw.h"
#include "labels.h"
#include "log.h"
#include "pgjson.h"
#include "qcache.h"
#include "score.h"
#include "snapcache.h"
#include "snapshot.h"
#include "stats.h"

/* Columns of the benchmark query. */
enum {
	B_ORG_ID,
	B_ORG_NAME,
	B_RSTATE,
	B_SCORES,
	B_TARGETS,
	B_QID,
	B_SIZE,
	B_URB,
	B_KIND,
	B_STATE,
	B_RANKS,
	B_K,
	B_CLOSED,
	B_GENERATION,
	B_V_ORG,
	B_V_WAVE,
	B_CLOSES
};

/* What one benchmark answer is written from: the query's row, the
 * caller's group and its snapshot (NULL: none; borrowed from
 * snapcache.c), and parsed columns (owned). */
struct bench {
	const struct qentry *q;
	const char *by;
	const struct snap *snap;
	long long k;
	json_t *scores, *targets, *ranks_all, *sorted;
	const json_t *ranks; /* the caller's in its group, in ranks_all */
	PGresult *res;
};

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

/* The suppression marker of API.md. */
static int
write_suppressed(struct buf *b, long long k)
{
	return buf_puts(b, "{\"suppressed\":true,\"reason\":\"fewer_than_k\","
	                   "\"k\":") ||
	       jw_int(b, k) || buf_puts(b, "}");
}

/*
 * The percentile rank of the member in column col: its stored rank, or,
 * when it submitted after the snapshot, the hypothetical rank within the
 * snapshot's scores; -1 when it has none.
 */
static long
column_rank(const struct bench *bn, const char *col)
{
	json_t *rk = json_object_get(bn->ranks, col), *arr;
	double own = own_score(bn->scores, col), *v;
	size_t i, len;
	long r;

	if (json_is_integer(rk))
		return (long)json_integer_value(rk);
	if (isnan(own) || bn->sorted == NULL)
		return -1;
	arr = json_object_get(bn->sorted, col);
	len = json_array_size(arr);
	if ((v = malloc((len ? len : 1) * sizeof(double))) == NULL)
		return -1;
	for (i = 0; i < len; i++)
		v[i] = json_number_value(json_array_get(arr, i));
	r = lround(100 * stats_percent_rank_hypothetical(v, len, own));
	free(v);
	return r;
}

/* The figures of one column and the member's rank in it, or the
 * suppression marker when fewer than k responses have the column. */
static int
write_column(struct buf *b, const struct bench *bn, const char *col)
{
	static const char *const figures[] = {"p25", "median", "p75", "mean"};
	json_t *st = json_object_get(bn->snap->stats, col);
	json_int_t n = json_integer_value(json_object_get(st, "n"));
	long rank;
	size_t i;

	if (st == NULL || n < bn->k)
		return write_suppressed(b, bn->k);
	if (buf_puts(b, "{\"n\":") || jw_int(b, n))
		return -1;
	for (i = 0; i < sizeof(figures) / sizeof(*figures); i++)
		if (buf_puts(b, ",") || jw_key(b, figures[i]) ||
		    jw_json(b, json_object_get(st, figures[i])))
			return -1;
	rank = column_rank(bn, col);
	if (buf_puts(b, ",\"percentile_rank\":") ||
	    (rank < 0 ? buf_puts(b, "null") : jw_int(b, rank)))
		return -1;
	return buf_puts(b, "}");
}

/* UTC seconds since 1970 as API.md writes times (rg_iso() in SQL):
 * 2026-11-26T08:41:15Z. Returns out. */
static const char *
iso_time(char out[32], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
	return out;
}

/* "stats": every column, each suppressed when the group is below k. */
static int
write_stats(struct buf *b, const struct bench *bn)
{
	const struct qdef *q = &bn->q->def;
	int shown = bn->snap != NULL && bn->snap->n >= bn->k;
	char as_of[32];
	size_t d;

	if (buf_puts(b, "\"stats\":{\"overall\":") ||
	    (shown ? write_column(b, bn, "overall")
	           : write_suppressed(b, bn->k)) ||
	    buf_puts(b, ",\"dimensions\":{"))
		return -1;
	for (d = 0; d < q->ndims; d++)
		if ((d > 0 && buf_puts(b, ",")) || jw_key(b, q->dim[d].id) ||
		    (shown ? write_column(b, bn, q->dim[d].id)
		           : write_suppressed(b, bn->k)))
			return -1;
	if (buf_puts(b, "}"))
		return -1;
	if (shown && (buf_puts(b, ",\"as_of\":") ||
	                 jw_str(b, iso_time(as_of, bn->snap->as_of)) ||
	                 buf_puts(b, ",\"final\":") ||
	                 buf_puts(b, bn->snap->final ? "true" : "false")))
		return -1;
	return buf_puts(b, "}");
}

/* "recommendations": the text for the stage of each dimension's score,
 * escaped once per questionnaire (qcache.c). */
static int
write_recommendations(struct buf *b, const struct bench *bn)
{
	const struct qdef *q = &bn->q->def;
	size_t d, first = 1;

	if (buf_puts(b, "\"recommendations\":{"))
		return -1;
	for (d = 0; d < q->ndims; d++) {
		double s = own_score(bn->scores, q->dim[d].id);
		int st;

		if (isnan(s))
			continue;
		st = score_stage(s);
		if ((!first && buf_puts(b, ",")) || jw_key(b, q->dim[d].id) ||
		    buf_puts(b, "{\"stage\":") ||
		    jw_str(b, score_stage_id(st)) ||
		    buf_puts(b, ",\"text\":") ||
		    buf_puts(b, bn->q->rec[d][st]) || buf_puts(b, "}"))
			return -1;
		first = 0;
	}
	return buf_puts(b, "}");
}

/* "targets" (the mean target level per dimension as a score, stored at
 * submission) and "gap" (target minus score). */
static int
write_targets(struct buf *b, const struct bench *bn)
{
	const struct qdef *q = &bn->q->def;
	size_t d;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		if (buf_puts(b, pass ? ",\"gap\":{" : "\"targets\":{"))
			return -1;
		for (d = 0; d < q->ndims; d++) {
			json_t *t = json_object_get(bn->targets, q->dim[d].id);
			double own = own_score(bn->scores, q->dim[d].id),
			       v = json_is_number(t) ? json_number_value(t)
			                             : NAN;

			if ((d > 0 && buf_puts(b, ",")) ||
			    jw_key(b, q->dim[d].id) ||
			    jw_real(b, pass ? v - own : v))
				return -1;
		}
		if (buf_puts(b, "}"))
			return -1;
	}
	return 0;
}

/* The whole answer of API.md, written straight into the body. */
static int
write_benchmark(struct ctx *c, const struct bench *bn)
{
	struct buf *b = &c->resp->body;
	const char *value = bn->snap != NULL ? bn->snap->value : NULL;
	int shown = bn->snap != NULL && bn->snap->n >= bn->k;

	buf_reset(b);
	if (buf_puts(b, "{\"wave\":") || jw_int(b, c->req->param[0]) ||
	    buf_puts(b, ",\"organisation\":{\"id\":") ||
	    buf_puts(b, PQgetvalue(bn->res, 0, B_ORG_ID)) ||
	    buf_puts(b, ",\"name\":") ||
	    jw_str(b, PQgetvalue(bn->res, 0, B_ORG_NAME)) ||
	    buf_puts(b, "},\"scores\":") || jw_json(b, bn->scores) ||
	    buf_puts(b, ",\"peers\":{\"by\":") || jw_str(b, bn->by) ||
	    buf_puts(b, ",\"label\":") ||
	    jw_str(b, value ? labels_peer(bn->by, value, "de") : "") ||
	    buf_puts(b, ",\"label_en\":") ||
	    jw_str(b, value ? labels_peer(bn->by, value, "en") : "") ||
	    buf_puts(b, ",\"n\":") ||
	    (shown ? jw_int(b, bn->snap->n) : buf_puts(b, "null")) ||
	    buf_puts(b, "},") || write_stats(b, bn) || buf_puts(b, ",") ||
	    write_recommendations(b, bn) || buf_puts(b, ",") ||
	    write_targets(b, bn) || buf_puts(b, "}"))
		return -1;
	c->resp->status = 200;
	c->resp->content_type = "application/json; charset=utf-8";
	return 0;
}

/* Lets dispatch keep the answer of an open wave (anscache.h) until the
 * wave closes, with the versions its statement read along with the data:
 * a closed wave's answer may still have its snapshots finalised. */
static void
keep_answer(struct ctx *c, const struct bench *bn)
{
	if (PQgetvalue(bn->res, 0, B_CLOSED)[0] != 't')
		app_keep(c, bn->res, B_V_ORG, pgj_ll(bn->res, 0, B_CLOSES));
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

/*
 * Whether the closed wave's final snapshots are still to be made (by the
 * first benchmark after closing): the wave is closed, the caller has
 * submitted (else it gets 409 anyway), the group shown is not final, and
 * snap_unfinal, asked in the request's transaction (its identity lets it
 * see the caller's response), says so. 1, 0, or -1 with the answer set.
 */
static int
finalise_due(struct ctx *c, const struct bench *bn, const char *wave)
{
	const char *p[1] = {wave};
	PGresult *u;
	int due;

	if (PQgetvalue(bn->res, 0, B_CLOSED)[0] != 't' ||
	    PQgetisnull(bn->res, 0, B_RSTATE) ||
	    strcmp(PQgetvalue(bn->res, 0, B_RSTATE), "submitted") != 0 ||
	    (bn->snap != NULL && bn->snap->final))
		return 0;
	if (app_tx(c) == -1)
		return -1;
	u = db_exec(c->db, Q_SNAP_UNFINAL, 1, p);
	if (!db_ok(u) || PQntuples(u) != 1) {
		app_db_fail(c, u, "benchmark: final");
		PQclear(u);
		return -1;
	}
	due = PQgetvalue(u, 0, 0)[0] == 't';
	PQclear(u);
	return due;
}

/* The organisation's value of a kind of group (as rg_peer_groups()
 * makes them), or NULL when it has no such attribute. */
static const char *
group_value(const PGresult *res, const char *by)
{
	static const struct {
		const char *by;
		int col;
	} cols[] = {{"size_class", B_SIZE}, {"urbanisation", B_URB},
	    {"kind", B_KIND}, {"state", B_STATE}};
	size_t i;

	if (strcmp(by, "network") == 0)
		return "";
	for (i = 0; i < sizeof(cols) / sizeof(*cols); i++)
		if (strcmp(by, cols[i].by) == 0)
			return PQgetisnull(res, 0, cols[i].col)
			           ? NULL
			           : PQgetvalue(res, 0, cols[i].col);
	return NULL;
}

/*
 * Chooses the caller's group and its snapshot from the wave's snapshots:
 * peers itself, or for auto the first of size class, urbanisation and
 * kind whose snapshot has at least k members, else the network (API.md).
 */
static void
group_choose(struct bench *bn, const struct snapset *set, const char *peers)
{
	static const char *const order[] = {
	    "size_class", "urbanisation", "kind", "network"};
	const char *value;
	size_t i;

	bn->snap = NULL;
	if (strcmp(peers, "auto") != 0) {
		bn->by = peers;
		if ((value = group_value(bn->res, peers)) != NULL)
			bn->snap = snapcache_find(set, peers, value);
		return;
	}
	for (i = 0; i < sizeof(order) / sizeof(*order); i++) {
		bn->by = order[i];
		if ((value = group_value(bn->res, order[i])) == NULL)
			continue;
		bn->snap = snapcache_find(set, order[i], value);
		if (bn->snap != NULL && bn->snap->n >= bn->k)
			return;
	}
	/* None with k members: the network, shown suppressed. */
}

int
h_benchmark_get(struct ctx *c)
{
	char wave[24], peers[24];
	const char *p[3];
	struct bench bn = {0};
	const struct snapset *set;
	PGresult *r2 = NULL;
	int got, rc = -1, tries, due;

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
		PQclear(bn.res);
		bn.res = app_query(c, Q_BENCHMARK, 1, p);
		if (!db_ok(bn.res))
			goto dbfail;
		if (PQntuples(bn.res) != 1) {
			resp_error(
			    c->resp, 404, "not_found", "No such wave.", NULL);
			rc = 0;
			goto out;
		}
		bn.k = pgj_ll(bn.res, 0, B_K);
		if ((set = snapcache_get(c, c->req->param[0],
		         pgj_ll(bn.res, 0, B_GENERATION))) == NULL)
			goto out;
		group_choose(&bn, set, peers);
		if ((due = finalise_due(c, &bn, wave)) == -1)
			goto out;
		if (!due)
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
	if (PQgetisnull(bn.res, 0, B_RSTATE) ||
	    strcmp(PQgetvalue(bn.res, 0, B_RSTATE), "submitted") != 0) {
		resp_error(c->resp, 409, "conflict",
		    "Benchmarks open up once your organisation has submitted.",
		    NULL);
		rc = 0;
		goto out;
	}
	if ((bn.q = qcache_get(c, pgj_ll(bn.res, 0, B_QID))) == NULL)
		goto out;
	bn.scores = pgj_json(bn.res, 0, B_SCORES);
	bn.targets = pgj_json(bn.res, 0, B_TARGETS);
	bn.ranks_all = pgj_json(bn.res, 0, B_RANKS);
	bn.ranks = json_object_get(bn.ranks_all, bn.by);

	/* A member that submitted after the snapshot has no stored rank
	 * there: its rank is the hypothetical one within the snapshot. */
	if (bn.snap != NULL && !json_is_object(bn.ranks)) {
		p[1] = bn.by;
		p[2] = bn.snap->value;
		r2 = db_exec(c->db, Q_SNAP_SCORES, 3, p);
		if (!db_ok(r2)) {
			app_db_fail(c, r2, "benchmark");
			goto out;
		}
		if (PQntuples(r2) == 1)
			bn.sorted = pgj_json(r2, 0, 0);
	}
	if (write_benchmark(c, &bn) == -1) {
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		goto out;
	}
	keep_answer(c, &bn);
	rc = 0;
	goto out;
dbfail:
	app_db_fail(c, bn.res, "benchmark");
out:
	json_decref(bn.scores);
	json_decref(bn.targets);
	json_decref(bn.ranks_all);
	json_decref(bn.sorted);
	PQclear(bn.res);
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
