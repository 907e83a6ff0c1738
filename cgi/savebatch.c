/*
 * savebatch.c: autosave items, their messages and the array parameters of
 * a batch (savebatch.h). Pure.
 *
 * A message is a fixed header (struct wire, copied byte for byte: worker
 * and committer are one program on one host) followed by the removals and
 * the answers. The header's magic guards against a message of another
 * build reaching a committer during an upgrade.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "savebatch.h"

#define SAVEBATCH_MAGIC 0x52475333u        /* "RGS3" */
#define SAVEBATCH_RESULT_MAGIC 0x52475241u /* "RGRA" */
/* set_len of an autosave without answers (the checks only). */
#define SAVEBATCH_NO_SET UINT32_MAX

/* The texts of an item in the order of the message. */
#define TEXTS 4

struct wire {
	uint32_t magic;
	uint32_t kind;
	uint32_t len[TEXTS]; /* remove, set, scores, targets */
	uint32_t has_overall;
	double overall;
	int64_t wave;
	int64_t rev;
	int64_t qid;
	char hash[RG_TOKEN_HASH_PARAM];
};

static const char *const status_names[SAVE__MAX] = {
    [SAVE_OK] = "ok",
    [SAVE_UNAUTHENTICATED] = "unauthenticated",
    [SAVE_FORBIDDEN] = "forbidden",
    [SAVE_NOT_FOUND] = "not_found",
    [SAVE_PLANNED] = "planned",
    [SAVE_CLOSED] = "closed",
    [SAVE_SUBMITTED] = "submitted",
    [SAVE_STALE] = "stale",
    [SAVE_QUESTIONNAIRE] = "questionnaire",
    [SAVE_CHECKED] = "checked",
    [SAVE_AGAIN] = "again",
    [SAVE_RACE] = "race",
    [SAVE_READ] = "read",
    [SAVE_INCOMPLETE] = "incomplete",
    [SAVE_UNAVAILABLE] = "unavailable",
    [SAVE_CONFLICT] = "conflict",
    [SAVE_ERROR] = "error",
};

/* An answer's header; the scores follow. */
struct result_wire {
	uint32_t magic;
	int32_t status;
	int64_t revision;
	int64_t answered;
	int64_t qid;
	int64_t user;
	uint32_t scores_len;
};

void
savebatch_result_of(struct save_result *r, int status)
{
	r->status = status;
	r->revision = 0;
	r->answered = -1;
	r->qid = 0;
	r->user = 0;
	r->scores_len = 0;
	r->scores[0] = '\0';
}

size_t
savebatch_result_encode(const struct save_result *r, char *out, size_t cap)
{
	struct result_wire w;

	if (r->scores_len >= SAVE_SCORES_MAX || cap < sizeof(w) ||
	    r->scores_len > cap - sizeof(w))
		return 0;
	/* Field by field into a zeroed header: no padding byte leaves
	 * unset. */
	memset(&w, 0, sizeof(w));
	w.magic = SAVEBATCH_RESULT_MAGIC;
	w.status = r->status;
	w.revision = r->revision;
	w.answered = r->answered;
	w.qid = r->qid;
	w.user = r->user;
	w.scores_len = (uint32_t)r->scores_len;
	memcpy(out, &w, sizeof(w));
	memcpy(out + sizeof(w), r->scores, r->scores_len);
	return sizeof(w) + r->scores_len;
}

int
savebatch_result_decode(const char *msg, size_t len, struct save_result *r)
{
	struct result_wire w;

	if (len < sizeof(w))
		return -1;
	memcpy(&w, msg, sizeof(w));
	if (w.magic != SAVEBATCH_RESULT_MAGIC || w.status < 0 ||
	    w.status >= SAVE__MAX || w.scores_len >= SAVE_SCORES_MAX ||
	    len - sizeof(w) != w.scores_len)
		return -1;
	r->status = w.status;
	r->revision = w.revision;
	r->answered = w.answered;
	r->qid = w.qid;
	r->user = w.user;
	r->scores_len = w.scores_len;
	memcpy(r->scores, msg + sizeof(w), w.scores_len);
	r->scores[w.scores_len] = '\0';
	return 0;
}

