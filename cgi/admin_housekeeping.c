/*
 * admin_housekeeping.c: `reifegrad-admin housekeeping` enforces the
 * retention settings of sql/migrations/006_retention.sql: expired sessions,
 * finished sign-in counters, invitations long expired, old audit entries
 * and the addresses in audit entries, drafts of long-closed waves. One
 * transaction; prints what it removed. Repeatable (a second run finds
 * nothing), meant for a daily timer (deploy/systemd).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"

/* One retention rule: what it removes (for the summary) and the statement
 * that does it. A setting of 0 days turns a rule off. */
static const struct {
	const char *what;
	const char *sql;
} rules[] = {
    {"expired sessions", "DELETE FROM session WHERE expires_at <= now()"
                         " OR last_seen_at <= now() - make_interval(mins =>"
                         "  rg_setting_int('session_idle_minutes', 60))"},
    {"sign-in counters",
        "DELETE FROM login_failure WHERE window_start <= now() -"
        " make_interval(mins => rg_setting_int('login_window_minutes', 15))"},
    {"expired invitations",
        "DELETE FROM invitation WHERE accepted_at IS NULL"
        " AND rg_setting_int('retention_invitations_days', 30) > 0"
        " AND expires_at <= now() - make_interval(days =>"
        "  rg_setting_int('retention_invitations_days', 30))"},
    {"audit entries", "DELETE FROM audit_log"
                      " WHERE rg_setting_int('retention_audit_days', 730) > 0"
                      " AND at <= now() - make_interval(days =>"
                      "  rg_setting_int('retention_audit_days', 730))"},
    {"addresses in audit entries",
        "UPDATE audit_log SET detail = detail - '{address,email}'::text[]"
        " WHERE rg_setting_int('retention_addresses_days', 90) > 0"
        " AND at <= now() - make_interval(days =>"
        "  rg_setting_int('retention_addresses_days', 90))"
        " AND detail ?| '{address,email}'::text[]"},
    {"drafts of closed waves",
        "DELETE FROM response r USING wave w"
        " WHERE r.wave_id = w.id AND r.state = 'draft'"
        " AND rg_setting_int('retention_drafts_days', 365) > 0"
        " AND w.closes_at <= now() - make_interval(days =>"
        "  rg_setting_int('retention_drafts_days', 365))"},
};

#define RULES_COUNT (sizeof(rules) / sizeof(rules[0]))

/*
 * Runs every rule in one transaction and prints one line with the counts.
 * Returns an exit status; on failure nothing is removed.
 */
int
admin_cmd_housekeeping(int argc, char **argv)
{
	long counts[RULES_COUNT];
	PGconn *conn;
	PGresult *res;
	size_t i;
	int rc = ADMIN_FAIL;

	(void)argv;
	if (argc != 0) {
		fprintf(stderr, "usage: reifegrad-admin housekeeping\n");
		return ADMIN_USAGE;
	}
	if ((conn = admin_connect()) == NULL)
		return ADMIN_FAIL;
	if (admin_exec(conn, "BEGIN") == -1)
		goto out;
	for (i = 0; i < RULES_COUNT; i++) {
		if ((res = admin_query(conn, rules[i].sql, 0, NULL)) == NULL)
			goto out;
		counts[i] = strtol(PQcmdTuples(res), NULL, 10);
		PQclear(res);
	}
	if (admin_exec(conn, "COMMIT") == -1)
		goto out;
	printf("housekeeping: removed");
	for (i = 0; i < RULES_COUNT; i++)
		printf("%s %ld %s", i ? "," : "", counts[i], rules[i].what);
	printf("\n");
	rc = ADMIN_OK;
out:
	PQfinish(conn);
	return rc;
}
