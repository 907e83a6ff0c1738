/*
 * questionnaire.c: validating a questionnaire definition and the answers of
 * a response against it (API.md "Questionnaires and waves", "A
 * municipality's response"). Pure: no I/O.
 *
 * Validation never stops at the first problem: every check adds what it
 * finds to a context that counts problems and forwards them to the caller's
 * list, each with a JSON pointer (RFC 6901) to the offending value. The
 * pointers are built in buffers as large as struct problem's path and are
 * cut only at UTF-8 character boundaries, so that a long key never turns
 * into invalid UTF-8 in an error answer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "answers.h"
#include "questionnaire.h"
#include "reifegrad.h"

/* A JSON pointer fits struct problem's path; longer ones are cut. */
#define QPATH_SIZE sizeof(((struct problem *)0)->path)
/* A bibliographic source of a questionnaire: a citation with a URL, not an
 * essay. */
#define Q_SOURCE_MAX 1000
/* Levels of the scale a definition lists: exactly 0..4. */
#define Q_LEVELS (RG_LEVEL_MAX - RG_LEVEL_MIN + 1)

/* Problems found so far; ps may be NULL when only the count matters. */
struct vctx {
	struct problems *ps;
	size_t count;
};

/* The stages a dimension may carry recommendations for (score.h). */
static const char *const stage_ids[RG_STAGES] = {
    "einsteiger",
    "aufbauend",
    "fortgeschritten",
    "etabliert",
    "vorreiter",
};

static const char *const level_keys[Q_LEVELS] = {"0", "1", "2", "3", "4"};

static const char *const top_keys[] = {
    "slug",
    "version",
    "title",
    "description",
    "sources",
    "levels",
    "dimensions",
    NULL,
};
static const char *const i18n_keys[] = {"de", "en", NULL};
static const char *const level_entry_keys[] = {"value", "label", NULL};
static const char *const dim_keys[] = {
    "id",
    "title",
    "description",
    "weight",
    "items",
    "recommendations",
    NULL,
};
static const char *const item_keys[] = {
    "id",
    "text",
    "help",
    "levels",
    "required",
    NULL,
};
static const char *const answer_keys[] = {
    "level",
    "target",
    "na",
    "comment",
    NULL,
};

