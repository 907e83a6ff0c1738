/*
 * h_org.c: GET /organisations, GET /organisations/{id}, POST /organisations.
 * Row-level security decides what a caller sees; someone who may not see
 * an organisation gets 404, as if it did not exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "handlers.h"
#include "jsonv.h"
#include "list.h"
#include "pgjson.h"
#include "register.h"

/* Column order of org_list / org_get / org_create. */
static json_t *
org_json(const PGresult *res, int row, int full)
{
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
	                      "s:o}",
	    "id", pgj_int(res, row, 0), "key", pgj_str(res, row, 1), "name",
	    pgj_str(res, row, 2), "kind", pgj_str(res, row, 3), "state",
	    pgj_str(res, row, 4), "population", pgj_int(res, row, 5),
	    "size_class", pgj_int(res, row, 6), "urbanisation",
	    pgj_int(res, row, 7), "member", pgj_bool(res, row, 8),
	    "consent_named", pgj_bool(res, row, 9));

	if (o != NULL && full) {
		json_object_set_new(o, "country", pgj_str(res, row, 10));
		json_object_set_new(o, "area_km2", pgj_real(res, row, 11));
	}
	return o;
}

/* An organisation as the list shows it. */
static json_t *
org_list_json(const PGresult *res, int row)
{
	return org_json(res, row, 0);
}

int
h_org_list(struct ctx *c)
{
	char q[RG_QUERY_VALUE_MAX], state[RG_QUERY_VALUE_MAX], sc[16],
	    member[8], after_name[4 * RG_NAME_MAX + 1], after_id[24];
	const char *p[7] = {NULL};
	struct problems ps = {.count = 0};
	long long limit, v;
	PGresult *res;
	int got;

	if ((got = req_query_get(c->req, "q", q, sizeof(q))) == 1 && q[0])
		p[0] = q;
	else if (got == -1)
		problems_add(&ps, "q", "must be valid UTF-8, at most %d bytes",
		    RG_QUERY_VALUE_MAX - 1);
	if ((got = req_query_get(c->req, "state", state, sizeof(state))) == 1 &&
	    state[0])
		p[1] = state;
	else if (got == -1)
		problems_add(&ps, "state", "must be valid UTF-8");
	if ((got = req_query_get(c->req, "size_class", sc, sizeof(sc))) == 1) {
		if (valid_int64(sc, 1, 8, &v) == -1)
			problems_add(&ps, "size_class",
			    "must be an integer from 1 to 8");
		p[2] = sc;
	} else if (got == -1)
		problems_add(
		    &ps, "size_class", "must be an integer from 1 to 8");
	if ((got = req_query_get(c->req, "member", member, sizeof(member))) ==
	    1) {
		if (strcmp(member, "true") && strcmp(member, "false"))
			problems_add(&ps, "member", "must be true or false");
		p[3] = member;
	} else if (got == -1)
		problems_add(&ps, "member", "must be true or false");
	/* The cursor holds the id and name of the last row shown: a name of
	 * RG_NAME_MAX code points of up to 4 bytes each at most. */
	if (list_cursor_get(c, &v, after_name, sizeof(after_name), &ps) == 1) {
		snprintf(after_id, sizeof(after_id), "%lld", v);
		p[4] = after_name;
		p[5] = after_id;
	}
	if ((res = list_fetch(c, p[0] != NULL ? Q_ORG_SEARCH : Q_ORG_LIST, 7, p,
	         &limit, &ps)) == NULL)
		return 0;
	return list_reply(c, res, limit, org_list_json, 0, 2);
}

int
h_org_get(struct ctx *c)
{
	char id[24];
	const char *p[1] = {id};
	PGresult *res;
	int rc;

	snprintf(id, sizeof(id), "%lld", c->req->param[0]);
	res = db_exec(c->db, Q_ORG_GET, 1, p);
	if (!db_ok(res)) {
		app_db_fail(c, res, "organisations: get");
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		resp_error(
		    c->resp, 404, "not_found", "No such resource.", NULL);
		return 0;
	}
	rc = resp_json(c->resp, 200, org_json(res, 0, 1));
	PQclear(res);
	return rc;
}

