/*
 * test_questionnaire.c: cgi/questionnaire.c, table-driven.
 *
 * Broken definitions are a valid base definition with one change, given as
 * a JSON pointer and the JSON text (or a generator) to put there; each row
 * names the exact path and reason that must be among the problems.
 */
#include <assert.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "questionnaire.h"
#include "reifegrad.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Every parse allows NUL so that the validator's own NUL check is reached;
 * the server's parser refuses NUL before that. */
#define LOAD_FLAGS (JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)

/* The smallest valid definition: two dimensions, three items, D1.2
 * optional. */
static const char base_def[] =
    "{\"slug\":\"test-q\",\"version\":1,\"title\":{\"de\":\"Test\"},"
    "\"levels\":["
    "{\"value\":0,\"label\":{\"de\":\"L0\"}},"
    "{\"value\":1,\"label\":{\"de\":\"L1\"}},"
    "{\"value\":2,\"label\":{\"de\":\"L2\"}},"
    "{\"value\":3,\"label\":{\"de\":\"L3\"}},"
    "{\"value\":4,\"label\":{\"de\":\"L4\"}}],"
    "\"dimensions\":["
    "{\"id\":\"D1\",\"title\":{\"de\":\"Dim 1\"},\"weight\":1,\"items\":["
    "{\"id\":\"D1.1\",\"text\":{\"de\":\"Frage 1\"}},"
    "{\"id\":\"D1.2\",\"text\":{\"de\":\"Frage 2\"},\"required\":false}]},"
    "{\"id\":\"D2\",\"title\":{\"de\":\"Dim 2\"},\"weight\":2.5,\"items\":["
    "{\"id\":\"D2.1\",\"text\":{\"de\":\"Frage 3\"}}]}]}";

/* Every optional member used once. */
static const char full_def[] =
    "{\"slug\":\"smart-city-reifegrad\",\"version\":10000,"
    "\"title\":{\"de\":\"Reifegrad\",\"en\":\"Maturity\"},"
    "\"description\":{\"de\":\"Beschreibung\",\"en\":\"\"},"
    "\"sources\":[\"Bitkom 2023\",\"\"],"
    "\"levels\":["
    "{\"value\":0,\"label\":{\"de\":\"keine\",\"en\":\"none\"}},"
    "{\"label\":{\"de\":\"L1\"},\"value\":1},"
    "{\"value\":2,\"label\":{\"de\":\"L2\"}},"
    "{\"value\":3,\"label\":{\"de\":\"L3\"}},"
    "{\"value\":4,\"label\":{\"de\":\"L4\"}}],"
    "\"dimensions\":[{\"id\":\"Strategie_1-a\",\"title\":{\"de\":\"S\"},"
    "\"description\":{\"de\":\"d\"},\"weight\":1000,"
    "\"recommendations\":{\"einsteiger\":{\"de\":\"a\"},"
    "\"aufbauend\":{\"de\":\"b\"},\"fortgeschritten\":{\"de\":\"c\"},"
    "\"etabliert\":{\"de\":\"d\"},\"vorreiter\":{\"de\":\"e\",\"en\":\"e\"}},"
    "\"items\":[{\"id\":\"0\",\"text\":{\"de\":\"Frage\",\"en\":\"Q\"},"
    "\"help\":{\"de\":\"Hilfe\"},\"levels\":{\"0\":{\"de\":\"nichts\"},"
    "\"1\":{\"de\":\"a\"},\"2\":{\"de\":\"b\"},\"3\":{\"de\":\"c\"},"
    "\"4\":{\"de\":\"alles\",\"en\":\"all\"}},\"required\":true},"
    "{\"id\":\"x.y\",\"text\":{\"de\":\"\\u00e4\"},\"levels\":{},"
    "\"required\":false}]}]}";

/* Splits the next reference token off *p (RFC 6901) into tok; returns
 * -1 at the end of the pointer. */
static int
pointer_next(const char **p, char *tok, size_t size)
{
	size_t n = 0;

	if (**p != '/')
		return -1;
	for ((*p)++; **p != '\0' && **p != '/'; (*p)++) {
		char ch = **p;

		if (ch == '~') {
			(*p)++;
			ch = **p == '0' ? '~' : '/';
		}
		if (n + 1 < size)
			tok[n++] = ch;
	}
	tok[n] = '\0';
	return 0;
}

/* Puts value (stolen; NULL deletes) at JSON pointer ptr inside root. An
 * array index equal to the size appends. Fails the test when the pointer
 * does not lead anywhere. */
static void
pointer_set(json_t *root, const char *ptr, json_t *value)
{
	char tok[256];
	json_t *parent, *next;
	size_t i;

	parent = NULL;
	next = root;
	while (pointer_next(&ptr, tok, sizeof(tok)) == 0) {
		parent = next;
		if (*ptr == '\0')
			break;
		if (json_is_object(parent))
			next = json_object_get(parent, tok);
		else
			next = json_array_get(parent, strtoul(tok, NULL, 10));
		if (next == NULL)
			fail_msg("pointer leads nowhere at %s", tok);
	}
	assert_non_null(parent);
	if (json_is_object(parent)) {
		if (value == NULL)
			assert_int_equal(json_object_del(parent, tok), 0);
		else
			assert_int_equal(
			    json_object_set_new(parent, tok, value), 0);
		return;
	}
	i = strtoul(tok, NULL, 10);
	if (value == NULL)
		assert_int_equal(json_array_remove(parent, i), 0);
	else if (i == json_array_size(parent))
		assert_int_equal(json_array_append_new(parent, value), 0);
	else
		assert_int_equal(json_array_set_new(parent, i, value), 0);
}

