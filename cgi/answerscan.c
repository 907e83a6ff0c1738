/*
 * answerscan.c: the answers of a response read for scoring (answerscan.h).
 *
 * One pass over the text: each key is compared with the one before (so
 * that none comes twice, which json_loadb would refuse) and with the next
 * item of the questionnaire in the same order, so that finding the items
 * costs one comparison per key.
 */
#include <stdlib.h>
#include <string.h>

#include "answerscan.h"
#include "reifegrad.h"

struct scan {
	const unsigned char *p, *end;
};

/* A scalar as the readers of the answers tell them apart. */
enum vkind { V_INT, V_STR, V_TRUE, V_OTHER };

struct value {
	enum vkind kind;
	long long i;
	const unsigned char *s;
	size_t len;
};

/* A key: its text (without quotes) and length. */
struct key {
	const unsigned char *s;
	size_t len;
};

static void
skip_ws(struct scan *sc)
{
	while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' ||
	                              *sc->p == '\n' || *sc->p == '\r'))
		sc->p++;
}

/* The length of the UTF-8 sequence at p (its first byte 0x80 or more), or
 * 0 when it is not valid (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF). */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n, i;
	unsigned long c;

	if (*p >= 0xC2 && *p <= 0xDF) {
		n = 2;
		c = *p & 0x1F;
	} else if (*p >= 0xE0 && *p <= 0xEF) {
		n = 3;
		c = *p & 0x0F;
	} else if (*p >= 0xF0 && *p <= 0xF4) {
		n = 4;
		c = *p & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10FFFF)))
		return 0;
	return n;
}

/* Reads a string at sc->p (its opening quote) into k. 0, or -1 when it is
 * not one the scan takes. */
static int
read_string(struct scan *sc, struct key *k)
{
	size_t n;

	if (sc->p >= sc->end || *sc->p != '"')
		return -1;
	k->s = ++sc->p;
	while (sc->p < sc->end && *sc->p != '"') {
		if (*sc->p < 0x20 || *sc->p == '\\')
			return -1;
		if (*sc->p < 0x80) {
			sc->p++;
			continue;
		}
		if ((n = utf8_len(sc->p, sc->end)) == 0)
			return -1;
		sc->p += n;
	}
	if (sc->p >= sc->end)
		return -1;
	k->len = (size_t)(sc->p - k->s);
	sc->p++;
	return 0;
}

/* Reads an integer (no fraction, no exponent, at most 18 digits). */
static int
read_integer(struct scan *sc, struct value *v)
{
	int neg = 0, digits = 0;
	long long x = 0;

	if (*sc->p == '-') {
		neg = 1;
		sc->p++;
	}
	if (sc->p >= sc->end || *sc->p < '0' || *sc->p > '9')
		return -1;
	if (*sc->p == '0') {
		sc->p++;
		digits = 1;
	} else {
		while (sc->p < sc->end && *sc->p >= '0' && *sc->p <= '9') {
			if (++digits > 18)
				return -1;
			x = x * 10 + (*sc->p++ - '0');
		}
	}
	/* A fraction, an exponent, or a leading zero's next digit. */
	if (sc->p < sc->end &&
	    ((*sc->p >= '0' && *sc->p <= '9') || *sc->p == '.' ||
	        *sc->p == 'e' || *sc->p == 'E'))
		return -1;
	v->kind = V_INT;
	v->i = neg ? -x : x;
	return 0;
}

/* Whether the literal word (of n bytes) is at sc->p; then it is read. */
static int
literal(struct scan *sc, const char *word, size_t n)
{
	if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, word, n) != 0)
		return 0;
	sc->p += n;
	return 1;
}

/* Reads a string, number or literal. 0, or -1 (also for an object or an
 * array). */
static int
read_scalar(struct scan *sc, struct value *v)
{
	struct key k;

	if (sc->p >= sc->end)
		return -1;
	switch (*sc->p) {
	case '"':
		if (read_string(sc, &k) == -1)
			return -1;
		v->kind = V_STR;
		v->s = k.s;
		v->len = k.len;
		return 0;
	case 't': v->kind = V_TRUE; return literal(sc, "true", 4) ? 0 : -1;
	case 'f': v->kind = V_OTHER; return literal(sc, "false", 5) ? 0 : -1;
	case 'n': v->kind = V_OTHER; return literal(sc, "null", 4) ? 0 : -1;
	default: return read_integer(sc, v);
	}
}

/* Compares keys in jsonb's order: the shorter first, then bytewise. */
static int
key_cmp(const struct key *a, const struct key *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->s, b->s, a->len);
}

static int
key_is(const struct key *k, const char *name)
{
	return k->len == strlen(name) && memcmp(k->s, name, k->len) == 0;
}

/* Reads the next key of an object (after '{' or ','): its string, the
 * colon, and the whitespace before the value; the key must come after
 * prev (when prev->s is set). 0 or -1. */
