/*
 * qdigest.c: content digests of questionnaire definitions.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "qdigest.h"

int
qdigest_param(const json_t *def, char out[QDIGEST_PARAM])
{
	unsigned char h[32];
	char *canon = json_dumps(def, JSON_COMPACT | JSON_SORT_KEYS);

	if (canon == NULL)
		return -1;
	crypto_generichash(
	    h, sizeof(h), (const unsigned char *)canon, strlen(canon), NULL, 0);
	free(canon);
	out[0] = '\\';
	out[1] = 'x';
	sodium_bin2hex(out + 2, QDIGEST_PARAM - 2, h, sizeof(h));
	return 0;
}
