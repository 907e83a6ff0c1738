/*
 * submission.c: a submission's scores from its answers (submission.h).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "answerscan.h"
#include "reifegrad.h"
#include "score.h"
#include "submission.h"

/* Appends j's compact text with digits significant digits to b. 0, or -1
 * (no memory). */
static int
text_of(const json_t *j, int digits, struct buf *b)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(digits))
	            : NULL;
	int rc = s != NULL && buf_puts(b, s) == 0 ? 0 : -1;

	free(s);
	return rc;
}

/* The export code of an answer's level or target (field of item a): the
 * digit of an integer 0..4, or of a string of one such digit (as
 * PostgreSQL's ->> reads both alike), else '.'. */
static char
code_of(const json_t *a, const char *field)
{
	const json_t *v = json_object_get(a, field);
	const char *s;

	if (json_is_integer(v) && json_integer_value(v) >= RG_LEVEL_MIN &&
	    json_integer_value(v) <= RG_LEVEL_MAX)
		return (char)('0' + json_integer_value(v));
	if (json_is_string(v) && (s = json_string_value(v))[0] >= '0' &&
	    s[0] <= '4' && s[1] == '\0')
		return s[0];
	return '.';
}

/* Writes the export vectors of answers a and scores sc into out. 0 or -1
 * (no memory). */
static int
export_vectors(const struct qdef *q, const json_t *a, const struct scores *sc,
    struct submission *out)
{
	size_t d, i;

	for (d = 0; d < q->ndims; d++)
		for (i = 0; i < q->dim[d].nitems; i++) {
			const json_t *it =
			    json_object_get(a, q->dim[d].item[i].id);
			char lv = json_is_true(json_object_get(it, "na"))
			              ? 'n'
			              : code_of(it, "level");
			char tg = code_of(it, "target");

			if (buf_append(&out->export_levels, &lv, 1) == -1 ||
			    buf_append(&out->export_targets, &tg, 1) == -1)
				return -1;
		}
	if (buf_puts(&out->export_scores, "{") == -1)
		return -1;
	for (d = 0; d < q->ndims; d++)
		if ((sc->has_dim[d] ? buf_printf(&out->export_scores, "%s%.17g",
		                          d ? "," : "", sc->dim[d])
		                    : buf_printf(&out->export_scores, "%sNULL",
		                          d ? "," : "")) == -1)
			return -1;
	/* No item or no dimension: empty, not absent, as in SQL. */
	if (buf_puts(&out->export_levels, "") == -1 ||
	    buf_puts(&out->export_targets, "") == -1)
		return -1;
	return buf_puts(&out->export_scores, "}");
}

int
submission_score_json(const struct qdef *q, const json_t *a,
    struct submission *out, struct problems *ps)
{
	json_t *scores = NULL, *targets = NULL;
	struct scores sc;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(a))
		goto out;
	if (questionnaire_missing_required(q, a, ps) > 0) {
		rc = SUBMISSION_INCOMPLETE;
		goto out;
	}
	score_compute(q, a, &sc);
	scores = score_json(q, &sc);
	targets = score_targets_json(q, &sc);
	if (text_of(scores, 17, &out->scores) == -1 ||
	    text_of(scores, RG_ANSWER_DIGITS, &out->shown_scores) == -1 ||
	    text_of(targets, 17, &out->targets) == -1 ||
	    export_vectors(q, a, &sc, out) == -1)
		goto out;
	out->overall = sc.overall;
	out->has_overall = sc.has_overall;
	rc = SUBMISSION_SCORED;
out:
	json_decref(scores);
	json_decref(targets);
	return rc;
}

int
submission_score(const struct qdef *q, const char *answers, size_t len,
    struct submission *out, struct problems *ps)
{
	/* What jsonb prints is read in one pass; anything else whole. */
	json_t *a = answers_scan(q, answers, len);
	int rc;

	if (a == NULL)
		a = json_loadb(answers, len, JSON_REJECT_DUPLICATES, NULL);
	rc = submission_score_json(q, a, out, ps);
	json_decref(a);
	return rc;
}

void
submission_free(struct submission *s)
{
	buf_free(&s->scores);
	buf_free(&s->shown_scores);
	buf_free(&s->targets);
	buf_free(&s->export_levels);
	buf_free(&s->export_targets);
	buf_free(&s->export_scores);
}
