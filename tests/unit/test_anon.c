/*
 * test_anon.c: cgi/anon.c: pseudonyms against golden values computed
 * independently (Python's hashlib), the k-anonymity rule on hand-made
 * waves whose counts are worked out in the comments, variable names, value
 * labels, and the codebook and Data Package built from one column model.
 *
 * The golden pseudonyms came from
 *
 *   import hashlib
 *   A = 'abcdefghijklmnopqrstuvwxyz234567'
 *   h = hashlib.blake2b(str(oid).encode(), digest_size=16, key=key).digest()
 *   b = int.from_bytes(h[:8], 'big') >> 4
 *   'p' + ''.join(A[(b >> (5 * (11 - i))) & 31] for i in range(12))
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <sodium.h>

#include "anon.h"
#include "questionnaire.h"

/* ------------------------------------------------------------ pseudonyms */

static void
test_pseudonym_golden(void **state)
{
	static const struct {
		long long id;
		const char *k0, *kff; /* key 00 01 .. 1f; key ff .. ff */
	} cases[] = {
	    {1, "psu37gmu2dury", "p3m5ijhkmseeb"},
	    {42, "pe67mjrstxjlj", "pw6n5lbfyjuor"},
	    {INT64_MAX, "pnat5ytrnlhu4", "ptg2rp73xfj7i"},
	};
	unsigned char k0[ANON_KEY_BYTES], kff[ANON_KEY_BYTES];
	char out[ANON_PSEUDONYM_SIZE];
	size_t i;

	(void)state;
	for (i = 0; i < ANON_KEY_BYTES; i++)
		k0[i] = (unsigned char)i;
	memset(kff, 0xff, sizeof(kff));
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(anon_pseudonym(k0, cases[i].id, out), 0);
		assert_string_equal(out, cases[i].k0);
		assert_int_equal(anon_pseudonym(kff, cases[i].id, out), 0);
		assert_string_equal(out, cases[i].kff);
	}
}

/* Pseudonyms are "p" + 12 base32 characters, differ between
 * organisations, and all change with the key. */
static void
test_pseudonym_shape(void **state)
{
	unsigned char k[ANON_KEY_BYTES];
	char a[ANON_PSEUDONYM_SIZE], b[ANON_PSEUDONYM_SIZE];
	long long id;

	(void)state;
	memset(k, 7, sizeof(k));
	for (id = 1; id <= 200; id++) {
		assert_int_equal(anon_pseudonym(k, id, a), 0);
		assert_int_equal(strlen(a), 13);
		assert_int_equal(a[0], 'p');
		assert_int_equal(
		    strspn(a + 1, "abcdefghijklmnopqrstuvwxyz234567"), 12);
		assert_int_equal(anon_pseudonym(k, id + 1, b), 0);
		assert_string_not_equal(a, b);
		k[0] ^= 1;
		assert_int_equal(anon_pseudonym(k, id, b), 0);
		k[0] ^= 1;
		assert_string_not_equal(a, b);
		/* The same input gives the same pseudonym. */
		assert_int_equal(anon_pseudonym(k, id, b), 0);
		assert_string_equal(a, b);
	}
}

/* ------------------------------------------------------------ attributes */

static void
test_attributes(void **state)
{
	struct anon_attr a, g;

	(void)state;
	assert_int_equal(anon_kind_code("gemeinde"), 1);
	assert_int_equal(anon_kind_code("gemeindefreies_gebiet"), 6);
	assert_int_equal(anon_kind_code("Gemeinde"), 0);
	assert_int_equal(anon_kind_code(NULL), 0);
	assert_string_equal(anon_kind_name(3), "kreisfreie_stadt");
	assert_null(anon_kind_name(0));
	assert_null(anon_kind_name(7));
	assert_int_equal(anon_size_band(1), 1);
	assert_int_equal(anon_size_band(2), 1);
	assert_int_equal(anon_size_band(3), 2);
	assert_int_equal(anon_size_band(6), 3);
	assert_int_equal(anon_size_band(8), 4);
	assert_int_equal(anon_size_band(0), 0);
	assert_int_equal(anon_size_band(9), 0);

	anon_attr_set(&a, "5", "stadt", "2", "Bayern");
	assert_int_equal(a.size_class, 5);
	assert_int_equal(a.size_band, 3);
	assert_int_equal(a.kind, 2);
	assert_int_equal(a.urbanisation, 2);
	assert_string_equal(a.state, "Bayern");
	/* Unknown and out of range both count as unknown (0, ""). */
	anon_attr_set(&a, NULL, "rathaus", "7", NULL);
	assert_int_equal(a.size_class, 0);
	assert_int_equal(a.size_band, 0);
	assert_int_equal(a.kind, 0);
	assert_int_equal(a.urbanisation, 0);
	assert_string_equal(a.state, "");
	anon_attr_set(&a, "9", "landkreis", "", "");
	assert_int_equal(a.size_class, 0);

	anon_attr_set(&a, "7", "kreisfreie_stadt", "1", "Hessen");
	anon_generalise(&a, ANON_LEVEL_FULL, &g);
	assert_memory_equal(&a, &g, sizeof(a));
	anon_generalise(&a, ANON_LEVEL_NO_STATE, &g);
	assert_int_equal(g.size_class, 7);
	assert_string_equal(g.state, "");
	anon_generalise(&a, ANON_LEVEL_BANDS, &g);
	assert_int_equal(g.size_class, 0);
	assert_int_equal(g.size_band, 4);
	assert_int_equal(g.kind, 3);
	assert_int_equal(g.urbanisation, 1);
	assert_string_equal(g.state, "");
}

