/*
 * admin_org.c: `reifegrad-admin org add ...` (adds or updates one
 * organisation by key, prints its id) and `org import FILE` (a register;
 * see admin_import.c).
 */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "admin_import.h"
#include "register.h"
#include "valid.h"

static int
org_add(int argc, char **argv)
{
	struct admin_opt o[] = {
	    {"key", 1, 1, NULL, 0},
	    {"name", 1, 1, NULL, 0},
	    {"kind", 1, 1, NULL, 0},
	    {"state", 1, 1, NULL, 0},
	    {"population", 1, 1, NULL, 0},
	    {"urbanisation", 1, 0, NULL, 0},
	    {"member", 0, 0, NULL, 0},
	    {"consent-named", 0, 0, NULL, 0},
	    {"country", 1, 0, NULL, 0},
	    {NULL, 0, 0, NULL, 0},
	};
	const char *p[9];
	char urb_s[4], country[3];
	long long pop;
	size_t cps;
	int urb = 0;
	PGconn *conn;
	PGresult *res;

	if (admin_opts_parse(argc, argv, o, NULL, 0) == -1)
		return ADMIN_USAGE;
	if (!register_key_valid(o[0].value))
		return admin_fail("org add: --key %s is neither an AGS nor "
		                  "CC-LAUCODE",
		    o[0].value);
	if (valid_utf8(o[1].value, strlen(o[1].value), &cps) == -1 ||
	    cps == 0 || cps > RG_NAME_MAX)
		return admin_fail("org add: --name must be 1 to %d characters "
		                  "of UTF-8",
		    RG_NAME_MAX);
	if (!register_kind_valid(o[2].value))
		return admin_fail("org add: --kind must be one of gemeinde, "
		                  "stadt, kreisfreie_stadt, landkreis, "
		                  "gemeindeverband, gemeindefreies_gebiet");
	if (valid_int64(o[4].value, 0, 2000000000, &pop) == -1)
		return admin_fail("org add: --population must be a whole "
		                  "number");
	if (o[5].set && register_urbanisation_parse(o[5].value, &urb) == -1)
		return admin_fail("org add: --urbanisation must be 1 (dicht), "
		                  "2 (mittel) or 3 (gering)");
	/* The key names the country: "AT-..." is Austria, an AGS (digits)
	 * Germany. */
	snprintf(country, sizeof(country), "%.2s",
	    o[0].value[2] == '-' ? o[0].value : "DE");
	if (o[8].set && strcmp(o[8].value, country) != 0)
		return admin_fail("org add: --country must be %s, the country "
		                  "the key names",
		    country);
	snprintf(urb_s, sizeof(urb_s), "%d", urb);
	p[0] = o[0].value;
	p[1] = o[1].value;
	p[2] = o[2].value;
	p[3] = o[3].value;
	p[4] = o[4].value;
	p[5] = urb ? urb_s : NULL;
	p[6] = o[6].set ? "true" : "false";
	p[7] = o[7].set ? "true" : "false";
	p[8] = country;
	if ((conn = admin_connect()) == NULL)
		return ADMIN_FAIL;
	res = admin_query(conn,
	    "INSERT INTO organisation (key, name, kind, state, population,"
	    " urbanisation, member, consent_named, country)"
	    " VALUES ($1, $2, $3, $4, $5::integer, $6::smallint, $7::boolean,"
	    " $8::boolean, $9)"
	    " ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name,"
	    " kind = EXCLUDED.kind, state = EXCLUDED.state,"
	    " population = EXCLUDED.population,"
	    " urbanisation = coalesce(EXCLUDED.urbanisation,"
	    "  organisation.urbanisation),"
	    " member = EXCLUDED.member, consent_named = EXCLUDED.consent_named,"
	    " country = EXCLUDED.country, updated_at = now()"
	    " RETURNING id",
	    9, p);
	if (res == NULL) {
		PQfinish(conn);
		return ADMIN_FAIL;
	}
	printf("%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
	return ADMIN_OK;
}

static int
org_import(int argc, char **argv)
{
	const char *file;
	PGconn *conn;
	int rc;

	if (admin_opts_parse(argc, argv, (struct admin_opt[]){{0}}, &file, 1) ==
	    -1)
		return ADMIN_USAGE;
	if ((conn = admin_connect()) == NULL)
		return ADMIN_FAIL;
	rc = admin_import_register(
	    conn, file, admin_progress_enabled() ? stderr : NULL);
	PQfinish(conn);
	return rc == 0 ? ADMIN_OK : ADMIN_FAIL;
}

int
admin_cmd_org(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "add") == 0)
		return org_add(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "import") == 0)
		return org_import(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "erase") == 0)
		return admin_org_erase(argc - 1, argv + 1);
	fprintf(stderr, "usage: reifegrad-admin org add|import|erase ...\n");
	return ADMIN_USAGE;
}
