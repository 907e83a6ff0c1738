/*
 * committer.c: batches of autosaves and submissions, one transaction each
 * (committer.h).
 *
 * The socket is a Linux abstract one of type SOCK_SEQPACKET: a message
 * arrives whole or not at all, and a peer that goes away shows as the end
 * of its connection. Abstract names have no file permissions, so the
 * committer takes connections only from processes of its own user
 * (SO_PEERCRED).
 */
#define _GNU_SOURCE /* accept4, SO_PEERCRED */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "committer.h"
#include "log.h"
#include "metrics.h"
#include "qcache.h"
#include "submission.h"
#include "valid.h"

/* The socket's name (sun_path, starting with NUL), set by the master
 * before it forks; empty when there is no committer. */
static struct sockaddr_un addr;
static socklen_t addr_len;

/* A worker's connection in the committer: the message it waits on. */
struct client {
	int fd;
	int waiting;
	int inflight; /* its message is in the batch being written */
	int submit;   /* its message is a submission */
	int tries;    /* batches its message was in */
	size_t len;
	char *msg; /* SAVEBATCH_MSG_MAX bytes */
};

int
committer_listen(void)
{
	const char *env = getenv("REIFEGRAD_COMMITTER");
	int fd, n;

	if (env != NULL && strcmp(env, "off") == 0)
		return -1;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	n = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
	    "reifegrad-committer-%ld", (long)getpid());
	addr_len =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&addr, addr_len) == -1 ||
	    listen(fd, COMMITTER_CLIENTS_MAX) == -1) {
		log_error("committer: socket: %s; the workers save by "
		          "themselves",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		addr_len = 0;
		return -1;
	}
	return fd;
}

/* The failure of a whole call as an item's status. */
static int
failure_status(struct db *db, const PGresult *res)
{
	switch (db_status_of(db, res)) {
	case 503: return SAVE_UNAVAILABLE;
	case 409: return SAVE_CONFLICT;
	default: return SAVE_ERROR;
	}
}

/* Reads row i of a call's result into r: status in column 1, revision in
 * 2, then the answered count (column ans) and the questionnaire (column
 * qid), either absent (-1) or NULL. 0, or -1 when it is not what the
 * migrations answer. */
static int
row_read(const PGresult *res, int i, int ans, int qid, struct save_result *r)
{
	long long v;

	savebatch_result_of(r, savebatch_status_parse(PQgetvalue(res, i, 1)));
	if (r->status < 0 ||
	    valid_int64(PQgetvalue(res, i, 2), 0, INT64_MAX, &r->revision))
		return -1;
	if (ans >= 0 && !PQgetisnull(res, i, ans) &&
	    valid_int64(PQgetvalue(res, i, ans), 0, INT64_MAX, &r->answered))
		return -1;
	if (qid >= 0 && !PQgetisnull(res, i, qid) &&
	    valid_int64(PQgetvalue(res, i, qid), 1, INT64_MAX, &v) == 0)
		r->qid = v;
	return 0;
}

/* Reads the rows of a call (res) for those of items[0..n) whose
 * kind is kind (all when kind is -1), in order, into out[]: count rows of
 * five columns (n, status, revision, answered, questionnaire_id). 0, or -1
 * when they are not one per item. */