/* A string of n copies of the UTF-8 character ch. */
static json_t *
make_repeat(const char *ch, size_t n)
{
	size_t len = strlen(ch), i;
	char *s;
	json_t *j;

	s = malloc(len * n + 1);
	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * len, ch, len);
	s[len * n] = '\0';
	j = json_stringn(s, len * n);
	free(s);
	assert_non_null(j);
	return j;
}

static json_t *
make_text_4001(void)
{
	return make_repeat("x", RG_QTEXT_MAX + 1);
}

static json_t *
make_help_4001_umlaut(void)
{
	return json_pack("{s:s,s:o}", "de", "Hilfe", "en",
	    make_repeat("\xc3\xbc", RG_QTEXT_MAX + 1));
}

static json_t *
make_sources_1001(void)
{
	return json_pack("[s,o]", "ok", make_repeat("s", 1001));
}

static json_t *
make_nul(void)
{
	return json_stringn("a\0b", 3);
}

static json_t *
make_id_nul(void)
{
	return json_stringn("D1\0x", 4);
}

static json_t *
make_slug_64(void)
{
	return make_repeat("a", 64);
}

static json_t *
make_id_33(void)
{
	return make_repeat("D", RG_QID_MAX + 1);
}

/* RG_DIMENSIONS_MAX + 1 valid dimensions with one item each. */
static json_t *
make_dims_21(void)
{
	json_t *a = json_array();
	char id[16], iid[16];
	int i;

	for (i = 0; i <= RG_DIMENSIONS_MAX; i++) {
		snprintf(id, sizeof(id), "D%d", i);
		snprintf(iid, sizeof(iid), "D%d.1", i);
		json_array_append_new(
		    a, json_pack("{s:s,s:{s:s},s:i,s:[{s:s,s:{s:s}}]}", "id",
		           id, "title", "de", "t", "weight", 1, "items", "id",
		           iid, "text", "de", "q"));
	}
	return a;
}

/* RG_ITEMS_PER_DIMENSION_MAX + 1 valid items. */
static json_t *
make_items_31(void)
{
	json_t *a = json_array();
	char id[16];
	int i;

	for (i = 0; i <= RG_ITEMS_PER_DIMENSION_MAX; i++) {
		snprintf(id, sizeof(id), "I%d", i);
		json_array_append_new(
		    a, json_pack("{s:s,s:{s:s}}", "id", id, "text", "de", "q"));
	}
	return a;
}

/* One broken definition: doc, or base_def with ptr set to value (JSON
 * text), to make() or, when both are NULL, deleted. */
struct def_case {
	const char *name;
	const char *doc;
	const char *ptr;
	const char *value;
	json_t *(*make)(void);
	const char *path;
	const char *problem;
};

#define MUST_MATCH_ID "must match ^[A-Za-z0-9][A-Za-z0-9._-]*$"
#define MUST_MATCH_SLUG "must match ^[a-z0-9][a-z0-9-]{0,62}$"

