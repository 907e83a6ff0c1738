/*
 * test_stats.c: cgi/stats.c against values PostgreSQL 15.18 computed.
 *
 * Every expected value below was produced by a throwaway PostgreSQL 15
 * cluster on float8 (output in shortest exact form, so each literal is the
 * very double PostgreSQL computed), e.g.
 *
 *   select percentile_cont(0.25) within group (order by x),
 *          avg(x order by o)
 *   from unnest(array[...]::float8[]) with ordinality t(x, o);
 *   select x, percent_rank() over (order by x) from ...;
 *   select percent_rank(h) within group (order by x) from ...;
 *
 * and is compared exactly. The comments show the arithmetic by hand.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stats.h"

#define NVAL 10

/* Fails unless got is exactly want (NaN matches NaN). */
static void
check_double(double got, double want, const char *what, const char *name)
{
	if (got == want || (isnan(got) && isnan(want)))
		return;
	fail_msg("%s: %s: got %.17g, want %.17g", name, what, got, want);
}

/* A set of values in the order PostgreSQL aggregated them, and what
 * percentile_cont and avg answered. */
struct summary_case {
	const char *name;
	size_t n;
	double v[NVAL];
	double p25, median, p75, mean, p10, p90;
};

static const struct summary_case summary_cases[] = {
    /* n = 1: every row index p * 0 is 0. */
    {"summary: one", 1, {42}, 42, 42, 42, 42, 42, 42},
    /* p25: row 0.25 -> 10 + 0.25 * (20 - 10) = 12.5; p10: 10 + 0.1 * 10
     * = 11; mean 30 / 2 = 15. */
    {"summary: two", 2, {10, 20}, 12.5, 15, 17.5, 15, 11, 19},
    /* p25: row 0.75 -> 1 + 0.75 * 1 = 1.75; p75: row 2.25 -> 3.25;
     * p10: row 0.3 -> 1.3; p90: row 2.7 -> 3.7. */
    {"summary: four", 4, {1, 2, 3, 4}, 1.75, 2.5, 3.25, 2.5, 1.3, 3.7},
    /* Ties. p25: row 1.75 -> 12.5 + 0.75 * 25 = 31.25; median: row 3.5
     * between 50 and 50; p75: row 5.25 -> 62.5 + 0.25 * 25 = 68.75;
     * p10: row 0.7 -> 0 + 0.7 * 12.5 = 8.75; mean 400 / 8 = 50. */
    {"summary: ties", 8, {0, 12.5, 37.5, 50, 50, 62.5, 87.5, 100}, 31.25, 50,
        68.75, 50, 8.75, 91.25},
    /* Thirds and twelfths as a dimension score produces them (100/3 ..).
     * Sorted: 25/3, 25, 100/3, 125/3, 175/3, 75, 275/3. p25: row 1.5 ->
     * 25 + 0.5 * (100/3 - 25) = 29.1666..; median: row 3 -> 125/3; p75:
     * row 4.5 -> 175/3 + 0.5 * (75 - 175/3) = 66.666..; mean 1000/21. */
    {"summary: thirds", 7,
        {100.0 / 3, 175.0 / 3, 125.0 / 3, 75, 25.0 / 3, 275.0 / 3, 25},
        29.166666666666668, 41.666666666666664, 66.66666666666667,
        47.61904761904763, 18.333333333333336, 81.66666666666667},
    /* Rounding shows: 0.1 + 0.2 + 0.3 summed in this order is
     * 0.6000000000000001, / 3 = 0.20000000000000004. p25: row 0.5 ->
     * 0.1 + 0.5 * (0.2 - 0.1) = 0.15000000000000002. */
    {"summary: tenths", 3, {0.1, 0.2, 0.3}, 0.15000000000000002, 0.2, 0.25,
        0.20000000000000004, 0.12000000000000001, 0.28},
    /* The same values in the other order: the sum 0.3 + 0.2 + 0.1 is
     * 0.6 - 1 ulp, so the mean (in given order, as avg) differs. */
    {"summary: tenths reversed", 3, {0.3, 0.2, 0.1}, 0.15000000000000002, 0.2,
        0.25, 0.19999999999999998, 0.12000000000000001, 0.28},
    /* p25: row 1.25 -> 2 + 0.25 * 2 = 2.5; median: row 2.5 -> 4 + 0.5 *
     * 4 = 6; p75: row 3.75 -> 8 + 0.75 * 8 = 14; p10: row 0.5 -> 1.5;
     * p90: row 4.5 -> 16 + 0.5 * 16 = 24; mean 63 / 6 = 10.5. */
    {"summary: powers", 6, {1, 2, 4, 8, 16, 32}, 2.5, 6, 14, 10.5, 1.5, 24},
    /* All equal. */
    {"summary: equal", 5, {70, 70, 70, 70, 70}, 70, 70, 70, 70, 70, 70},
    /* Unsorted, ten values. Sorted: 0, 12.5, 25, 100/3, 37.5, 50, 50,
     * 62.5, 87.5, 100. p25: row 2.25 -> 25 + 0.25 * (100/3 - 25) =
     * 27.0833..; median: row 4.5 -> 37.5 + 0.5 * 12.5 = 43.75; p75: row
     * 6.75 -> 50 + 0.75 * 12.5 = 59.375; mean (1375/3) / 10; p10: row
     * 0.9 -> 0.9 * 12.5 = 11.25; p90: row 8.1 -> 87.5 + 0.1 * 12.5. */
    {"summary: unsorted", 10,
        {87.5, 12.5, 100, 0, 62.5, 50, 37.5, 50, 25, 100.0 / 3},
        27.083333333333336, 43.75, 59.375, 45.83333333333333, 11.25, 88.75},
    /* NaN sorts after every number, as in PostgreSQL: -5, 0, 1, NaN,
     * NaN. p25: row 1 -> 0; median: row 2 -> 1; p75: row 3 -> NaN; p10:
     * row 0.4 -> -5 + 0.4 * 5 = -3; the mean is NaN. */
    {"summary: NaN", 5, {NAN, 1, 0, NAN, -5}, 0, 1, NAN, NAN, -3, NAN},
};