static int
rows_read(const PGresult *res, const struct save_item *items, size_t n,
    int kind, int count, struct save_result *out)
{
	size_t i;
	int row = 0;

	if (PQntuples(res) != count || PQnfields(res) != 5) {
		log_error(
		    "committer: %d rows for %d items", PQntuples(res), count);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((kind < 0 || items[i].kind == kind) &&
		    row_read(res, row++, 3, 4, &out[i]) == -1) {
			log_error("committer: row %d not understood", row - 1);
			return -1;
		}
	return 0;
}

/* What a batch's submissions need between the read and the submit. */
struct scoring {
	struct save_item item[SAVEBATCH_MAX]; /* those to submit */
	struct submission sub[SAVEBATCH_MAX]; /* and their scores */
	size_t who[SAVEBATCH_MAX];            /* each one's index in items */
	size_t n;
};

/* Scores submission i (items[i]), read as row `row` of submit_read (res:
 * n, status, revision, questionnaire_id, user_id, answers, response_id,
 * touch), into out[i] and, when it may be submitted, into sc. 0, or -1
 * when the row is not understood. */
static int
submission_read(struct db *db, const PGresult *res, int row,
    const struct save_item *items, size_t i, struct save_result *out,
    struct scoring *sc)
{
	const struct qentry *q;
	struct submission *sub = &sc->sub[sc->n];
	struct save_item *it = &sc->item[sc->n];
	PGresult *failed;
	long long rid = 0;
	int rc;

	if (row_read(res, row, -1, 3, &out[i]) == -1 ||
	    (!PQgetisnull(res, row, 4) &&
	        valid_int64(PQgetvalue(res, row, 4), 1, INT64_MAX,
	            &out[i].user) == -1) ||
	    (!PQgetisnull(res, row, 6) && valid_int64(PQgetvalue(res, row, 6),
	                                      1, INT64_MAX, &rid) == -1)) {
		log_error("committer: row %d not understood", row);
		return -1;
	}
	if (out[i].status != SAVE_READ)
		return 0;
	if ((rc = qcache_load(db, out[i].qid, &q, &failed)) != 0) {
		if (rc == -1)
			log_error("committer: questionnaire: %s",
			    failed ? PQresultErrorMessage(failed)
			           : "no connection");
		out[i].status = rc == -1 && db_status_of(db, failed) == 503
		                    ? SAVE_UNAVAILABLE
		                    : SAVE_ERROR;
		PQclear(failed);
		return 0;
	}
	rc = submission_score(&q->def, PQgetvalue(res, row, 5),
	    (size_t)PQgetlength(res, row, 5), sub, NULL);
	if (rc != SUBMISSION_SCORED) {
		submission_free(sub);
		out[i].status =
		    rc == SUBMISSION_INCOMPLETE ? SAVE_INCOMPLETE : SAVE_ERROR;
		return 0;
	}
	*it = items[i];
	it->rid = rid;
	it->touch = PQgetvalue(res, row, 7)[0] == 't';
	it->scores = sub->scores.data;
	it->scores_len = sub->scores.len;
	it->targets = sub->targets.data;
	it->targets_len = sub->targets.len;
	it->overall = sub->overall;
	it->has_overall = sub->has_overall;
	it->export_levels = sub->export_levels.data;
	it->export_targets = sub->export_targets.data;
	it->export_scores = sub->export_scores.data;
	sc->who[sc->n++] = i;
	return 0;
}

/* Gives the submitted item j of sc its result r (a row of submit_write)
 * and, when it was made, its scores. */
static void
submission_result(const struct scoring *sc, size_t j, struct save_result *r)
{
	const struct buf *stored = &sc->sub[j].scores;

	if (r->status == SAVE_OK && stored->len < sizeof(r->scores)) {
		memcpy(r->scores, stored->data, stored->len);
		r->scores[stored->len] = '\0';
		r->scores_len = stored->len;
	}
}

/* A batch from its read to its commit: committer_batch runs one through
 * at once; the committer's loop reads the next one while the last one
 * commits. */
struct batch {
	const struct save_item *items;
	size_t n;
	struct save_result *out;
	struct scoring sc; /* the submissions read and scored */
	struct buf p[SAVE_KIND__MAX][SAVEBATCH_PARAMS];
	const char *v[SAVE_KIND__MAX][SAVEBATCH_PARAMS];
	int count[SAVE_KIND__MAX];
	/* The statements sent (0: nothing to write), and where the
	 * autosaves' and the submissions' results are among them (-1:
	 * none). */
	int ncalls, at_save, at_submit;
	int reading; /* its read is sent and not yet collected */
	int status;  /* why the batch failed as a whole */
};

/* Sets b up for items[0..n), whose results go to out. 0, or -1 (no
 * memory; b->status says so). */
static int
batch_begin(struct batch *b, const struct save_item *items, size_t n,
    struct save_result *out)
{
	int kind, k;

	memset(b->p, 0, sizeof(b->p));
	b->items = items;
	b->n = n;
	b->out = out;
	b->sc.n = 0;
	b->ncalls = 0;
	b->reading = 0;
	b->at_save = b->at_submit = -1;
	b->status = SAVE_ERROR;
	for (kind = 0; kind < SAVE_KIND__MAX; kind++) {
		b->count[kind] = savebatch_params(items, n, kind, b->p[kind]);
		if (b->count[kind] == -1)
			return -1;
		for (k = 0; k < SAVEBATCH_PARAMS; k++)
			b->v[kind][k] = b->p[kind][k].data;
	}
	return 0;
}

/* Frees what b holds. */
static void
batch_end(struct batch *b)
{
	int kind, k;
	size_t j;

	for (kind = 0; kind < SAVE_KIND__MAX; kind++)
		for (k = 0; k < SAVEBATCH_PARAMS; k++)
			buf_free(&b->p[kind][k]);
	for (j = 0; j < b->sc.n; j++)
		submission_free(&b->sc.sub[j]);
	b->sc.n = 0;
}

/*
 * Sends the read of b's submissions, one call of submit_read on rdb (a
 * statement of its own, which writes nothing: migrations 017, 019),
 * without waiting for it; batch_read_collect takes its rows. 0 (b->reading
 * is 0 when b has no submissions), or -1 with b->status.
 */
static int
batch_read_send(struct db *rdb, struct batch *b)
{
	struct db_call call = {Q_SUBMIT_READ, NULL, 3, b->v[SAVE_KIND_SUBMIT]};

	b->reading = 0;
	if (b->count[SAVE_KIND_SUBMIT] == 0)
		return 0;
	db_idle_check(rdb);
	if (db_ready(rdb) == -1 || db_pipeline_send(rdb, 1, &call) == -1) {
		b->status = SAVE_UNAVAILABLE;
		return -1;
	}
	b->reading = 1;
	return 0;
}

/*
 * Waits for the read batch_read_send sent, and scores the submissions
 * that may be submitted into b->sc; the others get their results from
 * the read. 0, or -1 with b->status when the read failed.
 */
static int
batch_read_collect(struct db *rdb, struct batch *b)
{
	PGresult *res;
	size_t i;
	int row = 0, rc = -1;

	if (!b->reading)
		return 0;
	b->reading = 0;
	if (db_pipeline_recv(rdb, 1, &res) == -1) {
		b->status = SAVE_UNAVAILABLE;
		return -1;
	}
	if (!db_ok(res)) {
		log_error("committer: %s", PQresultErrorMessage(res));
		b->status = failure_status(rdb, res);
	} else if (PQntuples(res) != b->count[SAVE_KIND_SUBMIT] ||
	           PQnfields(res) != 8) {
		log_error("committer: %d rows for %d items", PQntuples(res),
		    b->count[SAVE_KIND_SUBMIT]);
	} else {
		for (i = 0; i < b->n; i++)
			if (b->items[i].kind == SAVE_KIND_SUBMIT &&
			    submission_read(rdb, res, row++, b->items, i,
			        b->out, &b->sc) == -1)
				break;
		rc = i == b->n ? 0 : -1;
	}
	PQclear(res);
	return rc;
}

/* Whether the read of b (sent on rdb) has its rows in: then collecting
 * them does not wait. */
static int
batch_read_done(struct db *rdb, const struct batch *b)
{
	return b->reading &&
	       (rdb->conn == NULL || PQconsumeInput(rdb->conn) != 1 ||
	           !PQisBusy(rdb->conn));
}

/*
 * Sends b's write to db without waiting for it: in one transaction, the
 * autosaves with one call of response_save_batch, the scored submissions
 * with one call of submit_write (which submits only where the read's
 * judgement still holds), then COMMIT. 0 (b->ncalls is 0 when there was
 * nothing to write), or -1 with b->status.
 */
static int
batch_send(struct db *db, struct batch *b)
{
	struct db_call calls[5];
	int k, n = 0;

	if (b->count[SAVE_KIND_ANSWERS] == 0 && b->sc.n == 0)
		return 0;
	if (b->sc.n > 0 && savebatch_params(b->sc.item, b->sc.n,
	                       SAVE_KIND_SUBMIT, b->p[SAVE_KIND_SUBMIT]) == -1)
		return -1;
	for (k = 0; k < SAVEBATCH_PARAMS; k++)
		b->v[SAVE_KIND_SUBMIT][k] = b->p[SAVE_KIND_SUBMIT][k].data;
	calls[n++] = (struct db_call){Q__MAX, "BEGIN", 0, NULL};
	calls[n++] = (struct db_call){Q_COMMITTER_LIMITS, NULL, 0, NULL};
	if (b->count[SAVE_KIND_ANSWERS] > 0) {
		b->at_save = n;
		calls[n++] = (struct db_call){
		    Q_RESPONSE_SAVE_BATCH, NULL, 6, b->v[SAVE_KIND_ANSWERS]};
	}
	if (b->sc.n > 0) {
		b->at_submit = n;
		calls[n++] = (struct db_call){Q_SUBMIT_WRITE, NULL,
		    SAVEBATCH_PARAMS, b->v[SAVE_KIND_SUBMIT]};
	}
	calls[n++] = (struct db_call){Q__MAX, "COMMIT", 0, NULL};
	db_idle_check(db);
	if (db_ready(db) == -1 ||
	    db_pipeline_send(db, (size_t)n, calls) == -1) {
		/* Not sent, or whether it got through is not known. */
		b->status = SAVE_UNAVAILABLE;
		return -1;
	}
	b->ncalls = n;
	return 0;
}

/*
 * Waits for the write batch_send sent and gives its items their results.
 * 0, or -1 with b->status when the write failed as a whole (then nothing
 * of it is committed, unless the failure was the connection's during
 * COMMIT: then that is not known).
 */
static int
batch_collect(struct db *db, struct batch *b)
{
	PGresult *r[5] = {NULL};
	struct save_result got[SAVEBATCH_MAX];
	int k, rc = -1;
	size_t j;

	if (b->ncalls == 0)
		return 0;
	if (db_pipeline_recv(db, (size_t)b->ncalls, r) == -1) {
		b->status = SAVE_UNAVAILABLE;
		return -1;
	}
	for (k = 0; k < b->ncalls && db_ok(r[k]); k++)
		;
	if (k < b->ncalls) {
		log_error("committer: %s", PQresultErrorMessage(r[k]));
		/* A COMMIT that failed on a working connection was refused
		 * (a deferred check); anything else as its failure says. */
		b->status = k == b->ncalls - 1 && db->conn != NULL &&
		                    PQstatus(db->conn) == CONNECTION_OK
		                ? SAVE_ERROR
		                : failure_status(db, r[k]);
		(void)!db_command(db, "ROLLBACK");
		goto done;
	}
	if (b->at_save >= 0 &&
	    rows_read(r[b->at_save], b->items, b->n, SAVE_KIND_ANSWERS,
	        b->count[SAVE_KIND_ANSWERS], b->out) == -1)
		goto done;
	if (b->at_submit >= 0) {
		if (rows_read(r[b->at_submit], b->sc.item, b->sc.n, -1,
		        (int)b->sc.n, got) == -1)
			goto done;
		for (j = 0; j < b->sc.n; j++) {
			got[j].user = b->out[b->sc.who[j]].user;
			submission_result(&b->sc, j, &got[j]);
			b->out[b->sc.who[j]] = got[j];
		}
	}
	rc = 0;
done:
	for (k = 0; k < b->ncalls; k++)
		PQclear(r[k]);
	return rc;
}

/* Every item of b failed as b->status says. */
static void
batch_failed(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		savebatch_result_of(&b->out[i], b->status);
}

int
committer_batch(struct db *db, const struct save_item *items, size_t n,
    struct save_result *out)
{
	static struct batch b;
	int rc;

	rc = batch_begin(&b, items, n, out);
	if (rc == 0)
		rc = batch_read_send(db, &b);
	if (rc == 0)
		rc = batch_read_collect(db, &b);
	if (rc == 0)
		rc = batch_send(db, &b);
	if (rc == 0)
		rc = batch_collect(db, &b);
	if (rc == -1)
		batch_failed(&b);
	batch_end(&b);
	return rc;
}

/* Takes a waiting connection if it comes from our own user. Returns 1
 * when there was one to take (taken or refused), 0 when none waits. */
static int
client_accept(int listen_fd, struct client *cl, size_t *ncl)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd == -1)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    cred.uid != getuid() || *ncl == COMMITTER_CLIENTS_MAX) {
		log_error("committer: connection refused (uid or count)");
		close(fd);
		return 1;
	}
	if ((cl[*ncl].msg = malloc(SAVEBATCH_MSG_MAX)) == NULL) {
		close(fd);
		return 1;
	}
	cl[*ncl].fd = fd;
	cl[*ncl].waiting = 0;
	cl[*ncl].inflight = 0;
	(*ncl)++;
	return 1;
}

