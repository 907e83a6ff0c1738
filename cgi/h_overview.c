/*
 * h_overview.c: GET /waves/{wave}/overview and overview.csv, the
 * coordinators' view of a wave: participation overall, by state and by
 * size class; per dimension a 10-bin histogram and the network's
 * quartiles (from the published network snapshot, suppressed below k);
 * per member its state, and its scores only where it consented to named
 * sharing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "handlers.h"
#include "labels.h"
#include "pgjson.h"
#include "qcache.h"
#include "stats.h"

/* Histogram bins over 0..100 (API.md). */
#define OVERVIEW_BINS 10

/* Columns of overview_members. */
enum {
	M_ID,
	M_NAME,
	M_STATE,
	M_SIZE,
	M_CONSENT,
	M_STATUS,
	M_ANSWERED,
	M_SCORES
};

static const char *const statuses[] = {
    "not_invited", "invited", "draft", "submitted"};

/* Adds one member's status to a participation counter object. */
static void
count_status(json_t *counter, const char *status)
{
	size_t i;

	json_object_set_new(counter, "members",
	    json_integer(
	        json_integer_value(json_object_get(counter, "members")) + 1));
	for (i = 0; i < sizeof(statuses) / sizeof(*statuses); i++)
		if (strcmp(status, statuses[i]) == 0)
			json_object_set_new(counter, status,
			    json_integer(json_integer_value(
			                     json_object_get(counter, status)) +
			                 1));
	/* Invited counts everyone who got as far as an invitation. */
	if (strcmp(status, "not_invited") != 0)
		json_object_set_new(counter, "invited_or_further",
		    json_integer(json_integer_value(json_object_get(
		                     counter, "invited_or_further")) +
		                 1));
}

static json_t *
counter_new(void)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "members", 0,
	    "not_invited", 0, "invited", 0, "invited_or_further", 0, "draft", 0,
	    "submitted", 0);
}

/* The counter of key in a grouping object, created when missing. */
static json_t *
counter_of(json_t *group, const char *key)
{
	json_t *c = json_object_get(group, key);

	if (c == NULL) {
		c = counter_new();
		json_object_set_new(group, key, c);
	}
	return c;
}

/*
 * Histogram and quartiles of the network snapshot for "overall" and every
 * dimension of the questionnaire q: suppressed where fewer than k have a
 * score, and all of them when there is no snapshot yet.
 */
static json_t *
distribution(const struct qdef *q, const json_t *stats, const json_t *scores,
    long long k)
{
	json_t *out = json_object(), *arr;
	const char *col;
	size_t d;

	for (d = 0; d <= q->ndims; d++) {
		json_t *st, *h;
		size_t counts[OVERVIEW_BINS], i, n;
		double *v;

		col = d == 0 ? "overall" : q->dim[d - 1].id;
		arr = json_object_get(scores, col);
		st = json_object_get(stats, col);
		n = json_array_size(arr);

		if ((json_int_t)n < k) {
			json_object_set_new(out, col,
			    json_pack("{s:b, s:s, s:I}", "suppressed", 1,
			        "reason", "fewer_than_k", "k", (json_int_t)k));
			continue;
		}
		if ((v = malloc(n * sizeof(double))) == NULL)
			continue;
		for (i = 0; i < n; i++)
			v[i] = json_number_value(json_array_get(arr, i));
		stats_histogram(v, n, 0, 100, OVERVIEW_BINS, counts);
		free(v);
		h = json_array();
		for (i = 0; i < OVERVIEW_BINS; i++)
			json_array_append_new(
			    h, json_integer((json_int_t)counts[i]));
		json_object_set_new(out, col,
		    json_pack("{s:I, s:O, s:O, s:O, s:O, s:o}", "n",
		        (json_int_t)n, "p25", json_object_get(st, "p25"),
		        "median", json_object_get(st, "median"), "p75",
		        json_object_get(st, "p75"), "mean",
		        json_object_get(st, "mean"), "histogram", h));
	}
	return out;
}

/* Runs both overview queries. Returns 0, or -1 with an answer set. */
static int
overview_load(struct ctx *c, PGresult **wave, PGresult **members)
{
	char id[24];
	const char *p[1] = {id};

	snprintf(id, sizeof(id), "%lld", c->req->param[0]);
	*members = NULL;
	*wave = db_exec(c->db, Q_OVERVIEW_WAVE, 1, p);
	if (!db_ok(*wave)) {
		app_db_fail(c, *wave, "overview");
		return -1;
	}
	if (PQntuples(*wave) != 1) {
		resp_error(c->resp, 404, "not_found", "No such wave.", NULL);
		return -1;
	}
	*members = db_exec(c->db, Q_OVERVIEW_MEMBERS, 1, p);
	if (!db_ok(*members)) {
		app_db_fail(c, *members, "overview");
		return -1;
	}
	return 0;
}