/* stats_summarise and stats_percentile_cont on every summary case. */
static void
test_summary(void **state)
{
	const struct summary_case *c = *state;
	struct stats_summary s;
	double v[NVAL];
	size_t i;

	memcpy(v, c->v, sizeof(v));
	stats_summarise(v, c->n, &s);
	assert_int_equal(s.n, c->n);
	check_double(s.p25, c->p25, "p25", c->name);
	check_double(s.median, c->median, "median", c->name);
	check_double(s.p75, c->p75, "p75", c->name);
	check_double(s.mean, c->mean, "mean", c->name);
	/* Sorted, NaN last. */
	for (i = 1; i < c->n; i++)
		assert_true(v[i - 1] <= v[i] || isnan(v[i]));
	check_double(
	    stats_percentile_cont(v, c->n, 0.1), c->p10, "p10", c->name);
	check_double(
	    stats_percentile_cont(v, c->n, 0.9), c->p90, "p90", c->name);
	check_double(stats_percentile_cont(v, c->n, 0), v[0], "p0", c->name);
	check_double(
	    stats_percentile_cont(v, c->n, 1), v[c->n - 1], "p100", c->name);
	check_double(stats_mean(c->v, c->n), c->mean, "stats_mean", c->name);
}

/* No values: NaN everywhere, as PostgreSQL answers NULL; p outside 0..1. */
static void
test_empty_and_bad_p(void **state)
{
	static const double one[1] = {5};
	struct stats_summary s;
	double v[1] = {0};

	(void)state;
	stats_summarise(v, 0, &s);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.p25) && isnan(s.median) && isnan(s.p75));
	assert_true(isnan(s.mean));
	assert_true(isnan(stats_percentile_cont(one, 0, 0.5)));
	assert_true(isnan(stats_percentile_cont(one, 1, -0.01)));
	assert_true(isnan(stats_percentile_cont(one, 1, 1.01)));
	assert_true(isnan(stats_percentile_cont(one, 1, NAN)));
	assert_true(isnan(stats_mean(one, 0)));
}

/* A value of a sorted set, its window percent_rank and the hypothetical
 * percent_rank of other values over the same set. */
struct rank_case {
	const char *name;
	size_t n;
	double v[NVAL]; /* sorted */
	double x;
	double window;       /* percent_rank() over (order by v), x in v */
	double hypothetical; /* percent_rank(h) within group, h = x */
};

