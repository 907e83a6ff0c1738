/*
 * main.c: reifegrad-fcgi's processes. The master opens the FastCGI socket
 * (or takes the one on fd 0 that systemd or spawn-fcgi passes), forks the
 * workers and the snapshotter (snapshotter.h), replaces any that dies, and
 * on SIGTERM or SIGINT stops them gracefully: each worker finishes the
 * request it is answering, then exits.
 */
#include <errno.h>
#include <fcgiapp.h>
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
	fprintf(stderr, "usage: reifegrad-fcgi [--socket PATH] [--workers N] "
	                "[--pidfile PATH]\n"
	                "  without --socket, the listening socket is taken "
	                "from fd 0\n");
	exit(2);
}

/* 1 when fd 0 is a listening socket handed to us. */
static int
stdin_is_listener(void)
{
	int listening = 0;
	socklen_t len = sizeof(listening);

	return getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) ==
	           0 &&
	       listening;
}

/* The committer's listening socket (committer.h), -1 without one. */
static int commit_fd = -1;

/* Forks one worker; returns its pid or -1. The child never returns. */
static pid_t
worker_spawn(int listen_fd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
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
	_exit(fcgi_worker_run(listen_fd, &stop_requested) == 0 ? 0 : 1);
}

/* Forks the snapshotter; returns its pid or -1. The child never returns. */
static pid_t
snapshotter_spawn(int listen_fd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	prctl(PR_SET_NAME, SNAPSHOTTER_NAME);
	if (getppid() == 1)
		_exit(0);
	/* It answers no request and saves no autosave. */
	if (listen_fd > 0)
		close(listen_fd);
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
committer_spawn(int listen_fd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	prctl(PR_SET_NAME, COMMITTER_NAME);
	if (getppid() == 1)
		_exit(0);
	if (listen_fd > 0)
		close(listen_fd);
	signal_set(SIGTERM, on_stop);
	signal_set(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	_exit(committer_run(commit_fd, &stop_requested) == 0 ? 0 : 1);
}

/* The name of helper i of the pids table (workers, then the snapshotter,
 * then the committer). */
static const char *
helper_name(long long i, long long nworkers)
{
	return i < nworkers    ? "worker"
	       : i == nworkers ? "snapshotter"
	                       : "committer";
}

/* Forks helper i of the pids table anew. */
static pid_t
helper_spawn(long long i, long long nworkers, int listen_fd)
{
	if (i < nworkers)
		return worker_spawn(listen_fd);
	if (i == nworkers)
		return snapshotter_spawn(listen_fd);
	return committer_spawn(listen_fd);
}

int
main(int argc, char *argv[])
{
	const char *socket_path = NULL, *pidfile = NULL;
	long long nworkers = sysconf(_SC_NPROCESSORS_ONLN);
	pid_t *pids;
	int listen_fd, i, nhelpers, last, last_told = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			socket_path = argv[++i];
		else if (strcmp(argv[i], "--pidfile") == 0 && i + 1 < argc)
			pidfile = argv[++i];
		else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
			if (valid_int64(argv[++i], 1, MAIN_WORKERS_MAX,
			        &nworkers) == -1)
				usage();
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("reifegrad-fcgi %s\n", RG_VERSION);
			return 0;
		} else
			usage();
	}
	if (nworkers < 1)
		nworkers = 1;
	if (sodium_init() < 0) {
		fprintf(stderr, "reifegrad-fcgi: libsodium failed to start\n");
		return 1;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "reifegrad-fcgi: libfcgi failed to start\n");
		return 1;
	}
	if (socket_path != NULL) {
		mode_t old = umask(0117);

		unlink(socket_path);
		listen_fd = FCGX_OpenSocket(socket_path, MAIN_BACKLOG);
		umask(old);
		if (listen_fd < 0) {
			fprintf(stderr,
			    "reifegrad-fcgi: cannot listen on %s: "
			    "%s\n",
			    socket_path, strerror(errno));
			return 1;
		}
	} else if (stdin_is_listener())
		listen_fd = 0;
	else
		usage();

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
	/* pids[nworkers] is the snapshotter, pids[nworkers + 1] the
	 * committer when there is one. */
	commit_fd = committer_listen();
	nhelpers = (int)nworkers + (commit_fd != -1 ? 2 : 1);
	if ((pids = calloc((size_t)nhelpers, sizeof(*pids))) == NULL)
		return 1;
	if (metrics_init() == -1)
		log_error("master: no shared memory for metrics: %s",
		    strerror(errno));
	for (i = 0; i < nhelpers; i++)
		pids[i] = helper_spawn(i, nworkers, listen_fd);
	metrics_workers((int)nworkers);
	log_info("master: %lld workers on %s, version %s", nworkers,
	    socket_path ? socket_path : "fd 0", RG_VERSION);

	/* Supervise: replace every worker that dies until told to stop. */
	while (!stop_requested) {
		int st;
		pid_t pid = waitpid(-1, &st, 0);

		if (pid < 0)
			continue;
		for (i = 0; i < nhelpers; i++) {
			const char *what = helper_name(i, nworkers);

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
				pids[i] = helper_spawn(i, nworkers, listen_fd);
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
	if (pidfile != NULL)
		unlink(pidfile);
	free(pids);
	log_info("master: stopped");
	return 0;
}
