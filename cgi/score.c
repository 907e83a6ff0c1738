/*
 * score.c: maturity scores of one response (API.md "Definitions"). Pure.
 *
 * A dimension's score is 100 * mean(levels) / 4 over its items with a
 * level; n/a items count as answered but carry no level, even when one was
 * sent along. The score is
 * computed as 25 * sum / count, one correctly rounded division of exact
 * integers, so that no rounding happens before aggregating.
 */
#include <string.h>

#include <jansson.h>

#include "answers.h"
#include "questionnaire.h"
#include "reifegrad.h"
#include "score.h"

/* A score at or above bound[i] reaches stage i + 1. */
static const double stage_bound[RG_STAGES - 1] = {20.0, 40.0, 60.0, 80.0};

static const char *const stage_id[RG_STAGES] = {
    "einsteiger",
    "aufbauend",
    "fortgeschritten",
    "etabliert",
    "vorreiter",
};

void
score_compute_answers(
    const struct qdef *q, const struct answer *a, struct scores *out)
{
	const struct qdimension *dim;
	size_t d, i, k = 0, answered, leveled, targets;
	double wsum, wscore;
	long sum, tsum;
	int level;

	memset(out, 0, sizeof(*out));
	wsum = wscore = 0;
	for (d = 0; d < q->ndims && d < RG_DIMENSIONS_MAX; d++) {
		dim = &q->dim[d];
		answered = leveled = targets = 0;
		sum = tsum = 0;
		for (i = 0; i < dim->nitems; i++, k++) {
			/* na wins over a level given alongside it: the item
			 * is "not relevant here", so its level must not move
			 * the score. */
			level = a[k].na ? -1 : answer_level(&a[k]);
			if (a[k].na || level >= 0)
				answered++;
			if (level >= 0) {
				leveled++;
				sum += level;
			}
			/* Any integer target counts, whatever the level. */
			if (a[k].target_kind == ANSWER_INT) {
				tsum += (long)a[k].target;
				targets++;
			}
		}
		if (targets > 0) {
			out->target[d] = 100.0 * (double)tsum /
			                 (double)targets / RG_LEVEL_MAX;
			out->has_target[d] = 1;
		}
		/* Fewer than half answered: 2 * answered < nitems. */
		if (leveled == 0 || 2 * answered < dim->nitems)
			continue;
		out->dim[d] = 25.0 * (double)sum / (double)leveled;
		out->has_dim[d] = 1;
		wsum += dim->weight;
		wscore += dim->weight * out->dim[d];
	}
	if (wsum > 0) {
		out->overall = wscore / wsum;
		out->has_overall = 1;
		out->stage = score_stage(out->overall);
	} else {
		out->stage = -1;
	}
}

void
score_compute(const struct qdef *q, const json_t *answers, struct scores *out)
{
	struct answer a[ANSWERS_MAX];

	answers_of_json(q, answers, a);
	score_compute_answers(q, a, out);
}

json_t *
score_json(const struct qdef *q, const struct scores *s)
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

json_t *
score_targets_json(const struct qdef *q, const struct scores *s)
{
	json_t *o = json_object();
	size_t d;

	for (d = 0; o != NULL && d < q->ndims && d < RG_DIMENSIONS_MAX; d++)
		json_object_set_new(o, q->dim[d].id,
		    s->has_target[d] ? json_real(s->target[d]) : json_null());
	return o;
}

/*
 * Returns the stage of a score: 0 below 20, 1 below 40, 2 below 60, 3 below
 * 80, 4 from 80 on. Scores below 0 (and NaN) are stage 0, above 100 stage 4.
 */
int
score_stage(double score)
{
	int s;

	for (s = 0; s < RG_STAGES - 1; s++)
		if (!(score >= stage_bound[s]))
			return s;
	return RG_STAGES - 1;
}

/* Returns the identifier of stage (a static string), or NULL when stage is
 * outside 0..RG_STAGES-1. */
const char *
score_stage_id(int stage)
{
	if (stage < 0 || stage >= RG_STAGES)
		return NULL;
	return stage_id[stage];
}
