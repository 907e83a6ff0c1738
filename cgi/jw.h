/*
 * jw.h: writing JSON text straight into a struct buf, for the hot answers
 * (benchmark, response) that splice text PostgreSQL already rendered
 * instead of building a jansson tree. Writes what resp_json() would write
 * for the same values: reals with 10 significant digits and always a dot
 * or an exponent, strings escaped as jansson escapes them. Pure.
 */
#ifndef JW_H
#define JW_H

#include <jansson.h>

#include "buf.h"
#include "reifegrad.h"

/* Appends s (UTF-8, NUL-terminated) as a JSON string. 0 or -1. */
int jw_str(struct buf *, const char *s) RG_WUR;

/* Appends "key": with key escaped. 0 or -1. */
int jw_key(struct buf *, const char *key) RG_WUR;

/* Appends a real as resp_json() writes it; null for NaN or infinity. */
int jw_real(struct buf *, double v) RG_WUR;

/*
 * Writes into out (size bytes) the JSON text of a finite real that
 * printf's %g wrote as g: g with a dot appended (".0") when it has
 * neither a dot nor an exponent, and the exponent without '+' and leading
 * zeros, as jansson writes reals. Returns its length, or 0 when out is
 * too small (it needs strlen(g) + 3 bytes).
 */
size_t jw_real_json(const char *g, char *out, size_t size);

/* Appends an integer. 0 or -1. */
int jw_int(struct buf *, long long v) RG_WUR;

/*
 * Appends the valid JSON text json (a json or jsonb field as PostgreSQL
 * writes it) without its insignificant whitespace and with every real
 * written as jw_real writes it, so that reals stored with full precision
 * read as resp_json() would write them after parsing. Strings, integers
 * and the order of keys stay as they are. 0 or -1.
 */
int jw_json_text(struct buf *, const char *json) RG_WUR;

/* Appends any jansson value (NULL as null) as resp_json() writes it.
 * 0 or -1. */
int jw_json(struct buf *, const json_t *v) RG_WUR;

#endif /* JW_H */
