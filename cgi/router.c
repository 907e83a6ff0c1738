/*
 * router.c: the path matcher. Patterns are compared segment by segment;
 * "{id}" takes a decimal integer from 1 to 2^53 (so that it survives any
 * JSON client), everything else must match exactly.
 */
#include <string.h>

#include "router.h"
#include "valid.h"

/* Largest id a JavaScript client can hold exactly. */
#define ROUTE_ID_MAX 9007199254740991LL

/* Matches path against pattern; on success stores the ids in param. */
static int
path_match(
    const char *pattern, const char *path, long long *param, size_t *nparam)
{
	size_t np = 0;

	while (*pattern != '\0' && *path != '\0') {
		if (strncmp(pattern, "{id}", 4) == 0) {
			size_t n = strcspn(path, "/");
			long long v;

			if (np == RG_PARAMS_MAX ||
			    valid_int64n(path, n, 1, ROUTE_ID_MAX, &v) == -1 ||
			    (path[0] == '0'))
				return 0;
			param[np++] = v;
			pattern += 4;
			path += n;
			continue;
		}
		if (*pattern != *path)
			return 0;
		pattern++;
		path++;
	}
	if (*pattern != '\0' || *path != '\0')
		return 0;
	*nparam = np;
	return 1;
}

const struct route *
router_match(const struct route *table, size_t n, struct req *r, char *allow,
    size_t allowsz)
{
	long long param[RG_PARAMS_MAX] = {0};
	size_t i, np, used = 0;
	enum http_method m = r->method == METHOD_HEAD ? METHOD_GET : r->method;

	if (allowsz > 0)
		allow[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!path_match(table[i].pattern, r->path, param, &np))
			continue;
		if (table[i].method == m) {
			memcpy(r->param, param, sizeof(param));
			r->nparams = np;
			return &table[i];
		}
		if (allowsz > 0) {
			const char *name = req_method_name(table[i].method);
			size_t len = strlen(name) + (used ? 2 : 0);

			if (used + len + 1 <= allowsz) {
				if (used) {
					memcpy(allow + used, ", ", 2);
					used += 2;
				}
				memcpy(allow + used, name, strlen(name) + 1);
				used += strlen(name);
			}
		}
	}
	return NULL;
}
