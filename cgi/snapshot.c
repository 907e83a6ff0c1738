/*
 * snapshot.c: peer statistics snapshots. The database groups the submitted
 * scores of a wave (one query: a JSON array per peer group); this file
 * computes per dimension n, quartiles, mean and every member's percentile
 * rank with stats.c, and stores the figures, the sorted scores and the
 * ranks: one statement per group and one for all ranks.
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "queries.h"
#include "questionnaire.h"
#include "snapshot.h"
#include "stats.h"

const char *const snapshot_by[SNAPSHOT_BY_COUNT] = {
    "size_class", "urbanisation", "kind", "network", "state"};

/* One scored column ("overall" or a dimension id) of a group. */
struct column {
	char id[RG_QID_MAX + 1];
	double *v;      /* per member, NAN where absent */
	double *sorted; /* the present values, ascending */
	size_t n;
};

/* Runs a named statement from sql/queries with text parameters. */
static PGresult *
run(PGconn *conn, enum query q, int n, const char *const *p, char *err,
    size_t errsz)
{
	PGresult *res =
	    PQexecParams(conn, queries[q].text, n, NULL, p, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(res);

	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
		snprintf(err, errsz, "snapshot: %s: %s", queries[q].name,
		    PQresultErrorMessage(res));
		err[strcspn(err, "\n")] = '\0';
		PQclear(res);
		return NULL;
	}
	return res;
}

/* Finds or adds column id; NULL when there are too many or no memory. */
static struct column *
column_get(struct column *cols, size_t *ncols, const char *id, size_t rows)
{
	size_t i, r;

	for (i = 0; i < *ncols; i++)
		if (strcmp(cols[i].id, id) == 0)
			return &cols[i];
	if (*ncols == RG_DIMENSIONS_MAX + 1 || strlen(id) > RG_QID_MAX)
		return NULL;
	snprintf(cols[i].id, sizeof(cols[i].id), "%s", id);
	cols[i].v = malloc(rows * sizeof(double));
	cols[i].sorted = malloc(rows * sizeof(double));
	cols[i].n = 0;
	if (cols[i].v == NULL || cols[i].sorted == NULL) {
		free(cols[i].v);
		free(cols[i].sorted);
		return NULL;
	}
	for (r = 0; r < rows; r++)
		cols[i].v[r] = NAN;
	(*ncols)++;
	return &cols[i];
}

/* A submitted response as the snapshot sees it. */
struct member {
	const char *id, *org;                /* borrowed from the result */
	double overall;                      /* NAN when absent */
	json_t *dims;                        /* {"D1": score|null, ...} */
	const char *attr[SNAPSHOT_BY_COUNT]; /* NULL when unknown */
	json_t *ranks; /* {"size_class": {"overall": 71, ...}} */
};

/*
 * Computes one group, the members m[idx[0..n)] (in id order), stores its
 * figures with snap_store and sets each member's ranks[by]. Returns 0 or
 * -1 (err).
 */
static int
group_compute(PGconn *conn, const char *wave, const char *by, const char *value,
    struct member *m, const size_t *idx, size_t n, int final, char *err,
    size_t errsz)
{
	struct column cols[RG_DIMENSIONS_MAX + 1];
	size_t ncols = 0, r, i;
	json_t *stats = json_object(), *scores = json_object();
	char *stats_s = NULL, *scores_s = NULL, n_s[24];
	const char *p[7];
	PGresult *res;
	int rc = -1;

	memset(cols, 0, sizeof(cols));
	if (column_get(cols, &ncols, "overall", n) == NULL)
		goto oom;
	for (r = 0; r < n; r++) {
		const struct member *x = &m[idx[r]];
		const char *key;
		json_t *v;

		cols[0].v[r] = x->overall;
		json_object_foreach (x->dims, key, v) {
			struct column *c = column_get(cols, &ncols, key, n);

			if (c == NULL)
				goto oom;
			if (json_is_number(v))
				c->v[r] = json_number_value(v);
		}
	}
	for (i = 0; i < ncols; i++) {
		struct column *c = &cols[i];
		struct stats_summary s;
		json_t *arr = json_array();

		for (r = 0; r < n; r++)
			if (!isnan(c->v[r]))
				c->sorted[c->n++] = c->v[r];
		/* The mean is taken in member-id order, as avg() would over
		 * the same rows; then the values are sorted in place. */
		stats_summarise(c->sorted, c->n, &s);
		json_object_set_new(stats, c->id,
		    c->n == 0 ? json_pack("{s:i}", "n", 0)
		              : json_pack("{s:I, s:f, s:f, s:f, s:f}", "n",
		                    (json_int_t)s.n, "p25", s.p25, "median",
		                    s.median, "p75", s.p75, "mean", s.mean));
		for (r = 0; r < c->n; r++)
			json_array_append_new(arr, json_real(c->sorted[r]));
		json_object_set_new(scores, c->id, arr);
	}
	for (r = 0; r < n; r++) {
		json_t *rk = json_object();

		for (i = 0; i < ncols; i++)
			if (!isnan(cols[i].v[r]))
				json_object_set_new(rk, cols[i].id,
				    json_integer((json_int_t)lround(
				        100 * stats_percent_rank(cols[i].sorted,
				                  cols[i].n, cols[i].v[r]))));
		json_object_set_new(m[idx[r]].ranks, by, rk);
	}
	stats_s = json_dumps(stats, JSON_COMPACT | JSON_REAL_PRECISION(17));
	scores_s = json_dumps(scores, JSON_COMPACT | JSON_REAL_PRECISION(17));
	if (stats_s == NULL || scores_s == NULL)
		goto oom;
	snprintf(n_s, sizeof(n_s), "%zu", n);
	p[0] = wave;
	p[1] = by;
	p[2] = value;
	p[3] = n_s;
	p[4] = stats_s;
	p[5] = scores_s;
	p[6] = final ? "true" : "false";
	if ((res = run(conn, Q_SNAP_STORE, 7, p, err, errsz)) == NULL)
		goto out;
	PQclear(res);
	rc = 0;
	goto out;
oom:
	snprintf(err, errsz, "snapshot: out of memory or malformed scores");
out:
	for (i = 0; i < ncols; i++) {
		free(cols[i].v);
		free(cols[i].sorted);
	}
	json_decref(stats);
	json_decref(scores);
	free(stats_s);
	free(scores_s);
	return rc;
}