static const struct def_case def_cases[] = {
    /* Duplicate ids, among items and dimensions alike. */
    {"dup item in dimension", NULL, "/dimensions/0/items/1/id", "\"D1.1\"",
        NULL, "/dimensions/0/items/1/id", "duplicate id D1.1"},
    {"dup item across dimensions", NULL, "/dimensions/1/items/0/id", "\"D1.2\"",
        NULL, "/dimensions/1/items/0/id", "duplicate id D1.2"},
    {"dup dimension", NULL, "/dimensions/1/id", "\"D1\"", NULL,
        "/dimensions/1/id", "duplicate id D1"},
    {"dimension id = earlier item id", NULL, "/dimensions/1/id", "\"D1.1\"",
        NULL, "/dimensions/1/id", "duplicate id D1.1"},
    {"item id = own dimension id", NULL, "/dimensions/0/items/0/id", "\"D1\"",
        NULL, "/dimensions/0/items/0/id", "duplicate id D1"},
    {"item id = earlier dimension id", NULL, "/dimensions/1/items/0/id",
        "\"D1\"", NULL, "/dimensions/1/items/0/id", "duplicate id D1"},
    /* German text. */
    {"title without de", NULL, "/title", "{\"en\":\"Test\"}", NULL, "/title/de",
        "missing German text"},
    {"empty de", NULL, "/dimensions/0/items/0/text/de", "\"\"", NULL,
        "/dimensions/0/items/0/text/de", "missing German text"},
    {"level label without de", NULL, "/levels/2/label", "{}", NULL,
        "/levels/2/label/de", "missing German text"},
    {"item level text without de", NULL, "/dimensions/0/items/0/levels",
        "{\"3\":{\"en\":\"x\"}}", NULL, "/dimensions/0/items/0/levels/3/de",
        "missing German text"},
    {"recommendation without de", NULL, "/dimensions/1/recommendations",
        "{\"vorreiter\":{}}", NULL,
        "/dimensions/1/recommendations/vorreiter/de", "missing German text"},
    {"de not a string", NULL, "/title/de", "1", NULL, "/title/de",
        "must be a string"},
    {"en not a string", NULL, "/dimensions/0/title/en", "null", NULL,
        "/dimensions/0/title/en", "must be a string"},
    /* The scale 0..4. */
    {"level value 5", NULL, "/levels/4/value", "5", NULL, "/levels/4/value",
        "must be an integer 0..4"},
    {"level value -1", NULL, "/levels/0/value", "-1", NULL, "/levels/0/value",
        "must be an integer 0..4"},
    {"level value 2.0", NULL, "/levels/2/value", "2.0", NULL, "/levels/2/value",
        "must be an integer 0..4"},
    {"levels out of order", NULL, "/levels/1/value", "2", NULL,
        "/levels/1/value", "levels must be listed in order 0..4"},
    {"four levels", NULL, "/levels/4", NULL, NULL, "/levels",
        "must have exactly 5 entries"},
    {"six levels", NULL, "/levels/5", "{\"value\":4,\"label\":{\"de\":\"L4\"}}",
        NULL, "/levels", "must have exactly 5 entries"},
    {"level entry not an object", NULL, "/levels/3", "3", NULL, "/levels/3",
        "must be an object"},
    {"level without label", NULL, "/levels/3/label", NULL, NULL,
        "/levels/3/label", "missing"},
    {"level without value", NULL, "/levels/3/value", NULL, NULL,
        "/levels/3/value", "missing"},
    {"levels missing", NULL, "/levels", NULL, NULL, "/levels", "missing"},
    {"item level key 5", NULL, "/dimensions/0/items/0/levels",
        "{\"5\":{\"de\":\"x\"}}", NULL, "/dimensions/0/items/0/levels/5",
        "unknown key"},
    {"item level key -1", NULL, "/dimensions/0/items/0/levels",
        "{\"-1\":{\"de\":\"x\"}}", NULL, "/dimensions/0/items/0/levels/-1",
        "unknown key"},
    {"item level key 01", NULL, "/dimensions/0/items/0/levels",
        "{\"01\":{\"de\":\"x\"}}", NULL, "/dimensions/0/items/0/levels/01",
        "unknown key"},
    /* Sizes of arrays. */
    {"empty dimensions", NULL, "/dimensions", "[]", NULL, "/dimensions",
        "must not be empty"},
    {"21 dimensions", NULL, "/dimensions", NULL, make_dims_21, "/dimensions",
        "at most 20 dimensions"},
    {"empty items", NULL, "/dimensions/1/items", "[]", NULL,
        "/dimensions/1/items", "must not be empty"},
    {"31 items", NULL, "/dimensions/1/items", NULL, make_items_31,
        "/dimensions/1/items", "at most 30 items"},
    /* Weights. */
    {"weight 0", NULL, "/dimensions/0/weight", "0", NULL,
        "/dimensions/0/weight", "must be > 0"},
    {"weight 0.0", NULL, "/dimensions/0/weight", "0.0", NULL,
        "/dimensions/0/weight", "must be > 0"},
    {"weight -1", NULL, "/dimensions/1/weight", "-1", NULL,
        "/dimensions/1/weight", "must be > 0"},
    {"weight 1000.5", NULL, "/dimensions/0/weight", "1000.5", NULL,
        "/dimensions/0/weight", "must be at most 1000"},
    {"weight string", NULL, "/dimensions/0/weight", "\"1\"", NULL,
        "/dimensions/0/weight", "must be a number"},
    {"weight missing", NULL, "/dimensions/0/weight", NULL, NULL,
        "/dimensions/0/weight", "missing"},
    /* Unknown keys, escaped in the path (RFC 6901). */
    {"unknown top-level key", NULL, "/colour", "\"red\"", NULL, "/colour",
        "unknown key"},
    {"unknown key with ~ and /", NULL, "/a~1b~0c", "1", NULL, "/a~1b~0c",
        "unknown key"},
    {"unknown key in dimension", NULL, "/dimensions/1/required", "true", NULL,
        "/dimensions/1/required", "unknown key"},
    {"unknown key in item", NULL, "/dimensions/0/items/0/weight", "1", NULL,
        "/dimensions/0/items/0/weight", "unknown key"},
    {"unknown key in i18n", NULL, "/title/fr", "\"Essai\"", NULL, "/title/fr",
        "unknown key"},
    {"unknown key in level", NULL, "/levels/0/color", "\"red\"", NULL,
        "/levels/0/color", "unknown key"},
    {"unknown stage", NULL, "/dimensions/0/recommendations",
        "{\"profi\":{\"de\":\"x\"}}", NULL,
        "/dimensions/0/recommendations/profi", "unknown key"},
    /* Oversized texts. */
    {"title 4001 characters", NULL, "/title/de", NULL, make_text_4001,
        "/title/de", "longer than 4000 characters"},
    {"help 4001 umlauts", NULL, "/dimensions/0/items/0/help", NULL,
        make_help_4001_umlaut, "/dimensions/0/items/0/help/en",
        "longer than 4000 characters"},
    {"source 1001 characters", NULL, "/sources", NULL, make_sources_1001,
        "/sources/1", "longer than 1000 characters"},
    /* Wrong types and shapes. */
    {"not an object", "[]", NULL, NULL, NULL, "", "must be an object"},
    {"version string", NULL, "/version", "\"1\"", NULL, "/version",
        "must be an integer 1..10000"},
    {"version 1.0", NULL, "/version", "1.0", NULL, "/version",
        "must be an integer 1..10000"},
    {"version 0", NULL, "/version", "0", NULL, "/version",
        "must be an integer 1..10000"},
    {"version 10001", NULL, "/version", "10001", NULL, "/version",
        "must be an integer 1..10000"},
    {"version missing", NULL, "/version", NULL, NULL, "/version", "missing"},
    {"title a string", NULL, "/title", "\"Test\"", NULL, "/title",
        "must be an object"},
    {"title missing", NULL, "/title", NULL, NULL, "/title", "missing"},
    {"description a string", NULL, "/description", "\"x\"", NULL,
        "/description", "must be an object"},
    {"dimensions an object", NULL, "/dimensions", "{}", NULL, "/dimensions",
        "must be an array"},
    {"dimensions missing", NULL, "/dimensions", NULL, NULL, "/dimensions",
        "missing"},
    {"levels an object", NULL, "/levels", "{}", NULL, "/levels",
        "must be an array"},
    {"dimension a number", NULL, "/dimensions/1", "5", NULL, "/dimensions/1",
        "must be an object"},
    {"items missing", NULL, "/dimensions/1/items", NULL, NULL,
        "/dimensions/1/items", "missing"},
    {"items an object", NULL, "/dimensions/0/items", "{}", NULL,
        "/dimensions/0/items", "must be an array"},
    {"item a string", NULL, "/dimensions/0/items/1", "\"D1.2\"", NULL,
        "/dimensions/0/items/1", "must be an object"},
    {"item without text", NULL, "/dimensions/0/items/1/text", NULL, NULL,
        "/dimensions/0/items/1/text", "missing"},
    {"required a string", NULL, "/dimensions/0/items/0/required", "\"yes\"",
        NULL, "/dimensions/0/items/0/required", "must be a boolean"},
    {"required null", NULL, "/dimensions/0/items/0/required", "null", NULL,
        "/dimensions/0/items/0/required", "must be a boolean"},
    {"item levels an array", NULL, "/dimensions/0/items/0/levels", "[]", NULL,
        "/dimensions/0/items/0/levels", "must be an object"},
    {"recommendations an array", NULL, "/dimensions/0/recommendations", "[]",
        NULL, "/dimensions/0/recommendations", "must be an object"},
    {"sources a string", NULL, "/sources", "\"x\"", NULL, "/sources",
        "must be an array"},
    {"source a number", NULL, "/sources", "[\"ok\",5]", NULL, "/sources/1",
        "must be a string"},
    /* NUL inside strings. */
    {"NUL in title", NULL, "/title/de", NULL, make_nul, "/title/de",
        "must not contain NUL"},
    {"NUL in source", NULL, "/sources", "[\"a\\u0000b\"]", NULL, "/sources/0",
        "must not contain NUL"},
    {"NUL in id", NULL, "/dimensions/0/id", NULL, make_id_nul,
        "/dimensions/0/id", MUST_MATCH_ID},
    /* Slugs and ids. */
    {"slug upper case", NULL, "/slug", "\"Test\"", NULL, "/slug",
        MUST_MATCH_SLUG},
    {"slug leading dash", NULL, "/slug", "\"-x\"", NULL, "/slug",
        MUST_MATCH_SLUG},
    {"slug empty", NULL, "/slug", "\"\"", NULL, "/slug", MUST_MATCH_SLUG},
    {"slug 64 characters", NULL, "/slug", NULL, make_slug_64, "/slug",
        MUST_MATCH_SLUG},
    {"slug missing", NULL, "/slug", NULL, NULL, "/slug", "missing"},
    {"slug a number", NULL, "/slug", "1", NULL, "/slug", "must be a string"},
    {"id leading dot", NULL, "/dimensions/0/items/0/id", "\".D1\"", NULL,
        "/dimensions/0/items/0/id", MUST_MATCH_ID},
    {"id with space", NULL, "/dimensions/0/id", "\"D 1\"", NULL,
        "/dimensions/0/id", MUST_MATCH_ID},
    {"id with umlaut", NULL, "/dimensions/0/id", "\"D\\u00e4\"", NULL,
        "/dimensions/0/id", MUST_MATCH_ID},
    {"id empty", NULL, "/dimensions/0/id", "\"\"", NULL, "/dimensions/0/id",
        MUST_MATCH_ID},
    {"id 33 characters", NULL, "/dimensions/0/items/0/id", NULL, make_id_33,
        "/dimensions/0/items/0/id", "longer than 32 characters"},
    {"id a number", NULL, "/dimensions/0/items/0/id", "1", NULL,
        "/dimensions/0/items/0/id", "must be a string"},
    {"id missing", NULL, "/dimensions/1/id", NULL, NULL, "/dimensions/1/id",
        "missing"},
};

