/*
 * answers.c: the answers as their readers read them (answers.h).
 */
#include <string.h>

#include "answers.h"
#include "questionnaire.h"

size_t
answers_count(const struct qdef *q)
{
	size_t d, n = 0;

	for (d = 0; d < q->ndims && d < RG_DIMENSIONS_MAX; d++)
		n += q->dim[d].nitems;
	return n;
}

/* The kind and value of field v (NULL when absent). */
static unsigned char
field_of(const json_t *v, long long *value)
{
	const char *s;

	*value = 0;
	if (json_is_integer(v)) {
		*value = (long long)json_integer_value(v);
		return ANSWER_INT;
	}
	if (json_is_string(v) && json_string_length(v) == 1 &&
	    (s = json_string_value(v))[0] >= '0' && s[0] <= '4') {
		*value = s[0] - '0';
		return ANSWER_DIGIT;
	}
	return ANSWER_NONE;
}

void
answers_of_json(const struct qdef *q, const json_t *answers, struct answer *out)
{
	size_t d, i, k = 0;

	memset(out, 0, answers_count(q) * sizeof(*out));
	if (!json_is_object(answers))
		return;
	for (d = 0; d < q->ndims && d < RG_DIMENSIONS_MAX; d++)
		for (i = 0; i < q->dim[d].nitems; i++, k++) {
			const json_t *a =
			    json_object_get(answers, q->dim[d].item[i].id);

			if (!json_is_object(a))
				continue;
			out[k].object = 1;
			out[k].na = json_is_true(json_object_get(a, "na"));
			out[k].level_kind = field_of(
			    json_object_get(a, "level"), &out[k].level);
			out[k].target_kind = field_of(
			    json_object_get(a, "target"), &out[k].target);
		}
}

int
answer_level(const struct answer *a)
{
	return a->level_kind == ANSWER_INT && a->level >= RG_LEVEL_MIN &&
	               a->level <= RG_LEVEL_MAX
	           ? (int)a->level
	           : -1;
}

int
answer_given(const struct answer *a)
{
	return answer_level(a) >= 0 || a->na;
}

char
answer_code(unsigned char kind, long long value)
{
	return kind != ANSWER_NONE && value >= RG_LEVEL_MIN &&
	               value <= RG_LEVEL_MAX
	           ? (char)('0' + value)
	           : '.';
}
