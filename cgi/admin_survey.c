/*
 * admin_survey.c: `reifegrad-admin questionnaire load FILE` (validates and
 * stores a definition; the same file twice is one questionnaire) and
 * `wave add --questionnaire SLUG[@VERSION] --title T --opens ISO8601
 * --closes ISO8601`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "qdigest.h"
#include "questionnaire.h"

static int
questionnaire_load(int argc, char **argv)
{
	static struct qdef q;
	struct problems ps = {.count = 0};
	char version[16], digest[QDIGEST_PARAM];
	char *title = NULL, *text = NULL;
	const char *file, *p[5];
	json_error_t err;
	json_t *def;
	PGconn *conn = NULL;
	PGresult *res = NULL;
	size_t i;
	int rc = ADMIN_FAIL;

	if (admin_opts_parse(argc, argv, (struct admin_opt[]){{0}}, &file, 1) ==
	    -1)
		return ADMIN_USAGE;
	def = json_load_file(file, JSON_REJECT_DUPLICATES, &err);
	if (def == NULL)
		return admin_fail("questionnaire load: %s:%d:%d: %s", file,
		    err.line, err.column, err.text);
	if (questionnaire_validate(def, &q, &ps) == -1) {
		for (i = 0; i < ps.count && i < RG_PROBLEMS_MAX; i++)
			fprintf(stderr, "%s: %s: %s\n", file, ps.item[i].path,
			    ps.item[i].problem);
		admin_fail(
		    "questionnaire load: %s: %zu problems", file, ps.count);
		goto out;
	}
	snprintf(version, sizeof(version), "%d", q.version);
	title = json_dumps(json_object_get(def, "title"), JSON_COMPACT);
	text = json_dumps(def, JSON_COMPACT);
	if (title == NULL || text == NULL || qdigest_param(def, digest)) {
		admin_fail("questionnaire load: out of memory");
		goto out;
	}
	if ((conn = admin_connect()) == NULL)
		goto out;
	p[0] = q.slug;
	p[1] = version;
	p[2] = title;
	p[3] = text;
	p[4] = digest;
	/* A load of the same slug and version that commits while ours waits
	 * leaves our snapshot without its row: no row at all. A second
	 * statement sees it. */
	for (i = 0; i < 2; i++) {
		PQclear(res);
		res = admin_query(conn,
		    "WITH ins AS (INSERT INTO questionnaire (slug, version,"
		    " title, definition, digest) VALUES ($1, $2::integer,"
		    " $3::jsonb, $4::jsonb, $5::bytea) ON CONFLICT (slug,"
		    " version) DO NOTHING RETURNING id, digest)"
		    " SELECT id, digest = $5::bytea FROM ins UNION ALL"
		    " SELECT id, digest = $5::bytea FROM questionnaire"
		    " WHERE slug = $1 AND version = $2::integer"
		    " AND NOT EXISTS (SELECT 1 FROM ins)",
		    5, p);
		if (res == NULL || PQntuples(res) != 0)
			break;
	}
	if (res == NULL)
		goto out;
	if (PQntuples(res) != 1) {
		admin_fail("questionnaire load: %s version %s: stored "
		           "concurrently, but not found; try again",
		    q.slug, version);
		goto out;
	}
	if (PQgetvalue(res, 0, 1)[0] != 't') {
		admin_fail(
		    "questionnaire load: %s version %s exists with other "
		    "content; a stored questionnaire never changes, so "
		    "raise the version",
		    q.slug, version);
		goto out;
	}
	printf("%s\n", PQgetvalue(res, 0, 0));
	rc = ADMIN_OK;
out:
	PQclear(res);
	PQfinish(conn);
	json_decref(def);
	free(title);
	free(text);
	return rc;
}

static int
wave_add(int argc, char **argv)
{
	struct admin_opt o[] = {
	    {"questionnaire", 1, 1, NULL, 0},
	    {"title", 1, 1, NULL, 0},
	    {"opens", 1, 1, NULL, 0},
	    {"closes", 1, 1, NULL, 0},
	    {NULL, 0, 0, NULL, 0},
	};
	char slug[80];
	const char *p[5], *at;
	PGconn *conn;
	PGresult *res;

	if (admin_opts_parse(argc, argv, o, NULL, 0) == -1)
		return ADMIN_USAGE;
	at = strchr(o[0].value, '@');
	snprintf(slug, sizeof(slug), "%.*s",
	    at ? (int)(at - o[0].value) : (int)strlen(o[0].value), o[0].value);
	p[0] = slug;
	p[1] = at ? at + 1 : NULL;
	p[2] = o[1].value;
	p[3] = o[2].value;
	p[4] = o[3].value;
	if ((conn = admin_connect()) == NULL)
		return ADMIN_FAIL;
	res = admin_query(conn,
	    "INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)"
	    " SELECT id, $3, $4::timestamptz, $5::timestamptz"
	    " FROM questionnaire WHERE slug = $1"
	    " AND ($2::integer IS NULL OR version = $2::integer)"
	    " ORDER BY version DESC LIMIT 1 RETURNING id",
	    5, p);
	if (res == NULL) {
		PQfinish(conn);
		return ADMIN_FAIL;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		PQfinish(conn);
		return admin_fail("wave add: no questionnaire %s", o[0].value);
	}
	printf("%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
	return ADMIN_OK;
}

int
admin_cmd_questionnaire(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "load") == 0)
		return questionnaire_load(argc - 1, argv + 1);
	fprintf(stderr, "usage: reifegrad-admin questionnaire load FILE\n");
	return ADMIN_USAGE;
}

int
admin_cmd_wave(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "add") == 0)
		return wave_add(argc - 1, argv + 1);
	fprintf(stderr, "usage: reifegrad-admin wave add ...\n");
	return ADMIN_USAGE;
}