/* Fails unless ps holds a problem with exactly this path and reason; shows
 * what it holds instead. */
static void
assert_problem(const struct problems *ps, const char *path, const char *problem)
{
	size_t i;

	for (i = 0; i < ps->count && i < RG_PROBLEMS_MAX; i++)
		if (strcmp(ps->item[i].path, path) == 0 &&
		    strcmp(ps->item[i].problem, problem) == 0)
			return;
	for (i = 0; i < ps->count && i < RG_PROBLEMS_MAX; i++)
		print_error("  have \"%s\": %s\n", ps->item[i].path,
		    ps->item[i].problem);
	fail_msg("no problem \"%s\": %s", path, problem);
}

/* Parses text (any JSON value), failing the test when it is not JSON. */
static json_t *
load(const char *text)
{
	json_error_t err;
	json_t *j;

	j = json_loads(text, LOAD_FLAGS | JSON_DECODE_ANY, &err);
	if (j == NULL)
		fail_msg("JSON: %s at %d", err.text, err.position);
	return j;
}

/* Parses a definition that must be valid into q. */
static void
load_qdef(const char *text, struct qdef *q)
{
	struct problems ps = {.count = 0};
	json_t *def;
	size_t i;

	def = load(text);
	if (questionnaire_validate(def, q, &ps) != 0) {
		for (i = 0; i < ps.count && i < RG_PROBLEMS_MAX; i++)
			print_error("  \"%s\": %s\n", ps.item[i].path,
			    ps.item[i].problem);
		fail_msg("definition not valid");
	}
	assert_int_equal(ps.count, 0);
	json_decref(def);
}