/* A state longer than ANON_STATE_MAX bytes is cut at a character
 * boundary, never in the middle of one. */
static void
test_attributes_long_state(void **state)
{
	char s[ANON_STATE_MAX + 8];
	struct anon_attr a;
	size_t i;

	(void)state;
	s[0] = 'x';
	for (i = 1; i + 2 <= sizeof(s) - 1; i += 2)
		memcpy(s + i, "\xC3\xA4", 2); /* ä */
	s[i] = '\0';
	anon_attr_set(&a, "1", "gemeinde", "1", s);
	assert_true(strlen(a.state) <= ANON_STATE_MAX);
	assert_int_equal(strlen(a.state) % 2, 1); /* "x" + whole "ä"s */
}

/* ------------------------------------------------------------ k-anonymity */

struct combo_in {
	const char *size, *kind, *urb, *state;
	long long count;
};

/* Decides the plan of the combinations in[0..n) with k. */
static void
plan_of(struct anon_plan *p, const struct combo_in *in, size_t n, long long k)
{
	struct anon_combo *c = calloc(n ? n : 1, sizeof(*c));
	size_t i;

	assert_non_null(c);
	for (i = 0; i < n; i++) {
		anon_attr_set(
		    &c[i].attr, in[i].size, in[i].kind, in[i].urb, in[i].state);
		c[i].count = in[i].count;
	}
	assert_int_equal(anon_plan_decide(p, c, n, k), 0);
}

/* Whether a row with these attributes is exported. */
static int
keeps(const struct anon_plan *p, const char *size, const char *kind,
    const char *urb, const char *st)
{
	struct anon_attr a;

	anon_attr_set(&a, size, kind, urb, st);
	return anon_plan_keeps(p, &a);
}

/* Every group has at least k: level 0, nothing suppressed. */
static void
test_plan_level0(void **state)
{
	static const struct combo_in in[] = {
	    {"1", "gemeinde", "3", "Bayern", 5},
	    {"1", "gemeinde", "3", "Hessen", 9},
	    {"5", "stadt", "2", "Bayern", 6},
	};
	struct anon_plan p;

	(void)state;
	plan_of(&p, in, 3, 5);
	assert_int_equal(p.level, ANON_LEVEL_FULL);
	assert_int_equal(p.total, 20);
	assert_int_equal(p.suppressed, 0);
	assert_int_equal(p.rows, 20);
	assert_int_equal(p.suppressed_at[0], 0);
	assert_int_equal(p.state_bytes, strlen("Bayern"));
	assert_true(keeps(&p, "1", "gemeinde", "3", "Hessen"));
	/* A combination the wave does not have is never exported. */
	assert_false(keeps(&p, "2", "gemeinde", "3", "Hessen"));
	anon_plan_free(&p);
	anon_plan_free(&p); /* repeatable */
}

/*
 * 100 rows. Level 0: the groups of 3 and 2 are below k = 5: 5 suppressed,
 * more than 5 % of 100 (= 5)? No: 5 <= 5, so level 0 stays and those 5
 * rows go. With one row more in a small group (6 > 5) level 1 is taken.
 */
