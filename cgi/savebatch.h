/*
 * savebatch.h: autosaves and submissions as items of one batch
 * (migration 013): an item and its result, the message a worker sends the
 * committer for an item (committer.h), and the array parameters of
 * response_save_batch and submit_write for many items. Pure: no
 * I/O.
 */
#ifndef SAVEBATCH_H
#define SAVEBATCH_H

#include <stddef.h>

#include "buf.h"
#include "reifegrad.h"

/* Items in one call: enough for every worker of a host to wait at once,
 * few enough that one call stays short (its rows are locked until COMMIT). */
#define SAVEBATCH_MAX 64
/* A message's size at most. A larger autosave (long comments) is saved by
 * the worker itself, as one item: a committer's batch stays small. */
#define SAVEBATCH_MSG_MAX (64 * 1024)
/* Array parameters of a call: six for autosaves, eleven for submissions
 * (nine of them for rg_response_submit_batch). */
#define SAVEBATCH_PARAMS 11

/* The scores of a submission as its result carries them back (JSON text,
 * 17 digits): API.md's scores object of RG_DIMENSIONS_MAX dimensions of
 * RG_QID_MAX characters takes about 1,600 bytes at most. */
#define SAVE_SCORES_MAX 2048

/* What became of an item: the status column of migrations 013 and 014,
 * then what the committer and the transport add. */
enum save_status {
	SAVE_OK,
	SAVE_UNAUTHENTICATED,
	SAVE_FORBIDDEN,
	SAVE_NOT_FOUND,
	SAVE_PLANNED,
	SAVE_CLOSED,
	SAVE_SUBMITTED,
	SAVE_STALE,
	SAVE_QUESTIONNAIRE,
	SAVE_CHECKED,
	SAVE_AGAIN,
	SAVE_RACE,
	/* A submission read (014): every check passed. */
	SAVE_READ,
	/* A submission whose required items are not all answered. */
	SAVE_INCOMPLETE,
	/* The database (or the committer) could not be reached, or went
	 * away before COMMIT was confirmed: nothing may be claimed. */
	SAVE_UNAVAILABLE,
	/* The database refused with a conflict (deadlock, serialisation). */
	SAVE_CONFLICT,
	/* Anything else that failed. */
	SAVE_ERROR,
	SAVE__MAX
};

/* What an item asks: an autosave (rg_response_save_batch) or a
 * submission (read by rg_submit_read, scored, then submitted by
 * rg_submit_write: migration 019). */
enum save_kind { SAVE_KIND_ANSWERS, SAVE_KIND_SUBMIT, SAVE_KIND__MAX };

/* One item. Its texts point into memory the caller keeps until the item
 * is done. */
struct save_item {
	int kind; /* enum save_kind */
	char hash[RG_TOKEN_HASH_PARAM];
	long long wave;
	long long rev;
	/* An autosave: the questionnaire its answers were checked against
	 * (0: not known), the keys to remove (a JSON array) and the answers
	 * to set (a JSON object; NULL: the checks only). */
	long long qid;
	const char *remove;
	size_t remove_len;
	const char *set;
	size_t set_len;
	/* A submission: its scores and targets (JSON objects) and the
	 * overall score (when has_overall), which the committer computes
	 * from the answers it reads (a worker sends none). */
	const char *scores;
	size_t scores_len;
	const char *targets;
	size_t targets_len;
	double overall;
	int has_overall;
	/* And its export row's vectors (submission.h), its response (0: no
	 * row yet) and whether its session is due for a touch, as the read
	 * found them (migration 019); not in messages. */
	const char *export_levels;
	const char *export_targets;
	const char *export_scores;
	long long rid;
	int touch;
};

struct save_result {
	int status; /* enum save_status */
	long long revision;
	long long answered; /* -1 when not saved */
	long long qid;      /* the wave's questionnaire, 0 when unknown */
	long long user;     /* a submission's user, 0 when unknown */
	/* A submission made (SAVE_OK): its scores object as stored (17
	 * digits; the worker shows it with jw_json_text), NUL-terminated
	 * (scores_len 0 when not known: the worker reads them again). */
	size_t scores_len;
	char scores[SAVE_SCORES_MAX];
};

/* The result r for a status alone (all else unknown). */
void savebatch_result_of(struct save_result *r, int status);

/* The status named s (migration 013's text), or -1. */
int savebatch_status_parse(const char *s);

/*
 * Writes item it as a message into out (cap bytes). Returns its length, or
 * 0 when it does not fit or the item is not valid (a hash that is too
 * long).
 */
size_t savebatch_encode(
    const struct save_item *it, char *out, size_t cap) RG_WUR;

/* Reads a message of len bytes into it, whose remove and set then point
 * into msg. Returns 0, or -1 when the message is not a whole item. */
int savebatch_decode(const char *msg, size_t len, struct save_item *it) RG_WUR;

/* The kind (enum save_kind) of the item in message msg of len bytes, as
 * savebatch_decode would find it, without decoding the rest; -1 when the
 * message is too short or not one of ours. */
int savebatch_kind(const char *msg, size_t len);

/* The committer's answer to a message: result r (its scores only as long
 * as scores_len says) into out (cap bytes). Returns its length, or 0 when
 * it does not fit. */
size_t savebatch_result_encode(
    const struct save_result *r, char *out, size_t cap) RG_WUR;

/* Reads an answer of len bytes into r. Returns 0, or -1 when it is not a
 * whole result. */
int savebatch_result_decode(
    const char *msg, size_t len, struct save_result *r) RG_WUR;

/*
 * Writes the array parameters for the items of kind among items[0..n) to
 * p[0..SAVEBATCH_PARAMS) (reset first): for autosaves the six of
 * response_save_batch (hashes, waves, revisions, questionnaires, removals,
 * answers), for submissions the eleven of submit_write (hashes, waves,
 * revisions, scores, overall scores, targets, the export rows' levels,
 * targets and dimension scores, the responses and the touches), whose
 * first three are also those of submit_read. Returns how many items are of
 * kind, or -1 (no memory).
 */
int savebatch_params(const struct save_item *items, size_t n, int kind,
    struct buf p[SAVEBATCH_PARAMS]) RG_WUR;

/* Appends s (len bytes) as one quoted element of an array literal, or NULL
 * for s NULL. Returns 0 or -1. */
int savebatch_array_elem(struct buf *b, const char *s, size_t len) RG_WUR;

#endif /* SAVEBATCH_H */
