/*
 * pgjson.h: turning fields of a libpq result into JSON values: SQL NULL
 * becomes null, and numbers stay numbers.
 */
#ifndef PGJSON_H
#define PGJSON_H

#include <jansson.h>
#include <libpq-fe.h>

/* A bigint/integer field as a JSON integer (null for NULL or garbage). */
json_t *pgj_int(const PGresult *, int row, int col);

/* A numeric/double field as a JSON real (null for NULL). */
json_t *pgj_real(const PGresult *, int row, int col);

/* A text field as a JSON string (null for NULL). */
json_t *pgj_str(const PGresult *, int row, int col);

/* A boolean field ("t"/"f") as JSON true/false (null for NULL). */
json_t *pgj_bool(const PGresult *, int row, int col);

/* A json/jsonb field parsed (null for NULL or unparsable). */
json_t *pgj_json(const PGresult *, int row, int col);

/* A bigint field as a C value (0 for NULL or garbage). */
long long pgj_ll(const PGresult *, int row, int col);

#endif /* PGJSON_H */
