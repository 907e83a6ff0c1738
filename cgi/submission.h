/*
 * submission.h: what a submission stores, from the answers as read
 * (API.md "Definitions"): whether required items are still open, else the
 * scores, the targets and the overall score, as the text the database
 * stores and the worker answers, and the vectors of its export row
 * (005_exports.sql, written by rg_submit_write of 019). Pure: the
 * committer computes it for every submission of its batch (committer.c),
 * a worker for one of its own.
 */
#ifndef SUBMISSION_H
#define SUBMISSION_H

#include <stddef.h>

#include "buf.h"
#include "questionnaire.h"

enum { SUBMISSION_SCORED, SUBMISSION_INCOMPLETE };

struct submission {
	/* API.md's scores object, with 17 digits as stored; an answer shows
	 * it with RG_ANSWER_DIGITS (jw_json_text of jw.h). */
	struct buf scores;
	struct buf targets; /* {"<dimension id>": score or null, ...} */
	double overall;
	int has_overall;
	/* The export row's vectors, in definition order (the export layout):
	 * levels one character per item, '0'..'4' the level, 'n' not
	 * applicable / don't know (which wins over a level), '.' unanswered;
	 * targets '0'..'4' or '.'; the dimension scores as a float8[]
	 * literal with 17 digits, NULL where a dimension has none. */
	struct buf export_levels;
	struct buf export_targets;
	struct buf export_scores;
};

/*
 * Scores the merged answers of a response (JSON text, len bytes, an
 * object) for questionnaire q. Returns SUBMISSION_SCORED with out filled
 * (numbers with 17 digits, as stored), SUBMISSION_INCOMPLETE when a
 * required item is open (each listed in ps, which may be NULL, as
 * questionnaire_missing_required lists them), or -1 when the text is not a
 * JSON object or memory ran out. out is to be freed with submission_free
 * whatever the result.
 */
int submission_score(const struct qdef *q, const char *answers, size_t len,
    struct submission *out, struct problems *ps) RG_WUR;

void submission_free(struct submission *s);

#endif /* SUBMISSION_H */
