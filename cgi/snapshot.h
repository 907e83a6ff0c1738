/*
 * snapshot.h: computing the published peer statistics of a wave (see
 * sql/migrations/004_benchmarks.sql). The database groups; stats.c does the
 * arithmetic. Used by the snapshotter (after submissions), the workers (at
 * reopening, and the final snapshots of a closed wave) and the admin tool
 * (demo data, housekeeping).
 */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <libpq-fe.h>

#include "reifegrad.h"

/* The kinds of peer groups, in the order peers=auto tries them after the
 * size class (API.md): size class, urbanisation, kind, then the network. */
#define SNAPSHOT_BY_COUNT 5
extern const char *const snapshot_by[SNAPSHOT_BY_COUNT];

/*
 * Recomputes the snapshot of one peer group (by, value) of wave: figures,
 * sorted scores, every member's percentile ranks; resets the group's change
 * counter. final marks it as the closed wave's last. Runs inside the
 * caller's transaction. Returns 0, or -1 after writing the reason to err.
 */
int snapshot_group(PGconn *, const char *wave, const char *by,
    const char *value, int final, char *err, size_t errsz) RG_WUR;

/* Recomputes every group of wave. Returns the number of groups, or -1. */
int snapshot_wave(
    PGconn *, const char *wave, int final, char *err, size_t errsz) RG_WUR;

/*
 * Counts one submission or reopening (reopened set: its ranks are dropped
 * at once) by organisation org in wave for each of its groups, and
 * recomputes the groups that have seen k changes since their snapshot.
 * Returns 0 or -1 (err).
 */
int snapshot_touch(PGconn *, const char *wave, const char *org, int reopened,
    char *err, size_t errsz) RG_WUR;

/*
 * Counts the pending submissions (sql/migrations/010_speed.sql) into their
 * groups and renews the groups that reached their threshold, in the
 * caller's transaction: the groups due of one wave together, with one read
 * of its responses and one merge of their ranks (a burst makes most groups
 * due at once, and each response is in five of them). Returns the number
 * of groups renewed, or -1 (err).
 */
int snapshot_pending(PGconn *, char *err, size_t errsz) RG_WUR;

#endif /* SNAPSHOT_H */
