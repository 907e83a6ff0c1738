/*
 * test_score.c: cgi/score.c against scores computed by hand.
 *
 * A dimension's score is 25 * sum(levels) / count(levels) (= 100 * mean / 4)
 * over its items with a level, none when fewer than half of its items are
 * answered (a level or na=true) or none has a level; overall is
 * sum(weight * score) / sum(weight) over the dimensions with a score. The
 * expected doubles are the IEEE results of exactly that arithmetic, in that
 * order, and are compared exactly.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "questionnaire.h"
#include "reifegrad.h"
#include "score.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NDIMS 4

/*
 * Builds q from a spec such as "D1=1:A1,A2 D2=2.5:B1": dimensions separated
 * by spaces, each id=weight:item,item,...
 */
static void
build_q(struct qdef *q, const char *spec)
{
	char buf[512], *dsave, *isave, *d, *items, *it, *end;
	struct qdimension *dim;

	memset(q, 0, sizeof(*q));
	assert_true(strlen(spec) < sizeof(buf));
	strcpy(buf, spec);
	for (d = strtok_r(buf, " ", &dsave); d != NULL;
	     d = strtok_r(NULL, " ", &dsave)) {
		dim = &q->dim[q->ndims++];
		items = strchr(d, ':');
		assert_non_null(items);
		*items++ = '\0';
		end = strchr(d, '=');
		assert_non_null(end);
		*end++ = '\0';
		strcpy(dim->id, d);
		dim->weight = strtod(end, NULL);
		for (it = strtok_r(items, ",", &isave); it != NULL;
		     it = strtok_r(NULL, ",", &isave)) {
			strcpy(dim->item[dim->nitems].id, it);
			dim->item[dim->nitems++].required = 1;
		}
	}
}

/* Three dimensions: four items weighing 1, two weighing 3, three
 * weighing 1. */
#define Q3 "D1=1:A1,A2,A3,A4 D2=3:B1,B2 D3=1:C1,C2,C3"
/* One dimension of five items. */
#define Q5 "D1=1:E1,E2,E3,E4,E5"

/* NONE marks a dimension without a score in the expected values. */
#define NONE NAN

struct score_case {
	const char *name;
	const char *q;
	const char *answers;
	double dim[NDIMS]; /* NONE: no score */
	double overall;    /* NONE: no score */
	int stage;
};

