/*
 * savebatch.h: autosaves and submissions as items of one batch
 * (migration 013): an item and its result, the message a worker sends the
 * committer for an item (committer.h), and the array parameters of
 * response_save_batch and response_submit_batch for many items. Pure: no
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

/* What became of an item: the status column of migration 013, then what
 * the transport adds. */
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
 * submission (rg_response_submit_batch). */
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
	 * overall score (when has_overall). */
	const char *scores;
	size_t scores_len;
	const char *targets;
	size_t targets_len;
	double overall;
	int has_overall;
};

struct save_result {
	int status; /* enum save_status */
	long long revision;
	long long answered; /* -1 when not saved */
	long long qid;      /* the wave's questionnaire, 0 when unknown */
};

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

/*
 * Writes the six array parameters for the items of kind among
 * items[0..n) to p[0..5] (reset first): for autosaves those of
 * response_save_batch (hashes, waves, revisions, questionnaires,
 * removals, answers), for submissions those of response_submit_batch
 * (hashes, waves, revisions, scores, overall scores, targets). Returns
 * how many items are of kind, or -1 (no memory).
 */
int savebatch_params(
    const struct save_item *items, size_t n, int kind, struct buf p[6]) RG_WUR;

/* Appends s (len bytes) as one quoted element of an array literal, or NULL
 * for s NULL. Returns 0 or -1. */
int savebatch_array_elem(struct buf *b, const char *s, size_t len) RG_WUR;

#endif /* SAVEBATCH_H */
