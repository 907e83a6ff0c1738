/*
 * demo.c: drawing a synthetic network (see demo.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "demo.h"

void
demo_rng_seed(struct demo_rng *r, uint64_t seed)
{
	r->state = seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
}

uint64_t
demo_rng_next(struct demo_rng *r)
{
	uint64_t z = (r->state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

double
demo_rng_uniform(struct demo_rng *r)
{
	return (double)(demo_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double
demo_rng_normal(struct demo_rng *r)
{
	double u = demo_rng_uniform(r), v = demo_rng_uniform(r);

	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* The Länder with roughly the number of their municipalities (Destatis
 * Gemeindeverzeichnis, 2020), the weight of each in the draw. */
static const struct {
	const char *name;
	const char *code;
	int weight;
} laender[] = {
    {"Schleswig-Holstein", "01", 1106},
    {"Hamburg", "02", 1},
    {"Niedersachsen", "03", 942},
    {"Bremen", "04", 2},
    {"Nordrhein-Westfalen", "05", 396},
    {"Hessen", "06", 422},
    {"Rheinland-Pfalz", "07", 2302},
    {"Baden-Württemberg", "08", 1101},
    {"Bayern", "09", 2056},
    {"Saarland", "10", 52},
    {"Berlin", "11", 1},
    {"Brandenburg", "12", 413},
    {"Mecklenburg-Vorpommern", "13", 726},
    {"Sachsen", "14", 419},
    {"Sachsen-Anhalt", "15", 218},
    {"Thüringen", "16", 634},
};

/* Share (per mille) of municipalities per size class, lower bound of the
 * class: roughly the German distribution. */
static const struct {
	long from, to;
	int permille;
} sizes[] = {
    {100, 2000, 512},
    {2000, 5000, 203},
    {5000, 10000, 134},
    {10000, 20000, 84},
    {20000, 50000, 51},
    {50000, 100000, 10},
    {100000, 500000, 5},
    {500000, 3700000, 1},
};

static const char *const stems[] = {"Lind", "Eich", "Buch", "Rosen", "Stein",
    "Wald", "Berg", "Tann", "Mühl", "Hoh", "Brück", "Sonn", "Kirch", "Schön",
    "Grün", "Hasel", "Wies", "Erl", "Birk", "Fels"};
static const char *const suffixes[] = {"dorf", "hausen", "heim", "bach", "feld",
    "au", "ingen", "stadt", "hagen", "burg", "rode", "stedt"};
static const char *const prefixes[] = {
    "", "", "", "Ober", "Unter", "Neu", "Alt", "Bad ", "Groß", "Klein"};

void
demo_org_draw(struct demo_rng *r, long i, struct demo_org *o)
{
	int total = 0, pick, k;
	size_t l, s;
	double u;

	for (l = 0; l < sizeof(laender) / sizeof(*laender); l++)
		total += laender[l].weight;
	pick = (int)(demo_rng_uniform(r) * total);
	for (l = 0; pick >= laender[l].weight; l++)
		pick -= laender[l].weight;
	pick = (int)(demo_rng_uniform(r) * 1000);
	for (s = 0; s + 1 < sizeof(sizes) / sizeof(*sizes) &&
	            pick >= sizes[s].permille;
	     s++)
		pick -= sizes[s].permille;
	u = demo_rng_uniform(r);
	/* Log-uniform within the class. */
	o->population = (long)exp(
	    log((double)sizes[s].from) +
	    u * (log((double)sizes[s].to) - log((double)sizes[s].from)));
	o->state = laender[l].name;
	o->kind = o->population >= 100000  ? "kreisfreie_stadt"
	          : o->population >= 10000 ? "stadt"
	                                   : "gemeinde";
	o->urbanisation = o->population >= 50000  ? 1
	                  : o->population >= 5000 ? 2
	                                          : 3;
	/* Some towns are denser and some large villages sparser. */
	if (demo_rng_uniform(r) < 0.15)
		o->urbanisation =
		    o->urbanisation == 3 ? 2 : o->urbanisation + 1;
	k = snprintf(
	    o->key, sizeof(o->key), "DE-DEMO%s%05ld", laender[l].code, i);
	(void)k;
	{
		const char *pre =
		    prefixes[demo_rng_next(r) %
		             (sizeof(prefixes) / sizeof(*prefixes))];
		const char *stem =
		    stems[demo_rng_next(r) % (sizeof(stems) / sizeof(*stems))];
		size_t pl = strlen(pre);
		/* "Ober" + "Lind" reads "Oberlind"; "Bad " keeps the capital.
		 */
		int lower = pl > 0 && pre[pl - 1] != ' ';

		snprintf(o->name, sizeof(o->name), "%s%c%s%s", pre,
		    lower ? (char)(stem[0] - 'A' + 'a') : stem[0], stem + 1,
		    suffixes[demo_rng_next(r) %
		             (sizeof(suffixes) / sizeof(*suffixes))]);
	}
	/* About one in five agrees to be shown by name to coordinators. */
	o->consent_named = demo_rng_uniform(r) < 0.2;
}

double
demo_maturity(long population, int wave, double own)
{
	double m = 0.22 + 0.09 * log10((double)population / 1000.0) +
	           0.05 * wave + own;

	return m < 0 ? 0 : m > 1 ? 1 : m;
}

json_t *
demo_answers(struct demo_rng *r, const struct qdef *q, double m, int partial)
{
	json_t *a = json_object();
	size_t d, i;

	for (d = 0; d < q->ndims; d++) {
		/* Dimensions differ: strategy runs ahead of data platforms. */
		double dim_shift = 0.08 * ((double)(d % 4) - 1.5);

		for (i = 0; i < q->dim[d].nitems; i++) {
			double x;
			int level, target;

			if (partial && demo_rng_uniform(r) < 0.6)
				continue;
			if (demo_rng_uniform(r) < 0.04) {
				json_object_set_new(a, q->dim[d].item[i].id,
				    json_pack("{s:b}", "na", 1));
				continue;
			}
			x = 4.0 * (m + dim_shift) + 0.9 * demo_rng_normal(r);
			level = (int)lround(x);
			level = level < 0 ? 0 : level > 4 ? 4 : level;
			target = level + (int)(demo_rng_next(r) % 3);
			target = target > 4 ? 4 : target;
			json_object_set_new(a, q->dim[d].item[i].id,
			    json_pack("{s:i, s:i}", "level", level, "target",
			        target));
		}
	}
	return a;
}
