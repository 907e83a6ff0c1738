/*
 * buf.h: a growable byte buffer for building answers. Pure.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

#include "reifegrad.h"

struct buf {
	char *data; /* NUL-terminated when len > 0 or after any append */
	size_t len;
	size_t cap;
};

/* Appends n bytes of s. Returns 0, or -1 when memory ran out (buf as it was).
 */
int buf_append(struct buf *, const char *s, size_t n) RG_WUR;

/* Appends a NUL-terminated string. Returns 0 or -1 as buf_append. */
int buf_puts(struct buf *, const char *s) RG_WUR;

/* Appends printf-style text. Returns 0 or -1 as buf_append. */
int buf_printf(struct buf *, const char *fmt, ...) RG_WUR
    __attribute__((format(printf, 2, 3)));

/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *);

/* Frees the memory; the buffer is empty and reusable afterwards. NULL-safe. */
void buf_free(struct buf *);

#endif /* BUF_H */