static const struct score_case score_cases[] = {
    /* D1: 25 * (4+3+2+1) / 4 = 62.5; D2: 25 * (0+4) / 2 = 50; D3:
     * 25 * (1+1+2) / 3 = 100/3 = 33.333333333333336; overall (1 * 62.5
     * + 3 * 50 + 1 * 33.333333333333336) / 5 = 245.83333333333334 / 5
     * = 49.16666666666667: fortgeschritten. */
    {"all answered", Q3,
        "{\"A1\":{\"level\":4},\"A2\":{\"level\":3},\"A3\":{\"level\":2},"
        "\"A4\":{\"level\":1},\"B1\":{\"level\":0},\"B2\":{\"level\":4},"
        "\"C1\":{\"level\":1},\"C2\":{\"level\":1},\"C3\":{\"level\":2}}",
        {62.5, 50, 33.333333333333336}, 49.16666666666667, 2},
    /* n/a is excluded, not counted as 0: D1 25 * (4+2) / 2 = 75 (with
     * n/a as 0 it would be 37.5); D2 25 * 1 / 1 = 25; D3 has one item
     * answered out of three: none. Overall (75 + 3 * 25) / 4 = 37.5. */
    {"na excluded", Q3,
        "{\"A1\":{\"level\":4},\"A2\":{\"na\":true},\"A3\":{\"na\":true},"
        "\"A4\":{\"level\":2},\"B1\":{\"level\":1},\"C1\":{\"level\":4}}",
        {75, 25, NONE}, 37.5, 1},
    /* Exactly half answered has a score: D1 2 of 4: 25 * (3+1) / 2 =
     * 50; D2 1 of 2: 25 * 2 / 1 = 50. Less than half has none: D3 1 of
     * 3. Overall (50 + 3 * 50) / 4 = 50. */
    {"half answered", Q3,
        "{\"A1\":{\"level\":3},\"A3\":{\"level\":1},\"B2\":{\"level\":2},"
        "\"C2\":{\"level\":0}}",
        {50, 50, NONE}, 50, 2},
    /* Less than half: D1 1 of 4, D3 1 of 3 (2 * 1 < 3); D2 none
     * answered: no dimension, no overall. */
    {"less than half", Q3, "{\"A1\":{\"level\":4},\"C1\":{\"level\":4}}",
        {NONE, NONE, NONE}, NONE, -1},
    /* Two of three answered is more than half: D3 25 * (3+4) / 2 =
     * 87.5; overall 87.5: vorreiter. */
    {"two of three", Q3, "{\"C1\":{\"level\":3},\"C3\":{\"level\":4}}",
        {NONE, NONE, 87.5}, 87.5, 4},
    /* n/a counts as answered for the half rule: D3 has 2 n/a and one
     * level: 25 * 1 / 1 = 25. D1 all n/a: answered but no level, none. */
    {"na answers, all-na has none", Q3,
        "{\"A1\":{\"na\":true},\"A2\":{\"na\":true},\"A3\":{\"na\":true},"
        "\"A4\":{\"na\":true},\"C1\":{\"na\":true},\"C2\":{\"na\":true},"
        "\"C3\":{\"level\":1}}",
        {NONE, NONE, 25}, 25, 1},
    /* Weights: D1 25 * 16 / 4 = 100 weighs 1, D2 25 * 0 / 2 = 0 weighs
     * 3: (1 * 100 + 3 * 0) / 4 = 25. Unweighted it would be 50. */
    {"weights", Q3,
        "{\"A1\":{\"level\":4},\"A2\":{\"level\":4},\"A3\":{\"level\":4},"
        "\"A4\":{\"level\":4},\"B1\":{\"level\":0},\"B2\":{\"level\":0}}",
        {100, 0, NONE}, 25, 1},
    /* Real weights: D1 = 25 * 7 / 3 = 58.333333333333336 weighs 2, D2 =
     * 25 * 5 / 3 = 41.666666666666664 weighs 1: (2 * 58.333333333333336
     * + 41.666666666666664) / 3 = 52.77777777777778. */
    {"thirds", "D1=2:A1,A2,A3 D2=1:B1,B2,B3",
        "{\"A1\":{\"level\":3},\"A2\":{\"level\":2},\"A3\":{\"level\":2},"
        "\"B1\":{\"level\":1},\"B2\":{\"level\":2},\"B3\":{\"level\":2}}",
        {58.333333333333336, 41.666666666666664}, 52.77777777777778, 2},
    /* Extreme weights: D1 25 * 1 / 3 = 8.333333333333334 weighs 0.5, D2
     * 100 weighs 1000: (0.5 * 8.333333333333334 + 1000 * 100) / 1000.5
     * = 99.95418957188073. */
    {"extreme weights", "D1=0.5:A1,A2,A3 D2=1000:B1",
        "{\"A1\":{\"level\":1},\"A2\":{\"level\":0},\"A3\":{\"level\":0},"
        "\"B1\":{\"level\":4}}",
        {8.333333333333334, 100}, 99.95418957188073, 4},
    /* A level next to na=true is ignored (na wins): D1 25 * (2+2) / 2 =
     * 50, not 25 * (2+2+0) / 3. */
    {"na wins over level", "D1=1:A1,A2,A3",
        "{\"A1\":{\"level\":2},\"A2\":{\"level\":2},"
        "\"A3\":{\"level\":0,\"na\":true}}",
        {50}, 50, 2},
    /* Things that are not answers: null level, na=false, target and
     * comment alone, null answer, junk never validated (level 7,
     * "2", 2.0, na 1). D1 has only A1 = 1 of 4: none. */
    {"not answers", Q3,
        "{\"A1\":{\"level\":1},\"A2\":{\"level\":null,\"na\":false},"
        "\"A3\":{\"target\":4,\"comment\":\"x\"},\"A4\":null,"
        "\"B1\":{\"level\":7},\"B2\":{\"level\":\"2\"},"
        "\"C1\":{\"level\":2.0},\"C2\":{\"na\":1},\"C3\":[3]}",
        {NONE, NONE, NONE}, NONE, -1},
    /* No answers at all, and answers that are not an object. */
    {"empty", Q3, "{}", {NONE, NONE, NONE}, NONE, -1},
    {"not an object", Q3, "[1,2]", {NONE, NONE, NONE}, NONE, -1},
    /* Stage boundaries reached by five levels: 25 * 4 / 5 = 20 is
     * aufbauend, 25 * 8 / 5 = 40 fortgeschritten, 25 * 12 / 5 = 60
     * etabliert, 25 * 16 / 5 = 80 vorreiter, 25 * 20 / 5 = 100; 25 * 3
     * / 5 = 15 einsteiger; 0 einsteiger. */
    {"boundary 20", Q5,
        "{\"E1\":{\"level\":1},\"E2\":{\"level\":1},\"E3\":{\"level\":1},"
        "\"E4\":{\"level\":1},\"E5\":{\"level\":0}}",
        {20}, 20, 1},
    {"boundary 40", Q5,
        "{\"E1\":{\"level\":2},\"E2\":{\"level\":2},\"E3\":{\"level\":2},"
        "\"E4\":{\"level\":1},\"E5\":{\"level\":1}}",
        {40}, 40, 2},
    {"boundary 60", Q5,
        "{\"E1\":{\"level\":3},\"E2\":{\"level\":3},\"E3\":{\"level\":2},"
        "\"E4\":{\"level\":2},\"E5\":{\"level\":2}}",
        {60}, 60, 3},
    {"boundary 80", Q5,
        "{\"E1\":{\"level\":4},\"E2\":{\"level\":3},\"E3\":{\"level\":3},"
        "\"E4\":{\"level\":3},\"E5\":{\"level\":3}}",
        {80}, 80, 4},
    {"boundary 100", Q5,
        "{\"E1\":{\"level\":4},\"E2\":{\"level\":4},\"E3\":{\"level\":4},"
        "\"E4\":{\"level\":4},\"E5\":{\"level\":4}}",
        {100}, 100, 4},
    {"below 20", Q5,
        "{\"E1\":{\"level\":1},\"E2\":{\"level\":1},\"E3\":{\"level\":1},"
        "\"E4\":{\"level\":0},\"E5\":{\"level\":0}}",
        {15}, 15, 0},
    {"zero", Q5,
        "{\"E1\":{\"level\":0},\"E2\":{\"level\":0},\"E3\":{\"level\":0}}", {0},
        0, 0},
};