/* One broken definition: invalid, with the expected problem, and out left
 * untouched. */
static void
test_def_broken(void **state)
{
	const struct def_case *c = *state;
	struct problems ps = {.count = 0};
	struct qdef *q;
	json_t *def;

	def = load(c->doc != NULL ? c->doc : base_def);
	if (c->ptr != NULL)
		pointer_set(def, c->ptr,
		    c->value != NULL  ? load(c->value)
		    : c->make != NULL ? c->make()
		                      : NULL);
	q = malloc(sizeof(*q));
	assert_non_null(q);
	memset(q, 0x5a, sizeof(*q));
	assert_int_equal(questionnaire_validate(def, q, &ps), -1);
	assert_true(ps.count > 0);
	assert_problem(&ps, c->path, c->problem);
	/* Nothing was written to out. */
	assert_int_equal(((unsigned char *)q)[0], 0x5a);
	assert_int_equal(q->version, (int)0x5a5a5a5a);
	free(q);
	/* Also valid without an out. */
	ps.count = 0;
	assert_int_equal(questionnaire_validate(def, NULL, &ps), -1);
	json_decref(def);
}

/* The base definition is valid and fills the qdef exactly. */
static void
test_def_valid_minimal(void **state)
{
	struct qdef q;

	(void)state;
	load_qdef(base_def, &q);
	assert_string_equal(q.slug, "test-q");
	assert_int_equal(q.version, 1);
	assert_int_equal(q.ndims, 2);
	assert_string_equal(q.dim[0].id, "D1");
	assert_true(q.dim[0].weight == 1.0);
	assert_int_equal(q.dim[0].nitems, 2);
	assert_string_equal(q.dim[0].item[0].id, "D1.1");
	assert_int_equal(q.dim[0].item[0].required, 1);
	assert_string_equal(q.dim[0].item[1].id, "D1.2");
	assert_int_equal(q.dim[0].item[1].required, 0);
	assert_string_equal(q.dim[1].id, "D2");
	assert_true(q.dim[1].weight == 2.5);
	assert_int_equal(q.dim[1].nitems, 1);
	assert_string_equal(q.dim[1].item[0].id, "D2.1");
	assert_int_equal(q.dim[1].item[0].required, 1);
}

/* Every optional member, and limits reached but not passed. */
static void
test_def_valid_full(void **state)
{
	struct problems ps = {.count = 0};
	struct qdef q;
	json_t *def, *dims;
	char id[RG_QID_MAX + 1];
	char slug[sizeof(q.slug)];

	(void)state;
	load_qdef(full_def, &q);
	assert_string_equal(q.slug, "smart-city-reifegrad");
	assert_int_equal(q.version, 10000);
	assert_int_equal(q.ndims, 1);
	assert_string_equal(q.dim[0].id, "Strategie_1-a");
	assert_true(q.dim[0].weight == 1000.0);
	assert_int_equal(q.dim[0].nitems, 2);
	assert_string_equal(q.dim[0].item[0].id, "0");
	assert_int_equal(q.dim[0].item[0].required, 1);
	assert_string_equal(q.dim[0].item[1].id, "x.y");
	assert_int_equal(q.dim[0].item[1].required, 0);

	/* 4000 four-byte characters, a 1000-character source, a 63-character
	 * slug, 20 dimensions (D1..D20), the first with a 32-character id and
	 * a tiny weight, the last with 30 items (I1..I30). */
	def = load(base_def);
	pointer_set(def, "/title/de", make_repeat("\xf0\x9f\x98\x80", 4000));
	pointer_set(def, "/sources", json_pack("[o]", make_repeat("s", 1000)));
	memset(slug, '-', sizeof(slug) - 1);
	slug[0] = 'a';
	slug[sizeof(slug) - 2] = '9';
	slug[sizeof(slug) - 1] = '\0';
	pointer_set(def, "/slug", json_string(slug));
	dims = make_dims_21();
	assert_int_equal(json_array_remove(dims, 0), 0);
	pointer_set(def, "/dimensions", dims);
	memset(id, 'A', RG_QID_MAX);
	id[RG_QID_MAX] = '\0';
	pointer_set(def, "/dimensions/0/id", json_string(id));
	pointer_set(def, "/dimensions/0/weight", json_real(1e-9));
	pointer_set(def, "/dimensions/19/items", make_items_31());
	pointer_set(def, "/dimensions/19/items/0", NULL);
	if (questionnaire_validate(def, &q, &ps) != 0)
		fail_msg(
		    "at limits: %s: %s", ps.item[0].path, ps.item[0].problem);
	assert_int_equal(q.ndims, RG_DIMENSIONS_MAX);
	assert_string_equal(q.slug, slug);
	assert_string_equal(q.dim[0].id, id);
	assert_true(q.dim[0].weight == 1e-9);
	assert_string_equal(q.dim[19].id, "D20");
	assert_int_equal(q.dim[19].nitems, RG_ITEMS_PER_DIMENSION_MAX);
	assert_string_equal(q.dim[19].item[29].id, "I30");
	json_decref(def);
}

