/*
 * problems.c: the bounded list of input problems that validators fill and
 * handlers turn into the "details" of a 422 answer.
 */
#include <stdarg.h>
#include <stdio.h>

#include "reifegrad.h"

void
problems_add(struct problems *ps, const char *path, const char *fmt, ...)
{
	struct problem *p;
	va_list ap;

	if (ps->count < RG_PROBLEMS_MAX) {
		p = &ps->item[ps->count];
		snprintf(p->path, sizeof(p->path), "%s", path);
		va_start(ap, fmt);
		vsnprintf(p->problem, sizeof(p->problem), fmt, ap);
		va_end(ap);
	}
	ps->count++;
}
