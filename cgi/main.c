/*
 * main.c: reifegrad-fcgi's processes. The master opens the FastCGI socket
 * (or takes the one on fd 0 that systemd or spawn-fcgi passes), forks the
 * workers, the snapshotter (snapshotter.h) and the committer (committer.h),
 * replaces any that dies, and on SIGTERM or SIGINT stops them gracefully:
 * each worker finishes the request it is answering, then exits.
 *
 * With --write-socket, a second pool of workers listens there, for the
 * saves that nginx sends to it (autosaves and submissions). Such a worker
 * spends most of its request waiting for the committer's batch, using no
 * CPU; in a pool of their own, waiting saves take no worker from the
 * reads, and there can be as many of them as the batch is to hold.
 */
#define _GNU_SOURCE /* SCHED_BATCH */
#include <errno.h>
#include <fcgiapp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sodium.h>
#include <time.h>
#include <unistd.h>

#include "fcgi.h"
#include "log.h"
#include "metrics.h"
#include "reifegrad.h"
#include "committer.h"
#include "snapshotter.h"
#include "valid.h"

/* More workers than this on one host would only contend for the database. */
#define MAIN_WORKERS_MAX 256
/* Pending connections the kernel keeps for us. */
#define MAIN_BACKLOG 1024
/* Workers of the write pool unless told: as many saves as a batch of the
 * committer gathers on a busy day (measured on 2 cores: see the README's
 * performance section). */
#define MAIN_WRITE_WORKERS 32
/* The name of the write pool's socket among those systemd passes. */
#define MAIN_WRITE_FDNAME "fcgi-write"
/* Seconds a stopping worker gets to finish its request before SIGKILL. */
#define MAIN_STOP_GRACE 10

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t grace_over;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
on_alarm(int sig)
{
	(void)sig;
	grace_over = 1;
}

/* Installs handler for sig without SA_RESTART, so that blocking calls
 * (accept, waitpid) return and the loops can see the flag. */
static void
signal_set(int sig, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: reifegrad-fcgi [--socket PATH] [--workers N] "
	    "[--write-socket PATH] [--write-workers N] "
	    "[--pidfile PATH]\n"
	    "  without --socket, the listening socket is taken "
	    "from fd 0\n"
	    "  --write-socket: a pool of its own for the saves "
	    "(--write-workers, default %d)\n",
	    MAIN_WRITE_WORKERS);
	exit(2);
}

/* Opens a FastCGI listening socket at path, readable and writable by
 * owner and group only; returns it, or -1 after saying why. */
static int
listen_at(const char *path)
{
	mode_t old = umask(0117);
	int fd;

	unlink(path);
	fd = FCGX_OpenSocket(path, MAIN_BACKLOG);
	umask(old);
	if (fd < 0)
		fprintf(stderr, "reifegrad-fcgi: cannot listen on %s: %s\n",
		    path, strerror(errno));
	return fd;
}

/* 1 when fd is a listening socket. */
static int
is_listener(int fd)
{
	int listening = 0;
	socklen_t len = sizeof(listening);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) ==
	           0 &&
	       listening;
}

/*
 * Takes the sockets that systemd passes by the sd_listen_fds(3) protocol:
 * LISTEN_PID is ours, LISTEN_FDS of them from fd 3, named in order by
 * LISTEN_FDNAMES (FileDescriptorName= of their socket units). The one
 * named MAIN_WRITE_FDNAME is the write pool's, the other the workers'.
 * Returns 0 when it took the workers' socket, -1 when there is none.
 */
