/*
 * valid.h: small pure validators with one shape: they look at a value and
 * say yes (0) or no (-1), writing the parsed value only on yes.
 */
#ifndef VALID_H
#define VALID_H

#include <stddef.h>

#include "reifegrad.h"

/* Parses a decimal integer without sign other than a leading '-', without
 * spaces, within [min, max]. The one integer parser of the program. */
int valid_int64(
    const char *s, long long min, long long max, long long *out) RG_WUR;

/* Like valid_int64 for the first n bytes of s (not NUL-terminated). */
int valid_int64n(const char *s, size_t n, long long min, long long max,
    long long *out) RG_WUR;

/* Checks that s[0..n) is well-formed UTF-8 without NUL and without
 * encoded surrogates; sets *codepoints to the number of code points. */
int valid_utf8(const char *s, size_t n, size_t *codepoints) RG_WUR;

/* A plausible e-mail address: at most RG_EMAIL_MAX octets, one '@' with
 * something printable on both sides, no spaces or control characters. */
int valid_email(const char *s) RG_WUR;

#endif /* VALID_H */
