/*
 * submission.c: a submission's scores from its answers (submission.h).
 */
#include <string.h>

#include <jansson.h>

#include "score.h"
#include "submission.h"

/* Appends j's compact text with 17 digits to b. 0, or -1 (no memory). */
static int
text_of(const json_t *j, struct buf *b)
{
	char *s =
	    j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
	int rc = s != NULL && buf_puts(b, s) == 0 ? 0 : -1;

	free(s);
	return rc;
}

int
submission_score(const struct qdef *q, const char *answers, size_t len,
    struct submission *out, struct problems *ps)
{
	json_t *a, *scores = NULL, *targets = NULL;
	struct scores sc;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	a = json_loadb(answers, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(a))
		goto out;
	if (questionnaire_missing_required(q, a, ps) > 0) {
		rc = SUBMISSION_INCOMPLETE;
		goto out;
	}
	score_compute(q, a, &sc);
	scores = score_json(q, &sc);
	targets = score_targets_json(q, &sc);
	if (text_of(scores, &out->scores) == -1 ||
	    text_of(targets, &out->targets) == -1)
		goto out;
	out->overall = sc.overall;
	out->has_overall = sc.has_overall;
	rc = SUBMISSION_SCORED;
out:
	json_decref(a);
	json_decref(scores);
	json_decref(targets);
	return rc;
}

void
submission_free(struct submission *s)
{
	buf_free(&s->scores);
	buf_free(&s->targets);
}