/* Fails unless got is exactly want. */
static void
check_double(double got, double want, const char *what, const char *name)
{
	if (got != want)
		fail_msg(
		    "%s: %s: got %.17g, want %.17g", name, what, got, want);
}

/* One scoring case. */
static void
test_score(void **state)
{
	const struct score_case *c = *state;
	struct scores s;
	struct qdef q;
	json_error_t err;
	json_t *a;
	size_t d;

	build_q(&q, c->q);
	a = json_loads(c->answers, 0, &err);
	if (a == NULL)
		fail_msg("%s: JSON: %s", c->name, err.text);
	memset(&s, 0x5a, sizeof(s));
	score_compute(&q, a, &s);
	for (d = 0; d < RG_DIMENSIONS_MAX; d++) {
		if (d >= q.ndims || (d < NDIMS && isnan(c->dim[d]))) {
			if (s.has_dim[d])
				fail_msg("%s: dimension %zu has a score %g",
				    c->name, d, s.dim[d]);
			continue;
		}
		if (!s.has_dim[d])
			fail_msg("%s: dimension %zu has no score", c->name, d);
		check_double(s.dim[d], c->dim[d], q.dim[d].id, c->name);
	}
	if (isnan(c->overall)) {
		assert_int_equal(s.has_overall, 0);
	} else {
		assert_int_equal(s.has_overall, 1);
		check_double(s.overall, c->overall, "overall", c->name);
	}
	assert_int_equal(s.stage, c->stage);
	json_decref(a);
}