/* qsort context: the attribute compared (qsort_r is not POSIX). */
static const struct member *sort_members;
static int sort_by;

static int
member_cmp(const void *a, const void *b)
{
	const struct member *x = &sort_members[*(const size_t *)a];
	const struct member *y = &sort_members[*(const size_t *)b];
	int c = strcmp(x->attr[sort_by], y->attr[sort_by]);

	/* Ties keep id order (indexes follow the ids). */
	if (c == 0)
		c = *(const size_t *)a < *(const size_t *)b ? -1 : 1;
	return c;
}

/* A peer group: its kind (snapshot_by) and value. */
struct group_ref {
	const char *by, *value;
};

/* Whether group (by, value) is one of due[0..n). */
static int
is_due(const struct group_ref *due, size_t n, const char *by, const char *value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(due[i].by, by) == 0 &&
		    strcmp(due[i].value, value) == 0)
			return 1;
	return 0;
}

/*
 * Renews the snapshots of wave: every group of every kind when ndue is 0,
 * else the groups due[0..ndue). Loads the members (those of the one group
 * when ndue is 1, else all of the wave, once for every group: a pass that
 * renews many groups reads each response once, not once per group),
 * computes the groups, stores figures and ranks (one statement for all
 * ranks). Returns the number of groups or -1.
 */
