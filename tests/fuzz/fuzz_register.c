/*
 * fuzz_register.c: libFuzzer harness for the register importer's pure part.
 * The input is a whole file: its first record is the header (format
 * detection), every further record goes through register_row_parse, as
 * admin_import.c does. Besides the sanitizers it checks what the importer
 * relies on: every record consumes input, and every row to import is sound
 * (valid key and kind, a name, values in range, valid UTF-8).
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -Icgi cgi/problems.c \
 *     cgi/valid.c cgi/csv.c cgi/register.c tests/fuzz/fuzz_register.c -lm \
 *     -o /tmp/fr
 * /tmp/fr -max_total_time=30 tests/fuzz/corpus/register
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "register.h"
#include "valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Fuzzed files longer than this add nothing but time. */
#define FUZZ_INPUT_MAX (256 * 1024)

static struct csv_record rec;

/* Aborts unless row is what the importer may send to the database. */
static void
fuzz_check_row(const struct org_row *row)
{
	if (!register_key_valid(row->key) || !register_kind_valid(row->kind))
		abort();
	if (row->name[0] == '\0' ||
	    valid_utf8(row->name, strlen(row->name), NULL) != 0 ||
	    valid_utf8(row->state, strlen(row->state), NULL) != 0)
		abort();
	if (row->population < -1 || row->population > REGISTER_POPULATION_MAX)
		abort();
	if (row->area_km2 > REGISTER_AREA_KM2_MAX ||
	    (row->area_km2 < 0 && row->area_km2 != -1.0))
		abort();
	if (row->urbanisation < 0 || row->urbanisation > 3 ||
	    row->member < -1 || row->member > 1)
		abort();
	if (strlen(row->country) != 2)
		abort();
	if (register_size_class_label(
	        register_size_class(row->population), "de") == NULL)
		abort();
}

/* The number parsers and small validators on the first bytes alone. */
static void
fuzz_scalars(const uint8_t *data, size_t size)
{
	char s[64];
	long long i;
	double d;
	int u;
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;

	memcpy(s, data, n);
	s[n] = '\0';
	if (register_integer_parse(s, REGISTER_POPULATION_MAX, &i) ==
	        REGISTER_NUM_OK &&
	    (i < 0 || i > REGISTER_POPULATION_MAX))
		abort();
	if (register_decimal_parse(s, REGISTER_AREA_KM2_MAX, &d) ==
	        REGISTER_NUM_OK &&
	    (d < 0 || d > REGISTER_AREA_KM2_MAX))
		abort();
	if (register_urbanisation_parse(s, &u) == 0 && (u < 0 || u > 3))
		abort();
	(void)register_key_valid(s);
	(void)register_kind_valid(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct register_ctx ctx;
	struct org_row row;
	struct csv_pos pos;
	char why[REGISTER_REASON_MAX];
	size_t off, used;
	enum csv_status st;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	fuzz_scalars(data, size);

	off = register_bom_skip(buf, size);
	if (csv_record_split(buf + off, size - off, &used, &rec, &pos) !=
	    CSV_OK)
		return 0;
	if (register_format_detect(&ctx, &rec, why, sizeof(why)) < 0)
		return 0;
	for (;;) {
		off += used;
		st = csv_record_split(buf + off, size - off, &used, &rec, &pos);
		if (st != CSV_OK)
			break;
		if (used == 0 || used > size - off)
			abort();
		switch (
		    register_row_parse(&ctx, &rec, &row, why, sizeof(why))) {
		case REGISTER_ROW: fuzz_check_row(&row); break;
		case REGISTER_ERROR:
			/* The importer stops here. */
			return 0;
		default:
			if (why[0] == '\0')
				abort();
			break;
		}
	}
	return 0;
}
