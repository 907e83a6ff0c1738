/*
 * pgjson.c: result fields to JSON.
 */
#include <stdint.h>
#include <stdlib.h>

#include "pgjson.h"
#include "valid.h"

long long
pgj_ll(const PGresult *res, int row, int col)
{
	long long v;

	if (PQgetisnull(res, row, col) || valid_int64(PQgetvalue(res, row, col),
	                                      INT64_MIN, INT64_MAX, &v) == -1)
		return 0;
	return v;
}

json_t *
pgj_int(const PGresult *res, int row, int col)
{
	long long v;

	if (PQgetisnull(res, row, col) || valid_int64(PQgetvalue(res, row, col),
	                                      INT64_MIN, INT64_MAX, &v) == -1)
		return json_null();
	return json_integer(v);
}

json_t *
pgj_real(const PGresult *res, int row, int col)
{
	char *end;
	double v;

	if (PQgetisnull(res, row, col))
		return json_null();
	v = strtod(PQgetvalue(res, row, col), &end);
	if (*end != '\0')
		return json_null();
	return json_real(v);
}

json_t *
pgj_str(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return json_null();
	return json_stringn(
	    PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
}

json_t *
pgj_bool(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return json_null();
	return json_boolean(PQgetvalue(res, row, col)[0] == 't');
}

json_t *
pgj_json(const PGresult *res, int row, int col)
{
	json_t *v;

	if (PQgetisnull(res, row, col))
		return json_null();
	v = json_loadb(PQgetvalue(res, row, col),
	    (size_t)PQgetlength(res, row, col), JSON_DECODE_ANY, NULL);
	return v ? v : json_null();
}
