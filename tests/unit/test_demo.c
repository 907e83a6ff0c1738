/*
 * test_demo.c: cgi/demo.c, the pure part of `reifegrad-admin demo`: the
 * same seed draws the same network (numbers, municipalities, answers),
 * another seed another one, and the draws have the shape demo.h promises
 * (uniform and normal numbers, about half of all municipalities below
 * 2,000 inhabitants, kinds and urbanisation that follow from the size,
 * maturity growing with size and over the waves, levels around 4m,
 * targets at or above the level, a few n/a, partial drafts).
 *
 * Distribution checks use many draws and bounds several standard errors
 * wide; the draws are deterministic, so they cannot flicker.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "demo.h"
#include "questionnaire.h"

#define NORGS 20000

/* The shape of the default questionnaire: eight dimensions of 6, 5, 6,
 * 5, 5, 6, 7 and 5 items (45), weight 1 each. */
static void
default_shape(struct qdef *q)
{
	static const size_t items[] = {6, 5, 6, 5, 5, 6, 7, 5};
	size_t d, i;

	memset(q, 0, sizeof(*q));
	q->ndims = sizeof(items) / sizeof(*items);
	for (d = 0; d < q->ndims; d++) {
		snprintf(q->dim[d].id, sizeof(q->dim[d].id), "D%d", (int)d + 1);
		q->dim[d].weight = 1;
		q->dim[d].nitems = items[d];
		for (i = 0; i < items[d]; i++) {
			snprintf(q->dim[d].item[i].id,
			    sizeof(q->dim[d].item[i].id), "D%d.%d",
			    (int)(d + 1) % 10, (int)(i + 1) % 10);
			q->dim[d].item[i].required = 1;
		}
	}
}

static void
test_rng_same_seed_same_numbers(void **state)
{
	struct demo_rng a, b, c;
	int i, differ = 0;

	(void)state;
	demo_rng_seed(&a, 5);
	demo_rng_seed(&b, 5);
	demo_rng_seed(&c, 6);
	for (i = 0; i < 1000; i++) {
		uint64_t x = demo_rng_next(&a), z = demo_rng_next(&c);

		assert_true(x == demo_rng_next(&b));
		differ += x != z;
	}
	assert_int_equal(differ, 1000);
	/* splitmix64 from a fixed state: the same numbers on every machine
	 * (seed 0: state 0x632BE59BD9B4E019, then the published mixing). */
	demo_rng_seed(&a, 0);
	b.state = 0x632BE59BD9B4E019ULL;
	{
		uint64_t z = (b.state += 0x9E3779B97F4A7C15ULL);

		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
		z ^= z >> 31;
		assert_true(demo_rng_next(&a) == z);
	}
}

static void
test_rng_uniform_and_normal(void **state)
{
	struct demo_rng r;
	double s = 0, s2 = 0, u, x, n = 100000;
	int i, bins[10] = {0};

	(void)state;
	demo_rng_seed(&r, 42);
	for (i = 0; i < (int)n; i++) {
		u = demo_rng_uniform(&r);
		assert_true(u >= 0.0 && u < 1.0);
		bins[(int)(u * 10)]++;
		s += u;
	}
	/* Mean 0.5 +- 5 standard errors (sd 0.289 / sqrt(n)). */
	assert_true(fabs(s / n - 0.5) < 5 * 0.289 / sqrt(n));
	for (i = 0; i < 10; i++) /* 10,000 each, sd about 95 */
		assert_true(bins[i] > 9500 && bins[i] < 10500);
	s = 0;
	for (i = 0; i < (int)n; i++) {
		x = demo_rng_normal(&r);
		assert_true(isfinite(x));
		s += x;
		s2 += x * x;
	}
	assert_true(fabs(s / n) < 5 / sqrt(n));
	assert_true(fabs(s2 / n - 1.0) < 0.03);
}

