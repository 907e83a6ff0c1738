/*
 * password.h: the password policy and argon2id hashing (libsodium's
 * crypto_pwhash_str). Used by sign-in, invitations and the admin tool.
 */
#ifndef PASSWORD_H
#define PASSWORD_H

#include <sodium.h>

#include "reifegrad.h"

/* argon2id cost: OWASP's minimum (19 MiB, 2 passes, 1 lane). libsodium's
 * INTERACTIVE preset (64 MiB) would triple the memory a worker needs while
 * it hashes; 19 MiB keeps a sign-in near 30 ms on this machine's cores.
 * Raising these makes every stored hash be rehashed at its next sign-in. */
#define PASSWORD_OPSLIMIT 2ULL
#define PASSWORD_MEMLIMIT (19U * 1024U * 1024U)

/*
 * Checks a new password against the policy: at least RG_PASSWORD_MIN code
 * points, at most RG_PASSWORD_MAX bytes, valid UTF-8, not one of the common
 * passwords, not one repeated character or a plain sequence, not the
 * e-mail address or its local part (email may be NULL). Problems are added
 * at path. Returns 0 when acceptable, -1 otherwise.
 */
int password_check(const char *pw, const char *email, const char *path,
    struct problems *ps) RG_WUR;

/* Hashes pw into out (crypto_pwhash_STRBYTES). Returns 0, or -1 when
 * memory ran out. */
int password_hash(const char *pw, char out[crypto_pwhash_STRBYTES]) RG_WUR;

/* 1 when pw matches the stored hash, 0 otherwise (also for a malformed
 * hash). Takes about the same time either way. */
int password_verify(const char *hash, const char *pw);

/* 1 when the stored hash was made with other parameters than today's and
 * should be replaced at this sign-in. */
int password_needs_rehash(const char *hash);

/* A hash of a random password, made once per process, to verify against
 * when an e-mail address is unknown, so that the answer takes as long as
 * for a known one. NULL when memory ran out. */
const char *password_dummy_hash(void);

#endif /* PASSWORD_H */