static int
listen_fds_take(int *listen_fd, int *write_fd)
{
	const char *pid = getenv("LISTEN_PID"), *nfds = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES");
	long long want, n;
	int fd;

	if (pid == NULL || nfds == NULL ||
	    valid_int64(pid, 1, INT32_MAX, &want) == -1 ||
	    want != (long long)getpid() || valid_int64(nfds, 1, 2, &n) == -1)
		return -1;
	for (fd = 3; fd < 3 + n; fd++) {
		size_t len = names ? strcspn(names, ":") : 0;
		int is_write = len == strlen(MAIN_WRITE_FDNAME) &&
		               strncmp(names, MAIN_WRITE_FDNAME, len) == 0;

		if (!is_listener(fd))
			return -1;
		if (is_write)
			*write_fd = fd;
		else
			*listen_fd = fd;
		if (names != NULL)
			names = names[len] == ':' ? names + len + 1 : NULL;
	}
	/* Not for the processes we fork. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return *listen_fd >= 0 ? 0 : -1;
}

/* The committer's listening socket (committer.h), -1 without one. */
static int commit_fd = -1;

/* Closes the pools' listening sockets in a helper that answers no request
 * (fd 0 stays: it is also stdin). */
static void
listeners_close(int listen_fd, int write_fd)
{
	if (listen_fd > 0)
		close(listen_fd);
	if (write_fd != -1)
		close(write_fd);
}

/* Forks one worker; returns its pid or -1. The child never returns. A
 * worker of the write pool goes by FCGI_WRITER_NAME; the others keep the
 * program's name. */
static pid_t
worker_spawn(int listen_fd, int writer)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (writer) {
		/* Woken by the committer's answer, a write worker waits for
		 * the CPU rather than taking it from the committer, which
		 * answers the rest of its batch meanwhile (SCHED_BATCH: no
		 * preemption on wake-up, the same share of the CPU).
		 * Measured: submissions +1.6 %. */
		struct sched_param sp = {0};

		prctl(PR_SET_NAME, FCGI_WRITER_NAME);
		if (sched_setscheduler(0, SCHED_BATCH, &sp) == -1)
			log_error(
			    "write worker: SCHED_BATCH: %s", strerror(errno));
	}
	/* It connects to the committer by name. */
	if (commit_fd != -1)
		close(commit_fd);
	/* A worker whose master died would serve on unsupervised. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(0);
	signal_set(SIGTERM, on_stop);
	signal_set(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	_exit(fcgi_worker_run(listen_fd, writer, &stop_requested) == 0 ? 0 : 1);
}

/* Forks the snapshotter; returns its pid or -1. The child never returns. */
static pid_t
snapshotter_spawn(int listen_fd, int write_fd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	prctl(PR_SET_NAME, SNAPSHOTTER_NAME);
	if (getppid() == 1)
		_exit(0);
	/* It answers no request and saves no autosave. */
	listeners_close(listen_fd, write_fd);
	if (commit_fd != -1)
		close(commit_fd);
	signal_set(SIGTERM, on_stop);
	signal_set(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	_exit(snapshotter_run(&stop_requested) == 0 ? 0 : 1);
}

/* Forks the committer; returns its pid or -1. The child never returns. */
static pid_t
committer_spawn(int listen_fd, int write_fd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	prctl(PR_SET_NAME, COMMITTER_NAME);
	if (getppid() == 1)
		_exit(0);
	listeners_close(listen_fd, write_fd);
	signal_set(SIGTERM, on_stop);
	signal_set(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	_exit(committer_run(commit_fd, &stop_requested) == 0 ? 0 : 1);
}

/* The master's table of helpers: the workers, then those of the write
 * pool, then the snapshotter, then the committer when there is one. */
struct pool {
	int listen_fd, write_fd; /* write_fd -1 without a write pool */
	long long nworkers, nwrite;
};

/* The name of helper i of the pids table. */
static const char *
helper_name(const struct pool *p, long long i)
{
	return i < p->nworkers                ? "worker"
	       : i < p->nworkers + p->nwrite  ? "write worker"
	       : i == p->nworkers + p->nwrite ? "snapshotter"
	                                      : "committer";
}

/* Forks helper i of the pids table anew. A worker keeps the other pool's
 * socket open, unused: the fds of a fork are the master's. */
static pid_t
helper_spawn(const struct pool *p, long long i)
{
	if (i < p->nworkers)
		return worker_spawn(p->listen_fd, 0);
	if (i < p->nworkers + p->nwrite)
		return worker_spawn(p->write_fd, 1);
	if (i > p->nworkers + p->nwrite)
		return committer_spawn(p->listen_fd, p->write_fd);
	return snapshotter_spawn(p->listen_fd, p->write_fd);
}

int
main(int argc, char *argv[])
{
	const char *socket_path = NULL, *write_path = NULL, *pidfile = NULL;
	struct pool p = {-1, -1, sysconf(_SC_NPROCESSORS_ONLN), -1};
	pid_t *pids;
	int i, nhelpers, last, last_told = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			socket_path = argv[++i];
		else if (strcmp(argv[i], "--pidfile") == 0 && i + 1 < argc)
			pidfile = argv[++i];
		else if (strcmp(argv[i], "--write-socket") == 0 && i + 1 < argc)
			write_path = argv[++i];
		else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
			if (valid_int64(argv[++i], 1, MAIN_WORKERS_MAX,
			        &p.nworkers) == -1)
				usage();
		} else if (strcmp(argv[i], "--write-workers") == 0 &&
		           i + 1 < argc) {
			if (valid_int64(argv[++i], 1, MAIN_WORKERS_MAX,
			        &p.nwrite) == -1)
				usage();
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("reifegrad-fcgi %s\n", RG_VERSION);
			return 0;
		} else
			usage();
	}
	if (p.nworkers < 1)
		p.nworkers = 1;
	if (sodium_init() < 0) {
		fprintf(stderr, "reifegrad-fcgi: libsodium failed to start\n");
		return 1;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "reifegrad-fcgi: libfcgi failed to start\n");
		return 1;
	}
	if (socket_path != NULL) {
		if ((p.listen_fd = listen_at(socket_path)) < 0)
			return 1;
	} else if (listen_fds_take(&p.listen_fd, &p.write_fd) == 0) {
		if (write_path != NULL)
			usage();
	} else if (is_listener(0))
		p.listen_fd = 0;
	else
		usage();
	if (write_path != NULL && (p.write_fd = listen_at(write_path)) < 0)
		return 1;
	if (p.write_fd == -1 && p.nwrite != -1) {
		fprintf(stderr, "reifegrad-fcgi: --write-workers without a "
		                "write socket\n");
		return 2;
	}
	p.nwrite = p.write_fd == -1 ? 0
	           : p.nwrite == -1 ? MAIN_WRITE_WORKERS
	                            : p.nwrite;

	if (pidfile != NULL) {
		FILE *f = fopen(pidfile, "w");

		if (f == NULL) {
			fprintf(stderr, "reifegrad-fcgi: %s: %s\n", pidfile,
			    strerror(errno));
			return 1;
		}
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}

	signal_set(SIGTERM, on_stop);
	signal_set(SIGINT, on_stop);
	signal_set(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	commit_fd = committer_listen();
	nhelpers = (int)(p.nworkers + p.nwrite) + (commit_fd != -1 ? 2 : 1);
	if ((pids = calloc((size_t)nhelpers, sizeof(*pids))) == NULL)
		return 1;
	if (metrics_init() == -1)
		log_error("master: no shared memory for metrics: %s",
		    strerror(errno));
	for (i = 0; i < nhelpers; i++)
		pids[i] = helper_spawn(&p, i);
	metrics_workers((int)(p.nworkers + p.nwrite));
	log_info("master: %lld workers on %s, version %s", p.nworkers,
	    socket_path        ? socket_path
	    : p.listen_fd == 0 ? "fd 0"
	                       : "the socket systemd passed",
	    RG_VERSION);
	if (p.nwrite > 0)
		log_info("master: %lld write workers on %s", p.nwrite,
		    write_path ? write_path
		               : "the socket named " MAIN_WRITE_FDNAME);

	/* Supervise: replace every worker that dies until told to stop. */
	while (!stop_requested) {
		int st;
		pid_t pid = waitpid(-1, &st, 0);

		if (pid < 0)
			continue;
		for (i = 0; i < nhelpers; i++) {
			const char *what = helper_name(&p, i);

			if (pids[i] != pid)
				continue;
			if (WIFSIGNALED(st))
				log_error("master: %s %d killed by signal "
				          "%d; replacing it",
				    what, (int)pid, WTERMSIG(st));
			else
				log_error("master: %s %d exited with %d; "
				          "replacing it",
				    what, (int)pid, WEXITSTATUS(st));
			if (stop_requested)
				pids[i] = 0;
			else
				pids[i] = helper_spawn(&p, i);
		}
	}

	/* Stop: every worker finishes its request, then exits; the committer
	 * is told last, since a worker's last request may be a save that it
	 * hands on. After MAIN_STOP_GRACE whatever is left is killed. */
	log_info("master: stopping");
	last = commit_fd != -1 ? nhelpers - 1 : -1;
	for (i = 0; i < nhelpers; i++)
		if (pids[i] > 0 && i != last)
			kill(pids[i], SIGTERM);
	alarm(MAIN_STOP_GRACE);
	for (;;) {
		pid_t pid;
		int others = 0;

		for (i = 0; i < nhelpers; i++)
			others += pids[i] > 0 && i != last;
		if (others == 0 && (last < 0 || pids[last] <= 0))
			break;
		if (others == 0 && !last_told) {
			kill(pids[last], SIGTERM);
			last_told = 1;
		}
		pid = waitpid(-1, NULL, 0);
		if (pid > 0) {
			for (i = 0; i < nhelpers; i++)
				if (pids[i] == pid)
					pids[i] = 0;
		} else if (errno == ECHILD)
			break;
		else if (grace_over) {
			for (i = 0; i < nhelpers; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGKILL);
		}
	}
	if (socket_path != NULL)
		unlink(socket_path);
	if (write_path != NULL)
		unlink(write_path);
	if (pidfile != NULL)
		unlink(pidfile);
	free(pids);
	log_info("master: stopped");
	return 0;
}