/* How often an item is sent again before it is answered as a conflict:
 * only a response changed concurrently time after time reaches it. */
#define COMMITTER_TRIES 4

/* Sends r to the worker of cl. A worker that went away is noticed when
 * its connection reads as ended. */
static void
client_answer(struct client *cl, const struct save_result *r)
{
	char msg[sizeof(struct save_result) + 64];
	size_t len = savebatch_result_encode(r, msg, sizeof(msg));

	if (len == 0 || send(cl->fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		log_error("committer: answer lost: %s",
		    len == 0 ? "too long" : strerror(errno));
	cl->waiting = 0;
}

/* Reads the message of a readable connection. Returns 0, or -1 when the
 * connection has ended. */
static int
client_read(struct client *cl)
{
	ssize_t got = recv(cl->fd, cl->msg, SAVEBATCH_MSG_MAX, MSG_DONTWAIT);

	if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	if (got > 0) {
		cl->len = (size_t)got;
		cl->waiting = 1;
		cl->submit =
		    savebatch_kind(cl->msg, cl->len) == SAVE_KIND_SUBMIT;
		cl->tries = 0;
	}
	return 0;
}

/* A batch in the committer's loop: its items, the clients that sent them
 * (by descriptor: the list of clients is compacted meanwhile), and its
 * stage: taken (its read sent or collected, its write not yet sent), then
 * active (its write on its way to the database). */
struct flight {
	int taken;
	int active;
	int failed; /* before its write was sent */
	size_t n;
	struct batch b;
	struct save_item items[SAVEBATCH_MAX];
	struct save_result out[SAVEBATCH_MAX];
	int fd[SAVEBATCH_MAX];
};

/* The client whose connection is fd, or NULL when it has gone. */
static struct client *
client_of(struct client *cl, size_t ncl, int fd)
{
	size_t i;

	for (i = 0; i < ncl; i++)
		if (cl[i].fd == fd)
			return &cl[i];
	return NULL;
}

/*
 * Ends f: waits for its write and answers its clients. When the write
 * failed as a whole for one item's sake, each item is saved alone, so
 * that the others do not share its failure. Items the batch asks to send
 * again (another item saved the same response first; a concurrent change)
 * wait for the next batch.
 */
static void
flight_land(struct db *db, struct client *cl, size_t ncl, struct flight *f)
{
	size_t i;
	int rc;

	rc = f->failed ? -1 : batch_collect(db, &f->b);
	if (rc == -1)
		batch_failed(&f->b);
	batch_end(&f->b);
	metrics_batch(f->n);
	if (rc == -1 && f->n > 1 && f->out[0].status != SAVE_UNAVAILABLE)
		for (i = 0; i < f->n; i++) {
			(void)committer_batch(db, &f->items[i], 1, &f->out[i]);
			metrics_batch(1);
		}
	for (i = 0; i < f->n; i++) {
		struct client *c = client_of(cl, ncl, f->fd[i]);

		if (c == NULL)
			continue;
		c->inflight = 0;
		if ((f->out[i].status == SAVE_AGAIN ||
		        f->out[i].status == SAVE_RACE) &&
		    ++c->tries < COMMITTER_TRIES)
			continue;
		if (f->out[i].status == SAVE_AGAIN ||
		    f->out[i].status == SAVE_RACE)
			f->out[i].status = SAVE_CONFLICT;
		client_answer(c, &f->out[i]);
	}
	f->active = 0;
}

/*
 * Takes the messages that wait and are in no batch yet (at most
 * SAVEBATCH_MAX) as the batch next, and sends the read of its
 * submissions on rdb: it runs while the last batch still writes, and
 * is collected and scored when its rows are in (batch_read_collect).
 */
static void
batch_take(struct db *rdb, struct client *cl, size_t ncl, struct flight *next)
{
	size_t i, n = 0;
	int rc;

	for (i = 0; i < ncl && n < SAVEBATCH_MAX; i++) {
		if (!cl[i].waiting || cl[i].inflight)
			continue;
		if (savebatch_decode(cl[i].msg, cl[i].len, &next->items[n]) ==
		    -1) {
			struct save_result bad;

			savebatch_result_of(&bad, SAVE_ERROR);
			log_error("committer: a message not understood");
			client_answer(&cl[i], &bad);
			continue;
		}
		cl[i].inflight = 1;
		next->fd[n++] = cl[i].fd;
	}
	if (n == 0)
		return;
	next->n = n;
	rc = batch_begin(&next->b, next->items, n, next->out);
	if (rc == 0)
		rc = batch_read_send(rdb, &next->b);
	next->taken = 1;
	next->failed = rc == -1;
}

/* Collects the read of next (its rows are in, or the connection failed)
 * and scores its submissions. */
static void
batch_scored(struct db *rdb, struct flight *next)
{
	if (batch_read_collect(rdb, &next->b) == -1)
		next->failed = 1;
}

/*
 * Sends the write of next, whose read is collected, once the last batch
 * has landed: next is then in flight, or landed already when it had
 * nothing to write or could not be sent.
 */
static void
batch_write(struct db *db, struct client *cl, size_t ncl, struct flight *next)
{
	if (!next->failed && batch_send(db, &next->b) == -1)
		next->failed = 1;
	next->taken = 0;
	next->active = 1;
	if (next->failed || next->b.ncalls == 0)
		flight_land(db, cl, ncl, next);
}

/* The messages that wait for a batch and are in none: how many, and how
 * many of those are submissions. */
struct waiting {
	size_t fresh, submits;
};

static struct waiting
waiting_of(const struct client *cl, size_t n)
{
	struct waiting w = {0, 0};
	size_t i;

	for (i = 0; i < n; i++)
		if (cl[i].waiting && !cl[i].inflight) {
			w.fresh++;
			w.submits += (size_t)cl[i].submit;
		}
	return w;
}

/*
 * Whether the messages waiting (w) go as the next batch now: at once when
 * no batch is in flight (f). While one is, only when there are
 * submissions among them, which are read while the last batch writes
 * (that is what the second connection is for), and only once half as
 * many wait as that batch holds, so that the next one is not a batch of
 * one or two that costs a transaction of its own.
 */
static int
batch_due(const struct flight *f, const struct waiting *w)
{
	return w->fresh > 0 &&
	       (!f->active || (w->submits > 0 && w->fresh >= (f->n + 1) / 2));
}

/* Whether the write of f (in flight on db) has its results in: then
 * landing it does not wait. */
static int
flight_done(struct db *db, const struct flight *f)
{
	return f->active &&
	       (db->conn == NULL || PQconsumeInput(db->conn) != 1 ||
	           !PQisBusy(db->conn));
}

/* Whether the grace after a stop is over; *at is when it began (0: not
 * yet). */
static int
stop_over(time_t *at)
{
	time_t now = time(NULL);

	if (*at == 0)
		*at = now;
	return now - *at >= COMMITTER_STOP_GRACE;
}

int
committer_run(int listen_fd, volatile sig_atomic_t *stop)
{
	time_t stopped_at = 0;
	static struct client cl[COMMITTER_CLIENTS_MAX];
	static struct pollfd pf[COMMITTER_CLIENTS_MAX + 3];
	/* The batch in flight (fl[cur], when active) and the next one
	 * (fl[!cur], when taken). */
	static struct flight fl[2];
	struct db db, rdb;
	size_t ncl = 0, nold, i, j;
	int cur = 0;

	/* db writes; rdb reads the next batch's submissions meanwhile. */
	db_init(&db, NULL);
	db.appname = COMMITTER_NAME;
	db_init(&rdb, NULL);
	rdb.appname = COMMITTER_READ_NAME;
	/* When told to stop, it serves on until the last worker has gone
	 * (COMMITTER_STOP_GRACE at most): the master stops the workers at the
	 * same time, and each finishes the request it is answering, which
	 * may be a save sent here. */
	while (!*stop || (ncl > 0 && !stop_over(&stopped_at))) {
		/* Wait for messages, for the write in flight and for the
		 * next batch's read; not at all when one of them is in or a
		 * batch can be taken or sent. Each is dealt with as soon as
		 * it is in: a batch is answered the moment it has committed,
		 * also while the next one is read or scored. */
		struct flight *last = &fl[cur], *next = &fl[!cur];
		struct waiting w = waiting_of(cl, ncl);
		int landed = flight_done(&db, last);
		int read = batch_read_done(&rdb, &next->b);
		int timeout =
		    landed || read || (!next->taken && batch_due(last, &w)) ||
		            (next->taken && !next->b.reading && !last->active)
		        ? 0
		    : *stop ? 100
		            : 1000;

		pf[0] = (struct pollfd){listen_fd, POLLIN, 0};
		for (i = 0; i < ncl; i++)
			pf[i + 1] = (struct pollfd){
			    cl[i].fd, cl[i].waiting ? 0 : POLLIN, 0};
		pf[ncl + 1] = (struct pollfd){
		    last->active && !landed ? PQsocket(db.conn) : -1, POLLIN,
		    0};
		pf[ncl + 2] = (struct pollfd){
		    next->b.reading && !read ? PQsocket(rdb.conn) : -1, POLLIN,
		    0};
		if (poll(pf, ncl + 3, timeout) < 0 && errno != EINTR)
			break;
		landed = landed || (pf[ncl + 1].revents != 0);
		read = read || (pf[ncl + 2].revents != 0);
		/* Reads first: pf[1..] are the connections before accept. */
		nold = ncl;
		for (i = 0, j = 0; i < nold; i++) {
			if ((pf[i + 1].revents &
			        (POLLIN | POLLHUP | POLLERR)) &&
			    !cl[i].waiting && client_read(&cl[i]) == -1) {
				close(cl[i].fd);
				free(cl[i].msg);
				continue;
			}
			cl[j++] = cl[i];
		}
		ncl = j;
		/* Every worker that connected meanwhile, and what it sent
		 * already: a worker connects when it has a save to send. */
		if (pf[0].revents & POLLIN)
			while (client_accept(listen_fd, cl, &ncl))
				if (client_read(&cl[ncl - 1]) == -1) {
					close(cl[--ncl].fd);
					free(cl[ncl].msg);
				}
		if (landed && last->active)
			flight_land(&db, cl, ncl, last);
		if (read && next->b.reading)
			batch_scored(&rdb, next);
		w = waiting_of(cl, ncl);
		if (!next->taken && batch_due(last, &w))
			batch_take(&rdb, cl, ncl, next);
		if (next->taken && !next->b.reading && !last->active) {
			batch_write(&db, cl, ncl, next);
			cur = !cur;
		}
	}
	/* What is under way is finished and answered. */
	if (fl[cur].active)
		flight_land(&db, cl, ncl, &fl[cur]);
	if (fl[!cur].taken) {
		if (fl[!cur].b.reading)
			batch_scored(&rdb, &fl[!cur]);
		batch_write(&db, cl, ncl, &fl[!cur]);
		if (fl[!cur].active)
			flight_land(&db, cl, ncl, &fl[!cur]);
	}
	for (i = 0; i < ncl; i++) {
		close(cl[i].fd);
		free(cl[i].msg);
	}
	db_close(&rdb);
	db_close(&db);
	return 0;
}

/* A worker's connection to the committer, -1 while there is none. */
static int worker_fd = -1;

/* Connects the worker to the committer. 0 or -1. */
static int
worker_connect(void)
{
	if (worker_fd != -1)
		return 0;
	if (addr_len == 0)
		return -1;
	worker_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (worker_fd == -1)
		return -1;
	if (connect(worker_fd, (struct sockaddr *)&addr, addr_len) == -1) {
		log_error("committer: connect: %s", strerror(errno));
		close(worker_fd);
		worker_fd = -1;
		return -1;
	}
	return 0;
}

/* Forgets the worker's connection (a new one is made at the next save). */
static void
worker_disconnect(void)
{
	if (worker_fd != -1)
		close(worker_fd);
	worker_fd = -1;
}

void
committer_save(
    struct db *db, const struct save_item *it, struct save_result *out)
{
	static char msg[SAVEBATCH_MSG_MAX];
	struct pollfd pf;
	size_t len;
	ssize_t got;
	int ready;

	len = savebatch_encode(it, msg, sizeof(msg));
	if (len == 0 || worker_connect() == -1) {
		/* Without the committer: the same call, for this item. */
		(void)committer_batch(db, it, 1, out);
		return;
	}
	if (send(worker_fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len) {
		/* Not sent, so not saved: the worker saves it itself. */
		log_error("committer: send: %s", strerror(errno));
		worker_disconnect();
		(void)committer_batch(db, it, 1, out);
		return;
	}
	pf = (struct pollfd){worker_fd, POLLIN, 0};
	do
		ready = poll(&pf, 1, COMMITTER_WAIT_MS);
	while (ready < 0 && errno == EINTR);
	got = ready > 0 ? recv(worker_fd, msg, sizeof(msg), 0) : -1;
	if (got <= 0 || savebatch_result_decode(msg, (size_t)got, out) == -1) {
		log_error("committer: no answer (%s)",
		    ready == 0 ? "timed out"
		    : got > 0  ? "not understood"
		               : "connection ended");
		worker_disconnect();
		savebatch_result_of(out, SAVE_UNAVAILABLE);
	}
}