/* Two networks drawn with the same seed are the same, field by field. */
static void
test_orgs_same_seed_same_network(void **state)
{
	struct demo_rng a, b, c;
	struct demo_org x, y, z;
	long i, same = 0;

	(void)state;
	demo_rng_seed(&a, 5);
	demo_rng_seed(&b, 5);
	demo_rng_seed(&c, 7);
	for (i = 0; i < 2000; i++) {
		demo_org_draw(&a, i, &x);
		demo_org_draw(&b, i, &y);
		demo_org_draw(&c, i, &z);
		assert_string_equal(x.key, y.key);
		assert_string_equal(x.name, y.name);
		assert_string_equal(x.kind, y.kind);
		assert_string_equal(x.state, y.state);
		assert_int_equal(x.population, y.population);
		assert_int_equal(x.urbanisation, y.urbanisation);
		assert_int_equal(x.consent_named, y.consent_named);
		same +=
		    x.population == z.population && strcmp(x.name, z.name) == 0;
	}
	assert_true(same < 20); /* another seed, another network */
}

static void
test_orgs_look_like_germany(void **state)
{
	static const char *const laender[] = {"Schleswig-Holstein", "Hamburg",
	    "Niedersachsen", "Bremen", "Nordrhein-Westfalen", "Hessen",
	    "Rheinland-Pfalz", "Baden-Württemberg", "Bayern", "Saarland",
	    "Berlin", "Brandenburg", "Mecklenburg-Vorpommern", "Sachsen",
	    "Sachsen-Anhalt", "Thüringen"};
	struct demo_rng r;
	struct demo_org o;
	long i, small = 0, consent = 0, big = 0, rlp = 0, hh = 0, moved = 0;
	int base;
	size_t l;
	json_t *js;

	(void)state;
	demo_rng_seed(&r, 2026);
	for (i = 0; i < NORGS; i++) {
		int found = 0;

		demo_org_draw(&r, i, &o);
		assert_true(o.population >= 100 && o.population <= 3700000);
		/* The kind and the urbanisation follow from the size. */
		if (o.population >= 100000)
			assert_string_equal(o.kind, "kreisfreie_stadt");
		else if (o.population >= 10000)
			assert_string_equal(o.kind, "stadt");
		else
			assert_string_equal(o.kind, "gemeinde");
		/* Dense from 50,000, middling from 5,000, thin below; one in
		 * about seven moved by one step. */
		base = o.population >= 50000 ? 1 : o.population >= 5000 ? 2 : 3;
		assert_true(o.urbanisation >= 1 && o.urbanisation <= 3);
		assert_true(abs(o.urbanisation - base) <= 1);
		moved += o.urbanisation != base;
		for (l = 0; l < sizeof(laender) / sizeof(*laender); l++)
			found |= strcmp(o.state, laender[l]) == 0;
		assert_true(found);
		/* Keys: DE-DEMO, the Land's code, the number; unique. */
		assert_true(strncmp(o.key, "DE-DEMO", 7) == 0);
		assert_int_equal(strlen(o.key), 7 + 2 + 5);
		assert_int_equal(strtol(o.key + 9, NULL, 10), i);
		assert_true(strlen(o.name) >= 4);
		js = json_string(o.name); /* NULL unless valid UTF-8 */
		assert_non_null(js);
		json_decref(js);
		small += o.population < 2000;
		big += o.population >= 100000;
		consent += o.consent_named;
		rlp += strcmp(o.state, "Rheinland-Pfalz") == 0;
		hh += strcmp(o.state, "Hamburg") == 0;
	}
	/* 51.2 % below 2,000 (sd 0.35 %); 0.6 % of 100,000 and more; one in
	 * five consents; Rheinland-Pfalz has about 2302 of 10,791 weights,
	 * Hamburg one. */
	assert_true(small > 0.49 * NORGS && small < 0.535 * NORGS);
	assert_true(big > 0.002 * NORGS && big < 0.012 * NORGS);
	assert_true(consent > 0.18 * NORGS && consent < 0.22 * NORGS);
	assert_true(rlp > 0.19 * NORGS && rlp < 0.24 * NORGS);
	assert_true(hh < 15);
	assert_true(moved > 0.13 * NORGS && moved < 0.17 * NORGS);
}