static int
snapshot_run(PGconn *conn, const char *wave, const struct group_ref *due,
    size_t ndue, int final, char *err, size_t errsz)
{
	const char *by = ndue == 1 ? due[0].by : NULL;
	const char *value = ndue == 1 ? due[0].value : NULL;
	const char *p[3] = {wave, by, value};
	struct member *m = NULL;
	size_t *idx = NULL, n, i, k, start, cnt;
	json_t *ranks = json_array();
	char *ranks_s = NULL;
	PGresult *res = NULL, *w = NULL;
	int b, groups = 0, rc = -1;

	/* The wave's snapshots change: workers that keep them (snapcache.c)
	 * load them again when they see the new generation. */
	if ((w = run(conn, Q_SNAP_BUMP, 1, p, err, errsz)) == NULL)
		goto out;
	PQclear(w);
	/* The snapshots renewed go first (all of the wave's when ndue is 0). */
	for (i = 0; i < (ndue > 0 ? ndue : 1); i++) {
		const char *c[3] = {wave, ndue > 0 ? due[i].by : NULL,
		    ndue > 0 ? due[i].value : NULL};

		if ((w = run(conn, Q_SNAP_CLEAR, 3, c, err, errsz)) == NULL)
			goto out;
		PQclear(w);
	}
	w = NULL;
	if ((res = run(conn, Q_SNAP_MEMBERS, 3, p, err, errsz)) == NULL)
		goto out;
	n = (size_t)PQntuples(res);
	m = calloc(n ? n : 1, sizeof(*m));
	idx = calloc(n ? n : 1, sizeof(*idx));
	if (m == NULL || idx == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		m[i].id = PQgetvalue(res, (int)i, 0);
		m[i].org = PQgetvalue(res, (int)i, 1);
		m[i].overall = PQgetisnull(res, (int)i, 2)
		                   ? NAN
		                   : strtod(PQgetvalue(res, (int)i, 2), NULL);
		m[i].dims = json_loads(PQgetvalue(res, (int)i, 3), 0, NULL);
		m[i].ranks = json_object();
		for (b = 0; b < SNAPSHOT_BY_COUNT; b++)
			m[i].attr[b] = PQgetisnull(res, (int)i, 4 + b)
			                   ? NULL
			                   : PQgetvalue(res, (int)i, 4 + b);
	}
	for (b = 0; b < SNAPSHOT_BY_COUNT; b++) {
		if (by != NULL && strcmp(by, snapshot_by[b]) != 0)
			continue;
		for (i = k = 0; i < n; i++)
			if (m[i].attr[b] != NULL &&
			    (value == NULL || strcmp(m[i].attr[b], value) == 0))
				idx[k++] = i;
		sort_members = m;
		sort_by = b;
		qsort(idx, k, sizeof(*idx), member_cmp);
		for (start = 0; start < k; start += cnt) {
			for (cnt = 1; start + cnt < k &&
			              strcmp(m[idx[start]].attr[b],
			                  m[idx[start + cnt]].attr[b]) == 0;
			     cnt++)
				;
			if (ndue > 1 && !is_due(due, ndue, snapshot_by[b],
			                    m[idx[start]].attr[b]))
				continue;
			if (group_compute(conn, wave, snapshot_by[b],
			        m[idx[start]].attr[b], m, idx + start, cnt,
			        final, err, errsz) == -1)
				goto out;
			groups++;
		}
	}
	for (i = 0; i < n; i++)
		if (json_object_size(m[i].ranks) > 0)
			json_array_append_new(ranks,
			    json_pack("{s:s, s:s, s:O}", "response", m[i].id,
			        "organisation", m[i].org, "ranks", m[i].ranks));
	if ((ranks_s = json_dumps(ranks, JSON_COMPACT)) == NULL)
		goto oom;
	/* A whole wave replaces its ranks; groups merge their own. */
	if (ndue == 0 &&
	    (w = run(conn, Q_SNAP_RANKS_CLEAR, 1, p, err, errsz)) == NULL)
		goto out;
	PQclear(w);
	p[0] = ranks_s;
	if ((w = run(conn, ndue == 0 ? Q_SNAP_RANKS_INSERT : Q_SNAP_RANKS_MERGE,
	         1, p, err, errsz)) == NULL)
		goto out;
	PQclear(w);
	rc = groups;
	goto out;
oom:
	snprintf(err, errsz, "snapshot: out of memory");
out:
	for (i = 0; m != NULL && i < n; i++) {
		json_decref(m[i].dims);
		json_decref(m[i].ranks);
	}
	free(m);
	free(idx);
	free(ranks_s);
	json_decref(ranks);
	PQclear(res);
	/* A large group's scores took megabytes of short-lived JSON: give
	 * them back, so that a worker's memory at rest stays small. */
	malloc_trim(0);
	return rc;
}

/*
 * A snapshot covers every response of the wave, whoever's transaction
 * computes it: row-level security would show a respondent its own
 * response only (a "group" of one). For that while the transaction acts
 * as the system; elevate() saves the caller's role in prev (at least 32
 * bytes) and restore() puts it back. Nothing of the elevated reads
 * reaches the caller but the published aggregates. Return 0 or -1 (err).
 */
static int
elevate(PGconn *conn, char *prev, size_t prevsz, char *err, size_t errsz)
{
	PGresult *res = run(conn, Q_SNAP_ELEVATE, 0, NULL, err, errsz);

	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1 || (size_t)snprintf(prev, prevsz, "%s",
	                               PQgetvalue(res, 0, 0)) >= prevsz) {
		PQclear(res);
		snprintf(err, errsz, "snapshot: unexpected role");
		return -1;
	}
	PQclear(res);
	return 0;
}

