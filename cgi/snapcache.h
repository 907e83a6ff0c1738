/*
 * snapcache.h: a worker's copy of the peer snapshots of the waves it
 * serves benchmarks for. A snapshot changes only when the snapshotter (or
 * a reopening, or the close of a wave) renews it, and every renewal counts
 * up the wave's snapshot_generation (sql/migrations/010_speed.sql): the
 * benchmark's statement reads that number, and the worker loads the wave's
 * snapshots again only when it holds another generation. So a benchmark
 * neither fetches nor parses its group's figures, which cost as much as
 * the rest of its statement.
 */
#ifndef SNAPCACHE_H
#define SNAPCACHE_H

#include <jansson.h>

#include "app.h"

/* Waves whose snapshots a worker keeps; a network runs a few at a time. */
#define SNAPCACHE_SLOTS 8

/* One published snapshot of a peer group. */
struct snap {
	char *by, *value;
	long long n;
	json_t *stats; /* {"overall": {"n", "p25", ...}, "<dimension>": ...} */
	long long as_of; /* seconds since 1970 */
	int final;
};

struct snapset {
	long long wave, generation;
	size_t count;
	struct snap *snap;
};

/*
 * The snapshots of wave as of generation: the worker's copy when it holds
 * that generation, else loaded now (snap_wave). Returns NULL with an error
 * answer set when they cannot be had.
 */
const struct snapset *snapcache_get(
    struct ctx *c, long long wave, long long generation);

/* The snapshot of group (by, value) in set, or NULL. */
const struct snap *snapcache_find(
    const struct snapset *set, const char *by, const char *value);

#endif /* SNAPCACHE_H */
