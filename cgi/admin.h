/*
 * admin.h: what the commands of reifegrad-admin share.
 */
#ifndef ADMIN_H
#define ADMIN_H

#include <libpq-fe.h>
#include <stdio.h>

#include "buf.h"
#include "reifegrad.h"

/* Exit statuses of API.md's command line. */
#define ADMIN_OK 0
#define ADMIN_FAIL 1
#define ADMIN_USAGE 2

/*
 * Connects the way the server does (libpq environment or DATABASE_URL) and
 * marks the session as the operator's (rg.role = admin), so that row-level
 * security lets the tool see every row. Returns NULL after printing one
 * line to stderr.
 */
PGconn *admin_connect(void);

/* Prints "reifegrad-admin: <message>" to stderr; returns ADMIN_FAIL. */
int admin_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs one SQL command without parameters; on failure prints its error.
 * Returns 0 or -1. */
int admin_exec(PGconn *, const char *sql) RG_WUR;

/* 1 when progress lines should be drawn (stderr is a terminal). */
int admin_progress_enabled(void);

/* One option of a command: "--name value" (has_arg) or "--name". */
struct admin_opt {
	const char *name;
	int has_arg;
	int required;
	const char *value; /* set by admin_opts_parse */
	int set;
};

/*
 * Parses argv into opts (ended by a zeroed entry) and exactly npositional
 * other arguments. Prints the problem and returns -1 on wrong usage.
 */
int admin_opts_parse(int argc, char **argv, struct admin_opt *opts,
    const char **positional, int npositional) RG_WUR;

/* Runs a statement with text parameters as the operator; prints the error
 * and returns NULL when it fails. The caller PQclear()s the result. */
PGresult *admin_query(
    PGconn *, const char *sql, int n, const char *const *params);

/* Commands: each takes the arguments after its name and returns an exit
 * status. */
int admin_cmd_migrate(int argc, char **argv);
int admin_cmd_org(int argc, char **argv);
int admin_cmd_user(int argc, char **argv);
int admin_cmd_questionnaire(int argc, char **argv);
int admin_cmd_wave(int argc, char **argv);
int admin_cmd_demo(int argc, char **argv);
int admin_cmd_snapshot(int argc, char **argv);
int admin_cmd_export_key(int argc, char **argv);
int admin_cmd_backup(int argc, char **argv);
int admin_cmd_restore(int argc, char **argv);
int admin_cmd_housekeeping(int argc, char **argv);

/* Subcommands of org and user (admin_erase.c): the arguments after
 * "erase"; return an exit status. */
int admin_org_erase(int argc, char **argv);
int admin_user_erase(int argc, char **argv);

#endif /* ADMIN_H */
