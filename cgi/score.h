/*
 * score.h: maturity scores of one response (API.md "Definitions"). Pure.
 */
#ifndef SCORE_H
#define SCORE_H

#include <jansson.h>

#include "questionnaire.h"

struct answer; /* answers.h */

struct scores {
	/* dim[i] is the score of q->dim[i], 0..100; valid only if has_dim[i].
	 */
	double dim[RG_DIMENSIONS_MAX];
	int has_dim[RG_DIMENSIONS_MAX];
	double overall;
	int has_overall;
	/* target[i]: the mean target level of q->dim[i]'s items that name
	 * one, as a score 0..100 (100 * sum / count / 4); valid only if
	 * has_target[i]. */
	double target[RG_DIMENSIONS_MAX];
	int has_target[RG_DIMENSIONS_MAX];
	int stage; /* 0..RG_STAGES-1, -1 when there is no overall score */
};

/*
 * Computes the scores of a merged answers object ({"D1.1":{"level":3,...}})
 * for questionnaire q. An item is answered when it has a level or na=true.
 * A dimension's score is 100 * mean(levels) / 4 over its items with a level
 * (na excluded); it has none when fewer than half of its items are answered
 * or when none has a level. overall is the weight-averaged mean of the
 * dimension scores that exist; none when no dimension has one. stage follows
 * from overall. Targets (an integer "target" on an item) average per
 * dimension whatever the items' levels. Nothing is rounded. Borrows
 * answers.
 */
void score_compute(
    const struct qdef *q, const json_t *answers, struct scores *out);

/* The same for answers as read (answers.h: answers_count(q) of them, in
 * definition order). */
void score_compute_answers(
    const struct qdef *q, const struct answer *answers, struct scores *out);

/* The scores object of API.md ({"overall", "stage", "dimensions"}) of
 * computed scores. New reference. */
json_t *score_json(const struct qdef *q, const struct scores *s);

/* The targets of computed scores as stored with a submitted response:
 * {"<dimension id>": score or null, ...} in q's order. New reference. */
json_t *score_targets_json(const struct qdef *q, const struct scores *s);

/* The stage (0..RG_STAGES-1) of a score 0..100. */
int score_stage(double score);

/* The stage's identifier: "einsteiger", "aufbauend", "fortgeschritten",
 * "etabliert", "vorreiter"; NULL for an index out of range. */
const char *score_stage_id(int stage);

#endif /* SCORE_H */
