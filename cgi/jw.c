/*
 * jw.c: JSON text into a struct buf (see jw.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jw.h"

int
jw_str(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = s;

	if (buf_append(b, "\"", 1) == -1)
		return -1;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char esc[7];
		size_t n = 2;

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		if (buf_append(b, run, (size_t)(s - run)) == -1)
			return -1;
		esc[0] = '\\';
		switch (ch) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 15];
			n = 6;
		}
		if (buf_append(b, esc, n) == -1)
			return -1;
		run = s + 1;
	}
	if (buf_append(b, run, (size_t)(s - run)) == -1)
		return -1;
	return buf_append(b, "\"", 1);
}

int
jw_key(struct buf *b, const char *key)
{
	if (jw_str(b, key) == -1)
		return -1;
	return buf_append(b, ":", 1);
}

size_t
jw_real_json(const char *g, char *out, size_t size)
{
	const char *e = strchr(g, 'e');
	size_t n, len = strlen(g);

	if (size < len + 3)
		return 0;
	if (e == NULL) {
		memcpy(out, g, len + 1);
		/* A dot, so that it reads back as a real. */
		if (strchr(g, '.') == NULL)
			memcpy(out + len, ".0", 3);
		return strlen(out);
	}
	/* No '+' and no leading zeros in the exponent: 1e-05 -> 1e-5. */
	memcpy(out, g, (size_t)(e - g) + 1);
	n = (size_t)(e - g) + 1;
	e++;
	if (*e == '-')
		out[n++] = *e++;
	else if (*e == '+')
		e++;
	while (*e == '0' && e[1] != '\0')
		e++;
	memcpy(out + n, e, strlen(e) + 1);
	return strlen(out);
}

int
jw_real(struct buf *b, double v)
{
	char g[40], s[40];
	size_t n;
	int len;

	if (!isfinite(v))
		return buf_append(b, "null", 4);
	len = snprintf(g, sizeof(g), "%.10g", v);
	if (len < 0 || (size_t)len >= sizeof(g) ||
	    (n = jw_real_json(g, s, sizeof(s))) == 0)
		return -1;
	return buf_append(b, s, n);
}

int
jw_int(struct buf *b, long long v)
{
	char s[24];
	int n = snprintf(s, sizeof(s), "%lld", v);

	return buf_append(b, s, (size_t)n);
}

/* The end of the JSON string that starts at s (the quote): just after its
 * closing quote. Escapes are skipped, so an escaped quote does not end it. */
static const char *
jw_string_end(const char *s)
{
	for (s++; *s != '\0' && *s != '"'; s++)
		if (*s == '\\' && s[1] != '\0')
			s++;
	return *s == '"' ? s + 1 : s;
}

/* Whether the number from s to end is a real to jansson: one with a
 * fraction or an exponent. Any other it reads as an integer and writes
 * back as it is. */
static int
jw_number_is_real(const char *s, const char *end)
{
	for (; s < end; s++)
		if (*s == '.' || *s == 'e' || *s == 'E')
			return 1;
	return 0;
}

int
jw_json_text(struct buf *b, const char *s)
{
	const char *run = s, *end;

	while (*s != '\0') {
		if (*s == '"') {
			s = jw_string_end(s);
			continue;
		}
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			if (buf_append(b, run, (size_t)(s - run)) == -1)
				return -1;
			run = ++s;
			continue;
		}
		if (*s != '-' && (*s < '0' || *s > '9')) {
			s++;
			continue;
		}
		end = s + strspn(s, "0123456789+-.eE");
		if (jw_number_is_real(s, end)) {
			if (buf_append(b, run, (size_t)(s - run)) == -1 ||
			    jw_real(b, strtod(s, NULL)) == -1)
				return -1;
			run = end;
		}
		s = end;
	}
	return buf_append(b, run, (size_t)(s - run));
}

int
jw_json(struct buf *b, const json_t *v)
{
	const char *key;
	json_t *m;
	size_t i, first = 1;

	if (v == NULL)
		return buf_append(b, "null", 4);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (buf_append(b, "{", 1) == -1)
			return -1;
		json_object_foreach ((json_t *)v, key, m) {
			if ((!first && buf_append(b, ",", 1) == -1) ||
			    jw_key(b, key) == -1 || jw_json(b, m) == -1)
				return -1;
			first = 0;
		}
		return buf_append(b, "}", 1);
	case JSON_ARRAY:
		if (buf_append(b, "[", 1) == -1)
			return -1;
		json_array_foreach (v, i, m)
			if ((i > 0 && buf_append(b, ",", 1) == -1) ||
			    jw_json(b, m) == -1)
				return -1;
		return buf_append(b, "]", 1);
	case JSON_STRING: return jw_str(b, json_string_value(v));
	case JSON_INTEGER: return jw_int(b, (long long)json_integer_value(v));
	case JSON_REAL: return jw_real(b, json_real_value(v));
	case JSON_TRUE: return buf_append(b, "true", 4);
	case JSON_FALSE: return buf_append(b, "false", 5);
	default: return buf_append(b, "null", 4);
	}
}
