/*
 * auth.c: who is asking. One database round trip per authenticated
 * request: rg_session_begin() checks the session and sets the identity
 * for row-level security in the same call.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

/* The key of the CSRF derivation: a label, not a secret (the session
 * token is the secret). */
static const unsigned char csrf_key[] = "reifegrad csrf v1";

void
auth_token_new(char out[AUTH_TOKEN_TEXT])
{
	unsigned char raw[AUTH_TOKEN_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, AUTH_TOKEN_TEXT, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void
auth_token_hash_param(const char *token, char out[AUTH_HASH_PARAM])
{
	unsigned char h[32];

	crypto_generichash(
	    h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
	out[0] = '\\';
	out[1] = 'x';
	sodium_bin2hex(out + 2, AUTH_HASH_PARAM - 2, h, sizeof(h));
}

void
auth_csrf_of(const char *token, char out[AUTH_TOKEN_TEXT])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token,
	    strlen(token), csrf_key, sizeof(csrf_key) - 1);
	sodium_bin2base64(out, AUTH_TOKEN_TEXT, h, sizeof(h),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* 1 when s looks like one of our tokens: 43 base64url characters. */
static int
token_plausible(const char *s)
{
	return strlen(s) == AUTH_TOKEN_TEXT - 1 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                 "0123456789-_") == AUTH_TOKEN_TEXT - 1;
}

static const char *const role_names[] = {
    "respondent", "coordinator", "researcher", "admin"};

unsigned
auth_role_bit(const char *name)
{
	unsigned i;

	for (i = 0; i < 4; i++)
		if (strcmp(name, role_names[i]) == 0)
			return 1u << i;
	return 0;
}

const char *
auth_role_name(unsigned bit)
{
	unsigned i;

	for (i = 0; i < 4; i++)
		if (bit == 1u << i)
			return role_names[i];
	return "";
}

int
auth_session_param(struct ctx *c, char hash[AUTH_HASH_PARAM])
{
	char token[RG_TOKEN_TEXT_MAX + 1];
	int via_cookie = 0;

	if (req_bearer_get(c->req, token, sizeof(token)) != 1) {
		if (req_cookie_get(
		        c->req, "rg_session", token, sizeof(token)) != 1)
			return 0;
		via_cookie = 1;
	}
	if (!token_plausible(token))
		return 0;
	auth_token_hash_param(token, hash);
	/* Kept aside until the session proves valid (auth_session_apply). */
	c->user.via_cookie = via_cookie;
	memcpy(c->user.token, token, strlen(token) + 1);
	memcpy(c->user.hash, hash, AUTH_HASH_PARAM);
	return 1;
}

int
auth_session_apply(struct ctx *c, const PGresult *res)
{
	long long id = 0, org = 0;

	if (!db_ok(res)) {
		app_db_fail(c, res, "auth: session");
		return -1;
	}
	if (PQntuples(res) == 1 &&
	    valid_int64(PQgetvalue(res, 0, 0), 1, INT64_MAX, &id) == 0 &&
	    valid_int64(PQgetvalue(res, 0, 2), 0, INT64_MAX, &org) == 0) {
		c->user.id = id;
		c->user.org_id = org;
		c->user.role = auth_role_bit(PQgetvalue(res, 0, 1));
		return 0;
	}
	/* No valid session: anonymous, and the token is forgotten. */
	memset(&c->user, 0, sizeof(c->user));
	return 0;
}

int
auth_csrf_ok(const struct ctx *c)
{
	char want[AUTH_TOKEN_TEXT];
	const char *got = c->req->csrf;

	if (!c->user.via_cookie)
		return 1;
	if (got == NULL || strlen(got) != AUTH_TOKEN_TEXT - 1)
		return 0;
	auth_csrf_of(c->user.token, want);
	return sodium_memcmp(want, got, AUTH_TOKEN_TEXT - 1) == 0;
}

void
auth_cookie_set(struct ctx *c, const char *token)
{
	resp_header(c->resp, "Set-Cookie",
	    "rg_session=%s; Path=/; HttpOnly; SameSite=Strict%s", token,
	    c->req->https ? "; Secure" : "");
}

void
auth_cookie_clear(struct ctx *c)
{
	resp_header(c->resp, "Set-Cookie",
	    "rg_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
	    c->req->https ? "; Secure" : "");
}
