/*
 * stats.c: descriptive statistics as PostgreSQL 15 computes them on float8.
 * Pure: no I/O.
 *
 * Each function follows the arithmetic of PostgreSQL's own code, operation
 * by operation, so that results agree to the last bit and not merely after
 * rounding: percentile_cont is percentile_cont_final_common() with
 * float8_lerp(), the mean is float8_avg() over float8_accum()'s plain sum,
 * and the ranks are those of percent_rank() in windowfuncs.c and
 * hypothetical_percent_rank_final() in orderedsetaggs.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/*
 * Orders doubles ascending the way PostgreSQL's float8 comparison does:
 * NaN equals NaN and sorts after every other value.
 */
static int
cmp_double(const void *pa, const void *pb)
{
	double a, b;

	a = *(const double *)pa;
	b = *(const double *)pb;
	if (isnan(a))
		return isnan(b) ? 0 : 1;
	if (isnan(b))
		return -1;
	return (a > b) - (a < b);
}

/* The number of the n values in sorted (ascending) that are below x. */
static size_t
count_below(const double *sorted, size_t n, double x)
{
	size_t lo, hi, mid;

	lo = 0;
	hi = n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cmp_double(&sorted[mid], &x) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Returns percentile_cont(p) of the sorted values (see stats.h). */
double
stats_percentile_cont(const double *sorted, size_t n, double p)
{
	double row, first, second;

	if (n == 0 || !(p >= 0.0 && p <= 1.0))
		return NAN;
	row = p * (double)(n - 1);
	first = floor(row);
	second = ceil(row);
	if (second > first)
		return sorted[(size_t)first] +
		       ((row - first) *
		           (sorted[(size_t)second] - sorted[(size_t)first]));
	return sorted[(size_t)first];
}

/* Returns the mean of v, summed in order (see stats.h). */
double
stats_mean(const double *v, size_t n)
{
	double sum;
	size_t i;

	if (n == 0)
		return NAN;
	sum = 0.0;
	for (i = 0; i < n; i++)
		sum += v[i];
	return sum / (double)n;
}

/* Returns the window percent_rank() of x within sorted (see stats.h). */
double
stats_percent_rank(const double *sorted, size_t n, double x)
{
	if (n <= 1)
		return 0.0;
	return (double)count_below(sorted, n, x) / (double)(n - 1);
}

/* Returns the hypothetical-set percent_rank(x) over sorted (see
 * stats.h). */
double
stats_percent_rank_hypothetical(const double *sorted, size_t n, double x)
{
	if (n == 0)
		return 0.0;
	return (double)count_below(sorted, n, x) / (double)n;
}

/* Sorts v and summarises it into out (see stats.h). */
void
stats_summarise(double *v, size_t n, struct stats_summary *out)
{
	out->n = n;
	/* The mean first: its sum follows the order the caller gave. */
	out->mean = stats_mean(v, n);
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_double);
	out->p25 = stats_percentile_cont(v, n, 0.25);
	out->median = stats_percentile_cont(v, n, 0.5);
	out->p75 = stats_percentile_cont(v, n, 0.75);
}

/* Counts v into equal bins from lo to hi (see stats.h). */
size_t
stats_histogram(const double *v, size_t n, double lo, double hi, size_t bins,
    size_t *counts)
{
	size_t i, b, counted;
	double w, x, q;

	if (bins == 0)
		return 0;
	memset(counts, 0, bins * sizeof(*counts));
	if (!(lo < hi))
		return 0;
	w = (hi - lo) / (double)bins;
	counted = 0;
	for (i = 0; i < n; i++) {
		x = v[i];
		if (!(x >= lo && x <= hi))
			continue;
		/* A first guess, then moved so that the bin edges are exactly
		 * lo + b*w as computed here, whatever the division rounded. */
		q = (x - lo) / w;
		b = q < (double)bins ? (size_t)q : bins - 1;
		while (b > 0 && x < lo + (double)b * w)
			b--;
		while (b + 1 < bins && x >= lo + (double)(b + 1) * w)
			b++;
		counts[b]++;
		counted++;
	}
	return counted;
}
