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

#define SAVEBATCH_MAGIC 0x52475331u /* "RGS1" */
/* set_len of an item without answers (the checks only). */
#define SAVEBATCH_NO_SET UINT32_MAX

struct wire {
	uint32_t magic;
	uint32_t remove_len;
	uint32_t set_len;
	int64_t wave;
	int64_t rev;
	int64_t qid;
	char hash[SAVEBATCH_HASH_MAX];
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
    [SAVE_UNAVAILABLE] = "unavailable",
    [SAVE_CONFLICT] = "conflict",
    [SAVE_ERROR] = "error",
};

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
	size_t hl = strnlen(it->hash, sizeof(it->hash));
	size_t set_len = it->set != NULL ? it->set_len : 0;
	size_t need;

	if (hl == sizeof(it->hash) || it->remove_len >= SAVEBATCH_NO_SET ||
	    set_len >= SAVEBATCH_NO_SET || it->remove_len > cap ||
	    set_len > cap - it->remove_len ||
	    sizeof(w) > cap - it->remove_len - set_len)
		return 0;
	need = sizeof(w) + it->remove_len + set_len;
	memset(&w, 0, sizeof(w));
	w.magic = SAVEBATCH_MAGIC;
	w.remove_len = (uint32_t)it->remove_len;
	w.set_len = it->set != NULL ? (uint32_t)set_len : SAVEBATCH_NO_SET;
	w.wave = it->wave;
	w.rev = it->rev;
	w.qid = it->qid;
	memcpy(w.hash, it->hash, hl);
	memcpy(out, &w, sizeof(w));
	if (it->remove_len > 0)
		memcpy(out + sizeof(w), it->remove, it->remove_len);
	if (set_len > 0)
		memcpy(out + sizeof(w) + it->remove_len, it->set, set_len);
	return need;
}

int
savebatch_decode(const char *msg, size_t len, struct save_item *it)
{
	struct wire w;
	size_t set_len;

	if (len < sizeof(w))
		return -1;
	memcpy(&w, msg, sizeof(w));
	set_len = w.set_len == SAVEBATCH_NO_SET ? 0 : w.set_len;
	if (w.magic != SAVEBATCH_MAGIC ||
	    memchr(w.hash, '\0', sizeof(w.hash)) == NULL ||
	    w.remove_len > len - sizeof(w) ||
	    set_len != len - sizeof(w) - w.remove_len)
		return -1;
	memset(it, 0, sizeof(*it));
	memcpy(it->hash, w.hash, sizeof(w.hash));
	it->wave = w.wave;
	it->rev = w.rev;
	it->qid = w.qid;
	it->remove = msg + sizeof(w);
	it->remove_len = w.remove_len;
	if (w.set_len != SAVEBATCH_NO_SET) {
		it->set = msg + sizeof(w) + w.remove_len;
		it->set_len = set_len;
	}
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

/* Appends "," before every element but the first. */
static int
sep(struct buf *b, size_t i)
{
	return i > 0 ? buf_puts(b, ",") : 0;
}

int
savebatch_params(const struct save_item *items, size_t n, struct buf p[6])
{
	size_t i, k;

	for (k = 0; k < 6; k++) {
		buf_reset(&p[k]);
		if (buf_puts(&p[k], "{") == -1)
			return -1;
	}
	for (i = 0; i < n; i++) {
		const struct save_item *it = &items[i];

		if (sep(&p[0], i) == -1 ||
		    savebatch_array_elem(&p[0], it->hash, strlen(it->hash)) ==
		        -1 ||
		    sep(&p[1], i) == -1 ||
		    buf_printf(&p[1], "%lld", it->wave) == -1 ||
		    sep(&p[2], i) == -1 ||
		    buf_printf(&p[2], "%lld", it->rev) == -1 ||
		    sep(&p[3], i) == -1 ||
		    buf_printf(&p[3], "%lld", it->qid) == -1 ||
		    sep(&p[4], i) == -1 ||
		    savebatch_array_elem(&p[4],
		        it->remove_len > 0 ? it->remove : "[]",
		        it->remove_len > 0 ? it->remove_len : 2) == -1 ||
		    sep(&p[5], i) == -1 ||
		    savebatch_array_elem(&p[5], it->set, it->set_len) == -1)
			return -1;
	}
	for (k = 0; k < 6; k++)
		if (buf_puts(&p[k], "}") == -1)
			return -1;
	return 0;
}