static const struct rank_case rank_cases[] = {
    /* n = 1: (rank - 1) / (n - 1) is defined as 0; hypothetical 0 / 1. */
    {"rank: one", 1, {42}, 42, 0, 0},
    /* {1,2,3,4}: x = 2 has rank 2: 1 / 3; hypothetically 1 below / 4. */
    {"rank: four-2", 4, {1, 2, 3, 4}, 2, 0.3333333333333333, 0.25},
    /* x = 3: 2 / 3; hypothetically 2 / 4. */
    {"rank: four-3", 4, {1, 2, 3, 4}, 3, 0.6666666666666666, 0.5},
    /* Ties: both 50s have rank 4 (three values below): 3 / 7; 3 / 8. */
    {"rank: ties-50", 8, {0, 12.5, 37.5, 50, 50, 62.5, 87.5, 100}, 50,
        0.42857142857142855, 0.375},
    /* 62.5 has 5 below: 5 / 7; 5 / 8. */
    {"rank: ties-62.5", 8, {0, 12.5, 37.5, 50, 50, 62.5, 87.5, 100}, 62.5,
        0.7142857142857143, 0.625},
    /* The top value: 7 / 7 = 1; hypothetically 7 / 8 (an x equal to the
     * top ranks with it, not above it). */
    {"rank: ties-100", 8, {0, 12.5, 37.5, 50, 50, 62.5, 87.5, 100}, 100, 1,
        0.875},
    /* The bottom value: 0 / 7; 0 / 8. */
    {"rank: ties-0", 8, {0, 12.5, 37.5, 50, 50, 62.5, 87.5, 100}, 0, 0, 0},
    /* 125/3 among seven thirds: 3 below: 3 / 6 = 0.5; 3 / 7. */
    {"rank: thirds", 7,
        {25.0 / 3, 25, 100.0 / 3, 125.0 / 3, 175.0 / 3, 75, 275.0 / 3},
        125.0 / 3, 0.5, 0.42857142857142855},
    /* All equal: nothing below: 0; 0. */
    {"rank: equal", 5, {70, 70, 70, 70, 70}, 70, 0, 0},
    /* NaN ranks after the numbers and equals NaN: 3 below: 3 / 4;
     * hypothetically 3 / 5. */
    {"rank: NaN", 5, {-5, 0, 1, NAN, NAN}, NAN, 0.75, 0.6},
    /* 1 below the NaNs: 2 / 4; 2 / 5. */
    {"rank: 1 before NaN", 5, {-5, 0, 1, NAN, NAN}, 1, 0.5, 0.4},
    /* 16 in powers of two: 4 below: 4 / 5 = 0.8; 4 / 6. */
    {"rank: powers", 6, {1, 2, 4, 8, 16, 32}, 16, 0.8, 0.6666666666666666},
};

/* Window percent_rank of a member, hypothetical percent_rank of the same
 * value. */
static void
test_rank(void **state)
{
	const struct rank_case *c = *state;

	check_double(
	    stats_percent_rank(c->v, c->n, c->x), c->window, "window", c->name);
	check_double(stats_percent_rank_hypothetical(c->v, c->n, c->x),
	    c->hypothetical, "hypothetical", c->name);
}

/* A hypothetical value that is not in the set. */
struct hypo_case {
	const char *name;
	size_t n;
	double v[NVAL]; /* sorted */
	double x, want;
};

static const struct hypo_case hypo_cases[] = {
    /* Below all: 0 / n. */
    {"hypothetical: below", 8, {0, 12.5, 37.5, 50, 50, 62.5, 87.5, 100}, -1, 0},
    /* 10: 1 below / 8. */
    {"hypothetical: 10", 8, {0, 12.5, 37.5, 50, 50, 62.5, 87.5, 100}, 10,
        0.125},
    /* 70: 6 below / 8. */
    {"hypothetical: 70", 8, {0, 12.5, 37.5, 50, 50, 62.5, 87.5, 100}, 70, 0.75},
    /* 99.9: 7 below / 8. */
    {"hypothetical: 99.9", 8, {0, 12.5, 37.5, 50, 50, 62.5, 87.5, 100}, 99.9,
        0.875},
    /* Above all: 8 / 8. */
    {"hypothetical: above", 8, {0, 12.5, 37.5, 50, 50, 62.5, 87.5, 100}, 1000,
        1},
    /* 10 among the thirds: one below / 7. */
    {"hypothetical: thirds-10", 7,
        {25.0 / 3, 25, 100.0 / 3, 125.0 / 3, 175.0 / 3, 75, 275.0 / 3}, 10,
        0.14285714285714285},
    /* 50 among the thirds: 4 below / 7. */
    {"hypothetical: thirds-50", 7,
        {25.0 / 3, 25, 100.0 / 3, 125.0 / 3, 175.0 / 3, 75, 275.0 / 3}, 50,
        0.5714285714285714},
    /* Two values: 15 lies between: 1 / 2. */
    {"hypothetical: two", 2, {10, 20}, 15, 0.5},
    /* An empty set: PostgreSQL answers 0. */
    {"hypothetical: empty", 0, {0}, 5, 0},
};

