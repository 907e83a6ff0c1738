/*
 * admin_backup.c: `reifegrad-admin backup FILE` and `restore FILE`, around
 * pg_dump and pg_restore in their custom format.
 *
 * Both connect with the libpq environment of the admin tool (PGHOST,
 * PGDATABASE, PGUSER, ... or DATABASE_URL), which they pass on to the
 * PostgreSQL tools; they take the tools of the server's major version
 * (/usr/lib/postgresql/N/bin, as Debian installs them) or else the first
 * on PATH. On a terminal they draw one progress line; they end with a
 * one-line summary on standard output.
 *
 * backup: one consistent snapshot of the whole database (the summary is
 * counted in the same snapshot), written to a temporary file next to FILE
 * (mode 0600: it holds password hashes) and renamed when complete, so FILE
 * is either the old or the new backup, never half of one. As a role
 * subject to row-level security (the owner: it is forced), the dump reads
 * as rg.role = admin, whom every policy lets read everything; a superuser
 * or BYPASSRLS role dumps without policies.
 *
 * restore: only into an empty database (no tables, no functions of its
 * own), in one transaction: either all of the backup or nothing. Roles are
 * not part of a backup (deploy/roles.sql makes them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"

/* The longest path of a tool or a file we handle. */
#define BACKUP_PATH_MAX 4096
/* A pg_dump custom-format archive starts with these bytes. */
#define BACKUP_MAGIC "PGDMP"
/* Arguments of a tool call, with room to spare. */
#define BACKUP_ARGS_MAX 16
/* Width of the progress line on a terminal. */
#define BACKUP_PROGRESS_WIDTH 72

/* What a tool run reported: its first error line. */
struct tool_report {
	char error[512];
};

/* Seconds since t0 (CLOCK_MONOTONIC). */
static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * Finds the PostgreSQL tool name (pg_dump, pg_restore) that fits the
 * server of conn: its major version's bin directory, else PATH. Writes the
 * path to out; returns 0, or -1 after printing why.
 */
static int
tool_find(PGconn *conn, const char *name, char *out, size_t outsz)
{
	const char *path = getenv("PATH");
	int major = PQserverVersion(conn) / 10000;

	snprintf(out, outsz, "/usr/lib/postgresql/%d/bin/%s", major, name);
	if (access(out, X_OK) == 0)
		return 0;
	while (path != NULL && *path != '\0') {
		size_t n = strcspn(path, ":");

		if (n > 0 &&
		    (size_t)snprintf(
		        out, outsz, "%.*s/%s", (int)n, path, name) < outsz &&
		    access(out, X_OK) == 0)
			return 0;
		path += n + (path[n] == ':');
	}
	admin_fail("%s of PostgreSQL %d not found (install "
	           "postgresql-client-%d)",
	    name, major, major);
	return -1;
}

/* Shows one progress line (a tool's --verbose line without its name). */
static void
progress_show(const char *verb, const char *line)
{
	fprintf(stderr, "\r\033[K%s: %.*s", verb, BACKUP_PROGRESS_WIDTH, line);
	fflush(stderr);
}

/*
 * Runs the tool at path with argv (NULL-terminated; argv[0] its name) and
 * reads its standard error: on a terminal (progress) every line moves the
 * progress line; the first error line is kept in rep. Returns 0 when the
 * tool succeeded, -1 otherwise (rep->error says why).
 */
static int
tool_run(const char *path, char *const argv[], const char *verb, int progress,
    struct tool_report *rep)
{
	size_t prefix = strlen(argv[0]) + 2, cap = 0;
	char *line = NULL;
	int fds[2], status = 0;
	ssize_t len;
	pid_t pid, w;
	FILE *f;