struct stage_case {
	double score;
	int stage;
};

/* The stage of a score: < 20, < 40, < 60, < 80, else; out-of-range and
 * NaN scores fall to the nearest end (NaN to einsteiger). */
static void
test_stage(void **state)
{
	static const struct stage_case cases[] = {
	    {0, 0},
	    {19.999, 0},
	    {19.999999999999996, 0}, /* the double just below 20 */
	    {20, 1},
	    {20.000000000000004, 1},
	    {39.999, 1},
	    {39.99999999999999, 1}, /* the double just below 40 */
	    {40, 2},
	    {59.999, 2},
	    {59.99999999999999, 2},
	    {60, 3},
	    {79.999, 3},
	    {79.99999999999999, 3},
	    {80, 4},
	    {99.95, 4},
	    {100, 4},
	    {-0.0, 0},
	    {-5, 0},
	    {150, 4},
	    {INFINITY, 4},
	    {-INFINITY, 0},
	    {NAN, 0},
	};
	size_t i;

	(void)state;
	assert_true(nextafter(20.0, 0.0) == 19.999999999999996);
	assert_true(nextafter(40.0, 0.0) == 39.99999999999999);
	for (i = 0; i < NELEM(cases); i++)
		if (score_stage(cases[i].score) != cases[i].stage)
			fail_msg("score %.17g: stage %d, want %d",
			    cases[i].score, score_stage(cases[i].score),
			    cases[i].stage);
}

/* The stage identifiers of API.md. */
static void
test_stage_id(void **state)
{
	(void)state;
	assert_string_equal(score_stage_id(0), "einsteiger");
	assert_string_equal(score_stage_id(1), "aufbauend");
	assert_string_equal(score_stage_id(2), "fortgeschritten");
	assert_string_equal(score_stage_id(3), "etabliert");
	assert_string_equal(score_stage_id(4), "vorreiter");
	assert_null(score_stage_id(-1));
	assert_null(score_stage_id(RG_STAGES));
}

/*
 * Targets: per dimension 100 * sum / count / 4 over the items with an
 * integer target, whatever their level, n/a or the half rule; none when no
 * item names one. By hand: D1 targets 4, 3 -> 100 * 7 / 2 / 4 = 87.5; D2
 * one target 1 on an n/a item -> 25; D3 a real 2.0 and a string are not
 * integers -> none; D4 nothing -> none.
 */
static void
test_targets(void **state)
{
	struct qdef q;
	struct scores s;
	json_t *a, *t;
	char *text;

	(void)state;
	build_q(&q, "D1=1:A1,A2,A3 D2=1:B1,B2 D3=1:C1,C2 D4=1:E1");
	a = json_loads("{\"A1\":{\"level\":1,\"target\":4},"
	               "\"A2\":{\"target\":3},"
	               "\"B1\":{\"na\":true,\"target\":1},"
	               "\"C1\":{\"level\":2,\"target\":2.0},"
	               "\"C2\":{\"target\":\"3\"}}",
	    0, NULL);
	assert_non_null(a);
	score_compute(&q, a, &s);
	assert_true(s.has_target[0] && s.target[0] == 87.5);
	assert_true(s.has_target[1] && s.target[1] == 25.0);
	assert_false(s.has_target[2]);
	assert_false(s.has_target[3]);
	t = score_targets_json(&q, &s);
	text = json_dumps(t, JSON_COMPACT);
	assert_string_equal(
	    text, "{\"D1\":87.5,\"D2\":25.0,\"D3\":null,\"D4\":null}");
	free(text);
	json_decref(t);
	json_decref(a);
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

/* Runs every test: the stage tests, then one per scoring case. */
int
main(void)
{
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_stage),
	    cmocka_unit_test(test_stage_id),
	    cmocka_unit_test(test_targets),
	};
	struct CMUnitTest tests[NELEM(fixed) + NELEM(score_cases)];
	size_t k = 0, i;

	for (i = 0; i < NELEM(fixed); i++)
		tests[k++] = fixed[i];
	ADD_ROWS(tests, k, score_cases, test_score);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