static int
read_key(struct scan *sc, struct key *k, struct key *prev)
{
	skip_ws(sc);
	if (read_string(sc, k) == -1 ||
	    (prev->s != NULL && key_cmp(prev, k) >= 0))
		return -1;
	*prev = *k;
	skip_ws(sc);
	if (sc->p >= sc->end || *sc->p != ':')
		return -1;
	sc->p++;
	skip_ws(sc);
	return 0;
}

/* After a value: ',' (returns 1, another key follows) or the closing '}'
 * (returns 0); -1 for anything else. */
static int
next_member(struct scan *sc)
{
	skip_ws(sc);
	if (sc->p < sc->end && *sc->p == ',') {
		sc->p++;
		return 1;
	}
	if (sc->p < sc->end && *sc->p == '}') {
		sc->p++;
		return 0;
	}
	return -1;
}

/* The kind of v as a level or target (answers.h), its value in *out. */
static unsigned char
field_of(const struct value *v, long long *out)
{
	*out = 0;
	if (v->kind == V_INT) {
		*out = v->i;
		return ANSWER_INT;
	}
	if (v->kind == V_STR && v->len == 1 && v->s[0] >= '0' &&
	    v->s[0] <= '4') {
		*out = v->s[0] - '0';
		return ANSWER_DIGIT;
	}
	return ANSWER_NONE;
}

/* Reads an answer object of scalars at sc->p ('{'). into, when not NULL,
 * gets its "na" (when true), "level" and "target". 0 or -1. */
static int
read_answer(struct scan *sc, struct answer *into)
{
	struct key k, prev = {NULL, 0};
	struct value v;
	int more;

	sc->p++; /* '{' */
	skip_ws(sc);
	if (sc->p < sc->end && *sc->p == '}') {
		sc->p++;
		return 0;
	}
	do {
		if (read_key(sc, &k, &prev) == -1 || read_scalar(sc, &v) == -1)
			return -1;
		if (into == NULL)
			continue;
		if (key_is(&k, "na"))
			into->na = v.kind == V_TRUE;
		else if (key_is(&k, "level"))
			into->level_kind = field_of(&v, &into->level);
		else if (key_is(&k, "target"))
			into->target_kind = field_of(&v, &into->target);
	} while ((more = next_member(sc)) == 1);
	return more;
}

/* An item of q and its place in definition order. */
struct item_at {
	const char *id;
	size_t len, at;
};

static int
item_cmp(const void *a, const void *b)
{
	const struct item_at *x = a, *y = b;
	struct key kx = {(const unsigned char *)x->id, x->len};
	struct key ky = {(const unsigned char *)y->id, y->len};

	return key_cmp(&kx, &ky);
}

/* Reads the top-level object into out (q's answers in definition
 * order), item by item (items: q's items in jsonb's order, n of them).
 * 0 or -1. */
static int
read_answers(
    struct scan *sc, const struct item_at *items, size_t n, struct answer *out)
{
	struct key k, prev = {NULL, 0};
	struct value v;
	size_t at = 0;
	int more, c = 1;

	skip_ws(sc);
	if (sc->p >= sc->end || *sc->p != '{')
		return -1;
	sc->p++;
	skip_ws(sc);
	if (sc->p < sc->end && *sc->p == '}') {
		sc->p++;
		return 0;
	}
	do {
		struct answer *it = NULL;

		if (read_key(sc, &k, &prev) == -1)
			return -1;
		/* The next item of q at or after this key. */
		while (at < n) {
			struct key ik = {
			    (const unsigned char *)items[at].id, items[at].len};

			if ((c = key_cmp(&ik, &k)) >= 0)
				break;
			at++;
		}
		if (sc->p < sc->end && *sc->p == '{') {
			if (at < n && c == 0) {
				it = &out[items[at].at];
				it->object = 1;
			}
			if (read_answer(sc, it) == -1)
				return -1;
		} else if (read_scalar(sc, &v) == -1) {
			return -1;
		}
	} while ((more = next_member(sc)) == 1);
	return more;
}

int
answers_scan(
    const struct qdef *q, const char *text, size_t len, struct answer *out)
{
	struct item_at items[ANSWERS_MAX];
	struct scan sc = {
	    (const unsigned char *)text, (const unsigned char *)text + len};
	size_t d, i, n = 0;

	for (d = 0; d < q->ndims && d < RG_DIMENSIONS_MAX; d++)
		for (i = 0; i < q->dim[d].nitems && n < ANSWERS_MAX; i++) {
			items[n].id = q->dim[d].item[i].id;
			items[n].len = strlen(items[n].id);
			items[n].at = n;
			n++;
		}
	qsort(items, n, sizeof(items[0]), item_cmp);
	memset(out, 0, n * sizeof(*out));
	if (read_answers(&sc, items, n, out) == -1)
		return -1;
	skip_ws(&sc);
	return sc.p == sc.end ? 0 : -1;
}
