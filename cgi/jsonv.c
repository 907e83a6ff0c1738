/*
 * jsonv.c: strict member getters for request bodies.
 */
#include <stdio.h>
#include <string.h>

#include "jsonv.h"
#include "valid.h"

/* The length of the UTF-8 sequence that starts with byte b (1 for a byte
 * that cannot start one, so that a walk always advances). */
static size_t
utf8_seqlen(unsigned char b)
{
	if (b < 0xc0)
		return 1;
	if (b < 0xe0)
		return 2;
	if (b < 0xf0)
		return 3;
	return 4;
}

void
jv_path(char *out, size_t outsz, const char *prefix, const char *key)
{
	size_t o, n, i;

	o = (size_t)snprintf(out, outsz, "%s/", prefix);
	for (; *key != '\0' && o + 3 < outsz; key += n) {
		if (*key == '~' || *key == '/') {
			out[o++] = '~';
			out[o++] = *key == '~' ? '0' : '1';
			n = 1;
			continue;
		}
		/* Whole characters only: a path cut in the middle of one
		 * would not be UTF-8, and the error answer could not carry
		 * it. */
		n = utf8_seqlen((unsigned char)*key);
		for (i = 1; i < n; i++)
			if (key[i] == '\0')
				break;
		n = i;
		if (o + n >= outsz)
			break;
		memcpy(out + o, key, n);
		o += n;
	}
	out[o < outsz ? o : outsz - 1] = '\0';
}

int
jv_object(const json_t *v, const char *path, const char *const *allowed,
    struct problems *ps)
{
	const char *key;
	json_t *val;
	size_t before = ps->count;

	if (!json_is_object(v)) {
		problems_add(ps, path, "must be an object");
		return -1;
	}
	json_object_foreach ((json_t *)v, key, val) {
		const char *const *a;
		char p[160];

		(void)val;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a == NULL) {
			jv_path(p, sizeof(p), path, key);
			problems_add(ps, p, "unknown key");
		}
	}
	return ps->count == before ? 0 : -1;
}

const char *
jv_string(const json_t *obj, const char *key, enum jv_need need, size_t max,
    struct problems *ps)
{
	json_t *v = json_object_get(obj, key);
	char p[160];
	const char *s;
	size_t n, cps;

	jv_path(p, sizeof(p), "", key);
	if (v == NULL || json_is_null(v)) {
		if (need == JV_REQUIRED)
			problems_add(ps, p, "is required");
		return NULL;
	}
	if (!json_is_string(v)) {
		problems_add(ps, p, "must be a string");
		return NULL;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (strlen(s) != n || valid_utf8(s, n, &cps) == -1) {
		problems_add(ps, p, "must be text without NUL");
		return NULL;
	}
	if (cps > max) {
		problems_add(ps, p, "must have at most %zu characters", max);
		return NULL;
	}
	if (need == JV_REQUIRED && n == 0) {
		problems_add(ps, p, "must not be empty");
		return NULL;
	}
	return s;
}

int
jv_int(const json_t *obj, const char *key, enum jv_need need, long long min,
    long long max, long long *out, struct problems *ps)
{
	json_t *v = json_object_get(obj, key);
	char p[160];

	jv_path(p, sizeof(p), "", key);
	if (v == NULL || json_is_null(v)) {
		if (need == JV_REQUIRED) {
			problems_add(ps, p, "is required");
			return -1;
		}
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		problems_add(
		    ps, p, "must be an integer from %lld to %lld", min, max);
		return -1;
	}
	*out = json_integer_value(v);
	return 1;
}

int
jv_bool(const json_t *obj, const char *key, enum jv_need need, int *out,
    struct problems *ps)
{
	json_t *v = json_object_get(obj, key);
	char p[160];

	jv_path(p, sizeof(p), "", key);
	if (v == NULL || json_is_null(v)) {
		if (need == JV_REQUIRED) {
			problems_add(ps, p, "is required");
			return -1;
		}
		return 0;
	}
	if (!json_is_boolean(v)) {
		problems_add(ps, p, "must be true or false");
		return -1;
	}
	*out = json_is_true(v);
	return 1;
}