/* All problems are reported, not only the first, in document order. */
static void
test_def_all_problems(void **state)
{
	static const char doc[] =
	    "{\"slug\":\"X\",\"version\":0,\"title\":{},\"extra\":1,"
	    "\"levels\":[],"
	    "\"dimensions\":[{\"id\":\"D1\",\"title\":{\"de\":\"t\"},"
	    "\"weight\":0,\"items\":[{\"id\":\"D1\",\"text\":{\"de\":\"\"}}]}]"
	    "}";
	static const struct problem want[] = {
	    {"/extra", "unknown key"},
	    {"/slug", MUST_MATCH_SLUG},
	    {"/version", "must be an integer 1..10000"},
	    {"/title/de", "missing German text"},
	    {"/levels", "must have exactly 5 entries"},
	    {"/dimensions/0/weight", "must be > 0"},
	    {"/dimensions/0/items/0/id", "duplicate id D1"},
	    {"/dimensions/0/items/0/text/de", "missing German text"},
	};
	struct problems ps = {.count = 0};
	json_t *def;
	size_t i;

	(void)state;
	def = load(doc);
	assert_int_equal(questionnaire_validate(def, NULL, &ps), -1);
	assert_int_equal(ps.count, NELEM(want));
	for (i = 0; i < NELEM(want); i++) {
		assert_string_equal(ps.item[i].path, want[i].path);
		assert_string_equal(ps.item[i].problem, want[i].problem);
	}
	json_decref(def);
}

/* An unknown key of n copies of unit, and the path expected: "/", fit
 * copies of escaped and then tail, cut where the next character or escape
 * would not fit in struct problem's path. */
struct cut_case {
	const char *name;
	const char *unit;
	size_t n;
	const char *escaped;
	size_t fit;
	const char *tail;
};

static const struct cut_case cut_cases[] = {
    /* 159 bytes: "/" and 79 two-byte characters (158 bytes). */
    {"cut: umlauts", "\xc3\xa4", 300, "\xc3\xa4", 79, ""},
    /* "/" and 52 three-byte characters (157 bytes). */
    {"cut: euro signs", "\xe2\x82\xac", 100, "\xe2\x82\xac", 52, ""},
    /* "/" and 39 four-byte characters (157 bytes). */
    {"cut: emoji", "\xf0\x9f\x98\x80", 100, "\xf0\x9f\x98\x80", 39, ""},
    /* "/" and 79 escapes "~0" (159 bytes), never half of one. */
    {"cut: tildes", "~", 200, "~0", 79, ""},
    /* "/", 52 of "a~1" and "a" (158 bytes): "~1" would make 160. */
    {"cut: slashes", "a/", 100, "a~1", 52, "a"},
};

/* A long unknown key is cut in the path between whole characters and
 * whole escapes. */
static void
test_def_cut_path(void **state)
{
	const struct cut_case *c = *state;
	struct problems ps = {.count = 0};
	char want[sizeof(ps.item[0].path)];
	json_t *def, *key;
	size_t i, len;

	def = load(base_def);
	key = make_repeat(c->unit, c->n);
	json_object_set_new(def, json_string_value(key), json_true());
	json_decref(key);
	assert_int_equal(questionnaire_validate(def, NULL, &ps), -1);
	assert_int_equal(ps.count, 1);
	len = strlen(c->escaped);
	assert_true(1 + c->fit * len + strlen(c->tail) < sizeof(want));
	want[0] = '/';
	for (i = 0; i < c->fit; i++)
		memcpy(want + 1 + i * len, c->escaped, len);
	strcpy(want + 1 + c->fit * len, c->tail);
	assert_string_equal(ps.item[0].path, want);
	assert_string_equal(ps.item[0].problem, "unknown key");
	json_decref(def);
}

/* One answers object and what questionnaire_validate_answers says: valid
 * (path NULL) or the problem expected. */
struct ans_case {
	const char *name;
	const char *answers;
	json_t *(*make)(void);
	const char *path;
	const char *problem;
};

/* {"D1.1":{"comment": n copies of ch}} */
static json_t *
make_comment(const char *ch, size_t n)
{
	return json_pack("{s:{s:o}}", "D1.1", "comment", make_repeat(ch, n));
}

static json_t *
make_comment_4000_umlaut(void)
{
	return make_comment("\xc3\xa4", RG_COMMENT_MAX);
}

static json_t *
make_comment_4001_umlaut(void)
{
	return make_comment("\xc3\xa4", RG_COMMENT_MAX + 1);
}

static json_t *
make_comment_4000_emoji(void)
{
	return make_comment("\xf0\x9f\x98\x80", RG_COMMENT_MAX);
}

static json_t *
make_comment_4001_ascii(void)
{
	return make_comment("a", RG_COMMENT_MAX + 1);
}

static json_t *
make_comment_nul(void)
{
	return json_pack("{s:{s:s%}}", "D1.1", "comment", "a\0b", (size_t)3);
}

#define LEVEL_RANGE "must be an integer 0..4"

