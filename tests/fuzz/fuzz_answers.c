/*
 * fuzz_answers.c: libFuzzer harness for the answers of a response:
 * questionnaire_validate_answers(), questionnaire_progress(),
 * questionnaire_missing_required(), score_compute() and
 * submission_score() (the committer's, on the text as read) on a fixed
 * small definition; and answers_scan(), the committer's one-pass reading
 * of jsonb's text, against json_loadb and answers_of_json(): every text
 * it takes is one that json_loadb takes, and every answer read from
 * either is the same (so everything computed from them is).
 *
 * Besides the sanitizers (and LeakSanitizer: everything is released), it
 * checks that problem paths are valid UTF-8 JSON pointers, that progress
 * and scores stay within their ranges, that the stage follows from the
 * overall score, and that a submission's export vectors have one code per
 * item and one score per dimension.
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -Icgi cgi/problems.c \
 *     cgi/questionnaire.c cgi/score.c tests/fuzz/fuzz_answers.c \
 *     -ljansson -lm -o fuzz_answers
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "answers.h"
#include "answerscan.h"
#include "questionnaire.h"
#include "reifegrad.h"
#include "score.h"
#include "submission.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Three dimensions with different weights; D2.2 is optional. */
static const char def_text[] =
    "{\"slug\":\"fuzz\",\"version\":1,\"title\":{\"de\":\"Fuzz\"},"
    "\"levels\":[{\"value\":0,\"label\":{\"de\":\"0\"}},"
    "{\"value\":1,\"label\":{\"de\":\"1\"}},"
    "{\"value\":2,\"label\":{\"de\":\"2\"}},"
    "{\"value\":3,\"label\":{\"de\":\"3\"}},"
    "{\"value\":4,\"label\":{\"de\":\"4\"}}],"
    "\"dimensions\":["
    "{\"id\":\"D1\",\"title\":{\"de\":\"a\"},\"weight\":1,\"items\":["
    "{\"id\":\"D1.1\",\"text\":{\"de\":\"q\"}},"
    "{\"id\":\"D1.2\",\"text\":{\"de\":\"q\"}},"
    "{\"id\":\"D1.3\",\"text\":{\"de\":\"q\"}}]},"
    "{\"id\":\"D2\",\"title\":{\"de\":\"b\"},\"weight\":2.5,\"items\":["
    "{\"id\":\"D2.1\",\"text\":{\"de\":\"q\"}},"
    "{\"id\":\"D2.2\",\"text\":{\"de\":\"q\"},\"required\":false}]},"
    "{\"id\":\"x_y-z\",\"title\":{\"de\":\"c\"},\"weight\":0.5,\"items\":["
    "{\"id\":\"a.b\",\"text\":{\"de\":\"q\"}}]}]}";

static struct qdef q;

/* Parses the fixed definition once; aborts if it is not valid. */
static void
setup(void)
{
	static int done;
	struct problems ps = {.count = 0};
	json_t *def;

	if (done)
		return;
	def = json_loads(def_text, JSON_REJECT_DUPLICATES, NULL);
	if (def == NULL || questionnaire_validate(def, &q, &ps) != 0)
		abort();
	json_decref(def);
	done = 1;
}

/* Whether every problem in ps can be sent back in an error answer. */
static int
problems_sane(const struct problems *ps)
{
	json_t *s;
	size_t i;

	for (i = 0; i < ps->count && i < RG_PROBLEMS_MAX; i++) {
		if (strncmp(ps->item[i].path, "/answers", 8) != 0)
			return 0;
		if ((s = json_string(ps->item[i].path)) == NULL)
			return 0;
		json_decref(s);
	}
	return 1;
}

/* What the committer computes from the same text: scored only when
 * nothing required is open, and then export vectors of the right shape. */
static void
submission_check(const uint8_t *data, size_t size, size_t missing)
{
	struct submission sub;
	size_t i, commas = 0;
	int rc = submission_score(&q, (const char *)data, size, &sub, NULL);

	if (rc == SUBMISSION_SCORED) {
		if (missing != 0 || sub.export_levels.len != 6 ||
		    sub.export_targets.len != 6 ||
		    strspn(sub.export_levels.data, "01234n.") != 6 ||
		    strspn(sub.export_targets.data, "01234.") != 6 ||
		    sub.export_scores.data[0] != '{' ||
		    sub.export_scores.data[sub.export_scores.len - 1] != '}')
			abort();
		for (i = 0; i < sub.export_scores.len; i++)
			commas += sub.export_scores.data[i] == ',';
		if (commas != 2)
			abort();
	} else if (rc == SUBMISSION_INCOMPLETE && missing == 0)
		abort();
	submission_free(&sub);
}

/* answers_scan() against json_loadb() and answers_of_json(): when the
 * scan takes the text, the full parse must too, and every answer read
 * must be the same, field by field. */
static void
scan_agrees(const uint8_t *data, size_t size)
{
	struct answer fast[ANSWERS_MAX], full[ANSWERS_MAX];
	json_t *parsed;
	size_t k, n = answers_count(&q);

	if (answers_scan(&q, (const char *)data, size, fast) == -1)
		return;
	parsed =
	    json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(parsed))
		abort();
	answers_of_json(&q, parsed, full);
	for (k = 0; k < n; k++)
		if (fast[k].object != full[k].object ||
		    fast[k].na != full[k].na ||
		    fast[k].level_kind != full[k].level_kind ||
		    fast[k].target_kind != full[k].target_kind ||
		    fast[k].level != full[k].level ||
		    fast[k].target != full[k].target)
			abort();
	json_decref(parsed);
}

/* One input: the answers of a PUT, then what a submit computes. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct problems ps;
	struct scores s;
	json_error_t err;
	json_t *answers;
	size_t answered, total, missing, d;

	setup();
	scan_agrees(data, size);
	answers = json_loadb((const char *)data, size,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (answers == NULL)
		return 0;
	memset(&ps, 0, sizeof(ps));
	if ((questionnaire_validate_answers(&q, answers, &ps) == 0) !=
	    (ps.count == 0))
		abort();
	if (!problems_sane(&ps))
		abort();

	questionnaire_progress(&q, answers, &answered, &total);
	if (total != 6 || answered > total)
		abort();
	memset(&ps, 0, sizeof(ps));
	missing = questionnaire_missing_required(&q, answers, &ps);
	if (missing != ps.count || missing > 5 || !problems_sane(&ps))
		abort();
	if (json_is_object(answers))
		submission_check(data, size, missing);

	score_compute(&q, answers, &s);
	for (d = 0; d < RG_DIMENSIONS_MAX; d++)
		if (s.has_dim[d] &&
		    (d >= q.ndims || !(s.dim[d] >= 0) || !(s.dim[d] <= 100)))
			abort();
	if (s.has_overall) {
		if (!(s.overall >= 0 && s.overall <= 100))
			abort();
		if (s.stage != score_stage(s.overall) || s.stage < 0 ||
		    s.stage >= RG_STAGES)
			abort();
	} else if (s.stage != -1) {
		abort();
	}
	json_decref(answers);
	return 0;
}
