/*
 * admin_demo.c: `reifegrad-admin demo [--municipalities N] [--waves W]
 * [--seed S]`: a synthetic network for demos and load tests. N member
 * municipalities (taken from an imported register when there is one,
 * drawn like Germany otherwise), W waves a year apart (the last one open),
 * 30-62 % submitted and 8 % more drafts per wave (30-70 % taking part),
 * scores that grow with size and over the waves, with noise, and every
 * snapshot computed. Deterministic for a seed; repeatable (the demo
 * waves are replaced).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "demo.h"
#include "questionnaire.h"
#include "score.h"
#include "snapshot.h"
#include "valid.h"

/* Titles of demo waves start with this; re-running replaces them. */
#define DEMO_WAVE_PREFIX "Demo-Welle "
#define DEMO_N_MAX 200000
#define DEMO_WAVES_MAX 10

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Appends s to a COPY text row, escaping what COPY's text format needs;
 * NULL is SQL NULL. */
static int
copy_field(struct buf *b, const char *s, int last)
{
	if (s == NULL)
		return buf_puts(b, last ? "\\N\n" : "\\N\t");
	for (; *s != '\0'; s++) {
		const char *e = NULL;

		switch (*s) {
		case '\\': e = "\\\\"; break;
		case '\t': e = "\\t"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		}
		if (e ? buf_puts(b, e) : buf_append(b, s, 1))
			return -1;
	}
	return buf_puts(b, last ? "\n" : "\t");
}

/* Sends buf as COPY data when it is big, or always when flush is set. */
static int
copy_send(PGconn *conn, struct buf *b, int flush)
{
	if (b->len == 0 || (!flush && b->len < (1 << 20)))
		return 0;
	if (PQputCopyData(conn, b->data, (int)b->len) != 1)
		return -1;
	buf_reset(b);
	return 0;
}

static int
copy_end(PGconn *conn, struct buf *b)
{
	PGresult *res;
	int ok;

	if (copy_send(conn, b, 1) == -1 || PQputCopyEnd(conn, NULL) != 1)
		return -1;
	res = PQgetResult(conn);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		admin_fail("demo: %s", PQresultErrorMessage(res));
	PQclear(res);
	while ((res = PQgetResult(conn)) != NULL)
		PQclear(res);
	return ok ? 0 : -1;
}