	rep->error[0] = '\0';
	if (pipe(fds) == -1) {
		snprintf(rep->error, sizeof(rep->error), "pipe: %s",
		    strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(rep->error, sizeof(rep->error), "fork: %s",
		    strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(path, argv);
		fprintf(stderr, "%s: error: cannot run %s: %s\n", argv[0], path,
		    strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	if ((f = fdopen(fds[0], "r")) == NULL) {
		close(fds[0]);
		waitpid(pid, NULL, 0);
		snprintf(rep->error, sizeof(rep->error), "fdopen: %s",
		    strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		const char *msg = line;

		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, argv[0], prefix - 2) == 0 &&
		    strncmp(line + prefix - 2, ": ", 2) == 0)
			msg = line + prefix;
		if (rep->error[0] == '\0' &&
		    (strncmp(msg, "error: ", 7) == 0 ||
		        strncmp(msg, "fatal: ", 7) == 0))
			snprintf(rep->error, sizeof(rep->error), "%s: %s",
			    argv[0], msg);
		if (progress)
			progress_show(verb, msg);
	}
	free(line);
	fclose(f);
	if (progress)
		fprintf(stderr, "\r\033[K");
	while ((w = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	if (w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (rep->error[0] == '\0')
		snprintf(rep->error, sizeof(rep->error), "%s %s", argv[0],
		    WIFSIGNALED(status) ? "was killed" : "failed");
	return -1;
}

/*
 * Puts the connection that conn made into the environment the tools
 * inherit: host and port it reached (of a list, the one that answered),
 * and every other parameter, however it was given (PG* variables, a
 * service, DATABASE_URL, which the tools do not read). A password thus
 * never appears on a command line. Returns 0, or -1 without memory.
 */
static int
tool_env(PGconn *conn)
{
	PQconninfoOption *opts = PQconninfo(conn), *o;

	if (opts == NULL)
		return -1;
	unsetenv("PGSERVICE");
	unsetenv("PGHOSTADDR");
	for (o = opts; o->keyword != NULL; o++)
		if (o->envvar != NULL && o->val != NULL && o->val[0] != '\0' &&
		    strcmp(o->keyword, "host") != 0 &&
		    strcmp(o->keyword, "hostaddr") != 0 &&
		    strcmp(o->keyword, "port") != 0 &&
		    strcmp(o->keyword, "service") != 0)
			setenv(o->envvar, o->val, 1);
	PQconninfoFree(opts);
	setenv("PGHOST", PQhost(conn), 1);
	setenv("PGPORT", PQport(conn), 1);
	return 0;
}

/* Formats a size in bytes for people. */
static void
size_format(long long bytes, char *out, size_t outsz)
{
	if (bytes >= 1024LL * 1024 * 1024)
		snprintf(out, outsz, "%.1f GiB",
		    (double)bytes / (1024.0 * 1024 * 1024));
	else if (bytes >= 1024 * 1024)
		snprintf(
		    out, outsz, "%.1f MiB", (double)bytes / (1024.0 * 1024));
	else
		snprintf(out, outsz, "%.1f KiB", (double)bytes / 1024.0);
}

/* The summary's counts: tables of the public schema, and, once the
 * migrations made it, responses submitted and all. */
static const char summary_tables_sql[] =
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n"
    " ON n.oid = c.relnamespace"
    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')";
static const char summary_responses_sql[] =
    "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n"
    "  ON n.oid = c.relnamespace"
    "  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')),"
    " count(*) FILTER (WHERE state = 'submitted'), count(*)"
    " FROM response";

/*
 * Counts tables and responses as conn sees them, for the summaries.
 * Returns the result (one row: tables[, submitted, all]) or NULL after
 * printing the error.
 */
static PGresult *
summary_counts(PGconn *conn)
{
	PGresult *res = admin_query(
	    conn, "SELECT to_regclass('public.response') IS NOT NULL", 0, NULL);
	int migrated;

	if (res == NULL)
		return NULL;
	migrated = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return admin_query(conn,
	    migrated ? summary_responses_sql : summary_tables_sql, 0, NULL);
}

/* Prints the part of a summary that summary_counts() found. */
static void
summary_print(PGresult *counts)
{
	printf("%s tables", PQgetvalue(counts, 0, 0));
	if (PQnfields(counts) == 3)
		printf(", %s responses (%s submitted)",
		    PQgetvalue(counts, 0, 2), PQgetvalue(counts, 0, 1));
}

/*
 * `backup FILE`: pg_dump --format=custom of the whole database in one
 * snapshot. Returns an exit status; on failure FILE is untouched.
 */
int
admin_cmd_backup(int argc, char **argv)
{
	char tool[BACKUP_PATH_MAX], tmp[BACKUP_PATH_MAX];
	char file_arg[BACKUP_PATH_MAX + 16], snap_arg[128], size[32];
	char *opts = NULL;
	const char *file, *args[BACKUP_ARGS_MAX];
	int progress = admin_progress_enabled(), rc = ADMIN_FAIL, fd, n = 0;
	PGresult *res = NULL, *counts = NULL;
	struct tool_report rep;
	struct timespec t0;
	struct stat st;
	PGconn *conn;

	if (admin_opts_parse(argc, argv, (struct admin_opt[]){{0}}, &file, 1) ==
	    -1) {
		fprintf(stderr, "usage: reifegrad-admin backup FILE\n");
		return ADMIN_USAGE;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (strlen(file) + sizeof(".XXXXXX") > sizeof(tmp))
		return admin_fail("backup: the file name is too long");
	tmp[0] = '\0';
	if ((conn = admin_connect()) == NULL)
		return ADMIN_FAIL;
	if (tool_find(conn, "pg_dump", tool, sizeof(tool)) == -1)
		goto out;
	/* The snapshot that pg_dump imports, and the counts of the summary
	 * from the very same data. */
	if (admin_exec(conn,
	        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") == -1 ||
	    (res = admin_query(conn,
	         "SELECT pg_export_snapshot(), rolsuper OR rolbypassrls"
	         " FROM pg_roles WHERE rolname = current_user",
	         0, NULL)) == NULL ||
	    (counts = summary_counts(conn)) == NULL)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", file);
	if ((fd = mkstemp(tmp)) == -1) {
		admin_fail("backup: cannot write next to %s: %s", file,
		    strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	close(fd);
	snprintf(file_arg, sizeof(file_arg), "--file=%s", tmp);
	snprintf(
	    snap_arg, sizeof(snap_arg), "--snapshot=%s", PQgetvalue(res, 0, 0));
	args[n++] = "pg_dump";
	args[n++] = "--format=custom";
	args[n++] = "--no-password";
	args[n++] = file_arg;
	args[n++] = snap_arg;
	if (progress)
		args[n++] = "--verbose";
	if (PQgetvalue(res, 0, 1)[0] != 't')
		args[n++] = "--enable-row-security";
	args[n] = NULL;
	if (tool_env(conn) == -1) {
		admin_fail("backup: out of memory");
		goto out;
	}
	if (PQgetvalue(res, 0, 1)[0] != 't') {
		const char *old = getenv("PGOPTIONS");
		size_t sz = (old ? strlen(old) : 0) + 32;

		/* Row-level security is forced on the owner: read as the
		 * operator, whom every policy lets see every row. */
		if ((opts = malloc(sz)) == NULL) {
			admin_fail("backup: out of memory");
			goto out;
		}
		snprintf(opts, sz, "%s%s-c rg.role=admin", old ? old : "",
		    old && old[0] ? " " : "");
		setenv("PGOPTIONS", opts, 1);
	}
	if (tool_run(tool, (char *const *)args, "backup", progress, &rep) ==
	    -1) {
		admin_fail("backup: %s", rep.error);
		goto out;
	}
	if ((fd = open(tmp, O_RDONLY)) == -1 || fsync(fd) == -1 ||
	    fstat(fd, &st) == -1) {
		admin_fail("backup: %s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		goto out;
	}
	close(fd);
	if (rename(tmp, file) == -1) {
		admin_fail("backup: cannot rename %s to %s: %s", tmp, file,
		    strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	if (admin_exec(conn, "COMMIT") == -1)
		goto out;
	size_format((long long)st.st_size, size, sizeof(size));
	printf("backup: %s: %s, ", file, size);
	summary_print(counts);
	printf(", in %.1f s\n", seconds_since(&t0));
	rc = ADMIN_OK;
out:
	if (tmp[0] != '\0')
		unlink(tmp);
	free(opts);
	PQclear(res);
	PQclear(counts);
	PQfinish(conn);
	return rc;
}

/*
 * Checks that FILE is a readable pg_dump custom-format archive. Returns 0,
 * or -1 after printing why.
 */
static int
archive_check(const char *file)
{
	char magic[sizeof(BACKUP_MAGIC) - 1];
	FILE *f = fopen(file, "rb");
	size_t got;

	if (f == NULL)
		return admin_fail("restore: cannot read %s: %s", file,
		           strerror(errno)),
		       -1;
	got = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if (got != sizeof(magic) || memcmp(magic, BACKUP_MAGIC, got) != 0)
		return admin_fail("restore: %s is not a backup made by "
		                  "reifegrad-admin backup (pg_dump custom "
		                  "format)",
		           file),
		       -1;
	return 0;
}

/*
 * `restore FILE`: pg_restore into the (empty) database of the libpq
 * environment, in one transaction. Returns an exit status.
 */
int
admin_cmd_restore(int argc, char **argv)
{
	char tool[BACKUP_PATH_MAX], db_arg[300], dbname[256];
	const char *file, *args[BACKUP_ARGS_MAX];
	int progress = admin_progress_enabled(), rc = ADMIN_FAIL, n = 0;
	struct tool_report rep;
	struct timespec t0;
	PGresult *res;
	PGconn *conn;

	if (admin_opts_parse(argc, argv, (struct admin_opt[]){{0}}, &file, 1) ==
	    -1) {
		fprintf(stderr, "usage: reifegrad-admin restore FILE\n");
		return ADMIN_USAGE;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (archive_check(file) == -1)
		return ADMIN_FAIL;
	if ((conn = admin_connect()) == NULL)
		return ADMIN_FAIL;
	snprintf(dbname, sizeof(dbname), "%s", PQdb(conn));
	if (tool_find(conn, "pg_restore", tool, sizeof(tool)) == -1)
		goto out;
	/* Empty: no relation outside the system schemas, no function of
	 * its own in public (extensions made by createdb's template may
	 * stay; the backup creates its own only where missing). */
	if ((res = admin_query(conn,
	         "SELECT (SELECT count(*) FROM pg_class c"
	         "  JOIN pg_namespace n ON n.oid = c.relnamespace"
	         "  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
	         "  AND n.nspname !~ '^pg_(toast|temp)'"
	         "  AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
	         "  AND NOT EXISTS (SELECT 1 FROM pg_depend d"
	         "   WHERE d.classid = 'pg_class'::regclass"
	         "   AND d.objid = c.oid AND d.deptype = 'e'))"
	         " + (SELECT count(*) FROM pg_proc p"
	         "  JOIN pg_namespace n ON n.oid = p.pronamespace"
	         "  WHERE n.nspname = 'public' AND NOT EXISTS ("
	         "   SELECT 1 FROM pg_depend d"
	         "   WHERE d.classid = 'pg_proc'::regclass"
	         "   AND d.objid = p.oid AND d.deptype = 'e'))",
	         0, NULL)) == NULL)
		goto out;
	if (strcmp(PQgetvalue(res, 0, 0), "0") != 0) {
		admin_fail("restore: the database %s is not empty (%s tables, "
		           "sequences, views or functions); restore only into "
		           "a new, empty database",
		    dbname, PQgetvalue(res, 0, 0));
		PQclear(res);
		goto out;
	}
	PQclear(res);
	if (tool_env(conn) == -1) {
		admin_fail("restore: out of memory");
		goto out;
	}
	PQfinish(conn);
	conn = NULL;
	/* Without a database pg_restore would only print the SQL. */
	snprintf(db_arg, sizeof(db_arg), "--dbname=%s", dbname);
	args[n++] = "pg_restore";
	args[n++] = "--exit-on-error";
	args[n++] = "--single-transaction";
	args[n++] = "--no-password";
	if (progress)
		args[n++] = "--verbose";
	args[n++] = db_arg;
	args[n++] = file;
	args[n] = NULL;
	if (tool_run(tool, (char *const *)args, "restore", progress, &rep) ==
	    -1) {
		admin_fail("restore: %s (nothing was restored)", rep.error);
		goto out;
	}
	/* Planner statistics are not part of a backup. */
	if ((conn = admin_connect()) == NULL ||
	    admin_exec(conn, "SET client_min_messages = error; ANALYZE;"
	                     " RESET client_min_messages") == -1 ||
	    (res = summary_counts(conn)) == NULL)
		goto out;
	printf("restore: %s into %s: ", file, dbname);
	summary_print(res);
	printf(", in %.1f s\n", seconds_since(&t0));
	PQclear(res);
	rc = ADMIN_OK;
out:
	PQfinish(conn);
	return rc;
}