static void
test_plan_threshold(void **state)
{
	static const struct combo_in at[] = {
	    {"1", "gemeinde", "3", "Bayern", 60},
	    {"1", "gemeinde", "3", "Hessen", 35},
	    {"1", "gemeinde", "3", "Saarland", 3},
	    {"1", "gemeinde", "3", "Bremen", 2},
	};
	static const struct combo_in over[] = {
	    {"1", "gemeinde", "3", "Bayern", 60},
	    {"1", "gemeinde", "3", "Hessen", 34},
	    {"1", "gemeinde", "3", "Saarland", 4},
	    {"1", "gemeinde", "3", "Bremen", 2},
	};
	struct anon_plan p;

	(void)state;
	plan_of(&p, at, 4, 5);
	assert_int_equal(p.level, ANON_LEVEL_FULL);
	assert_int_equal(p.suppressed, 5);
	assert_int_equal(p.rows, 95);
	assert_false(keeps(&p, "1", "gemeinde", "3", "Saarland"));
	assert_false(keeps(&p, "1", "gemeinde", "3", "Bremen"));
	assert_true(keeps(&p, "1", "gemeinde", "3", "Hessen"));
	anon_plan_free(&p);

	/* 6 of 100 suppressed at level 0 (> 5); dropping the state makes
	 * one group of 100. */
	plan_of(&p, over, 4, 5);
	assert_int_equal(p.suppressed_at[0], 6);
	assert_int_equal(p.suppressed_at[1], 0);
	assert_int_equal(p.level, ANON_LEVEL_NO_STATE);
	assert_int_equal(p.suppressed, 0);
	assert_int_equal(p.rows, 100);
	assert_int_equal(p.state_bytes, 0);
	assert_true(keeps(&p, "1", "gemeinde", "3", "Bremen"));
	anon_plan_free(&p);
}

/*
 * 40 rows (5 % = 2). Level 0 and 1 leave classes 3 and 4 with 3 rows
 * each (6 suppressed); merged into band 2 they are 6 >= 5. Class 8 (2
 * rows) stays alone in band 4 and is suppressed at every level.
 */
static void
test_plan_bands(void **state)
{
	static const struct combo_in in[] = {
	    {"1", "gemeinde", "3", "A", 16},
	    {"1", "gemeinde", "3", "B", 16},
	    {"3", "gemeinde", "3", "A", 3},
	    {"4", "gemeinde", "3", "B", 3},
	    {"8", "kreisfreie_stadt", "1", "A", 2},
	};
	struct anon_plan p;

	(void)state;
	plan_of(&p, in, 5, 5);
	assert_int_equal(p.total, 40);
	assert_int_equal(p.suppressed_at[0], 8);
	assert_int_equal(p.suppressed_at[1], 8);
	assert_int_equal(p.suppressed_at[2], 2);
	assert_int_equal(p.level, ANON_LEVEL_BANDS);
	assert_int_equal(p.suppressed, 2);
	assert_int_equal(p.rows, 38);
	assert_true(keeps(&p, "3", "gemeinde", "3", "A"));
	assert_true(keeps(&p, "4", "gemeinde", "3", "B"));
	assert_false(keeps(&p, "8", "kreisfreie_stadt", "1", "A"));
	anon_plan_free(&p);
}

/* Fewer rows than k: no level helps; level 2 and everything suppressed.
 * An empty wave is a plan with no rows. k below 1 counts as 1. */
static void
test_plan_small_and_empty(void **state)
{
	static const struct combo_in in[] = {
	    {"2", "gemeinde", "3", "A", 2},
	    {"2", "gemeinde", "3", "B", 1},
	};
	struct anon_plan p;

	(void)state;
	plan_of(&p, in, 2, 5);
	assert_int_equal(p.level, ANON_LEVEL_BANDS);
	assert_int_equal(p.suppressed, 3);
	assert_int_equal(p.rows, 0);
	assert_false(keeps(&p, "2", "gemeinde", "3", "A"));
	anon_plan_free(&p);

	plan_of(&p, NULL, 0, 5);
	assert_int_equal(p.level, ANON_LEVEL_FULL);
	assert_int_equal(p.rows, 0);
	assert_false(keeps(&p, "2", "gemeinde", "3", "A"));
	anon_plan_free(&p);

	plan_of(&p, in, 2, 0);
	assert_int_equal(p.k, 1);
	assert_int_equal(p.level, ANON_LEVEL_FULL);
	assert_int_equal(p.rows, 3);
	anon_plan_free(&p);
}

/* Unknown values are values of their own; a combination listed twice is
 * merged (here: out of range and NULL are both "unknown"). */
