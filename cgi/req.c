/*
 * req.c: parsing the FastCGI parameters of a request. Everything here reads
 * untrusted input, so every loop is bounded and every length checked; the
 * fuzz harness tests/fuzz/fuzz_req.c calls these functions directly.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "req.h"
#include "valid.h"

static const char *const method_names[METHOD__MAX] = {
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "OPTIONS",
    "OTHER",
};

const char *
req_method_name(enum http_method m)
{
	return m < METHOD__MAX ? method_names[m] : "OTHER";
}

/* The value of the parameter name in envp, or NULL. */
static const char *
env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

static enum http_method
method_parse(const char *s)
{
	int m;

	if (s == NULL)
		return METHOD_OTHER;
	for (m = 0; m < METHOD_OTHER; m++)
		if (strcmp(s, method_names[m]) == 0)
			return (enum http_method)m;
	return METHOD_OTHER;
}

/* Keeps an incoming request id only when it is short and plain (it ends up
 * in logs and headers); otherwise leaves out empty for the caller to fill. */
static void
request_id_copy(char *out, const char *in)
{
	size_t i;

	out[0] = '\0';
	if (in == NULL || strlen(in) > RG_REQUEST_ID_MAX)
		return;
	for (i = 0; in[i] != '\0'; i++)
		if (!isalnum((unsigned char)in[i]) && in[i] != '-')
			return;
	memcpy(out, in, i + 1);
}

int
req_from_env(struct req *r, char *const *envp, const char **code)
{
	const char *s;

	memset(r, 0, sizeof(*r));
	r->method = method_parse(env_get(envp, "REQUEST_METHOD"));
	r->query = (s = env_get(envp, "QUERY_STRING")) ? s : "";
	r->content_type = env_get(envp, "CONTENT_TYPE");
	if (r->content_type != NULL && r->content_type[0] == '\0')
		r->content_type = NULL;
	r->cookie = env_get(envp, "HTTP_COOKIE");
	r->authorization = env_get(envp, "HTTP_AUTHORIZATION");
	r->csrf = env_get(envp, "HTTP_X_CSRF_TOKEN");
	r->user_agent = env_get(envp, "HTTP_USER_AGENT");
	r->remote_addr = (s = env_get(envp, "REMOTE_ADDR")) ? s : "";
	s = env_get(envp, "HTTPS");
	r->https =
	    s != NULL && (strcasecmp(s, "on") == 0 || strcmp(s, "1") == 0);
	request_id_copy(r->request_id, env_get(envp, "REQUEST_ID"));
	r->content_length = -1;

	/* nginx passes the normalised, decoded path as DOCUMENT_URI. */
	s = env_get(envp, "DOCUMENT_URI");
	if (s == NULL)
		s = env_get(envp, "SCRIPT_NAME");
	if (s == NULL || s[0] != '/' || strlen(s) > RG_PATH_MAX ||
	    valid_utf8(s, strlen(s), NULL) == -1) {
		*code = "not_found";
		return 404;
	}
	memcpy(r->path, s, strlen(s) + 1);

	s = env_get(envp, "CONTENT_LENGTH");
	if (s != NULL && s[0] != '\0') {
		long long n;

		/* Only digits; anything else is a framing error. A length too
		 * big for a long long is still too big for us. */
		if (strspn(s, "0123456789") != strlen(s) || strlen(s) > 18) {
			if (strspn(s, "0123456789") == strlen(s)) {
				*code = "body_too_large";
				return 413;
			}
			*code = "bad_request";
			return 400;
		}
		if (valid_int64(s, 0, 999999999999999999LL, &n) == -1) {
			*code = "bad_request";
			return 400;
		}
		if (n > RG_BODY_MAX) {
			*code = "body_too_large";
			return 413;
		}
		r->content_length = n;
	}
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* URL-decodes n bytes of in ('+' is a space) into out. Returns 0 or -1. */
static int
url_decode(const char *in, size_t n, char *out, size_t outsz)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)in[i];

		if (c == '+')
			c = ' ';
		else if (c == '%') {
			int hi, lo;

			if (n - i < 3 || (hi = hexval(in[i + 1])) < 0 ||
			    (lo = hexval(in[i + 2])) < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == 0 || o + 1 >= outsz)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return valid_utf8(out, o, NULL);
}

int
req_query_get(const struct req *r, const char *name, char *out, size_t outsz)
{
	const char *p = r->query, *end, *eq;
	size_t nl = strlen(name);

	while (*p != '\0') {
		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL)
			eq = end;
		if ((size_t)(eq - p) == nl && memcmp(p, name, nl) == 0) {
			if (eq == end) {
				if (outsz == 0)
					return -1;
				out[0] = '\0';
				return 1;
			}
			return url_decode(eq + 1, (size_t)(end - eq - 1), out,
			           outsz) == 0
			           ? 1
			           : -1;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

int
req_cookie_get(const struct req *r, const char *name, char *out, size_t outsz)
{
	const char *p = r->cookie, *end, *eq;
	size_t nl = strlen(name), vl;

	if (p == NULL)
		return 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == nl &&
		    memcmp(p, name, nl) == 0) {
			vl = (size_t)(end - eq - 1);
			while (vl > 0 && eq[vl] == ' ')
				vl--;
			if (vl + 1 > outsz)
				return -1;
			memcpy(out, eq + 1, vl);
			out[vl] = '\0';
			return 1;
		}
		p = end;
	}
	return 0;
}

int
req_bearer_get(const struct req *r, char *out, size_t outsz)
{
	const char *s = r->authorization;
	size_t n;

	if (s == NULL || s[0] == '\0')
		return 0;
	if (strncasecmp(s, "Bearer ", 7) != 0)
		return -1;
	s += 7;
	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 0 || n + 1 > outsz)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

int
req_is_json(const struct req *r)
{
	const char *s = r->content_type, *p;

	if (s == NULL || strncasecmp(s, "application/json", 16) != 0)
		return 0;
	p = s + 16;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return 1;
	if (*p != ';')
		return 0;
	p++;
	while (*p == ' ')
		p++;
	if (strncasecmp(p, "charset=", 8) != 0)
		return 0;
	p += 8;
	if (*p == '"')
		p++;
	return strncasecmp(p, "utf-8", 5) == 0 &&
	       (p[5] == '\0' || p[5] == '"' || p[5] == ' ' || p[5] == ';');
}