int
h_overview_get(struct ctx *c)
{
	PGresult *w = NULL, *m = NULL;
	json_t *overall, *by_state, *by_size, *list, *stats, *scores, *out;
	const struct qentry *q;
	long long k;
	int i, n, rc = 0;

	if (overview_load(c, &w, &m) == -1 ||
	    (q = qcache_get(c, pgj_ll(w, 0, 5))) == NULL)
		goto out;
	k = pgj_ll(w, 0, 11);
	overall = counter_new();
	by_state = json_object();
	by_size = json_object();
	list = json_array();
	n = PQntuples(m);
	for (i = 0; i < n; i++) {
		const char *status = PQgetvalue(m, i, M_STATUS);

		count_status(overall, status);
		count_status(
		    counter_of(by_state, PQgetvalue(m, i, M_STATE)), status);
		count_status(
		    counter_of(by_size, PQgetisnull(m, i, M_SIZE)
		                            ? "unknown"
		                            : PQgetvalue(m, i, M_SIZE)),
		    status);
		json_array_append_new(list,
		    json_pack("{s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o}", "id",
		        pgj_int(m, i, M_ID), "name", pgj_str(m, i, M_NAME),
		        "state", pgj_str(m, i, M_STATE), "size_class",
		        pgj_int(m, i, M_SIZE), "status", status, "answered",
		        pgj_int(m, i, M_ANSWERED), "consent_named",
		        pgj_bool(m, i, M_CONSENT), "scores",
		        pgj_json(m, i, M_SCORES)));
	}
	stats = pgj_json(w, 0, 7);
	scores = pgj_json(w, 0, 8);
	out = json_pack("{s:{s:o, s:o, s:o, s:o, s:o}, s:I, "
	                "s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o}, s:o, s:o}",
	    "wave", "id", pgj_int(w, 0, 0), "title", pgj_str(w, 0, 1),
	    "opens_at", pgj_str(w, 0, 2), "closes_at", pgj_str(w, 0, 3),
	    "state", pgj_str(w, 0, 4), "k", (json_int_t)k, "participation",
	    "overall", overall, "by_state", by_state, "by_size_class", by_size,
	    "snapshot", "n", pgj_int(w, 0, 6), "as_of", pgj_str(w, 0, 9),
	    "final", pgj_bool(w, 0, 10), "distribution",
	    distribution(&q->def, stats, scores, k), "members", list);
	json_decref(stats);
	json_decref(scores);
	rc = resp_json(c->resp, 200, out);
out:
	PQclear(w);
	PQclear(m);
	return rc;
}

/* Appends a CSV field (RFC 4180: quoted when it holds a comma, quote or
 * line break; quotes doubled). Returns 0 or -1. */
static int
csv_field(struct buf *b, const char *s, int last)
{
	int rc = 0;

	if (strpbrk(s, ",\"\r\n") == NULL)
		rc = buf_puts(b, s);
	else {
		rc |= buf_puts(b, "\"");
		for (; *s != '\0' && rc == 0; s++)
			rc |= *s == '"' ? buf_puts(b, "\"\"")
			                : buf_append(b, s, 1);
		rc |= buf_puts(b, "\"");
	}
	return rc | buf_puts(b, last ? "\r\n" : ",");
}

int
h_overview_csv(struct ctx *c)
{
	PGresult *w = NULL, *m = NULL;
	struct buf *b = &c->resp->body;
	int i, rc = 0, err = 0;
	char num[32];

	if (overview_load(c, &w, &m) == -1)
		goto out;
	buf_reset(b);
	err |= buf_puts(b, "id,name,state,size_class,size_class_label,status,"
	                   "answered,consent_named,overall,stage\r\n");
	for (i = 0; i < PQntuples(m) && !err; i++) {
		json_t *sc = pgj_json(m, i, M_SCORES);
		json_t *ov = json_object_get(sc, "overall");
		const char *st =
		    json_string_value(json_object_get(sc, "stage"));

		if (json_is_number(ov))
			snprintf(
			    num, sizeof(num), "%.1f", json_number_value(ov));
		else
			num[0] = '\0';
		err |= csv_field(b, PQgetvalue(m, i, M_ID), 0);
		err |= csv_field(b, PQgetvalue(m, i, M_NAME), 0);
		err |= csv_field(b, PQgetvalue(m, i, M_STATE), 0);
		err |= csv_field(b, PQgetvalue(m, i, M_SIZE), 0);
		err |= csv_field(b,
		    PQgetisnull(m, i, M_SIZE)
		        ? ""
		        : labels_peer(
		              "size_class", PQgetvalue(m, i, M_SIZE), "de"),
		    0);
		err |= csv_field(b, PQgetvalue(m, i, M_STATUS), 0);
		err |= csv_field(b, PQgetvalue(m, i, M_ANSWERED), 0);
		err |= csv_field(b,
		    PQgetvalue(m, i, M_CONSENT)[0] == 't' ? "true" : "false",
		    0);
		err |= csv_field(b, num, 0);
		err |= csv_field(b, st ? st : "", 1);
		json_decref(sc);
	}
	if (err) {
		resp_error(c->resp, 500, "internal", "Internal error.", NULL);
		goto out;
	}
	c->resp->status = 200;
	c->resp->content_type = "text/csv; charset=utf-8";
	resp_header(c->resp, "Content-Disposition",
	    "attachment; filename=\"overview-wave-%lld.csv\"",
	    c->req->param[0]);
out:
	PQclear(w);
	PQclear(m);
	return rc;
}
