/*
 * reifegrad.h: types and limits shared by every module of reifegrad.
 *
 * Every limit is a named constant with its reason beside it. Pure modules
 * (questionnaire, score, stats, register, valid) include only this header and
 * their own; they do no I/O, so unit tests and fuzzers call them directly.
 */
#ifndef REIFEGRAD_H
#define REIFEGRAD_H

#include <stddef.h>
#include <stdint.h>

#define RG_VERSION "0.1.0"

#if defined(__GNUC__)
#define RG_WUR __attribute__((warn_unused_result))
#else
#define RG_WUR
#endif

/* A session token's hash as a bytea parameter in text form: "\x", the 64
 * hex digits of BLAKE2b-256, NUL. */
#define RG_TOKEN_HASH_PARAM (2 + 64 + 1)

/* API.md: request bodies above 1 MiB get 413. */
#define RG_BODY_MAX (1024 * 1024)
/* API.md: comments at most 4,000 characters (code points). */
#define RG_COMMENT_MAX 4000
/* API.md / RFC 5321: an address is at most 254 octets. */
#define RG_EMAIL_MAX 254
/* Names of people and organisations; the longest German municipality name
 * is far below this. */
#define RG_NAME_MAX 200
/* Policy of API.md: a password has at least 12 characters; the upper bound
 * keeps argon2id's input reasonable. */
#define RG_PASSWORD_MIN 12
#define RG_PASSWORD_MAX 1024
/* Texts inside a questionnaire definition (question, help, level text). */
#define RG_QTEXT_MAX 4000
/* Identifiers in a questionnaire ("D1", "D1.2"): short and printable. */
#define RG_QID_MAX 32
/* A questionnaire has at most this many dimensions and items per dimension;
 * a survey longer than that would not be filled out by a municipality. */
#define RG_DIMENSIONS_MAX 20
#define RG_ITEMS_PER_DIMENSION_MAX 30
/* Maturity levels are 0..4 (API.md). */
#define RG_LEVEL_MIN 0
#define RG_LEVEL_MAX 4
/* JSON nesting deeper than this is refused before it is looked at. */
#define RG_JSON_DEPTH_MAX 32
/* Significant digits of a number in an answer's JSON (resp_json): a score
 * is stored with 17, shown with 10. */
#define RG_ANSWER_DIGITS 10
/* List endpoints: default and maximum page size (API.md). */
#define RG_LIST_LIMIT_DEFAULT 50
#define RG_LIST_LIMIT_MAX 500
/* k of k-anonymity and benchmark suppression (DESIGN.md), a setting. */
#define RG_K_DEFAULT 5
/* At most this many problems are reported for one input; more would only
 * flood the person reading them. */
#define RG_PROBLEMS_MAX 100

/* One problem found in an input: a JSON pointer and a reason, as in the
 * "details" of the error envelope. */
struct problem {
	char path[160];
	char problem[200];
};

/* A bounded list of problems; count may exceed RG_PROBLEMS_MAX, in which
 * case only the first RG_PROBLEMS_MAX are kept. */
struct problems {
	struct problem item[RG_PROBLEMS_MAX];
	size_t count;
};

/* Records a problem (printf-style reason) at path. Never fails: problems
 * beyond RG_PROBLEMS_MAX are counted but not stored. */
void problems_add(struct problems *, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* REIFEGRAD_H */
