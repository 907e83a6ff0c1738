/*
 * auth.h: session tokens, CSRF tokens, cookies, and finding out who sends
 * a request. Tokens are 32 bytes from libsodium's generator, written in
 * base64url; only their BLAKE2b-256 hash is stored.
 */
#ifndef AUTH_H
#define AUTH_H

#include "app.h"

/* 32 random bytes are 43 base64url characters. */
#define AUTH_TOKEN_BYTES 32
#define AUTH_TOKEN_TEXT 44
/* "\x" and 64 hex digits: a bytea parameter in text form. */
#define AUTH_HASH_PARAM RG_TOKEN_HASH_PARAM

/* Makes a new random token (sessions, invitations). */
void auth_token_new(char out[AUTH_TOKEN_TEXT]);

/* Writes the bytea parameter ("\x...") of the hash of token. */
void auth_token_hash_param(const char *token, char out[AUTH_HASH_PARAM]);

/* Writes the CSRF token that belongs to a session token: a keyed hash of
 * it, so it needs no storage and cannot be guessed without the token. */
void auth_csrf_of(const char *token, char out[AUTH_TOKEN_TEXT]);

/*
 * Finds a session token in the request (Bearer header first, then the
 * cookie) and writes the bytea parameter of its hash for session_begin.
 * Returns 1 when there is a plausible token, 0 when there is none.
 */
int auth_session_param(struct ctx *c, char hash[AUTH_HASH_PARAM]);

/*
 * Takes the result of session_begin (which also set the transaction's
 * identity for row-level security): sets c->user when the session is
 * valid, leaves the request anonymous otherwise. Returns 0, or -1 with an
 * error answer set when the statement failed.
 */
int auth_session_apply(struct ctx *c, const PGresult *res);

/* 1 when the request may write: it came with a Bearer token, or its
 * X-CSRF-Token matches the cookie's session (compared in constant time). */
int auth_csrf_ok(const struct ctx *c);

/* Sets the session cookie (HttpOnly, SameSite=Strict, Path=/, Secure over
 * HTTPS). */
void auth_cookie_set(struct ctx *c, const char *token);

/* Expires the session cookie in the browser. */
void auth_cookie_clear(struct ctx *c);

/* The ROLE_* bit of a role name, 0 for an unknown name. */
unsigned auth_role_bit(const char *name);

/* The name of a ROLE_* bit. */
const char *auth_role_name(unsigned bit);

#endif /* AUTH_H */