int
h_org_create(struct ctx *c)
{
	static const char *const keys[] = {"key", "name", "kind", "state",
	    "population", "urbanisation", "member", "consent_named", "country",
	    "area_km2", NULL};
	struct problems ps = {.count = 0};
	const char *key = NULL, *name = NULL, *kind = NULL, *state = NULL,
	           *country = NULL;
	char pop_s[24], urb_s[8], area_s[32], key_country[3] = "";
	const char *p[10] = {NULL};
	long long pop = 0, urb = 0;
	int member = 0, consent = 0, has_pop = 0, has_urb = 0;
	json_t *area;
	PGresult *res;
	int rc;

	if (jv_object(c->body, "", keys, &ps) == 0) {
		key = jv_string(c->body, "key", JV_REQUIRED, 24, &ps);
		name =
		    jv_string(c->body, "name", JV_REQUIRED, RG_NAME_MAX, &ps);
		kind = jv_string(c->body, "kind", JV_REQUIRED, 32, &ps);
		state = jv_string(c->body, "state", JV_OPTIONAL, 64, &ps);
		country = jv_string(c->body, "country", JV_OPTIONAL, 2, &ps);
		has_pop = jv_int(c->body, "population", JV_OPTIONAL, 0,
		              2000000000, &pop, &ps) == 1;
		has_urb = jv_int(c->body, "urbanisation", JV_OPTIONAL, 1, 3,
		              &urb, &ps) == 1;
		(void)jv_bool(c->body, "member", JV_OPTIONAL, &member, &ps);
		(void)jv_bool(
		    c->body, "consent_named", JV_OPTIONAL, &consent, &ps);
		area = json_object_get(c->body, "area_km2");
		if (area != NULL && !json_is_null(area) &&
		    (!json_is_number(area) || json_number_value(area) < 0 ||
		        json_number_value(area) > 1e9))
			problems_add(
			    &ps, "/area_km2", "must be a number from 0 to 1e9");
		else if (area != NULL && !json_is_null(area)) {
			snprintf(area_s, sizeof(area_s), "%.2f",
			    json_number_value(area));
			p[9] = area_s;
		}
		if (key != NULL && !register_key_valid(key))
			problems_add(&ps, "/key",
			    "must be an AGS (digits) or CC-LAUCODE");
		if (kind != NULL && !register_kind_valid(kind))
			problems_add(&ps, "/kind", "is not a known kind");
		/* The key names the country: "AT-..." is Austria, an AGS
		 * (digits) Germany. */
		if (key != NULL && register_key_valid(key))
			snprintf(key_country, sizeof(key_country), "%.2s",
			    key[2] == '-' ? key : "DE");
		if (country != NULL &&
		    (strlen(country) != 2 || country[0] < 'A' ||
		        country[0] > 'Z' || country[1] < 'A' ||
		        country[1] > 'Z'))
			problems_add(
			    &ps, "/country", "must be two capital letters");
		else if (country != NULL && key_country[0] != '\0' &&
		         strcmp(country, key_country) != 0)
			problems_add(&ps, "/country",
			    "must be %s, the country the key names",
			    key_country);
	}
	if (ps.count > 0) {
		app_invalid(c, &ps);
		return 0;
	}
	snprintf(pop_s, sizeof(pop_s), "%lld", pop);
	snprintf(urb_s, sizeof(urb_s), "%lld", urb);
	p[0] = key;
	p[1] = name;
	p[2] = kind;
	p[3] = state ? state : "";
	p[4] = has_pop ? pop_s : NULL;
	p[5] = has_urb ? urb_s : NULL;
	p[6] = member ? "true" : "false";
	p[7] = consent ? "true" : "false";
	p[8] = key_country;
	res = db_exec(c->db, Q_ORG_CREATE, 10, p);
	if (!db_ok(res)) {
		if (db_status_of(c->db, res) == 409)
			resp_error(c->resp, 409, "conflict",
			    "An organisation with this key exists already.",
			    NULL);
		else
			app_db_fail(c, res, "organisations: create");
		PQclear(res);
		return 0;
	}
	rc = resp_json(c->resp, 201, org_json(res, 0, 1));
	PQclear(res);
	return rc;
}
