/*
 * stats.h: descriptive statistics of scores, computed exactly as
 * PostgreSQL 15 computes them on float8 (API.md "Definitions"), so that
 * anyone can recompute a published benchmark with SQL. Pure: no I/O.
 */
#ifndef STATS_H
#define STATS_H

#include <stddef.h>

/* Number, quartiles and mean of a set of values. */
struct stats_summary {
	size_t n;
	double p25;
	double median;
	double p75;
	double mean;
};

/*
 * percentile_cont(p) WITHIN GROUP (ORDER BY v) of the n values in sorted
 * (ascending): with row = p * (n - 1), the value at floor(row) plus
 * (row - floor(row)) times the step to the value at ceil(row). Returns NaN
 * when n is 0 or p is outside 0..1 (PostgreSQL answers NULL or an error).
 */
double stats_percentile_cont(const double *sorted, size_t n, double p);

/* The arithmetic mean of the n values of v, summed in the given order as
 * PostgreSQL's avg(float8) does; NaN when n is 0. */
double stats_mean(const double *v, size_t n);

/*
 * The window function percent_rank() of x, a value that is one of the n
 * values in sorted (ascending): (rank - 1) / (n - 1) with rank = 1 + the
 * number of values below x; 0 when n is 1 (or 0).
 */
double stats_percent_rank(const double *sorted, size_t n, double x);

/*
 * The hypothetical-set aggregate percent_rank(x) WITHIN GROUP (ORDER BY v)
 * for an x that is not among the n values in sorted (ascending): the
 * number of values below x divided by n; 0 when n is 0.
 */
double stats_percent_rank_hypothetical(
    const double *sorted, size_t n, double x);

/*
 * Sorts the n values of v in place (ascending; NaN last, as PostgreSQL
 * orders float8) and fills out: n, p25, median and p75 as
 * stats_percentile_cont, and mean as stats_mean over v in the order it had
 * on entry. With n 0 every statistic is NaN.
 */
void stats_summarise(double *v, size_t n, struct stats_summary *out);

/*
 * Counts the n values of v into bins equal bins from lo to hi: bin i holds
 * lo + i*w <= x < lo + (i+1)*w with w = (hi - lo) / bins, except that the
 * last bin also holds hi itself (a score of 100 goes into the last bin).
 * Sets counts[0..bins-1]; values outside lo..hi and NaN are not counted.
 * Returns the number of values counted; 0 (and counts nothing) when bins is
 * 0 or lo < hi does not hold.
 */
size_t stats_histogram(const double *v, size_t n, double lo, double hi,
    size_t bins, size_t *counts);

#endif /* STATS_H */