static const struct ans_case ans_cases[] = {
    /* Valid. */
    {"empty", "{}", NULL, NULL, NULL},
    {"null removes", "{\"D1.1\":null,\"D2.1\":null}", NULL, NULL, NULL},
    {"full answer",
        "{\"D1.1\":{\"level\":0,\"target\":4,\"na\":false,"
        "\"comment\":\"gut\"},"
        "\"D1.2\":{\"level\":null,\"target\":null,\"na\":true,"
        "\"comment\":null},\"D2.1\":{}}",
        NULL, NULL, NULL},
    {"level 4", "{\"D2.1\":{\"level\":4}}", NULL, NULL, NULL},
    {"comment 4000 umlauts", NULL, make_comment_4000_umlaut, NULL, NULL},
    {"comment 4000 emoji", NULL, make_comment_4000_emoji, NULL, NULL},
    /* Invalid. */
    {"not an object", "[]", NULL, "/answers", "must be an object"},
    {"unknown item", "{\"D9.9\":{\"level\":1}}", NULL, "/answers/D9.9",
        "unknown item"},
    {"unknown item null", "{\"D9\":null}", NULL, "/answers/D9", "unknown item"},
    {"unknown item escaped", "{\"a/b~\":null}", NULL, "/answers/a~1b~0",
        "unknown item"},
    {"dimension id as item", "{\"D1\":{}}", NULL, "/answers/D1",
        "unknown item"},
    {"level 5", "{\"D1.1\":{\"level\":5}}", NULL, "/answers/D1.1/level",
        LEVEL_RANGE},
    {"level -1", "{\"D1.1\":{\"level\":-1}}", NULL, "/answers/D1.1/level",
        LEVEL_RANGE},
    {"level \"2\"", "{\"D1.1\":{\"level\":\"2\"}}", NULL, "/answers/D1.1/level",
        LEVEL_RANGE},
    {"level 2.5", "{\"D1.1\":{\"level\":2.5}}", NULL, "/answers/D1.1/level",
        LEVEL_RANGE},
    {"level 2.0", "{\"D1.1\":{\"level\":2.0}}", NULL, "/answers/D1.1/level",
        LEVEL_RANGE},
    {"level true", "{\"D1.1\":{\"level\":true}}", NULL, "/answers/D1.1/level",
        LEVEL_RANGE},
    {"level huge", "{\"D1.1\":{\"level\":9223372036854775807}}", NULL,
        "/answers/D1.1/level", LEVEL_RANGE},
    {"target 5", "{\"D2.1\":{\"target\":5}}", NULL, "/answers/D2.1/target",
        LEVEL_RANGE},
    {"target \"4\"", "{\"D2.1\":{\"target\":\"4\"}}", NULL,
        "/answers/D2.1/target", LEVEL_RANGE},
    {"comment 4001 umlauts", NULL, make_comment_4001_umlaut,
        "/answers/D1.1/comment", "longer than 4000 characters"},
    {"comment 4001 ascii", NULL, make_comment_4001_ascii,
        "/answers/D1.1/comment", "longer than 4000 characters"},
    {"comment NUL", NULL, make_comment_nul, "/answers/D1.1/comment",
        "must not contain NUL"},
    {"comment a number", "{\"D1.1\":{\"comment\":5}}", NULL,
        "/answers/D1.1/comment", "must be a string or null"},
    {"unknown key", "{\"D1.1\":{\"level\":1,\"note\":\"x\"}}", NULL,
        "/answers/D1.1/note", "unknown key"},
    {"na a string", "{\"D1.1\":{\"na\":\"yes\"}}", NULL, "/answers/D1.1/na",
        "must be a boolean"},
    {"na a number", "{\"D1.1\":{\"na\":1}}", NULL, "/answers/D1.1/na",
        "must be a boolean"},
    {"na null", "{\"D1.1\":{\"na\":null}}", NULL, "/answers/D1.1/na",
        "must be a boolean"},
    {"answer a number", "{\"D1.1\":3}", NULL, "/answers/D1.1",
        "must be an object or null"},
    {"answer an array", "{\"D1.1\":[]}", NULL, "/answers/D1.1",
        "must be an object or null"},
};

/* The qdef of base_def. */
static struct qdef base_q;

/* One answers case. */
static void
test_answers(void **state)
{
	const struct ans_case *c = *state;
	struct problems ps = {.count = 0};
	json_t *a;
	size_t i;

	a = c->answers != NULL ? load(c->answers) : c->make();
	assert_non_null(a);
	if (c->path == NULL) {
		if (questionnaire_validate_answers(&base_q, a, &ps) != 0) {
			for (i = 0; i < ps.count && i < RG_PROBLEMS_MAX; i++)
				print_error("  \"%s\": %s\n", ps.item[i].path,
				    ps.item[i].problem);
			fail_msg("%s: not valid", c->name);
		}
		assert_int_equal(ps.count, 0);
	} else {
		assert_int_equal(
		    questionnaire_validate_answers(&base_q, a, &ps), -1);
		assert_problem(&ps, c->path, c->problem);
	}
	json_decref(a);
}

/* Several answers wrong at once: every problem is listed. */
static void
test_answers_all_problems(void **state)
{
	struct problems ps = {.count = 0};
	json_t *a;

	(void)state;
	a = load("{\"D1.1\":{\"level\":5,\"target\":-1,\"na\":0,\"x\":1},"
	         "\"nope\":{},\"D2.1\":{\"comment\":[]}}");
	assert_int_equal(questionnaire_validate_answers(&base_q, a, &ps), -1);
	assert_int_equal(ps.count, 6);
	assert_problem(&ps, "/answers/D1.1/x", "unknown key");
	assert_problem(&ps, "/answers/D1.1/level", LEVEL_RANGE);
	assert_problem(&ps, "/answers/D1.1/target", LEVEL_RANGE);
	assert_problem(&ps, "/answers/D1.1/na", "must be a boolean");
	assert_problem(&ps, "/answers/nope", "unknown item");
	assert_problem(
	    &ps, "/answers/D2.1/comment", "must be a string or null");
	json_decref(a);
}

