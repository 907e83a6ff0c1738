/*
 * metrics.h: counters shared by the master and all workers (one anonymous
 * shared mapping made before the workers fork), rendered in Prometheus
 * text format by GET /api/v1/metrics. Updates are relaxed atomic adds:
 * a request costs a few instructions, never a lock.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "reifegrad.h"

/* Routes counted one by one; more would need a bigger table. */
#define METRICS_ROUTES_MAX 64
/* Latency buckets (upper bounds in seconds), Prometheus style. */
#define METRICS_BUCKETS 12

/*
 * Maps the shared block. Call once in the master before forking.
 * Returns 0, or -1 when the mapping failed (metrics then stay empty).
 */
int metrics_init(void) RG_WUR;

/* Counts one answered request: route index (-1: no route matched),
 * status, duration in seconds. */
void metrics_request(int route, int status, double seconds);

/* Adds database errors and reconnects seen by a worker since its last
 * report (the worker passes the differences). */
void metrics_db(unsigned long errors, unsigned long reconnects);

/* Counts one answered request of a read-only route (ROUTE_READ): served
 * by a hot standby (standby != 0) or by a primary. */
void metrics_read(int standby);

/* Counts one answer of a cached route (ROUTE_CACHED): given from the
 * cache (hit != 0) or made afresh. */
void metrics_cached(int hit);

/* Counts one transaction of the committer and the items (autosaves,
 * submissions) it saved. */
void metrics_batch(size_t items);

/* The master's count of live workers. */
void metrics_workers(int alive);

/*
 * Renders every metric into out: route names come from names[0..n).
 * Returns 0 or -1.
 */
int metrics_render(struct buf *out, const char *const *names, size_t n) RG_WUR;

#endif /* METRICS_H */