static int
copy_begin(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	int ok = PQresultStatus(res) == PGRES_COPY_IN;

	if (!ok)
		admin_fail("demo: %s", PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

/* Loads the newest default questionnaire. Returns its id or -1. */
static long long
demo_questionnaire(PGconn *conn, struct qdef *q)
{
	struct problems ps = {.count = 0};
	PGresult *res;
	json_t *def;
	long long id;

	res = admin_query(conn,
	    "SELECT id, definition FROM questionnaire"
	    " WHERE slug = 'smart-city-reifegrad' ORDER BY version DESC"
	    " LIMIT 1",
	    0, NULL);
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		admin_fail("demo: load the default questionnaire first "
		           "(reifegrad-admin questionnaire load "
		           "sql/questionnaires/smart-city-reifegrad-v1.json)");
		return -1;
	}
	def = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
	id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (questionnaire_validate(def, q, &ps) == -1) {
		json_decref(def);
		admin_fail("demo: the stored questionnaire does not validate");
		return -1;
	}
	json_decref(def);
	return id;
}

/*
 * Makes n member municipalities: from the register when it holds enough
 * German municipalities, synthetic ones otherwise. Fills ids and
 * populations (arrays of n). Returns 0 or -1.
 */
static int
demo_members(PGconn *conn, struct demo_rng *rng, long n, long long *ids,
    long *pops, int *from_register)
{
	char n_s[24], seed_s[24];
	const char *p[2] = {n_s, seed_s};
	PGresult *res;
	struct buf b = {0};
	long i;

	snprintf(n_s, sizeof(n_s), "%ld", n);
	snprintf(seed_s, sizeof(seed_s), "%llu",
	    (unsigned long long)(rng->state & 0xffffff));
	res = admin_query(conn,
	    "SELECT count(*) >= $1::bigint FROM organisation"
	    " WHERE country = 'DE' AND population IS NOT NULL"
	    " AND kind IN ('gemeinde', 'stadt', 'kreisfreie_stadt')"
	    " AND key !~ '^DE-DEMO'",
	    1, p);
	if (res == NULL)
		return -1;
	*from_register = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (*from_register) {
		/* RETURNING comes in no defined order (and a second run
		 * finds the rows moved by the first one's update): the
		 * answers drawn for member i must go to the same
		 * municipality every time, so the members are ordered. */
		res = admin_query(conn,
		    "WITH pick AS (SELECT id FROM organisation"
		    " WHERE country = 'DE' AND population IS NOT NULL"
		    " AND kind IN ('gemeinde', 'stadt', 'kreisfreie_stadt')"
		    " AND key !~ '^DE-DEMO'"
		    " ORDER BY md5(key || $2), key LIMIT $1::bigint),"
		    " upd AS (UPDATE organisation o SET member = true FROM pick"
		    " WHERE o.id = pick.id RETURNING o.id, o.population, o.key)"
		    " SELECT id, population FROM upd ORDER BY md5(key || $2), "
		    "key",
		    2, p);
	} else {
		if (copy_begin(conn, "CREATE TEMP TABLE demo_org (key text,"
		                     " name text, kind text, state text,"
		                     " population integer, urbanisation"
		                     " smallint, consent boolean)"
		                     " ON COMMIT DROP;"
		                     " COPY demo_org FROM STDIN") == -1)
			return -1;
		for (i = 0; i < n; i++) {
			struct demo_org o;
			char pop[24], urb[4];

			demo_org_draw(rng, i, &o);
			snprintf(pop, sizeof(pop), "%ld", o.population);
			snprintf(urb, sizeof(urb), "%d", o.urbanisation);
			if (copy_field(&b, o.key, 0) ||
			    copy_field(&b, o.name, 0) ||
			    copy_field(&b, o.kind, 0) ||
			    copy_field(&b, o.state, 0) ||
			    copy_field(&b, pop, 0) || copy_field(&b, urb, 0) ||
			    copy_field(&b, o.consent_named ? "t" : "f", 1) ||
			    copy_send(conn, &b, 0)) {
				buf_free(&b);
				return admin_fail("demo: out of memory"), -1;
			}
		}
		if (copy_end(conn, &b) == -1) {
			buf_free(&b);
			return -1;
		}
		buf_free(&b);
		res = admin_query(conn,
		    "WITH ins AS (INSERT INTO organisation (key, name, kind,"
		    " state, population, urbanisation, member, consent_named)"
		    " SELECT key, name, kind, state, population, urbanisation,"
		    " true, consent FROM demo_org"
		    " ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name,"
		    " kind = EXCLUDED.kind, state = EXCLUDED.state,"
		    " population = EXCLUDED.population,"
		    " urbanisation = EXCLUDED.urbanisation, member = true,"
		    " consent_named = EXCLUDED.consent_named"
		    " RETURNING id, population, key)"
		    " SELECT id, population FROM ins ORDER BY key",
		    0, NULL);
	}
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res) && i < n; i++) {
		ids[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
		pops[i] = strtol(PQgetvalue(res, (int)i, 1), NULL, 10);
	}
	PQclear(res);
	return 0;
}

/* Removes the waves of an earlier demo run. */
static int
demo_clear(PGconn *conn)
{
	return admin_exec(conn,
	    "DELETE FROM response WHERE wave_id IN (SELECT id FROM wave"
	    " WHERE title LIKE 'Demo-Welle %');"
	    " DELETE FROM wave WHERE title LIKE 'Demo-Welle %'");
}