/* A merged answers object, progress and missing required items (D1.2 is
 * optional). */
struct progress_case {
	const char *name;
	const char *answers;
	size_t answered;
	size_t missing;
	const char *missing_ids[3];
};

static const struct progress_case progress_cases[] = {
    {"nothing", "{}", 0, 2, {"D1.1", "D2.1"}},
    {"not an object", "[]", 0, 2, {"D1.1", "D2.1"}},
    /* A level (even 0) or na=true answers an item. */
    {"level and na", "{\"D1.1\":{\"level\":0},\"D2.1\":{\"na\":true}}", 2, 0,
        {NULL}},
    /* An optional item answered does not make a required one so. */
    {"optional only", "{\"D1.2\":{\"level\":3}}", 1, 2, {"D1.1", "D2.1"}},
    /* Neither a null level, na=false, a target nor a comment answers. */
    {"not answered",
        "{\"D1.1\":{\"level\":null,\"na\":false,\"target\":3},"
        "\"D2.1\":{\"comment\":\"x\"},\"D1.2\":null}",
        0, 2, {"D1.1", "D2.1"}},
    {"all",
        "{\"D1.1\":{\"level\":4},\"D1.2\":{\"na\":true},"
        "\"D2.1\":{\"level\":1,\"na\":true}}",
        3, 0, {NULL}},
    /* Stored junk that never passed validation counts as unanswered. */
    {"junk",
        "{\"D1.1\":{\"level\":7},\"D2.1\":{\"level\":\"2\"},"
        "\"D1.2\":{\"na\":1}}",
        0, 2, {"D1.1", "D2.1"}},
};

/* questionnaire_progress and questionnaire_missing_required. */
static void
test_progress(void **state)
{
	const struct progress_case *c = *state;
	struct problems ps = {.count = 0};
	size_t answered, total, i;
	char path[64];
	json_t *a;

	a = load(c->answers);
	questionnaire_progress(&base_q, a, &answered, &total);
	assert_int_equal(answered, c->answered);
	assert_int_equal(total, 3);
	assert_int_equal(
	    questionnaire_missing_required(&base_q, a, &ps), c->missing);
	assert_int_equal(ps.count, c->missing);
	for (i = 0; i < c->missing; i++) {
		snprintf(path, sizeof(path), "/answers/%s", c->missing_ids[i]);
		assert_string_equal(ps.item[i].path, path);
		assert_string_equal(ps.item[i].problem, "required");
	}
	assert_int_equal(
	    questionnaire_missing_required(&base_q, a, NULL), c->missing);
	json_decref(a);
}

/* questionnaire_find_item. */
static void
test_find_item(void **state)
{
	size_t d = 99, i = 99;

	(void)state;
	assert_int_equal(questionnaire_find_item(&base_q, "D1.2", &d, &i), 0);
	assert_int_equal(d, 0);
	assert_int_equal(i, 1);
	assert_int_equal(questionnaire_find_item(&base_q, "D2.1", &d, &i), 0);
	assert_int_equal(d, 1);
	assert_int_equal(i, 0);
	assert_int_equal(
	    questionnaire_find_item(&base_q, "D2.1", NULL, NULL), 0);
	assert_int_equal(questionnaire_find_item(&base_q, "D2", &d, &i), -1);
	assert_int_equal(questionnaire_find_item(&base_q, "", &d, &i), -1);
	assert_int_equal(questionnaire_find_item(&base_q, "d1.1", &d, &i), -1);
}

/* Parses base_def once for the answer tests. */
static int
setup_base(void **state)
{
	(void)state;
	load_qdef(base_def, &base_q);
	return 0;
}

/* Adds one test per row of a table to tests, named after the row. */
#define ADD_ROWS(tests, k, table, fn)                                          \
	do {                                                                   \
		size_t r_;                                                     \
		for (r_ = 0; r_ < NELEM(table); r_++) {                        \
			(tests)[(k)].name = (table)[r_].name;                  \
			(tests)[(k)].test_func = (fn);                         \
			(tests)[(k)].setup_func = NULL;                        \
			(tests)[(k)].teardown_func = NULL;                     \
			(tests)[(k)].initial_state = (void *)&(table)[r_];     \
			(k)++;                                                 \
		}                                                              \
	} while (0)

/* Runs every test; the answer tests share the qdef of base_def. */
int
main(void)
{
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_def_valid_minimal),
	    cmocka_unit_test(test_def_valid_full),
	    cmocka_unit_test(test_def_all_problems),
	    cmocka_unit_test(test_answers_all_problems),
	    cmocka_unit_test(test_find_item),
	};
	struct CMUnitTest tests[NELEM(fixed) + NELEM(def_cases) +
	                        NELEM(cut_cases) + NELEM(ans_cases) +
	                        NELEM(progress_cases)];
	size_t k = 0, i;

	for (i = 0; i < NELEM(fixed); i++)
		tests[k++] = fixed[i];
	ADD_ROWS(tests, k, def_cases, test_def_broken);
	ADD_ROWS(tests, k, cut_cases, test_def_cut_path);
	ADD_ROWS(tests, k, ans_cases, test_answers);
	ADD_ROWS(tests, k, progress_cases, test_progress);
	assert(k == NELEM(tests));
	return cmocka_run_group_tests(tests, setup_base, NULL);
}
