/*
 * fuzz_questionnaire.c: libFuzzer harness for questionnaire_validate().
 *
 * The input is parsed the way the server parses a request body, then
 * validated. Besides the sanitizers, it checks what a 422 answer relies
 * on: every problem path is a JSON pointer ("" or starting with "/") and
 * valid UTF-8, every reason is non-empty, and a valid definition yields a
 * qdef within the limits of reifegrad.h.
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -Icgi cgi/problems.c \
 *     cgi/questionnaire.c tests/fuzz/fuzz_questionnaire.c -ljansson \
 *     -o fuzz_questionnaire
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "questionnaire.h"
#include "reifegrad.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Whether every problem in ps can be sent back in an error answer. */
static int
problems_sane(const struct problems *ps)
{
	json_t *s;
	size_t i;

	for (i = 0; i < ps->count && i < RG_PROBLEMS_MAX; i++) {
		if (ps->item[i].path[0] != '\0' && ps->item[i].path[0] != '/')
			return 0;
		if (ps->item[i].problem[0] == '\0')
			return 0;
		/* json_string() refuses invalid UTF-8. */
		if ((s = json_string(ps->item[i].path)) == NULL)
			return 0;
		json_decref(s);
	}
	return 1;
}

/* Whether a qdef that validation filled keeps within the limits. */
static int
qdef_sane(const struct qdef *q)
{
	size_t d, i, found_d, found_i;

	if (q->ndims < 1 || q->ndims > RG_DIMENSIONS_MAX)
		return 0;
	if (q->version < 1 || q->version > 10000 || q->slug[0] == '\0')
		return 0;
	for (d = 0; d < q->ndims; d++) {
		if (!(q->dim[d].weight > 0 && q->dim[d].weight <= 1000))
			return 0;
		if (q->dim[d].nitems < 1 ||
		    q->dim[d].nitems > RG_ITEMS_PER_DIMENSION_MAX)
			return 0;
		for (i = 0; i < q->dim[d].nitems; i++) {
			/* Ids are unique, so each is found where it is. */
			if (questionnaire_find_item(q, q->dim[d].item[i].id,
			        &found_d, &found_i) != 0 ||
			    found_d != d || found_i != i)
				return 0;
		}
	}
	return 1;
}

/* One input: parse, validate, check the invariants. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct problems ps;
	static struct qdef q;
	json_error_t err;
	json_t *def;
	int rc;

	/* JSON_ALLOW_NUL reaches the validator's own NUL checks, which the
	 * server's parser (without it) shields. */
	def = json_loadb((const char *)data, size,
	    JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
	if (def == NULL)
		return 0;
	memset(&ps, 0, sizeof(ps));
	rc = questionnaire_validate(def, &q, &ps);
	if ((rc == 0) != (ps.count == 0))
		abort();
	if (!problems_sane(&ps))
		abort();
	if (rc == 0 && !qdef_sane(&q))
		abort();
	json_decref(def);
	return 0;
}
