/*
 * answerscan.h: the answers of a response as PostgreSQL prints a jsonb,
 * read for scoring without parsing all of them. Pure.
 *
 * Scoring (score.c), the required check (questionnaire.c) and the export
 * vectors (submission.c) read three fields of each item's answer: "na",
 * "level" and "target" (answers.h). A full parse of a response's answers
 * (3 KB, with comments) cost the committer 42 of the 60 µs that scoring
 * one submission took. answers_scan() walks the text once and fills only
 * what those read, with no tree; for text it does not take, the caller
 * parses it whole, so that both ways give the same scores.
 */
#ifndef ANSWERSCAN_H
#define ANSWERSCAN_H

#include <stddef.h>

#include "answers.h"
#include "questionnaire.h"

/*
 * Reads text (len bytes) into out[0..answers_count(q)): q's answers as
 * answers_of_json() reads them from the parsed text (answers.h). Returns
 * 0, or -1 for text it does not take.
 *
 * It takes what jsonb prints: one object, every object's keys in jsonb's
 * order (shorter first, then bytewise; strictly, so none twice), strings
 * of valid UTF-8 without escapes or control characters, integers of at
 * most 18 digits, objects nested at most two deep and no arrays. For
 * anything else it returns -1: the caller then parses the text with
 * json_loadb(..., JSON_REJECT_DUPLICATES, ...) and answers_of_json(),
 * which for every text taken here gives the same answers
 * (tests/fuzz/fuzz_answers.c checks that).
 */
int answers_scan(
    const struct qdef *q, const char *text, size_t len, struct answer *out);

#endif /* ANSWERSCAN_H */
