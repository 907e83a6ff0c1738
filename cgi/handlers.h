/*
 * handlers.h: every handler of the route table, grouped by file.
 * Each fills c->resp and returns 0 (or -1 after setting an error answer).
 */
#ifndef HANDLERS_H
#define HANDLERS_H

struct ctx;

/* h_health.c */
int h_health_get(struct ctx *);

#endif /* HANDLERS_H */
