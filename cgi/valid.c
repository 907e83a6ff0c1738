/*
 * valid.c: pure validators. Every input from outside passes one of these
 * (or jansson's parser) before the program uses it.
 */
#include <string.h>

#include "valid.h"

int
valid_int64n(
    const char *s, size_t n, long long min, long long max, long long *out)
{
	unsigned long long v = 0, limit;
	size_t i = 0;
	int neg = 0;

	if (s == NULL || n == 0)
		return -1;
	if (s[0] == '-') {
		neg = 1;
		i = 1;
		if (n == 1)
			return -1;
	}
	/* Magnitude limit of a long long, for either sign. */
	limit = neg ? (unsigned long long)9223372036854775807LL + 1
	            : (unsigned long long)9223372036854775807LL;
	for (; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (limit - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	{
		long long r;

		if (neg)
			r = v == limit ? (-9223372036854775807LL - 1)
			               : -(long long)v;
		else
			r = (long long)v;
		if (r < min || r > max)
			return -1;
		*out = r;
	}
	return 0;
}

int
valid_int64(const char *s, long long min, long long max, long long *out)
{
	if (s == NULL)
		return -1;
	return valid_int64n(s, strlen(s), min, max, out);
}

int
valid_utf8(const char *s, size_t n, size_t *codepoints)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, cps = 0;

	while (i < n) {
		unsigned c = p[i];
		unsigned cp;
		size_t len, k;

		if (c == 0)
			return -1;
		if (c < 0x80) {
			i++;
			cps++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			len = 2;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4;
			cp = c & 0x07;
		} else
			return -1;
		if (n - i < len)
			return -1;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return -1;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return -1;
		i += len;
		cps++;
	}
	if (codepoints != NULL)
		*codepoints = cps;
	return 0;
}

int
valid_email(const char *s)
{
	const char *at;
	size_t n, i;

	if (s == NULL)
		return -1;
	n = strlen(s);
	if (n < 3 || n > RG_EMAIL_MAX)
		return -1;
	if (valid_utf8(s, n, NULL) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7F || c == '<' || c == '>' || c == '"' ||
		    c == ',' || c == ';' || c == '\\')
			return -1;
	}
	at = strchr(s, '@');
	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    at[1] == '\0' || strchr(at + 1, '.') == NULL || s[n - 1] == '.')
		return -1;
	return 0;
}