static void
test_plan_unknowns_and_duplicates(void **state)
{
	static const struct combo_in in[] = {
	    {NULL, "gemeinde", NULL, "", 3},
	    {"0", "gemeinde", "9", "", 2},
	    {"1", "gemeinde", NULL, "", 4},
	    {"1", "gemeinde", "1", "", 20},
	};
	struct anon_plan p;

	(void)state;
	plan_of(&p, in, 4, 5);
	assert_int_equal(p.ncombos, 3);
	assert_int_equal(p.total, 29);
	/* Unknown size class: 3 + 2 = 5 rows, kept; class 1 with unknown
	 * urbanisation: 4, suppressed at every level (29 * 5 % = 1). */
	assert_int_equal(p.suppressed, 4);
	assert_int_equal(p.level, ANON_LEVEL_BANDS);
	assert_true(keeps(&p, NULL, "gemeinde", NULL, ""));
	assert_false(keeps(&p, "1", "gemeinde", NULL, ""));
	anon_plan_free(&p);
}

/* --------------------------------------------------------------- columns */

static const char qdef_text[] =
    "{\"slug\":\"anon-test\",\"version\":3,"
    "\"title\":{\"de\":\"T\",\"en\":\"T\"},"
    "\"levels\":[{\"value\":0,\"label\":{\"de\":\"null\",\"en\":\"zero\"}},"
    "{\"value\":1,\"label\":{\"de\":\"eins\",\"en\":\"one\"}},"
    "{\"value\":2,\"label\":{\"de\":\"zwei\",\"en\":\"two\"}},"
    "{\"value\":3,\"label\":{\"de\":\"drei\",\"en\":\"three\"}},"
    "{\"value\":4,\"label\":{\"de\":\"vier\",\"en\":\"four\"}}],"
    "\"dimensions\":["
    "{\"id\":\"D1\",\"title\":{\"de\":\"Eins\",\"en\":\"One\"},\"weight\":1,"
    "\"items\":["
    "{\"id\":\"D1.1\",\"text\":{\"de\":\"Frage eins\",\"en\":\"Question "
    "one\"}},"
    "{\"id\":\"1-a\",\"text\":{\"de\":\"Ziffer\",\"en\":\"Digit\"}},"
    "{\"id\":\"in\",\"text\":{\"de\":\"Reserviert\",\"en\":\"Reserved\"}},"
    "{\"id\":\"wave\",\"text\":{\"de\":\"Welle\",\"en\":\"Wave\"}},"
    "{\"id\":\"A.b\",\"text\":{\"de\":\"Gross\",\"en\":\"Upper\"}},"
    "{\"id\":\"a_B\",\"text\":{\"de\":\"klein\",\"en\":\"lower\"}}]},"
    "{\"id\":\"2nd\",\"title\":{\"de\":\"Zwei\",\"en\":\"Two\"},\"weight\":1,"
    "\"items\":["
    "{\"id\":\"Abcdefghij.Abcdefghij.Abcdefghij\",\"text\":{\"de\":"
    "\"Sehr lange Frage mit Umlauten: äöü äöü äöü äöü äöü äöü äöü äöü "
    "äöü äöü äöü äöü äöü äöü äöü äöü äöü äöü äöü äöü äöü äöü äöü äöü äöü "
    "Ende\",\"en\":\"Long\"}},"
    "{\"id\":\"Abcdefghij-Abcdefghij-Abcdefghij\",\"text\":{\"de\":\"x\","
    "\"en\":\"x\"}}]}]}";

struct fixture {
	json_t *json;
	struct qdef q;
	struct anon_columns cols;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct problems ps = {.count = 0};

	if (f == NULL)
		return -1;
	f->json = json_loads(qdef_text, 0, NULL);
	if (f->json == NULL || questionnaire_validate(f->json, &f->q, &ps)) {
		fprintf(stderr, "fixture: %s %s\n",
		    ps.count ? ps.item[0].path : "",
		    ps.count ? ps.item[0].problem : "not JSON");
		return -1;
	}
	anon_columns_build(&f->q, &f->cols);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	json_decref(f->json);
	free(f);
	return 0;
}

/* The layout and every name: valid for SPSS and Stata, unique without
 * regard to case, in the documented order. */
