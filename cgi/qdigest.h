/*
 * qdigest.h: the identity of a questionnaire definition's content.
 */
#ifndef QDIGEST_H
#define QDIGEST_H

#include <jansson.h>

/* "\x" + 64 hex digits + NUL. */
#define QDIGEST_PARAM 67

/*
 * Writes the bytea parameter of the BLAKE2b-256 hash of def's canonical
 * form (keys sorted, compact), so that the same definition in another
 * layout has the same digest. Returns 0, or -1 when memory ran out.
 */
int qdigest_param(const json_t *def, char out[QDIGEST_PARAM]);

#endif /* QDIGEST_H */
