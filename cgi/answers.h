/*
 * answers.h: a response's answers as scoring (score.c), the required check
 * and the progress (questionnaire.c) and the export row (submission.c)
 * read them: for each item of the questionnaire, in definition order,
 * whether its answer is an object, whether it has "na": true, and its
 * "level" and "target" when they are integers or strings of one digit
 * 0..4. Every other field and key is left out: none of those readers
 * tells them from absent ones. Pure.
 *
 * An array of these is filled from a parsed object (answers_of_json) or,
 * for the committer, straight from the text jsonb prints (answerscan.h),
 * without building a tree: the tree's objects and their lookups were a
 * quarter of what scoring a submission cost.
 */
#ifndef ANSWERS_H
#define ANSWERS_H

#include <stddef.h>

#include <jansson.h>

#include "reifegrad.h"

struct qdef;

/* The items of a questionnaire at most. */
#define ANSWERS_MAX (RG_DIMENSIONS_MAX * RG_ITEMS_PER_DIMENSION_MAX)

/* What a level or a target is: absent (or of another type), an integer,
 * or a string of one digit 0..4 (as PostgreSQL's ->> reads both alike). */
enum { ANSWER_NONE, ANSWER_INT, ANSWER_DIGIT };

struct answer {
	unsigned char object;                  /* the answer is an object */
	unsigned char na;                      /* with "na": true */
	unsigned char level_kind, target_kind; /* ANSWER_* */
	long long level, target; /* the integer, or the digit's value */
};

/* The number of q's items: the answers an array holds for q. */
size_t answers_count(const struct qdef *q);

/*
 * Fills out[0..answers_count(q)) from answers (borrowed; anything but an
 * object answers nothing).
 */
void answers_of_json(
    const struct qdef *q, const json_t *answers, struct answer *out);

/* The level an answer counts with (an integer 0..4), or -1. */
int answer_level(const struct answer *a);

/* Whether an answer answers its item: a level that counts, or na. */
int answer_given(const struct answer *a);

/* The export code of a level or target of that kind and value: '0'..'4',
 * or '.' for anything else. */
char answer_code(unsigned char kind, long long value);

#endif /* ANSWERS_H */
