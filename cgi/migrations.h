/*
 * migrations.h: the migrations of sql/migrations, embedded at build time.
 */
#ifndef MIGRATIONS_H
#define MIGRATIONS_H

#include <stddef.h>

struct migration {
	const char *name; /* "001_init" */
	const char *text;
};

extern const struct migration migrations[];
extern const size_t migrations_count;

#endif /* MIGRATIONS_H */
