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

/* Milliseconds between passes while they are quick: how long a submission
 * waits to be counted into its groups on an ordinary day. */
#define SNAPSHOTTER_IDLE_MS 200

/* While submissions pour in (a deadline day), renewing the groups of a
 * large wave takes a while (measured: 0.6 s a pass for 10,800
 * municipalities, their ranks rewritten; since a pass renews the groups
 * due together, its passes after a burst of 7,383 submissions took 1.0 s
 * of CPU in all instead of 2.3 s), and back to back it would take
 * a third of the machine from the submissions themselves. So after a pass
 * that took t the snapshotter pauses SNAPSHOTTER_PAUSE_FACTOR x t: it is
 * busy at most a tenth of the time, and published figures move a few
 * seconds later, never more than SNAPSHOTTER_MAX_PAUSE_MS. */
#define SNAPSHOTTER_PAUSE_FACTOR 9
#define SNAPSHOTTER_MAX_PAUSE_MS 30000

/* The pause after a pass that took pass_ms milliseconds (a failed one:
 * a second, as the database is reconnected). */
static inline long
snapshotter_pause_ms(long pass_ms, int failed)
{
	long ms;

	if (failed)
		return 1000;
	ms = pass_ms > SNAPSHOTTER_MAX_PAUSE_MS / SNAPSHOTTER_PAUSE_FACTOR
	         ? SNAPSHOTTER_MAX_PAUSE_MS
	         : pass_ms * SNAPSHOTTER_PAUSE_FACTOR;
	return ms < SNAPSHOTTER_IDLE_MS ? SNAPSHOTTER_IDLE_MS : ms;
}

/*
 * Runs passes (snapshot_pending, one transaction each) until *stop is
 * set, paused by snapshotter_pause_ms; a failed pass is logged and tried
 * again after a second, the database reconnected as the workers do.
 * Returns 0.
 */
int snapshotter_run(volatile sig_atomic_t *stop);

#endif /* SNAPSHOTTER_H */