/* Hypothetical percent_rank of values outside the set. */
static void
test_hypothetical(void **state)
{
	const struct hypo_case *c = *state;

	check_double(stats_percent_rank_hypothetical(c->v, c->n, c->x), c->want,
	    "hypothetical", c->name);
}

/* A histogram and the counts worked out by hand. */
struct histo_case {
	const char *name;
	size_t n;
	double v[16];
	double lo, hi;
	size_t bins;
	size_t want[10];
	size_t counted;
};

static const struct histo_case histo_cases[] = {
    /* Bins of 10 from 0 to 100: [0,10) gets 0 and 9.999; [10,20) gets
     * 10 and 19.999999999999996; [20,30) 20; [50,60) 50; the last bin,
     * closed, gets 99.99 and 100. -0.1, 100.1 and NaN are outside. */
    {"histogram: scores", 11,
        {0, 9.999, 10, 19.999999999999996, 20, 50, 99.99, 100, -0.1, 100.1,
            NAN},
        0, 100, 10, {2, 2, 1, 0, 0, 1, 0, 0, 0, 2}, 8},
    /* Every bin once: 5, 15, .., 95. */
    {"histogram: middles", 10, {5, 15, 25, 35, 45, 55, 65, 75, 85, 95}, 0, 100,
        10, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 10},
    /* Four bins of 0.5 from -1 to 1: [-1,-0.5) -1; [-0.5,0) -0.5 and
     * -0.25; [0,0.5) 0; [0.5,1] 0.5 and 1. */
    {"histogram: negative", 6, {-1, -0.5, -0.25, 0, 0.5, 1}, -1, 1, 4,
        {1, 2, 1, 2}, 6},
    /* Edges are lo + i * w as doubles, whatever (x - lo) / w rounds to.
     * w = 99.8 / 10 = 9.98; lo + 5 * w = 50.2, so the double just below
     * 50.2 is in bin 4 although (x - lo) / w rounds to 5. */
    {"histogram: edge below", 2, {50.199999999999996, 50.2}, 0.3, 100.1, 10,
        {0, 0, 0, 0, 1, 1, 0, 0, 0, 0}, 2},
    /* w = (1.3 - 0.7) / 6; lo + w = 0.7999999999999999 exactly, so that
     * value is in bin 1 although (x - lo) / w rounds to just below 1. */
    {"histogram: edge above", 1, {0.7999999999999999}, 0.7, 1.3, 6,
        {0, 1, 0, 0, 0, 0}, 1},
    /* One bin holds everything from lo to hi inclusive. */
    {"histogram: one bin", 3, {0, 50, 100}, 0, 100, 1, {3}, 3},
    /* No values. */
    {"histogram: empty", 0, {0}, 0, 100, 10, {0}, 0},
    /* lo == hi: nothing counted, counts cleared. */
    {"histogram: degenerate", 2, {5, 5}, 5, 5, 3, {0, 0, 0}, 0},
};

/* stats_histogram on every histogram case. */
static void
test_histogram(void **state)
{
	const struct histo_case *c = *state;
	size_t counts[10], i;

	for (i = 0; i < 10; i++)
		counts[i] = 99;
	assert_int_equal(
	    stats_histogram(c->v, c->n, c->lo, c->hi, c->bins, counts),
	    c->counted);
	for (i = 0; i < c->bins; i++)
		if (counts[i] != c->want[i])
			fail_msg("%s: bin %zu: got %zu, want %zu", c->name, i,
			    counts[i], c->want[i]);
}

/* No bins: nothing is written and nothing counted. */
static void
test_histogram_no_bins(void **state)
{
	static const double v[2] = {1, 2};
	size_t counts[1] = {99};

	(void)state;
	assert_int_equal(stats_histogram(v, 2, 0, 10, 0, counts), 0);
	assert_int_equal(counts[0], 99);
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NTESTS                                                                 \
	(NELEM(summary_cases) + NELEM(rank_cases) + NELEM(hypo_cases) +        \
	    NELEM(histo_cases) + 2)

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

/* Runs every test: one per row of each table, then the odd cases. */
int
main(void)
{
	struct CMUnitTest tests[NTESTS];
	size_t k = 0;

	ADD_ROWS(tests, k, summary_cases, test_summary);
	ADD_ROWS(tests, k, rank_cases, test_rank);
	ADD_ROWS(tests, k, hypo_cases, test_hypothetical);
	ADD_ROWS(tests, k, histo_cases, test_histogram);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_empty_and_bad_p);
	tests[k++] =
	    (struct CMUnitTest)cmocka_unit_test(test_histogram_no_bins);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
