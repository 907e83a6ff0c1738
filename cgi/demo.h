/*
 * demo.h: the synthetic network of `reifegrad-admin demo`: deterministic
 * for a seed, shaped like Germany. Pure: the random numbers, the sizes and
 * states of municipalities, and their answers; admin_demo.c stores them.
 */
#ifndef DEMO_H
#define DEMO_H

#include <jansson.h>
#include <stdint.h>

#include "questionnaire.h"

/* A small deterministic generator (splitmix64): the same seed gives the
 * same network on every machine. */
struct demo_rng {
	uint64_t state;
};

void demo_rng_seed(struct demo_rng *, uint64_t seed);
uint64_t demo_rng_next(struct demo_rng *);
/* Uniform in [0, 1). */
double demo_rng_uniform(struct demo_rng *);
/* Standard normal (Box-Muller). */
double demo_rng_normal(struct demo_rng *);

/* A synthetic municipality. */
struct demo_org {
	char key[24];
	char name[96];
	const char *kind;
	const char *state;
	long population;
	int urbanisation; /* 1..3 */
	int consent_named;
};

/*
 * Draws municipality number i: its Land with the weights of the number of
 * municipalities per Land, its population from the distribution over the
 * Destatis size classes (Gemeindeverzeichnis 2020: about half of all
 * municipalities have fewer than 2,000 inhabitants), a name, a kind and an
 * urbanisation that follow from the size.
 */
void demo_org_draw(struct demo_rng *, long i, struct demo_org *out);

/*
 * The latent maturity 0..1 of a municipality of this population in wave w
 * (0 = first): larger municipalities tend to be further, every wave adds a
 * little, and each has its own offset (noise, drawn once per organisation
 * by the caller and passed in).
 */
double demo_maturity(long population, int wave, double own);

/*
 * Draws a response's answers for questionnaire q at maturity m: a level per
 * item around 4m, sometimes "not applicable", a target above the level;
 * when partial, only some items. Returns a new object.
 */
json_t *demo_answers(
    struct demo_rng *, const struct qdef *q, double m, int partial);

#endif /* DEMO_H */
