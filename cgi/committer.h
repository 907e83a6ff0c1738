/*
 * committer.h: the process that writes the workers' autosaves and
 * submissions in batches (group commit), and the workers' side of it.
 *
 * A worker that has checked a request (identity, role and CSRF, or CSRF
 * alone for a submission whose session it does not keep; an autosave's
 * answers against the questionnaire) sends the write to the committer as
 * one message (savebatch.h) and waits. The committer takes every message
 * that is waiting as a batch: it reads the submissions with one call of
 * rg_submit_read (migrations 017, 019: a statement that writes nothing,
 * on a second connection), checks their required items and computes their
 * scores and export vectors (submission.h), then, in one transaction,
 * saves the autosaves with one call of rg_response_save_batch (013) and
 * submits the submissions with one call of rg_submit_write (019), which
 * submits each by its response's id only where what the read judged still
 * holds (the others are sent again, and read afresh). It answers
 * each worker after COMMIT (a submission with its scores): nothing it
 * acknowledges can be lost, and what the database refuses is refused for
 * that item alone. While one batch writes, the next gathers, so a busy
 * network's writes share their transactions' fixed costs, and a quiet
 * one's wait for nobody; submissions that gathered meanwhile are read and
 * scored on the second connection before that write has landed. The
 * committer waits for both at once, so a batch is answered the moment it
 * has committed, also while the next one is still read or scored.
 *
 * The master opens the committer's socket (committer_listen) before it
 * forks anything; the workers connect to it by its name, which names the
 * master's pid, and the kernel keeps what they send while a committer is
 * replaced. Without a committer (REIFEGRAD_COMMITTER=off, or a socket that
 * could not be made) every worker writes its own as batches of one, with
 * the same functions.
 */
#ifndef COMMITTER_H
#define COMMITTER_H

#include <signal.h>
#include <stddef.h>

#include "db.h"
#include "savebatch.h"

/* The process name (ps, pgrep), beside reifegrad-fcgi and rg-snapshotter. */
#define COMMITTER_NAME "rg-committer"
/* The application name of its second connection, which reads the
 * submissions of the next batch while the first writes the last one. */
#define COMMITTER_READ_NAME "rg-committer-read"
/* Workers connected at most: more than MAIN_WORKERS_MAX, so that a worker
 * replaced while its old connection is still open finds a place. */
#define COMMITTER_CLIENTS_MAX 512
/* How long a worker waits for its answer before it answers 503 itself;
 * a batch waits at most 5 s for a row lock (committer_limits). */
#define COMMITTER_WAIT_MS 30000
/* Seconds it serves on after SIGTERM while workers are still connected:
 * the master's own grace for its workers (MAIN_STOP_GRACE). */
#define COMMITTER_STOP_GRACE 10

/*
 * In the master: opens the committer's listening socket, whose name the
 * processes forked afterwards know. Returns its descriptor, or -1 (logged;
 * the workers then save by themselves) also when REIFEGRAD_COMMITTER is
 * "off".
 */
int committer_listen(void);

/*
 * The committer's loop, in its own process: takes connections on
 * listen_fd, saves what waits in batches of at most SAVEBATCH_MAX, answers
 * each message with a struct save_result, until *stop is set and every
 * worker has closed its connection (the master's grace period ends it
 * otherwise). Returns 0.
 */
int committer_run(int listen_fd, volatile sig_atomic_t *stop);

/*
 * Saves items[0..n) on db (submissions read in a statement of their own
 * and scored, then autosaves and submissions written in one transaction,
 * as above), and writes each item's result to out[i]. When the call as a
 * whole fails, every out[i] says how (SAVE_UNAVAILABLE, SAVE_CONFLICT or
 * SAVE_ERROR) and nothing is saved. Returns 0, or -1 when the call
 * failed.
 */
int committer_batch(struct db *db, const struct save_item *items, size_t n,
    struct save_result *out);

/*
 * In a worker: saves it through the committer, or on db as a batch of one
 * when there is no committer or the item is too large for a message.
 * Writes the result to out (SAVE_UNAVAILABLE when the committer's answer
 * did not come: whether it was saved is not known then).
 */
void committer_save(
    struct db *db, const struct save_item *it, struct save_result *out);

#endif /* COMMITTER_H */