static void vctx_add(struct vctx *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Counts a problem and records it in the caller's list, if there is one. */
static void
vctx_add(struct vctx *c, const char *path, const char *fmt, ...)
{
	char reason[sizeof(((struct problem *)0)->problem)];
	va_list ap;

	c->count++;
	if (c->ps == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	problems_add(c->ps, path, "%s", reason);
}

/* The length in bytes of the UTF-8 sequence that starts with byte b; 1 for
 * a byte that cannot start one, so that a walk always advances. */
static size_t
utf8_seqlen(unsigned char b)
{
	if (b < 0xc0)
		return 1;
	if (b < 0xe0)
		return 2;
	if (b < 0xf0)
		return 3;
	return 4;
}

/* The number of code points of the n bytes at s (valid UTF-8, as jansson
 * guarantees for strings it parsed or built). */
static size_t
utf8_count(const char *s, size_t n)
{
	size_t i, cps;

	cps = 0;
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			cps++;
	return cps;
}

/* Writes base + "/" + key into dst (QPATH_SIZE bytes), escaping '~' as
 * "~0" and '/' as "~1" (RFC 6901) and cutting whole characters only. */
static void
path_key(char *dst, const char *base, const char *key)
{
	size_t len, n, i;
	const char *s;

	len = strlen(base);
	if (len > QPATH_SIZE - 2)
		len = QPATH_SIZE - 2;
	memcpy(dst, base, len);
	dst[len++] = '/';
	for (s = key; *s != '\0'; s += n) {
		if (*s == '~' || *s == '/') {
			if (len + 2 > QPATH_SIZE - 1)
				break;
			dst[len++] = '~';
			dst[len++] = *s == '~' ? '0' : '1';
			n = 1;
			continue;
		}
		n = utf8_seqlen((unsigned char)*s);
		for (i = 1; i < n; i++)
			if (s[i] == '\0')
				break;
		n = i;
		if (len + n > QPATH_SIZE - 1)
			break;
		memcpy(dst + len, s, n);
		len += n;
	}
	dst[len] = '\0';
}

/* Writes base + "/" + index into dst (QPATH_SIZE bytes). */
static void
path_index(char *dst, const char *base, size_t i)
{
	char key[24];

	snprintf(key, sizeof(key), "%zu", i);
	path_key(dst, base, key);
}

/* Whether key is one of the NULL-terminated list. */
static int
key_in(const char *key, const char *const *keys)
{
	for (; *keys != NULL; keys++)
		if (strcmp(key, *keys) == 0)
			return 1;
	return 0;
}

/* Adds "unknown key" for each member of obj that is not in keys. */
static void
check_keys(struct vctx *c, const json_t *obj, const char *path,
    const char *const *keys)
{
	char sub[QPATH_SIZE];
	const char *key;
	json_t *v;

	/* json_object_foreach takes a non-const object but only reads it. */
	json_object_foreach ((json_t *)obj, key, v) {
		if (!key_in(key, keys)) {
			path_key(sub, path, key);
			vctx_add(c, sub, "unknown key");
		}
	}
}

/* Checks a string: no NUL, at most max code points, and, when empty_reason
 * is not NULL, not empty (else adds empty_reason). Returns 0 when it is a
 * string at all, -1 after adding "must be a string". */
static int
check_string(struct vctx *c, const json_t *s, const char *path, size_t max,
    const char *empty_reason)
{
	const char *v;
	size_t n;

	if (!json_is_string(s)) {
		vctx_add(c, path, "must be a string");
		return -1;
	}
	v = json_string_value(s);
	n = json_string_length(s);
	if (strlen(v) != n)
		vctx_add(c, path, "must not contain NUL");
	if (empty_reason != NULL && n == 0)
		vctx_add(c, path, "%s", empty_reason);
	if (utf8_count(v, n) > max)
		vctx_add(c, path, "longer than %zu characters", max);
	return 0;
}

/* Checks an i18n object {"de": non-empty, "en"?: string}. */
static void
check_i18n(struct vctx *c, const json_t *t, const char *path)
{
	char sub[QPATH_SIZE];
	const json_t *v;

	if (!json_is_object(t)) {
		vctx_add(c, path, "must be an object");
		return;
	}
	check_keys(c, t, path, i18n_keys);
	path_key(sub, path, "de");
	if ((v = json_object_get(t, "de")) == NULL)
		vctx_add(c, sub, "missing German text");
	else
		(void)check_string(
		    c, v, sub, RG_QTEXT_MAX, "missing German text");
	if ((v = json_object_get(t, "en")) != NULL) {
		path_key(sub, path, "en");
		(void)check_string(c, v, sub, RG_QTEXT_MAX, NULL);
	}
}

/* Checks the optional i18n member key of obj. */
static void
check_i18n_opt(
    struct vctx *c, const json_t *obj, const char *path, const char *key)
{
	char sub[QPATH_SIZE];
	const json_t *v;

	if ((v = json_object_get(obj, key)) == NULL)
		return;
	path_key(sub, path, key);
	check_i18n(c, v, sub);
}

/* Checks the required i18n member key of obj. */
static void
check_i18n_req(
    struct vctx *c, const json_t *obj, const char *path, const char *key)
{
	char sub[QPATH_SIZE];
	const json_t *v;

	path_key(sub, path, key);
	if ((v = json_object_get(obj, key)) == NULL)
		vctx_add(c, sub, "missing");
	else
		check_i18n(c, v, sub);
}

/* Whether s matches ^[a-z0-9][a-z0-9-]{0,62}$. */
static int
slug_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9'))
			continue;
		if (s[i] == '-' && i > 0)
			continue;
		return 0;
	}
	return 1;
}

/* Whether c may appear in an id; first characters may not be ".", "_" or
 * "-" (^[A-Za-z0-9][A-Za-z0-9._-]*$). */
static int
id_char_ok(char ch, int first)
{
	if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9'))
		return 1;
	return !first && (ch == '.' || ch == '_' || ch == '-');
}

/* Passed as the item index when the id being checked is a dimension's. */
#define NO_ITEM ((size_t)-1)

/*
 * Whether id is already taken by an id recorded in q before the one being
 * checked: that of dimension dim (item == NO_ITEM) or of item number item of
 * dimension dim. Dimension ids are recorded before their items, so an item
 * is also compared with its own dimension's id.
 */
