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

/* A pass waits for the submissions to stop arriving: it runs once the
 * queue has not grown between two looks SNAPSHOTTER_IDLE_MS apart, or
 * SNAPSHOTTER_MAX_WAIT_MS after it was first seen waiting, whichever comes
 * first. On an ordinary day a submission is counted within two looks; in
 * a burst (a deadline day) one pass counts what arrived over seconds,
 * where passes every 200 ms would each renew the same groups again while
 * taking CPU from the submissions themselves (measured: 5,068 submissions
 * a second with passes running, 5,381 without). */
#define SNAPSHOTTER_MAX_WAIT_MS 3000

/* Whether a pass is due, pending rows waiting now, last_pending at the
 * look before (-1: none), the first look that saw rows waiting waited_ms
 * ago. */
static inline int
snapshotter_due(long long pending, long long last_pending, long waited_ms)
{
	return pending > 0 && (pending == last_pending ||
	                          waited_ms >= SNAPSHOTTER_MAX_WAIT_MS);
}

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
 * Looks at the queue every SNAPSHOTTER_IDLE_MS and runs a pass
 * (snapshot_pending, one transaction) when snapshotter_due says so, until
 * *stop is set; after a pass it pauses as snapshotter_pause_ms says. A
 * failed pass is logged and tried again after a second, the database
 * reconnected as the workers do. Returns 0.
 */
int snapshotter_run(volatile sig_atomic_t *stop);

#endif /* SNAPSHOTTER_H */
