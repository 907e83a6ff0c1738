/*
 * submission.c: a submission's scores from its answers (submission.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "answers.h"
#include "answerscan.h"
#include "jw.h"
#include "reifegrad.h"
#include "score.h"
#include "submission.h"

/* A score as the database stores it: with 17 significant digits, the
 * text of %.17g (g, for the export row's float8[] literal) and as jansson
 * writes it into JSON (json). */
struct real17 {
	char g[32];
	char json[40];
};

/* Writes v's texts into r. 0, or -1 when v is not finite. */
static int
real17_of(double v, struct real17 *r)
{
	int n;

	if (!isfinite(v))
		return -1;
	n = snprintf(r->g, sizeof(r->g), "%.17g", v);
	return n > 0 && (size_t)n < sizeof(r->g) &&
	               jw_real_json(r->g, r->json, sizeof(r->json)) > 0
	           ? 0
	           : -1;
}

/* Appends a score's JSON text (null without one) to b. 0 or -1. */
static int
real17_put(struct buf *b, int has, double v)
{
	struct real17 r;

	if (!has)
		return buf_puts(b, "null");
	return real17_of(v, &r) == -1 ? -1 : buf_puts(b, r.json);
}

/*
 * Writes the texts of scores sc into out: the scores object of API.md
 * (score_json's), the targets (score_targets_json's), both as jansson
 * writes them compact with 17 digits, and the export row's dimension
 * scores. Each dimension's score is printed once, for the scores and the
 * export row alike: printing reals is most of a submission's cost in the
 * committer, which scores a whole batch between its reads and writes.
 * 0, or -1 (no memory, or a score that is not finite).
 */
static int
scores_write(
    const struct qdef *q, const struct scores *sc, struct submission *out)
{
	struct buf *s = &out->scores, *t = &out->targets,
	           *x = &out->export_scores;
	struct real17 dim;
	size_t d;

	/* || for its order: each part is written after the one before. */
	if (buf_puts(s, "{\"overall\":") ||
	    real17_put(s, sc->has_overall, sc->overall) ||
	    buf_puts(s, ",\"stage\":") ||
	    (sc->stage >= 0 ? jw_str(s, score_stage_id(sc->stage))
	                    : buf_puts(s, "null")) ||
	    buf_puts(s, ",\"dimensions\":{") || buf_puts(t, "{") ||
	    buf_puts(x, "{"))
		return -1;
	for (d = 0; d < q->ndims && d < RG_DIMENSIONS_MAX; d++) {
		if (sc->has_dim[d] && real17_of(sc->dim[d], &dim) == -1)
			return -1;
		if ((d > 0 && (buf_puts(s, ",") || buf_puts(t, ",") ||
		                  buf_puts(x, ","))) ||
		    jw_key(s, q->dim[d].id) ||
		    buf_puts(s, sc->has_dim[d] ? dim.json : "null") ||
		    buf_puts(x, sc->has_dim[d] ? dim.g : "NULL") ||
		    jw_key(t, q->dim[d].id) ||
		    real17_put(t, sc->has_target[d], sc->target[d]))
			return -1;
	}
	return buf_puts(s, "}}") || buf_puts(t, "}") || buf_puts(x, "}") ? -1
	                                                                 : 0;
}

/* Writes the export row's levels and targets of answers a (as read) into
 * out: a level's code, 'n' for n/a (which wins over a level). 0 or -1
 * (no memory). */
static int
export_vectors(
    const struct qdef *q, const struct answer *a, struct submission *out)
{
	size_t k, n = answers_count(q);

	for (k = 0; k < n; k++) {
		char lv =
		    a[k].na ? 'n' : answer_code(a[k].level_kind, a[k].level);
		char tg = answer_code(a[k].target_kind, a[k].target);

		if (buf_append(&out->export_levels, &lv, 1) == -1 ||
		    buf_append(&out->export_targets, &tg, 1) == -1)
			return -1;
	}
	/* No item or no dimension: empty, not absent, as in SQL. */
	return buf_puts(&out->export_levels, "") == -1 ||
	               buf_puts(&out->export_targets, "") == -1
	           ? -1
	           : 0;
}

/* submission_score for answers as read. */
static int
score_answers(const struct qdef *q, const struct answer *a,
    struct submission *out, struct problems *ps)
{
	struct scores sc;

	if (questionnaire_missing_answers(q, a, ps) > 0)
		return SUBMISSION_INCOMPLETE;
	score_compute_answers(q, a, &sc);
	if (scores_write(q, &sc, out) == -1 || export_vectors(q, a, out) == -1)
		return -1;
	out->overall = sc.overall;
	out->has_overall = sc.has_overall;
	return SUBMISSION_SCORED;
}

int
submission_score(const struct qdef *q, const char *answers, size_t len,
    struct submission *out, struct problems *ps)
{
	struct answer a[ANSWERS_MAX];
	json_t *parsed;

	memset(out, 0, sizeof(*out));
	/* What jsonb prints is read in one pass; anything else whole. */
	if (answers_scan(q, answers, len, a) == 0)
		return score_answers(q, a, out, ps);
	parsed = json_loadb(answers, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(parsed)) {
		json_decref(parsed);
		return -1;
	}
	answers_of_json(q, parsed, a);
	json_decref(parsed);
	return score_answers(q, a, out, ps);
}

void
submission_free(struct submission *s)
{
	buf_free(&s->scores);
	buf_free(&s->targets);
	buf_free(&s->export_levels);
	buf_free(&s->export_targets);
	buf_free(&s->export_scores);
}
