/*
 * fuzz_jsonv.c: libFuzzer harness for the strict body readers (jsonv.c)
 * as every endpoint uses them: the input is parsed as JSON the way
 * dispatch.c does and read with the key sets and getters of the login,
 * invitation, organisation, wave and response bodies.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "password.h"
#include "valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads body like one endpoint: keys, then each member's getter. */
static void
read_like(const json_t *body, const char *const *keys)
{
	struct problems ps = {.count = 0};
	long long n;
	int b;

	if (jv_object(body, "", keys, &ps) == -1)
		return;
	(void)jv_string(body, "email", JV_REQUIRED, RG_EMAIL_MAX, &ps);
	(void)jv_string(body, "name", JV_OPTIONAL, RG_NAME_MAX, &ps);
	(void)jv_string(body, "title", JV_OPTIONAL, RG_NAME_MAX, &ps);
	(void)jv_string(body, "state", JV_OPTIONAL, 64, &ps);
	(void)jv_int(body, "revision", JV_OPTIONAL, 0, INT32_MAX, &n, &ps);
	(void)jv_int(
	    body, "organisation_id", JV_OPTIONAL, 1, INT64_MAX, &n, &ps);
	(void)jv_int(body, "population", JV_OPTIONAL, 0, 2000000000, &n, &ps);
	(void)jv_bool(body, "member", JV_OPTIONAL, &b, &ps);
	{
		const char *pw = jv_string(
		    body, "password", JV_OPTIONAL, RG_PASSWORD_MAX, &ps);
		const char *email =
		    jv_string(body, "email", JV_OPTIONAL, RG_EMAIL_MAX, &ps);

		if (pw != NULL)
			(void)!password_check(pw, email, "/password", &ps);
		if (email != NULL)
			(void)!valid_email(email);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const login[] = {"email", "password", NULL};
	static const char *const invite[] = {
	    "email", "role", "organisation_id", NULL};
	static const char *const org[] = {"key", "name", "kind", "state",
	    "population", "urbanisation", "member", "consent_named", "country",
	    "area_km2", NULL};
	static const char *const wave[] = {
	    "questionnaire_id", "title", "opens_at", "closes_at", NULL};
	json_t *body =
	    json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);

	if (body == NULL)
		return 0;
	read_like(body, login);
	read_like(body, invite);
	read_like(body, org);
	read_like(body, wave);
	json_decref(body);
	return 0;
}