int
admin_cmd_demo(int argc, char **argv)
{
	struct admin_opt o[] = {
	    {"municipalities", 1, 0, NULL, 0},
	    {"waves", 1, 0, NULL, 0},
	    {"seed", 1, 0, NULL, 0},
	    {NULL, 0, 0, NULL, 0},
	};
	static struct qdef q;
	long long n = 10800, waves = 3, seed = 1, qid, *ids = NULL;
	long *pops = NULL, submitted = 0, drafts = 0, i;
	double *own = NULL, t0 = now_s();
	int from_register = 0, w, rc = ADMIN_FAIL, progress;
	struct demo_rng rng;
	struct buf b = {0};
	PGconn *conn;
	char err[512];

	if (admin_opts_parse(argc, argv, o, NULL, 0) == -1 ||
	    (o[0].set && valid_int64(o[0].value, 1, DEMO_N_MAX, &n) == -1) ||
	    (o[1].set &&
	        valid_int64(o[1].value, 1, DEMO_WAVES_MAX, &waves) == -1) ||
	    (o[2].set && valid_int64(o[2].value, 0, INT64_MAX, &seed) == -1)) {
		fprintf(stderr,
		    "usage: reifegrad-admin demo [--municipalities "
		    "1..%d] [--waves 1..%d] [--seed S]\n",
		    DEMO_N_MAX, DEMO_WAVES_MAX);
		return ADMIN_USAGE;
	}
	progress = admin_progress_enabled();
	demo_rng_seed(&rng, (uint64_t)seed);
	if ((conn = admin_connect()) == NULL)
		return ADMIN_FAIL;
	ids = calloc((size_t)n, sizeof(*ids));
	pops = calloc((size_t)n, sizeof(*pops));
	own = calloc((size_t)n, sizeof(*own));
	if (ids == NULL || pops == NULL || own == NULL) {
		admin_fail("demo: out of memory");
		goto out;
	}
	if (admin_exec(conn, "BEGIN") == -1 ||
	    (qid = demo_questionnaire(conn, &q)) == -1 ||
	    demo_clear(conn) == -1 ||
	    demo_members(conn, &rng, (long)n, ids, pops, &from_register) == -1)
		goto out;
	for (i = 0; i < n; i++)
		own[i] = 0.13 * demo_rng_normal(&rng);
	if (progress)
		fprintf(stderr, "demo: %lld municipalities (%s)\n", n,
		    from_register ? "from the register" : "synthetic");

	for (w = 0; w < waves; w++) {
		char qid_s[24], title[64], ago[24], wave_s[24];
		const char *p[3];
		PGresult *res;
		/* Exactly this many submit and this many keep a draft: 30
		 * to 62 % submitted, 8 % more started, so that whoever took
		 * part (submitted or not) is 30 to 70 % of the members
		 * whatever the draw (by chance alone a few hundred would
		 * leave those bounds now and then). */
		double share = 0.3 + 0.32 * demo_rng_uniform(&rng);
		long need_sub = (long)ceil(share * (double)n),
		     need_draft = (long)floor(0.08 * (double)n);
		int last = w == waves - 1;

		if (need_sub > n)
			need_sub = (long)n;
		if (need_draft > (long)n - need_sub)
			need_draft = (long)n - need_sub;

		snprintf(qid_s, sizeof(qid_s), "%lld", qid);
		snprintf(ago, sizeof(ago), "%lld", waves - 1 - w);
		snprintf(title, sizeof(title), DEMO_WAVE_PREFIX "%lld",
		    2026 - (waves - 1 - w));
		p[0] = qid_s;
		p[1] = title;
		p[2] = ago;
		/* Past waves ran for two months a year apart; the last one
		 * opened a month ago and stays open for two more. */
		res = admin_query(conn,
		    "INSERT INTO wave (questionnaire_id, title, opens_at,"
		    " closes_at) VALUES ($1, $2,"
		    " now() - make_interval(years => $3::integer, days => 30),"
		    " CASE WHEN $3::integer = 0 THEN now() + interval '60 days'"
		    " ELSE now() - make_interval(years => $3::integer)"
		    " + interval '30 days' END) RETURNING id",
		    3, p);
		if (res == NULL)
			goto out;
		snprintf(wave_s, sizeof(wave_s), "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		/* COPY cannot write a table under row-level security: copy
		 * into a scratch table, then insert from it. */
		if (copy_begin(conn,
		        "CREATE TEMP TABLE IF NOT EXISTS demo_resp"
		        " (wave_id bigint, organisation_id bigint,"
		        " state text, revision integer,"
		        " answers jsonb, answered integer,"
		        " updated_at timestamptz,"
		        " updated_by_name text,"
		        " submitted_at timestamptz,"
		        " submitted_revision integer,"
		        " scores jsonb, overall double precision,"
		        " targets jsonb)"
		        " ON COMMIT DROP;"
		        " TRUNCATE demo_resp;"
		        " COPY demo_resp (wave_id, organisation_id,"
		        " state, revision, answers, answered,"
		        " updated_at, updated_by_name,"
		        " submitted_at, submitted_revision,"
		        " scores, overall, targets) FROM STDIN") == -1)
			goto out;
		for (i = 0; i < n; i++) {
			/* Sampling without replacement (Knuth's algorithm S
			 * for two kinds): each member takes part with the
			 * chance of the places still open. */
			double u = demo_rng_uniform(&rng) * (double)(n - i);
			int sub = u < (double)need_sub,
			    draft = !sub && u < (double)(need_sub + need_draft);

			need_sub -= sub;
			need_draft -= draft;
			json_t *ans, *sc_json;
			struct scores sc;
			char org_s[24], cnt[16], ov[32], *aj, *sj, *tj;
			json_t *tg;
			size_t answered, total;

			if (!sub && !draft)
				continue;
			ans = demo_answers(
			    &rng, &q, demo_maturity(pops[i], w, own[i]), draft);
			questionnaire_progress(&q, ans, &answered, &total);
			score_compute(&q, ans, &sc);
			sc_json = json_pack("{s:o, s:o, s:o}", "overall",
			    sc.has_overall ? json_real(sc.overall)
			                   : json_null(),
			    "stage",
			    sc.stage >= 0
			        ? json_string(score_stage_id(sc.stage))
			        : json_null(),
			    "dimensions", json_object());
			for (size_t d = 0; d < q.ndims; d++)
				json_object_set_new(
				    json_object_get(sc_json, "dimensions"),
				    q.dim[d].id,
				    sc.has_dim[d] ? json_real(sc.dim[d])
				                  : json_null());
			tg = score_targets_json(&q, &sc);
			tj = json_dumps(
			    tg, JSON_COMPACT | JSON_REAL_PRECISION(17));
			json_decref(tg);
			aj = json_dumps(ans, JSON_COMPACT);
			sj = json_dumps(
			    sc_json, JSON_COMPACT | JSON_REAL_PRECISION(17));
			snprintf(org_s, sizeof(org_s), "%lld", ids[i]);
			snprintf(cnt, sizeof(cnt), "%zu", answered);
			snprintf(ov, sizeof(ov), "%.17g", sc.overall);
			if (aj == NULL || sj == NULL || tj == NULL ||
			    copy_field(&b, wave_s, 0) ||
			    copy_field(&b, org_s, 0) ||
			    copy_field(&b, sub ? "submitted" : "draft", 0) ||
			    copy_field(&b, "1", 0) || copy_field(&b, aj, 0) ||
			    copy_field(&b, cnt, 0) ||
			    copy_field(&b, "2026-01-01", 0) ||
			    copy_field(&b, "Demo", 0) ||
			    copy_field(&b, sub ? "2026-01-01" : NULL, 0) ||
			    copy_field(&b, sub ? "1" : NULL, 0) ||
			    copy_field(&b, sub ? sj : NULL, 0) ||
			    copy_field(
			        &b, sub && sc.has_overall ? ov : NULL, 0) ||
			    copy_field(&b, sub ? tj : NULL, 1) ||
			    copy_send(conn, &b, 0)) {
				free(aj);
				free(sj);
				free(tj);
				json_decref(ans);
				json_decref(sc_json);
				admin_fail("demo: writing responses failed");
				goto out;
			}
			free(aj);
			free(sj);
			free(tj);
			json_decref(ans);
			json_decref(sc_json);
			submitted += sub;
			drafts += draft;
			if (progress && i % 500 == 0)
				fprintf(stderr,
				    "\rdemo: wave %d/%lld: %ld/%lld", w + 1,
				    waves, i, n);
		}
		if (copy_end(conn, &b) == -1 ||
		    admin_exec(conn,
		        "INSERT INTO response (wave_id,"
		        " organisation_id, state, revision, answers,"
		        " answered, updated_at, updated_by_name,"
		        " submitted_at, submitted_revision, scores,"
		        " overall, targets) SELECT wave_id,"
		        " organisation_id, state, revision, answers,"
		        " answered, updated_at, updated_by_name,"
		        " submitted_at, submitted_revision, scores,"
		        " overall, targets FROM demo_resp") == -1)
			goto out;
		if (progress)
			fprintf(stderr,
			    "\rdemo: wave %d/%lld: snapshots ...   ", w + 1,
			    waves);
		if (snapshot_wave(conn, wave_s, !last, err, sizeof(err)) ==
		    -1) {
			admin_fail("%s", err);
			goto out;
		}
	}
	if (admin_exec(conn, "COMMIT") == -1)
		goto out;
	if (progress)
		fputc('\n', stderr);
	printf("demo: %lld municipalities, %lld waves, %ld submitted and "
	       "%ld draft responses in %.1f s\n",
	    n, waves, submitted, drafts, now_s() - t0);
	rc = ADMIN_OK;
out:
	buf_free(&b);
	free(ids);
	free(pops);
	free(own);
	PQfinish(conn);
	return rc;
}