static int
restore(PGconn *conn, const char *prev, char *err, size_t errsz)
{
	const char *p[1] = {prev};
	PGresult *res = run(conn, Q_SNAP_RESTORE, 1, p, err, errsz);

	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

/* Renews groups due[0..n) of wave (n > 0) and resets their counts. 0 or
 * -1. */
static int
groups_run(PGconn *conn, const char *wave, const struct group_ref *due,
    size_t n, int final, char *err, size_t errsz)
{
	PGresult *res;
	size_t i;

	if (snapshot_run(conn, wave, due, n, final, err, errsz) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		const char *p[3] = {wave, due[i].by, due[i].value};

		if ((res = run(conn, Q_SNAP_RESET, 3, p, err, errsz)) == NULL)
			return -1;
		PQclear(res);
	}
	return 0;
}

/*
 * Renews the groups of a result (res) marked due (column col_due 't';
 * kind and value in columns col_by and col_by + 1), of the wave in column
 * col_wave (or of wave, when col_wave is -1), one snapshot_run per wave.
 * Returns the number of groups renewed, or -1.
 */
static int
due_run(PGconn *conn, PGresult *res, int col_wave, const char *wave, int col_by,
    int col_due, char *err, size_t errsz)
{
	int rows = PQntuples(res), i, j, renewed = 0;
	struct group_ref *due =
	    calloc(rows > 0 ? (size_t)rows : 1, sizeof(*due));
	char *done = calloc(rows > 0 ? (size_t)rows : 1, 1);
	size_t n;

	if (due == NULL || done == NULL) {
		snprintf(err, errsz, "snapshot: out of memory");
		renewed = -1;
	}
	for (i = 0; renewed >= 0 && i < rows; i++) {
		const char *w =
		    col_wave >= 0 ? PQgetvalue(res, i, col_wave) : wave;

		if (done[i] || PQgetvalue(res, i, col_due)[0] != 't')
			continue;
		for (j = i, n = 0; j < rows; j++)
			if (!done[j] && PQgetvalue(res, j, col_due)[0] == 't' &&
			    (col_wave < 0 ||
			        strcmp(PQgetvalue(res, j, col_wave), w) == 0)) {
				due[n].by = PQgetvalue(res, j, col_by);
				due[n++].value = PQgetvalue(res, j, col_by + 1);
				done[j] = 1;
			}
		if (groups_run(conn, w, due, n, 0, err, errsz) == -1)
			renewed = -1;
		else
			renewed += (int)n;
	}
	free(due);
	free(done);
	return renewed;
}

int
snapshot_group(PGconn *conn, const char *wave, const char *by,
    const char *value, int final, char *err, size_t errsz)
{
	char prev[32];
	struct group_ref g = {by, value};

	if (elevate(conn, prev, sizeof(prev), err, errsz) == -1 ||
	    groups_run(conn, wave, &g, 1, final, err, errsz) == -1)
		return -1;
	return restore(conn, prev, err, errsz);
}

int
snapshot_wave(
    PGconn *conn, const char *wave, int final, char *err, size_t errsz)
{
	const char *p[1] = {wave};
	char prev[32];
	PGresult *res;
	int n;

	if (elevate(conn, prev, sizeof(prev), err, errsz) == -1 ||
	    (n = snapshot_run(conn, wave, NULL, 0, final, err, errsz)) == -1 ||
	    (res = run(conn, Q_SNAP_RESET_WAVE, 1, p, err, errsz)) == NULL)
		return -1;
	PQclear(res);
	return restore(conn, prev, err, errsz) == -1 ? -1 : n;
}

static int
touch_run(PGconn *conn, const char *wave, const char *org, int reopened,
    char *err, size_t errsz)
{
	const char *p[2] = {wave, org};
	PGresult *res;
	int i;

	/* The count first: it locks the organisation's groups (the network
	 * row serialises every writer of the wave's snapshots), so that the
	 * ranks are dropped under that lock and never in the middle of
	 * another transaction's renewal of them. */
	if ((res = run(conn, Q_SNAP_TOUCH, 2, p, err, errsz)) == NULL)
		return -1;
	if (reopened) {
		PGresult *d = run(conn, Q_SNAP_RANKS_DROP, 2, p, err, errsz);

		if (d == NULL) {
			PQclear(res);
			return -1;
		}
		PQclear(d);
	}
	i = due_run(conn, res, -1, wave, 0, 2, err, errsz);
	PQclear(res);
	return i == -1 ? -1 : 0;
}

int
snapshot_touch(PGconn *conn, const char *wave, const char *org, int reopened,
    char *err, size_t errsz)
{
	char prev[32];

	if (elevate(conn, prev, sizeof(prev), err, errsz) == -1 ||
	    touch_run(conn, wave, org, reopened, err, errsz) == -1)
		return -1;
	return restore(conn, prev, err, errsz);
}

int
snapshot_pending(PGconn *conn, char *err, size_t errsz)
{
	char prev[32];
	PGresult *res;
	int renewed;

	if (elevate(conn, prev, sizeof(prev), err, errsz) == -1 ||
	    (res = run(conn, Q_SNAP_PENDING, 0, NULL, err, errsz)) == NULL)
		return -1;
	renewed = due_run(conn, res, 0, NULL, 1, 3, err, errsz);
	PQclear(res);
	if (renewed == -1)
		return -1;
	return restore(conn, prev, err, errsz) == -1 ? -1 : renewed;
}
