/*
 * questionnaire.h: validating a questionnaire definition (API.md) and the
 * answers of a response against it. Pure: no I/O.
 */
#ifndef QUESTIONNAIRE_H
#define QUESTIONNAIRE_H

#include <jansson.h>

#include "reifegrad.h"

struct answer; /* answers.h */

/* Stages of maturity, derived from a score 0..100 (see score.h). */
#define RG_STAGES 5

struct qitem {
	char id[RG_QID_MAX + 1];
	int required;
};

struct qdimension {
	char id[RG_QID_MAX + 1];
	double weight;
	size_t nitems;
	struct qitem item[RG_ITEMS_PER_DIMENSION_MAX];
};

/* The parts of a definition that scoring and answer validation need. */
struct qdef {
	char slug[64];
	int version;
	size_t ndims;
	struct qdimension dim[RG_DIMENSIONS_MAX];
};

/*
 * Validates a definition (a JSON object as API.md shows it) and, when it is
 * valid, fills out (may be NULL). Every problem is added to ps with a JSON
 * pointer path. Returns 0 when valid, -1 otherwise. Borrows def.
 */
int questionnaire_validate(
    const json_t *def, struct qdef *out, struct problems *ps) RG_WUR;

/*
 * Finds an item by id; returns 0 and sets the indexes *dim and *item, or -1.
 */
int questionnaire_find_item(
    const struct qdef *, const char *id, size_t *dim, size_t *item) RG_WUR;

/*
 * Validates the "answers" object of a PUT (API.md): keys are item ids of q;
 * each value is null (remove) or an object with optional "level" (integer
 * 0..4 or null), "target" (integer 0..4 or null), "na" (boolean),
 * "comment" (string, at most RG_COMMENT_MAX code points, no NUL) and no
 * other keys. Problems are added with paths like "/answers/D1.2/level".
 * Returns 0 when valid, -1 otherwise. Borrows answers.
 */
int questionnaire_validate_answers(
    const struct qdef *q, const json_t *answers, struct problems *ps) RG_WUR;

/*
 * Lists into ps (path "/answers/<id>", problem "required") every required
 * item of q that the merged answers object leaves unanswered: neither a
 * level nor na=true. Returns the number of such items.
 */
size_t questionnaire_missing_required(
    const struct qdef *q, const json_t *answers, struct problems *ps);

/* The same for answers as read (answers.h: answers_count(q) of them, in
 * definition order). */
size_t questionnaire_missing_answers(
    const struct qdef *q, const struct answer *answers, struct problems *ps);

/* Counts answered items (a level, or na=true) and all items. */
void questionnaire_progress(const struct qdef *q, const json_t *answers,
    size_t *answered, size_t *total);

#endif /* QUESTIONNAIRE_H */