static void
test_maturity_grows_with_size_and_waves(void **state)
{
	long pops[] = {500, 1500, 8000, 30000, 200000, 1000000};
	size_t i;
	int w;

	(void)state;
	for (i = 0; i + 1 < sizeof(pops) / sizeof(*pops); i++)
		for (w = 0; w < 3; w++)
			assert_true(demo_maturity(pops[i], w, 0) <
			            demo_maturity(pops[i + 1], w, 0));
	for (w = 0; w < 5; w++)
		assert_true(demo_maturity(20000, w, 0) <
		            demo_maturity(20000, w + 1, 0));
	/* Clamped to 0..1. */
	assert_true(demo_maturity(1000, 0, -5) == 0.0);
	assert_true(demo_maturity(1000, 0, 5) == 1.0);
}

/* Mean level, n/a share and count of answers over many responses. */
static void
answers_summary(uint64_t seed, double m, int partial, int count,
    double *mean_level, double *na_share, double *answered_share)
{
	static struct qdef q;
	struct demo_rng r;
	double levels = 0, nlevels = 0, na = 0, total = 0, items = 0;
	int k;

	default_shape(&q);
	demo_rng_seed(&r, seed);
	for (k = 0; k < count; k++) {
		json_t *a = demo_answers(&r, &q, m, partial), *v;
		const char *id;

		assert_non_null(a);
		items += 45;
		json_object_foreach (a, id, v) {
			json_t *lv = json_object_get(v, "level"),
			       *tg = json_object_get(v, "target");
			size_t di, ii;

			assert_int_equal(
			    questionnaire_find_item(&q, id, &di, &ii), 0);
			total++;
			if (json_is_true(json_object_get(v, "na"))) {
				na++;
				assert_null(lv);
				continue;
			}
			assert_true(json_is_integer(lv) && json_is_integer(tg));
			assert_true(json_integer_value(lv) >= 0 &&
			            json_integer_value(lv) <= 4);
			assert_true(
			    json_integer_value(tg) >= json_integer_value(lv) &&
			    json_integer_value(tg) <= 4);
			levels += (double)json_integer_value(lv);
			nlevels++;
		}
		json_decref(a);
	}
	*mean_level = levels / nlevels;
	*na_share = na / total;
	*answered_share = total / items;
}

static void
test_answers_same_seed_same_answers(void **state)
{
	static struct qdef q;
	struct demo_rng a, b, c;
	int k, differ = 0;

	(void)state;
	default_shape(&q);
	demo_rng_seed(&a, 5);
	demo_rng_seed(&b, 5);
	demo_rng_seed(&c, 6);
	for (k = 0; k < 50; k++) {
		json_t *x = demo_answers(&a, &q, 0.5, k % 3 == 0);
		json_t *y = demo_answers(&b, &q, 0.5, k % 3 == 0);
		json_t *z = demo_answers(&c, &q, 0.5, k % 3 == 0);

		assert_true(json_equal(x, y));
		differ += !json_equal(x, z);
		json_decref(x);
		json_decref(y);
		json_decref(z);
	}
	assert_true(differ >= 45);
}

static void
test_answers_follow_maturity(void **state)
{
	double lo, mid, hi, na, answered;

	(void)state;
	answers_summary(1, 0.2, 0, 400, &lo, &na, &answered);
	assert_true(answered == 1.0);        /* complete: every item */
	assert_true(na > 0.03 && na < 0.05); /* about 4 % n/a */
	answers_summary(1, 0.5, 0, 400, &mid, &na, &answered);
	answers_summary(1, 0.8, 0, 400, &hi, &na, &answered);
	/* Around 4m (clamped to 0..4, so pulled to the middle). */
	assert_true(lo < mid && mid < hi);
	assert_true(fabs(mid - 2.0) < 0.15);
	assert_true(lo > 0.5 && lo < 1.2);
	assert_true(hi > 2.8 && hi < 3.5);
	/* A draft answers about 40 % of the items. */
	answers_summary(1, 0.5, 1, 400, &mid, &na, &answered);
	assert_true(answered > 0.36 && answered < 0.44);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rng_same_seed_same_numbers),
	    cmocka_unit_test(test_rng_uniform_and_normal),
	    cmocka_unit_test(test_orgs_same_seed_same_network),
	    cmocka_unit_test(test_orgs_look_like_germany),
	    cmocka_unit_test(test_maturity_grows_with_size_and_waves),
	    cmocka_unit_test(test_answers_same_seed_same_answers),
	    cmocka_unit_test(test_answers_follow_maturity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
