/*
 * fcgi.h: a worker's accept loop, the only code that speaks FastCGI.
 */
#ifndef FCGI_H
#define FCGI_H

#include <signal.h>

/* The name a worker of the write pool goes by (ps, pgrep, and its
 * database connection's application_name). */
#define FCGI_WRITER_NAME "rg-writer"

/*
 * Accepts and answers requests on listen_fd until *stop is set (by a
 * signal) or accepting fails. A request in progress is always finished.
 * A worker of the write pool (writer 1), which answers autosaves and
 * submissions, holds no read connection to a standby: those read nothing
 * from it. Returns 0 on an orderly stop, -1 on an accept failure.
 */
int fcgi_worker_run(int listen_fd, int writer, volatile sig_atomic_t *stop);

#endif /* FCGI_H */
