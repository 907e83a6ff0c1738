/*
 * fuzz_req.c: libFuzzer harness for request parsing. The input is a list
 * of FastCGI parameters, one "NAME=value" per line; the harness parses
 * them as a request and reads every part a handler could ask for.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "req.h"
#include "router.h"

#define FUZZ_PARAMS_MAX 64

static int
dummy(struct ctx *c)
{
	(void)c;
	return 0;
}

static const struct route table[] = {
    {METHOD_GET, "/api/v1/health", dummy, ROUTE_PUBLIC, "health", 0},
    {METHOD_PUT, "/api/v1/waves/{id}/response", dummy, ROLE_RESPONDENT,
        "response", 0},
    {METHOD_POST, "/api/v1/waves/{id}/responses/{id}/reopen", dummy, ROLE_ADMIN,
        "reopen", 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *line, *save = NULL;
	char *envp[FUZZ_PARAMS_MAX + 1];
	char out[RG_QUERY_VALUE_MAX], allow[64];
	const char *code = NULL;
	struct req r;
	size_t n = 0;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (line = strtok_r(copy, "\n", &save);
	     line != NULL && n < FUZZ_PARAMS_MAX;
	     line = strtok_r(NULL, "\n", &save))
		envp[n++] = line;
	envp[n] = NULL;
	if (req_from_env(&r, envp, &code) == 0) {
		(void)req_query_get(&r, "q", out, sizeof(out));
		(void)req_query_get(&r, "limit", out, sizeof(out));
		(void)req_cookie_get(&r, "rg_session", out, sizeof(out));
		(void)req_bearer_get(&r, out, sizeof(out));
		(void)req_is_json(&r);
		(void)router_match(table, sizeof(table) / sizeof(table[0]), &r,
		    allow, sizeof(allow));
	}
	free(copy);
	return 0;
}