int
savebatch_status_parse(const char *s)
{
	int i;

	for (i = 0; i < SAVE__MAX; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

size_t
savebatch_encode(const struct save_item *it, char *out, size_t cap)
{
	struct wire w;
	const char *text[TEXTS] = {
	    it->remove, it->set, it->scores, it->targets};
	size_t len[TEXTS] = {
	    it->remove_len, it->set_len, it->scores_len, it->targets_len};
	size_t hl = strnlen(it->hash, sizeof(it->hash)), need = sizeof(w);
	int k;

	if (hl == sizeof(it->hash) || it->kind < 0 ||
	    it->kind >= SAVE_KIND__MAX)
		return 0;
	for (k = 0; k < TEXTS; k++) {
		if (text[k] == NULL)
			len[k] = 0;
		if (len[k] >= SAVEBATCH_NO_SET || len[k] > cap ||
		    need > cap - len[k])
			return 0;
		need += len[k];
	}
	if (need > cap)
		return 0;
	memset(&w, 0, sizeof(w));
	w.magic = SAVEBATCH_MAGIC;
	w.kind = (uint32_t)it->kind;
	for (k = 0; k < TEXTS; k++)
		w.len[k] = (uint32_t)len[k];
	if (it->set == NULL)
		w.len[1] = SAVEBATCH_NO_SET;
	w.has_overall = it->has_overall != 0;
	w.overall = it->overall;
	w.wave = it->wave;
	w.rev = it->rev;
	w.qid = it->qid;
	memcpy(w.hash, it->hash, hl);
	memcpy(out, &w, sizeof(w));
	need = sizeof(w);
	for (k = 0; k < TEXTS; k++) {
		if (len[k] > 0)
			memcpy(out + need, text[k], len[k]);
		need += len[k];
	}
	return need;
}

int
savebatch_kind(const char *msg, size_t len)
{
	struct wire w;

	if (len < sizeof(w))
		return -1;
	memcpy(&w, msg, sizeof(w));
	return w.magic == SAVEBATCH_MAGIC && w.kind < SAVE_KIND__MAX
	           ? (int)w.kind
	           : -1;
}

int
savebatch_decode(const char *msg, size_t len, struct save_item *it)
{
	struct wire w;
	const char *text[TEXTS];
	size_t tl[TEXTS], at = sizeof(w);
	int k;

	if (len < sizeof(w))
		return -1;
	memcpy(&w, msg, sizeof(w));
	if (w.magic != SAVEBATCH_MAGIC || w.kind >= SAVE_KIND__MAX ||
	    memchr(w.hash, '\0', sizeof(w.hash)) == NULL)
		return -1;
	for (k = 0; k < TEXTS; k++) {
		tl[k] = k == 1 && w.len[k] == SAVEBATCH_NO_SET ? 0 : w.len[k];
		if (tl[k] > len - at)
			return -1;
		text[k] = msg + at;
		at += tl[k];
	}
	if (at != len)
		return -1;
	memset(it, 0, sizeof(*it));
	it->kind = (int)w.kind;
	memcpy(it->hash, w.hash, sizeof(w.hash));
	it->wave = w.wave;
	it->rev = w.rev;
	it->qid = w.qid;
	it->remove = text[0];
	it->remove_len = tl[0];
	if (w.len[1] != SAVEBATCH_NO_SET) {
		it->set = text[1];
		it->set_len = tl[1];
	}
	it->scores = text[2];
	it->scores_len = tl[2];
	it->targets = text[3];
	it->targets_len = tl[3];
	it->has_overall = w.has_overall != 0;
	it->overall = w.overall;
	return 0;
}

int
savebatch_array_elem(struct buf *b, const char *s, size_t len)
{
	size_t i, from = 0;

	if (s == NULL)
		return buf_puts(b, "NULL");
	if (buf_puts(b, "\"") == -1)
		return -1;
	/* Inside a quoted element only " and \ need a backslash. */
	for (i = 0; i < len; i++) {
		if (s[i] != '"' && s[i] != '\\')
			continue;
		if (buf_append(b, s + from, i - from) == -1 ||
		    buf_append(b, "\\", 1) == -1)
			return -1;
		from = i;
	}
	if (buf_append(b, s + from, len - from) == -1)
		return -1;
	return buf_puts(b, "\"");
}

/* Appends text (len bytes) as an array element, "{}" for none. */
static int
json_elem(struct buf *b, const char *text, size_t len)
{
	return len > 0 ? savebatch_array_elem(b, text, len)
	               : savebatch_array_elem(b, "{}", 2);
}

/* A text element of an array literal, NULL for s NULL. */
static int
text_elem(struct buf *b, const char *s)
{
	return savebatch_array_elem(b, s, s ? strlen(s) : 0);
}

/* Appends the element of item it to each of p[0..SAVEBATCH_PARAMS). 0 or
 * -1. */
static int
params_add(const struct save_item *it, int first, struct buf *p)
{
	int k;

	for (k = 0; k < SAVEBATCH_PARAMS; k++)
		if (!first && buf_puts(&p[k], ",") == -1)
			return -1;
	if (savebatch_array_elem(&p[0], it->hash, strlen(it->hash)) == -1 ||
	    buf_printf(&p[1], "%lld", it->wave) == -1 ||
	    buf_printf(&p[2], "%lld", it->rev) == -1)
		return -1;
	if (it->kind == SAVE_KIND_SUBMIT)
		return json_elem(&p[3], it->scores, it->scores_len) == -1 ||
		               (it->has_overall
		                       ? buf_printf(&p[4], "%.17g", it->overall)
		                       : buf_puts(&p[4], "NULL")) == -1 ||
		               json_elem(&p[5], it->targets, it->targets_len) ==
		                   -1 ||
		               text_elem(&p[6], it->export_levels) == -1 ||
		               text_elem(&p[7], it->export_targets) == -1 ||
		               text_elem(&p[8], it->export_scores) == -1 ||
		               (it->rid > 0 ? buf_printf(&p[9], "%lld", it->rid)
		                            : buf_puts(&p[9], "NULL")) == -1 ||
		               buf_puts(&p[10], it->touch ? "t" : "f") == -1
		           ? -1
		           : 0;
	if (buf_printf(&p[3], "%lld", it->qid) == -1 ||
	    savebatch_array_elem(&p[4], it->remove_len > 0 ? it->remove : "[]",
	        it->remove_len > 0 ? it->remove_len : 2) == -1 ||
	    savebatch_array_elem(&p[5], it->set, it->set_len) == -1)
		return -1;
	/* (Autosaves have no export row: p[6..10] stay unused.) */
	for (k = 6; k < SAVEBATCH_PARAMS; k++)
		if (buf_puts(&p[k], "NULL") == -1)
			return -1;
	return 0;
}

int
savebatch_params(const struct save_item *items, size_t n, int kind,
    struct buf p[SAVEBATCH_PARAMS])
{
	size_t i;
	int k, count = 0;

	for (k = 0; k < SAVEBATCH_PARAMS; k++) {
		buf_reset(&p[k]);
		if (buf_puts(&p[k], "{") == -1)
			return -1;
	}
	for (i = 0; i < n; i++) {
		if (items[i].kind != kind)
			continue;
		if (params_add(&items[i], count == 0, p) == -1)
			return -1;
		count++;
	}
	for (k = 0; k < SAVEBATCH_PARAMS; k++)
		if (buf_puts(&p[k], "}") == -1)
			return -1;
	return count;
}
