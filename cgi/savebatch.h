/*
 * savebatch.h: autosaves as items of one batch (migration 013,
 * rg_response_save_batch): an item and its result, the message a worker
 * sends the committer for an item (committer.h), and the array parameters
 * of response_save_batch for many items. Pure: no I/O.
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
/* The token hash parameter ("\x" and 64 hex digits) and its NUL. */
#define SAVEBATCH_HASH_MAX 68

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

/* One autosave. remove is a JSON array of keys, set a JSON object of
 * answers (set NULL: the checks only); both point into memory the caller
 * keeps until the item is done. */
struct save_item {
	char hash[SAVEBATCH_HASH_MAX];
	long long wave;
	long long rev;
	long long qid; /* 0: not known */
	const char *remove;
	size_t remove_len;
	const char *set;
	size_t set_len;
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
 * Appends the six array parameters of response_save_batch for items[0..n)
 * to p[0..5] (reset first): hashes, waves, revisions, questionnaires,
 * removals, answers. Returns 0 or -1 (no memory).
 */
int savebatch_params(
    const struct save_item *items, size_t n, struct buf p[6]) RG_WUR;

/* Appends s (len bytes) as one quoted element of an array literal, or NULL
 * for s NULL. Returns 0 or -1. */
int savebatch_array_elem(struct buf *b, const char *s, size_t len) RG_WUR;

#endif /* SAVEBATCH_H */