static int
id_seen(const struct qdef *q, size_t dim, size_t item, const char *id)
{
	size_t d, i, ndims, nitems;

	ndims = item == NO_ITEM ? dim : dim + 1;
	for (d = 0; d < ndims && d < RG_DIMENSIONS_MAX; d++) {
		if (strcmp(q->dim[d].id, id) == 0)
			return 1;
		nitems = d < dim ? q->dim[d].nitems : item;
		for (i = 0; i < nitems && i < RG_ITEMS_PER_DIMENSION_MAX; i++)
			if (strcmp(q->dim[d].item[i].id, id) == 0)
				return 1;
	}
	return 0;
}

/*
 * Checks the required id member of obj: pattern, length, and uniqueness
 * among the ids q holds so far (see id_seen). Copies a well-formed id into
 * dst (RG_QID_MAX + 1 bytes) and returns 0, or leaves dst empty and
 * returns -1.
 */
static int
check_id(struct vctx *c, const json_t *obj, const char *path,
    const struct qdef *q, size_t dim, size_t item, char *dst)
{
	char sub[QPATH_SIZE];
	const json_t *v;
	const char *s;
	size_t n, i;

	dst[0] = '\0';
	path_key(sub, path, "id");
	if ((v = json_object_get(obj, "id")) == NULL) {
		vctx_add(c, sub, "missing");
		return -1;
	}
	if (!json_is_string(v)) {
		vctx_add(c, sub, "must be a string");
		return -1;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	for (i = 0; i < n; i++)
		if (!id_char_ok(s[i], i == 0))
			break;
	if (n == 0 || i < n) {
		vctx_add(c, sub, "must match ^[A-Za-z0-9][A-Za-z0-9._-]*$");
		return -1;
	}
	if (n > RG_QID_MAX) {
		vctx_add(c, sub, "longer than %d characters", RG_QID_MAX);
		return -1;
	}
	if (id_seen(q, dim, item, s)) {
		vctx_add(c, sub, "duplicate id %s", s);
		return -1;
	}
	memcpy(dst, s, n + 1);
	return 0;
}

/* Checks the "levels" array of a definition: exactly five {value, label}
 * in the order 0..4. */
static void
check_levels(struct vctx *c, const json_t *levels)
{
	char path[QPATH_SIZE], sub[QPATH_SIZE];
	const json_t *e, *v;
	size_t i;

	if (!json_is_array(levels)) {
		vctx_add(c, "/levels", "must be an array");
		return;
	}
	if (json_array_size(levels) != Q_LEVELS)
		vctx_add(
		    c, "/levels", "must have exactly %d entries", Q_LEVELS);
	json_array_foreach (levels, i, e) {
		path_index(path, "/levels", i);
		if (!json_is_object(e)) {
			vctx_add(c, path, "must be an object");
			continue;
		}
		check_keys(c, e, path, level_entry_keys);
		path_key(sub, path, "value");
		if ((v = json_object_get(e, "value")) == NULL)
			vctx_add(c, sub, "missing");
		else if (!json_is_integer(v) ||
		         json_integer_value(v) < RG_LEVEL_MIN ||
		         json_integer_value(v) > RG_LEVEL_MAX)
			vctx_add(c, sub, "must be an integer %d..%d",
			    RG_LEVEL_MIN, RG_LEVEL_MAX);
		else if (i >= Q_LEVELS ||
		         json_integer_value(v) != (json_int_t)i + RG_LEVEL_MIN)
			vctx_add(c, sub,
			    "levels must be listed in order %d..%d",
			    RG_LEVEL_MIN, RG_LEVEL_MAX);
		check_i18n_req(c, e, path, "label");
	}
}

/* Checks the optional "sources" array: strings of at most Q_SOURCE_MAX
 * characters. */
static void
check_sources(struct vctx *c, const json_t *def)
{
	char path[QPATH_SIZE];
	const json_t *src, *e;
	size_t i;

	if ((src = json_object_get(def, "sources")) == NULL)
		return;
	if (!json_is_array(src)) {
		vctx_add(c, "/sources", "must be an array");
		return;
	}
	json_array_foreach (src, i, e) {
		path_index(path, "/sources", i);
		(void)check_string(c, e, path, Q_SOURCE_MAX, NULL);
	}
}

/* Checks an optional object whose keys must be among keys and whose values
 * are i18n objects (an item's "levels", a dimension's
 * "recommendations"). */
static void
check_i18n_map(struct vctx *c, const json_t *obj, const char *path,
    const char *member, const char *const *keys, size_t nkeys)
{
	char mpath[QPATH_SIZE], sub[QPATH_SIZE];
	const json_t *map, *v;
	const char *key;
	size_t i;

	if ((map = json_object_get(obj, member)) == NULL)
		return;
	path_key(mpath, path, member);
	if (!json_is_object(map)) {
		vctx_add(c, mpath, "must be an object");
		return;
	}
	json_object_foreach ((json_t *)map, key, v) {
		path_key(sub, mpath, key);
		for (i = 0; i < nkeys; i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (i == nkeys)
			vctx_add(c, sub, "unknown key");
		else
			check_i18n(c, v, sub);
	}
}

/* Checks item number i of dimension d and records it in q. */
static void
check_item(struct vctx *c, const json_t *it, const char *path, struct qdef *q,
    size_t d, size_t i)
{
	char sub[QPATH_SIZE];
	char id[RG_QID_MAX + 1];
	const json_t *v;
	int required;

	if (!json_is_object(it)) {
		vctx_add(c, path, "must be an object");
		return;
	}
	check_keys(c, it, path, item_keys);
	(void)check_id(c, it, path, q, d, i, id);
	check_i18n_req(c, it, path, "text");
	check_i18n_opt(c, it, path, "help");
	check_i18n_map(c, it, path, "levels", level_keys, Q_LEVELS);
	required = 1;
	if ((v = json_object_get(it, "required")) != NULL) {
		if (json_is_boolean(v)) {
			required = json_is_true(v);
		} else {
			path_key(sub, path, "required");
			vctx_add(c, sub, "must be a boolean");
		}
	}
	if (d < RG_DIMENSIONS_MAX && i < RG_ITEMS_PER_DIMENSION_MAX) {
		memcpy(q->dim[d].item[i].id, id, sizeof(id));
		q->dim[d].item[i].required = required;
	}
}

/* Checks the "weight" of a dimension: a number > 0 and at most 1000.
 * Returns it, or 0 when it is not acceptable. */
static double
check_weight(struct vctx *c, const json_t *dim, const char *path)
{
	char sub[QPATH_SIZE];
	const json_t *v;
	double w;

	path_key(sub, path, "weight");
	if ((v = json_object_get(dim, "weight")) == NULL) {
		vctx_add(c, sub, "missing");
		return 0;
	}
	if (!json_is_number(v)) {
		vctx_add(c, sub, "must be a number");
		return 0;
	}
	w = json_number_value(v);
	if (!(w > 0)) {
		vctx_add(c, sub, "must be > 0");
		return 0;
	}
	if (w > 1000) {
		vctx_add(c, sub, "must be at most 1000");
		return 0;
	}
	return w;
}

/* Checks dimension number d and its items, and records them in q. */
static void
check_dimension(struct vctx *c, const json_t *dim, const char *path,
    struct qdef *q, size_t d)
{
	char ipath[QPATH_SIZE], sub[QPATH_SIZE];
	char id[RG_QID_MAX + 1];
	const json_t *items, *it;
	size_t i, n;
	double w;

	if (!json_is_object(dim)) {
		vctx_add(c, path, "must be an object");
		return;
	}
	check_keys(c, dim, path, dim_keys);
	(void)check_id(c, dim, path, q, d, NO_ITEM, id);
	if (d < RG_DIMENSIONS_MAX)
		memcpy(q->dim[d].id, id, sizeof(id));
	check_i18n_req(c, dim, path, "title");
	check_i18n_opt(c, dim, path, "description");
	w = check_weight(c, dim, path);
	if (d < RG_DIMENSIONS_MAX)
		q->dim[d].weight = w;
	check_i18n_map(c, dim, path, "recommendations", stage_ids, RG_STAGES);

	path_key(ipath, path, "items");
	if ((items = json_object_get(dim, "items")) == NULL) {
		vctx_add(c, ipath, "missing");
		return;
	}
	if (!json_is_array(items)) {
		vctx_add(c, ipath, "must be an array");
		return;
	}
	n = json_array_size(items);
	if (n == 0)
		vctx_add(c, ipath, "must not be empty");
	else if (n > RG_ITEMS_PER_DIMENSION_MAX)
		vctx_add(
		    c, ipath, "at most %d items", RG_ITEMS_PER_DIMENSION_MAX);
	json_array_foreach (items, i, it) {
		path_index(sub, ipath, i);
		check_item(c, it, sub, q, d, i);
	}
	if (d < RG_DIMENSIONS_MAX)
		q->dim[d].nitems = n < RG_ITEMS_PER_DIMENSION_MAX
		                       ? n
		                       : RG_ITEMS_PER_DIMENSION_MAX;
}

/* Checks "slug" and "version" and records them in q. */
static void
check_header(struct vctx *c, const json_t *def, struct qdef *q)
{
	const json_t *v;

	if ((v = json_object_get(def, "slug")) == NULL)
		vctx_add(c, "/slug", "missing");
	else if (!json_is_string(v))
		vctx_add(c, "/slug", "must be a string");
	else if (!slug_ok(json_string_value(v), json_string_length(v)))
		vctx_add(c, "/slug", "must match ^[a-z0-9][a-z0-9-]{0,62}$");
	else
		memcpy(
		    q->slug, json_string_value(v), json_string_length(v) + 1);

	if ((v = json_object_get(def, "version")) == NULL)
		vctx_add(c, "/version", "missing");
	else if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	         json_integer_value(v) > 10000)
		vctx_add(c, "/version", "must be an integer 1..10000");
	else
		q->version = (int)json_integer_value(v);
}

/*
 * Validates a definition and fills out when it is valid (see
 * questionnaire.h). The qdef is built in a scratch copy as the checks go,
 * because duplicate ids are found by looking at the ids recorded so far;
 * out is written only at the end, and only when nothing was found.
 */
int
questionnaire_validate(const json_t *def, struct qdef *out, struct problems *ps)
{
	struct vctx c = {ps, 0};
	char path[QPATH_SIZE];
	const json_t *v, *dims, *dim;
	struct qdef q;
	size_t d, n;

	if (!json_is_object(def)) {
		vctx_add(&c, "", "must be an object");
		return -1;
	}
	memset(&q, 0, sizeof(q));
	check_keys(&c, def, "", top_keys);
	check_header(&c, def, &q);
	check_i18n_req(&c, def, "", "title");
	check_i18n_opt(&c, def, "", "description");
	check_sources(&c, def);
	if ((v = json_object_get(def, "levels")) == NULL)
		vctx_add(&c, "/levels", "missing");
	else
		check_levels(&c, v);

	if ((dims = json_object_get(def, "dimensions")) == NULL) {
		vctx_add(&c, "/dimensions", "missing");
	} else if (!json_is_array(dims)) {
		vctx_add(&c, "/dimensions", "must be an array");
	} else {
		n = json_array_size(dims);
		if (n == 0)
			vctx_add(&c, "/dimensions", "must not be empty");
		else if (n > RG_DIMENSIONS_MAX)
			vctx_add(&c, "/dimensions", "at most %d dimensions",
			    RG_DIMENSIONS_MAX);
		json_array_foreach (dims, d, dim) {
			path_index(path, "/dimensions", d);
			check_dimension(&c, dim, path, &q, d);
		}
		q.ndims = n < RG_DIMENSIONS_MAX ? n : RG_DIMENSIONS_MAX;
	}

	if (c.count > 0)
		return -1;
	if (out != NULL)
		*out = q;
	return 0;
}

/*
 * Finds the item with the given id; sets *dim and *item (each may be NULL)
 * to its indexes and returns 0, or returns -1 when q has no such item.
 */
int
questionnaire_find_item(
    const struct qdef *q, const char *id, size_t *dim, size_t *item)
{
	size_t d, i;

	for (d = 0; d < q->ndims; d++)
		for (i = 0; i < q->dim[d].nitems; i++)
			if (strcmp(q->dim[d].item[i].id, id) == 0) {
				if (dim != NULL)
					*dim = d;
				if (item != NULL)
					*item = i;
				return 0;
			}
	return -1;
}

/* Checks "level" or "target" of an answer: null or an integer 0..4. */
static void
check_answer_level(
    struct vctx *c, const json_t *a, const char *path, const char *key)
{
	char sub[QPATH_SIZE];
	const json_t *v;

	if ((v = json_object_get(a, key)) == NULL || json_is_null(v))
		return;
	if (!json_is_integer(v) || json_integer_value(v) < RG_LEVEL_MIN ||
	    json_integer_value(v) > RG_LEVEL_MAX) {
		path_key(sub, path, key);
		vctx_add(c, sub, "must be an integer %d..%d", RG_LEVEL_MIN,
		    RG_LEVEL_MAX);
	}
}

/* Checks one answer object (not null) at path. */
static void
check_answer(struct vctx *c, const json_t *a, const char *path)
{
	char sub[QPATH_SIZE];
	const json_t *v;

	if (!json_is_object(a)) {
		vctx_add(c, path, "must be an object or null");
		return;
	}
	check_keys(c, a, path, answer_keys);
	check_answer_level(c, a, path, "level");
	check_answer_level(c, a, path, "target");
	if ((v = json_object_get(a, "na")) != NULL && !json_is_boolean(v)) {
		path_key(sub, path, "na");
		vctx_add(c, sub, "must be a boolean");
	}
	if ((v = json_object_get(a, "comment")) != NULL && !json_is_null(v)) {
		path_key(sub, path, "comment");
		if (!json_is_string(v))
			vctx_add(c, sub, "must be a string or null");
		else
			(void)check_string(c, v, sub, RG_COMMENT_MAX, NULL);
	}
}

/*
 * Validates the "answers" object of a PUT against q (see questionnaire.h);
 * problems go to ps under "/answers". Returns 0 when valid, -1 otherwise.
 */
int
questionnaire_validate_answers(
    const struct qdef *q, const json_t *answers, struct problems *ps)
{
	struct vctx c = {ps, 0};
	char path[QPATH_SIZE];
	const char *key;
	json_t *a;

	if (!json_is_object(answers)) {
		vctx_add(&c, "/answers", "must be an object");
		return -1;
	}
	json_object_foreach ((json_t *)answers, key, a) {
		path_key(path, "/answers", key);
		if (questionnaire_find_item(q, key, NULL, NULL) != 0) {
			vctx_add(&c, path, "unknown item");
			continue;
		}
		if (!json_is_null(a))
			check_answer(&c, a, path);
	}
	return c.count > 0 ? -1 : 0;
}

size_t
questionnaire_missing_answers(
    const struct qdef *q, const struct answer *a, struct problems *ps)
{
	struct vctx c = {ps, 0};
	char path[QPATH_SIZE];
	const struct qitem *it;
	size_t d, i, k = 0;

	for (d = 0; d < q->ndims && d < RG_DIMENSIONS_MAX; d++)
		for (i = 0; i < q->dim[d].nitems; i++, k++) {
			it = &q->dim[d].item[i];
			if (!it->required || answer_given(&a[k]))
				continue;
			path_key(path, "/answers", it->id);
			vctx_add(&c, path, "required");
		}
	return c.count;
}

/*
 * Adds "required" at "/answers/<id>" to ps (which may be NULL) for every
 * required item of q that answers leaves unanswered; returns their number.
 * Anything but a level 0..4 or na=true (a stored answer that was never
 * validated) counts as unanswered.
 */
size_t
questionnaire_missing_required(
    const struct qdef *q, const json_t *answers, struct problems *ps)
{
	struct answer a[ANSWERS_MAX];

	answers_of_json(q, answers, a);
	return questionnaire_missing_answers(q, a, ps);
}

/*
 * Sets *answered to the number of q's items that answers answers (a level
 * 0..4, or na=true) and *total to the number of all of q's items.
 */
void
questionnaire_progress(const struct qdef *q, const json_t *answers,
    size_t *answered, size_t *total)
{
	struct answer a[ANSWERS_MAX];
	size_t k, n = answers_count(q);

	answers_of_json(q, answers, a);
	*answered = 0;
	for (k = 0; k < n; k++)
		*answered += (size_t)answer_given(&a[k]);
	*total = n;
}
