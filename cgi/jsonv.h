/*
 * jsonv.h: strict reading of JSON request bodies. Each getter checks one
 * member's presence, type and limits and records a problem with its JSON
 * pointer when something is wrong, so that a handler can read all members
 * and answer 422 with every problem at once. Pure.
 */
#ifndef JSONV_H
#define JSONV_H

#include <jansson.h>

#include "reifegrad.h"

enum jv_need { JV_OPTIONAL, JV_REQUIRED };

/* Checks that v is an object with no keys outside allowed (NULL-ended).
 * Returns 0, or -1 (with problems) when v is no object or has others. */
int jv_object(const json_t *v, const char *path, const char *const *allowed,
    struct problems *ps);

/*
 * The string member key of obj: NULL when absent (a problem if required),
 * when null, or when it is no string, holds NUL, is empty while required,
 * or has more than max code points (problems for these).
 */
const char *jv_string(const json_t *obj, const char *key, enum jv_need,
    size_t max, struct problems *ps);

/* Reads an integer member within [min, max] into *out. Returns 1 when
 * read, 0 when absent or null (a problem if required), -1 when bad. */
int jv_int(const json_t *obj, const char *key, enum jv_need, long long min,
    long long max, long long *out, struct problems *ps);

/* Reads a boolean member. Returns 1, 0 absent/null, -1 bad. */
int jv_bool(const json_t *obj, const char *key, enum jv_need, int *out,
    struct problems *ps);

/* Writes the JSON pointer "/key" of a member, escaped (RFC 6901). */
void jv_path(char *out, size_t outsz, const char *prefix, const char *key);

#endif /* JSONV_H */
