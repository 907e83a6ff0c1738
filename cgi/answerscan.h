/*
 * answerscan.h: the answers of a response as PostgreSQL prints a jsonb,
 * read for scoring without parsing all of them. Pure.
 *
 * Scoring (score.c), the required check (questionnaire.c) and the export
 * vectors (submission.c) read three fields of each item's answer: "na",
 * "level" and "target". A full parse of a response's answers (3 KB, with
 * comments) cost the committer 42 of the 60 µs that scoring one
 * submission took. answers_scan() walks the text once and builds only what
 * those read; for text it does not take, the caller parses it whole, so
 * that both ways give the same scores.
 */
#ifndef ANSWERSCAN_H
#define ANSWERSCAN_H

#include <stddef.h>

#include <jansson.h>

#include "questionnaire.h"

/*
 * Reads text (len bytes) and returns a new object with, for each item of
 * q whose answer is an object, an object with "na": true when the answer
 * has it, and "level" and "target" when they are integers or strings of
 * one digit 0..4; every other field and every other key is left out, as
 * none of the readers above tells them from absent ones.
 *
 * It takes what jsonb prints: one object, every object's keys in jsonb's
 * order (shorter first, then bytewise; strictly, so none twice), strings
 * of valid UTF-8 without escapes or control characters, integers of at
 * most 18 digits, objects nested at most two deep and no arrays. For
 * anything else (and when memory runs out) it returns NULL: the caller
 * then parses the text with json_loadb(..., JSON_REJECT_DUPLICATES, ...),
 * which for every text taken here gives an object that the readers above
 * read alike (tests/fuzz/fuzz_answers.c checks that).
 */
json_t *answers_scan(const struct qdef *q, const char *text, size_t len);

#endif /* ANSWERSCAN_H */
