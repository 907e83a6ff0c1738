/*
 * fcgi.h: a worker's accept loop, the only code that speaks FastCGI.
 */
#ifndef FCGI_H
#define FCGI_H

#include <signal.h>

/*
 * Accepts and answers requests on listen_fd until *stop is set (by a
 * signal) or accepting fails. A request in progress is always finished.
 * The database connection goes by appname (NULL: "reifegrad"). Returns 0
 * on an orderly stop, -1 on an accept failure.
 */
int fcgi_worker_run(
    int listen_fd, const char *appname, volatile sig_atomic_t *stop);

#endif /* FCGI_H */
