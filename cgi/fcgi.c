/*
 * fcgi.c: the worker's loop. Reads one request from libfcgi into a struct
 * req (with its body, strictly Content-Length bytes), lets dispatch() build
 * the answer, writes it, and logs one line. SIGTERM is blocked while a
 * request is being answered, so a stop never cuts an answer short.
 */
#include <fcgiapp.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "app.h"
#include "fcgi.h"
#include "log.h"
#include "metrics.h"

/* Reads the body announced by Content-Length. Returns 0, or an HTTP status
 * with *code set when the body is shorter than announced or memory ran out. */
static int
body_read(FCGX_Request *fr, struct req *r, char **body, const char **code)
{
	size_t want, got = 0;
	char *p;

	*body = NULL;
	if (r->content_length <= 0)
		return 0;
	want = (size_t)r->content_length;
	if ((p = malloc(want + 1)) == NULL) {
		*code = "internal";
		return 500;
	}
	while (got < want) {
		int n = FCGX_GetStr(p + got, (int)(want - got), fr->in);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != want) {
		free(p);
		*code = "bad_request";
		return 400;
	}
	p[want] = '\0';
	*body = p;
	r->body = p;
	r->body_len = want;
	return 0;
}

/* The sink of a streaming answer: FastCGI's output stream. */
static int
sink_fcgx(void *arg, const char *p, size_t n)
{
	FCGX_Stream *out = arg;

	while (n > 0) {
		int chunk = n > (1 << 20) ? (1 << 20) : (int)n;

		if (FCGX_PutStr(p, chunk, out) != chunk)
			return -1;
		p += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

/* Writes the answer: head, then the body or the stream. */
static void
resp_send(FCGX_Request *fr, const struct req *r, struct resp *rs)
{
	struct buf head = {0};
	struct sink sink = {sink_fcgx, fr->out};

	if (resp_head(rs, r->request_id, &head) == -1) {
		buf_free(&head);
		return;
	}
	(void)sink_fcgx(fr->out, head.data, head.len);
	buf_free(&head);
	if (r->method == METHOD_HEAD || rs->status == 204)
		return;
	if (rs->stream != NULL) {
		if (rs->stream(rs->stream_arg, &sink) == -1)
			log_error("fcgi: stream of %s ended early", r->path);
	} else if (rs->body.len > 0)
		(void)sink_fcgx(fr->out, rs->body.data, rs->body.len);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The database counters already passed on to the shared metrics. */
static unsigned long db_errors_seen, db_reconnects_seen;

/* Answers one accepted request completely (rdb: the read connection, or
 * NULL). */
static void
request_answer(FCGX_Request *fr, struct db *db, struct db *rdb)
{
	struct req r;
	struct resp rs;
	struct ctx c;
	const char *code = NULL;
	char *body = NULL;
	double t0 = now_ms();
	int status;

	resp_init(&rs);
	memset(&c, 0, sizeof(c));
	status = req_from_env(&r, fr->envp, &code);
	if (r.request_id[0] == '\0') {
		unsigned char rnd[8];

		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(
		    r.request_id, sizeof(r.request_id), rnd, sizeof(rnd));
	}
	log_set_request(r.request_id);
	if (status == 0)
		status = body_read(fr, &r, &body, &code);
	if (status != 0) {
		resp_error(&rs, status, code,
		    status == 413 ? "The request body is larger than 1 MiB."
		                  : "The request cannot be read.",
		    NULL);
	} else {
		c.req = &r;
		c.resp = &rs;
		c.db = db;
		c.primary = db;
		c.replica = rdb;
		dispatch(&c);
	}
	resp_send(fr, &r, &rs);
	metrics_request(c.route ? (int)(c.route - routes) : -1, rs.status,
	    (now_ms() - t0) / 1e3);
	if (db->errors != db_errors_seen ||
	    db->reconnects != db_reconnects_seen) {
		metrics_db(db->errors - db_errors_seen,
		    db->reconnects - db_reconnects_seen);
		db_errors_seen = db->errors;
		db_reconnects_seen = db->reconnects;
	}
	log_info("%s %s route=%s status=%d ms=%.1f user=%lld%s%s",
	    req_method_name(r.method), r.path, c.route ? c.route->name : "-",
	    rs.status, now_ms() - t0, c.user.id, rs.error_code ? " error=" : "",
	    rs.error_code ? rs.error_code : "");
	json_decref(c.body);
	free(body);
	resp_free(&rs);
	log_set_request(NULL);
}

/*
 * libfcgi ends a connection by shutting down its side and then waiting
 * until the web server has closed its own (reading what it still sends),
 * so that no unread input makes the close reset the connection and cut
 * the answer short: a sleep and a wake-up of the worker for every request.
 * When the request's input has been read to its end (the empty STDIN
 * record, which nginx sends right behind the params or the body, so that
 * reading it does not wait) and nothing else is waiting, a plain close is
 * as safe: the answer is delivered, then the end. Such a request is marked
 * detached, which FCGX_Free closes so; any other the careful way (input
 * left unread: an answer given before the body was read).
 */
static void
close_at_once(FCGX_Request *fr)
{
	int pending = 0;

	if (FCGX_GetChar(fr->in) == EOF && FCGX_GetError(fr->in) == 0 &&
	    ioctl(fr->ipcFd, FIONREAD, &pending) == 0 && pending == 0)
		(void)FCGX_Detach(fr);
}

int
fcgi_worker_run(int listen_fd, int writer, volatile sig_atomic_t *stop)
{
	FCGX_Request fr;
	struct db db, rdb;
	sigset_t term, old;
	const char *read_url = getenv("REIFEGRAD_READ_DATABASE_URL");
	int rc = 0, reads = !writer && read_url != NULL && read_url[0] != '\0';

	/* Without REIFEGRAD_READ_DATABASE_URL there is no read connection
	 * at all: everything goes to the primary's. */
	db_init(&db, NULL);
	if (writer)
		db.appname = FCGI_WRITER_NAME;
	db_init(&rdb, reads ? read_url : NULL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_error("fcgi: cannot initialise libfcgi");
		return -1;
	}
	/* Connect early so that the first request finds statements ready;
	 * a database that is not there yet is tried again per request. */
	if (db_ready(&db) == -1)
		log_error("fcgi: database not reachable yet; will retry");
	if (reads && db_ready(&rdb) == -1)
		log_error("fcgi: read database not reachable yet; reading "
		          "from the primary meanwhile");
	while (!*stop) {
		if (FCGX_Accept_r(&fr) < 0) {
			struct timespec pause = {0, 10 * 1000 * 1000};

			if (*stop)
				break;
			/* An interrupted or failed accept: do not spin. */
			nanosleep(&pause, NULL);
			continue;
		}
		sigprocmask(SIG_BLOCK, &term, &old);
		request_answer(&fr, &db, reads ? &rdb : NULL);
		close_at_once(&fr);
		FCGX_Finish_r(&fr);
		/* The mark is this request's only (close_at_once decides
		 * afresh for each). */
		fr.detached = 0;
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* The read connection reconnects, or looks for a standby
		 * again, between requests when it is due (db_ready backs
		 * off), so that no request waits for it. */
		if (reads)
			(void)!db_ready(&rdb);
	}
	FCGX_Free(&fr, 1);
	db_close(&db);
	db_close(&rdb);
	return rc;
}
