/*
 * snapshotter.h: the process that keeps the peer snapshots of open waves
 * moving as submissions arrive (see sql/migrations/010_speed.sql), off the
 * path of any request.
 */
#ifndef SNAPSHOTTER_H
#define SNAPSHOTTER_H

#include <signal.h>

/* The process name the snapshotter runs under (ps, pgrep), beside the
 * workers' reifegrad-fcgi. */
#define SNAPSHOTTER_NAME "rg-snapshotter"

/* Milliseconds between passes: how long a submission at most waits to be
 * counted into its groups. */
#define SNAPSHOTTER_IDLE_MS 200

/*
 * Runs passes (snapshot_pending, one transaction each) every
 * SNAPSHOTTER_IDLE_MS until *stop is set; a failed pass is logged and
 * tried again after a second, the database reconnected as the workers do.
 * Returns 0.
 */
int snapshotter_run(volatile sig_atomic_t *stop);

#endif /* SNAPSHOTTER_H */