static void
test_columns_names(void **state)
{
	static const char *const want[] = {"pseudonym", "wave", "size_class",
	    "size_band", "kind", "urbanisation", "state",
	    /* levels */
	    "D1_1", "q1_a", "q_in", "wave_2", "A_b", "a_B_2",
	    "Abcdefghij_Abcdefghij_Abcdefghij",
	    "Abcdefghij_Abcdefghij_Abcdefgh_2",
	    /* targets */
	    "D1_1_target", "q1_a_target", "q_in_target", "wave_target",
	    "A_b_target", "a_B_2_target", "Abcdefghij_Abcdefghij_Abc_target",
	    "Abcdefghij_Abcdefghij_A_2_target",
	    /* scores */
	    "score_D1", "score_2nd", "score_overall"};
	const struct fixture *f = *state;
	const struct anon_columns *c = &f->cols;
	size_t i, j;

	assert_int_equal(c->nitems, 8);
	assert_int_equal(c->ndims, 2);
	assert_int_equal(c->n, sizeof(want) / sizeof(*want));
	for (i = 0; i < c->n; i++) {
		const char *n = c->col[i].name;

		assert_string_equal(n, want[i]);
		assert_true(strlen(n) <= ANON_NAME_MAX);
		assert_true((n[0] >= 'a' && n[0] <= 'z') ||
		            (n[0] >= 'A' && n[0] <= 'Z'));
		assert_int_equal(
		    strspn(n, "abcdefghijklmnopqrstuvwxyz"
		              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"),
		    strlen(n));
		for (j = 0; j < i; j++)
			assert_int_not_equal(strcasecmp(n, c->col[j].name), 0);
	}
	assert_int_equal(c->col[7].kind, ANON_COL_LEVEL);
	assert_string_equal(c->col[7].source, "D1.1");
	assert_int_equal(c->col[15].kind, ANON_COL_TARGET);
	assert_int_equal(c->col[15].index, 0);
	assert_int_equal(c->col[22].index, 7);
	assert_int_equal(c->col[24].kind, ANON_COL_SCORE);
	assert_int_equal(c->col[24].index, 1);
	assert_int_equal(
	    anon_column_type(ANON_COL_PSEUDONYM), ANON_TYPE_STRING);
	assert_int_equal(anon_column_type(ANON_COL_STATE), ANON_TYPE_STRING);
	assert_int_equal(anon_column_type(ANON_COL_LEVEL), ANON_TYPE_INTEGER);
	assert_int_equal(anon_column_type(ANON_COL_OVERALL), ANON_TYPE_NUMBER);
}

static void
test_columns_values_and_labels(void **state)
{
	const struct fixture *f = *state;
	struct anon_value v[ANON_VALUES_MAX];
	char out[400];
	size_t n;

	n = anon_column_values(&f->cols.col[7], f->json, v);
	assert_int_equal(n, 6);
	assert_int_equal(v[0].value, ANON_NA_CODE);
	assert_string_equal(v[0].de, "nicht zutreffend / weiß nicht");
	assert_int_equal(v[5].value, 4);
	assert_string_equal(v[5].en, "four");
	n = anon_column_values(&f->cols.col[15], f->json, v);
	assert_int_equal(n, 5);
	assert_int_equal(v[0].value, 0);
	assert_int_equal(anon_column_values(&f->cols.col[2], f->json, v), 8);
	assert_string_equal(v[0].de, "unter 2.000 Einwohner");
	assert_int_equal(anon_column_values(&f->cols.col[3], f->json, v), 4);
	assert_string_equal(v[3].en, "100,000 inhabitants and more");
	assert_int_equal(anon_column_values(&f->cols.col[4], f->json, v), 6);
	assert_string_equal(v[2].de, "kreisfreie Stadt");
	assert_int_equal(anon_column_values(&f->cols.col[5], f->json, v), 3);
	assert_int_equal(anon_column_values(&f->cols.col[0], f->json, v), 0);
	assert_int_equal(anon_column_values(&f->cols.col[24], f->json, v), 0);

	assert_string_equal(anon_column_label(&f->cols.col[7], f->json, "de", 0,
	                        out, sizeof(out)),
	    "D1.1 Frage eins");
	assert_string_equal(anon_column_label(&f->cols.col[15], f->json, "en",
	                        0, out, sizeof(out)),
	    "D1.1 target: Question one");
	assert_string_equal(anon_column_label(&f->cols.col[24], f->json, "de",
	                        0, out, sizeof(out)),
	    "Score 2nd Zwei (0-100)");
	/* Cut to 20 characters: 19 and "…", never inside an "ä". */
	assert_string_equal(anon_column_label(&f->cols.col[13], f->json, "de",
	                        20, out, sizeof(out)),
	    "Abcdefghij.Abcdefgh\xE2\x80\xA6");
	anon_column_label(
	    &f->cols.col[13], f->json, "de", 80, out, sizeof(out));
	assert_true(strlen(out) < sizeof(out));
	assert_string_equal(out + strlen(out) - 3, "\xE2\x80\xA6");
	/* A buffer too small: cut at a character boundary (64 bytes of
	 * ASCII, then "ä" fits in 67 bytes but "ö" does not), no ellipsis. */
	anon_column_label(&f->cols.col[13], f->json, "de", 0, out, 68);
	assert_int_equal(strlen(out), 66);
	assert_string_equal(out + 64, "\xC3\xA4");
}

/* The codebook and the Data Package describe the same columns in the same
 * order, and say what the plan did. */
static void
test_codebook_and_datapackage(void **state)
{
	static const struct combo_in in[] = {
	    {"1", "gemeinde", "3", "A", 16},
	    {"1", "gemeinde", "3", "B", 16},
	    {"3", "gemeinde", "3", "A", 3},
	    {"4", "gemeinde", "3", "B", 3},
	    {"8", "kreisfreie_stadt", "1", "A", 2},
	};
	const struct fixture *f = *state;
	struct anon_info info = {17, "Welle \"17\"", "closed", 4, 9};
	struct anon_plan p;
	json_t *cb, *dp, *cols, *fields, *an;
	size_t i;

	plan_of(&p, in, 5, 5);
	cb = anon_codebook(&f->cols, f->json, &p, &info);
	dp = anon_datapackage(&f->cols, f->json, &p, &info);
	assert_non_null(cb);
	assert_non_null(dp);
	cols = json_object_get(cb, "columns");
	fields = json_object_get(
	    json_object_get(
	        json_array_get(json_object_get(dp, "resources"), 0), "schema"),
	    "fields");
	assert_int_equal(json_array_size(cols), f->cols.n);
	assert_int_equal(json_array_size(fields), f->cols.n);
	for (i = 0; i < f->cols.n; i++) {
		json_t *c = json_array_get(cols, i),
		       *fl = json_array_get(fields, i);

		assert_string_equal(
		    json_string_value(json_object_get(c, "name")),
		    f->cols.col[i].name);
		assert_string_equal(
		    json_string_value(json_object_get(fl, "name")),
		    f->cols.col[i].name);
		assert_string_equal(
		    json_string_value(json_object_get(c, "type")),
		    json_string_value(json_object_get(fl, "type")));
		assert_non_null(json_string_value(
		    json_object_get(json_object_get(c, "label"), "en")));
		assert_non_null(
		    json_string_value(json_object_get(c, "derivation")));
	}
	an = json_object_get(cb, "anonymisation");
	assert_int_equal(json_integer_value(json_object_get(an, "k")), 5);
	assert_int_equal(
	    json_integer_value(json_object_get(an, "suppressed_rows")), 2);
	assert_int_equal(
	    json_integer_value(json_object_get(an, "generalisation_level")), 2);
	assert_int_equal(
	    json_array_size(json_object_get(an, "generalisations")), 2);
	assert_int_equal(json_integer_value(json_object_get(
	                     json_object_get(an, "pseudonym"), "key_id")),
	    9);
	assert_int_equal(json_integer_value(json_object_get(cb, "rows")), 38);
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(cb, "wave"), "title")),
	    "Welle \"17\"");
	assert_true(json_is_true(
	    json_object_get(json_array_get(cols, 2), "generalised")));
	assert_true(json_is_true(
	    json_object_get(json_array_get(cols, 6), "generalised")));
	assert_true(json_is_false(
	    json_object_get(json_array_get(cols, 4), "generalised")));
	assert_string_equal(json_string_value(json_object_get(dp, "name")),
	    "reifegrad-wave-17");
	json_decref(cb);
	json_decref(dp);
	anon_plan_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pseudonym_golden),
	    cmocka_unit_test(test_pseudonym_shape),
	    cmocka_unit_test(test_attributes),
	    cmocka_unit_test(test_attributes_long_state),
	    cmocka_unit_test(test_plan_level0),
	    cmocka_unit_test(test_plan_threshold),
	    cmocka_unit_test(test_plan_bands),
	    cmocka_unit_test(test_plan_small_and_empty),
	    cmocka_unit_test(test_plan_unknowns_and_duplicates),
	    cmocka_unit_test_setup_teardown(
	        test_columns_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_columns_values_and_labels, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_codebook_and_datapackage, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("anon", tests, NULL, NULL);
}
