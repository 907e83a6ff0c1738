/*
 * password.c: password policy and hashing.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "password.h"
#include "valid.h"

/*
 * Passwords that meet the length rule yet are among the first any attacker
 * tries: keyboard rows, counting, the service's and the sector's own words,
 * seasons and years. Compared case-insensitively. (Shorter classics such
 * as "123456" already fail the length rule.)
 */
static const char *const common_passwords[] = {
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789000",
    "000000000000",
    "111111111111",
    "123123123123",
    "121212121212",
    "987654321098",
    "qwertyuiopas",
    "qwertzuiopue",
    "qwertzuiop12",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwertz123456",
    "qwerty123456",
    "asdfghjkl123",
    "asdfghjklöä",
    "yxcvbnm12345",
    "1qaz2wsx3edc",
    "1q2w3e4r5t6z",
    "1q2w3e4r5t6y",
    "q1w2e3r4t5z6",
    "passwort1234",
    "passwort123!",
    "password1234",
    "password123!",
    "passwordpassword",
    "passwortpasswort",
    "passwort12345",
    "password12345",
    "hallo1234567",
    "hallohallo12",
    "geheim123456",
    "geheimgeheim",
    "willkommen12",
    "willkommen123",
    "willkommen2024",
    "willkommen2025",
    "willkommen2026",
    "welcome12345",
    "welcome2024!",
    "letmein12345",
    "iloveyou1234",
    "ichliebedich",
    "ichliebedich1",
    "schatz123456",
    "sommer2024!!",
    "sommer123456",
    "winter123456",
    "fruehling2024",
    "herbst123456",
    "januar2025!!",
    "dezember2025",
    "deutschland1",
    "deutschland12",
    "deutschland2024",
    "fussball1234",
    "fußball12345",
    "bayernmuenchen",
    "borussia1909",
    "schalke04schalke",
    "rathaus12345",
    "rathaus2024!",
    "rathaus2025!",
    "rathaus2026!",
    "gemeinde1234",
    "gemeinde2024",
    "gemeinde2025",
    "verwaltung12",
    "verwaltung123",
    "verwaltung2024",
    "stadtverwaltung",
    "buergermeister",
    "bürgermeister",
    "smartcity2024",
    "smartcity2025",
    "smartcity123",
    "smartcity1234",
    "digitalisierung",
    "digital12345",
    "reifegrad123",
    "reifegrad1234",
    "reifegrad2026",
    "kommune12345",
    "kommune2024!",
    "landkreis123",
    "mustermann12",
    "maxmustermann",
    "erikamusterfrau",
    "abcdefghijkl",
    "abcdefgh1234",
    "abc123abc123",
    "aaaaaaaaaaaa",
    "changeme1234",
    "changemenow!",
    "admin1234567",
    "administrator",
    "administrator1",
    "adminadmin12",
    "test12345678",
    "testtesttest",
    "trustno1trustno1",
    "superman1234",
    "dragon123456",
    "monkey123456",
    "sunshine1234",
    "princess1234",
    "football1234",
    "baseball1234",
    "starwars1234",
    "master123456",
    "zaq12wsxcde3",
    "!qaz2wsx#edc",
    "p@ssw0rd1234",
    "pa$$w0rd1234",
    "passw0rd1234",
    "start1234567",
    "startstart12",
    "anfang123456",
    "neuespasswort",
    "meinpasswort",
    "meinpasswort1",
    "kennwort1234",
};

/* 1 when s is one character repeated, or a run of consecutive characters
 * up or down ("abcdef...", "987654..."). */
static int
password_is_trivial(const char *s)
{
	size_t i, n = strlen(s);
	int same = 1, up = 1, down = 1;

	for (i = 1; i < n; i++) {
		int d = (unsigned char)s[i] - (unsigned char)s[i - 1];

		same &= d == 0;
		up &= d == 1;
		down &= d == -1;
	}
	return same || up || down;
}

/* Case-insensitive (ASCII) containment of needle in hay. */
static int
contains_ci(const char *hay, const char *needle, size_t nl)
{
	size_t i, hl = strlen(hay);

	if (nl == 0 || nl > hl)
		return 0;
	for (i = 0; i + nl <= hl; i++)
		if (strncasecmp(hay + i, needle, nl) == 0)
			return 1;
	return 0;
}

int
password_check(
    const char *pw, const char *email, const char *path, struct problems *ps)
{
	size_t cps, i, n = strlen(pw);
	size_t before = ps->count;

	if (n > RG_PASSWORD_MAX || valid_utf8(pw, n, &cps) == -1) {
		problems_add(ps, path,
		    "must be valid UTF-8 of at most %d bytes", RG_PASSWORD_MAX);
		return -1;
	}
	if (cps < RG_PASSWORD_MIN)
		problems_add(ps, path, "must have at least %d characters",
		    RG_PASSWORD_MIN);
	for (i = 0; i < sizeof(common_passwords) / sizeof(*common_passwords);
	     i++)
		if (strcasecmp(pw, common_passwords[i]) == 0) {
			problems_add(
			    ps, path, "is one of the most common passwords");
			break;
		}
	if (password_is_trivial(pw))
		problems_add(
		    ps, path, "is one repeated character or a plain sequence");
	if (email != NULL && email[0] != '\0') {
		size_t local = strcspn(email, "@");

		if (local >= 4 && contains_ci(pw, email, local))
			problems_add(
			    ps, path, "must not contain the e-mail address");
	}
	return ps->count == before ? 0 : -1;
}

int
password_hash(const char *pw, char out[crypto_pwhash_STRBYTES])
{
	return crypto_pwhash_str(out, pw, strlen(pw), PASSWORD_OPSLIMIT,
	           PASSWORD_MEMLIMIT) == 0
	           ? 0
	           : -1;
}

int
password_verify(const char *hash, const char *pw)
{
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

int
password_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(
	           hash, PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT) != 0;
}

const char *
password_dummy_hash(void)
{
	static char dummy[crypto_pwhash_STRBYTES];
	unsigned char rnd[24];
	char pw[64];

	if (dummy[0] != '\0')
		return dummy;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(pw, sizeof(pw), rnd, sizeof(rnd),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (password_hash(pw, dummy) == -1) {
		dummy[0] = '\0';
		return NULL;
	}
	return dummy;
}
