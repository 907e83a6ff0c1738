/*
 * register.c: municipality registers to organisation rows (see register.h).
 * Pure: no I/O, no allocation; the fuzzer calls it directly.
 *
 * What the files hold was measured, not assumed (shared/data):
 *  - Destatis "Auszug GV 4. Quartal 2020" as CSV: 20 columns; numbers
 *    right-aligned with spaces as thousands separators (" 90 164",
 *    "1 847 253"), area with a decimal point (" 53.02"), coordinates with a
 *    decimal comma; satzart 60 rows always carry area, population (0 for the
 *    208 uninhabited gemeindefreie Gebiete) and verstaedterungschluessel
 *    01/02/03; satzart 10..50 rows carry no numbers.
 *  - Eurostat LAU 2019: 22 columns; empty cells are missing values; France
 *    and 7 North Macedonian rows lack population, Cyprus has DEGURBA 9,
 *    Turkey none; total_area_m2 is in m² except for DE, DK, FI and TR,
 *    whose values are km² (the country sums: DE 357,575, DK 42,936,
 *    FI 390,908, TR 780,048; all others sum to m² totals).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "register.h"
#include "valid.h"

/* Values quoted in reasons are cut to this many bytes: enough to recognise
 * a name or a number, short enough to keep a reason on one line. */
#define REGISTER_SHOW_MAX 40
/* A LAU code has at most 16 letters or digits (the longest, Polish, 13). */
#define REGISTER_LAU_CODE_MAX 16
/* Significant digits of a long long; a longer integer is out of range. */
#define REGISTER_DIGITS_MAX 19
/* Fraction digits beyond this do not change a double. */
#define REGISTER_FRACTION_DIGITS_MAX 17

struct register_coldef {
	enum register_format format;
	enum register_col col;
	const char *name;
	int required;
};

/* The single truth about columns: which format reads which header name. */
static const struct register_coldef register_cols[] = {
    {REGISTER_FORMAT_DESTATIS, REGISTER_COL_SATZART, "satzart", 1},
    {REGISTER_FORMAT_DESTATIS, REGISTER_COL_TEXTKENNZEICHEN, "textkennzeichen",
        1},
    {REGISTER_FORMAT_DESTATIS, REGISTER_COL_LAND, "land", 1},
    {REGISTER_FORMAT_DESTATIS, REGISTER_COL_RB, "rb", 1},
    {REGISTER_FORMAT_DESTATIS, REGISTER_COL_KREIS, "kreis", 1},
    {REGISTER_FORMAT_DESTATIS, REGISTER_COL_VB, "vb", 1},
    {REGISTER_FORMAT_DESTATIS, REGISTER_COL_GEMEINDE, "gemeinde", 1},
    {REGISTER_FORMAT_DESTATIS, REGISTER_COL_GEMEINDENAME, "gemeindename", 1},
    {REGISTER_FORMAT_DESTATIS, REGISTER_COL_FLAECHE, "flaeche", 1},
    {REGISTER_FORMAT_DESTATIS, REGISTER_COL_BEVOELKERUNG, "bevoelkerung", 1},
    {REGISTER_FORMAT_DESTATIS, REGISTER_COL_VERSTAEDTERUNG,
        "verstaedterungschluessel", 1},
    {REGISTER_FORMAT_LAU, REGISTER_COL_CODE_2016, "code_2016", 1},
    {REGISTER_FORMAT_LAU, REGISTER_COL_LAU_CODE, "lau_code", 1},
    {REGISTER_FORMAT_LAU, REGISTER_COL_LAU_NAME_NATIONAL, "lau_name_national",
        1},
    {REGISTER_FORMAT_LAU, REGISTER_COL_LAU_NAME_LATIN, "lau_name_latin", 0},
    {REGISTER_FORMAT_LAU, REGISTER_COL_POPULATION, "population", 1},
    {REGISTER_FORMAT_LAU, REGISTER_COL_TOTAL_AREA_M2, "total_area_m2", 1},
    {REGISTER_FORMAT_LAU, REGISTER_COL_DEGURBA, "degurba", 1},
    {REGISTER_FORMAT_LAU, REGISTER_COL_COUNTRY, "country", 1},
    {REGISTER_FORMAT_PLAIN, REGISTER_COL_KEY, "key", 1},
    {REGISTER_FORMAT_PLAIN, REGISTER_COL_NAME, "name", 1},
    {REGISTER_FORMAT_PLAIN, REGISTER_COL_KIND, "kind", 1},
    {REGISTER_FORMAT_PLAIN, REGISTER_COL_STATE, "state", 1},
    {REGISTER_FORMAT_PLAIN, REGISTER_COL_POPULATION, "population", 1},
    {REGISTER_FORMAT_PLAIN, REGISTER_COL_URBANISATION, "urbanisation", 0},
    {REGISTER_FORMAT_PLAIN, REGISTER_COL_MEMBER, "member", 0},
    {REGISTER_FORMAT_PLAIN, REGISTER_COL_AREA, "area", 0},
};

#define REGISTER_NCOLS (sizeof(register_cols) / sizeof(register_cols[0]))

/* The column whose presence names each format. */
static const char *const register_marker[REGISTER_FORMAT__MAX] = {
    [REGISTER_FORMAT_DESTATIS] = "satzart",
    [REGISTER_FORMAT_LAU] = "lau_code",
    [REGISTER_FORMAT_PLAIN] = "key",
};

static const char *const register_format_names[REGISTER_FORMAT__MAX] = {
    [REGISTER_FORMAT_UNKNOWN] = "unknown",
    [REGISTER_FORMAT_DESTATIS] = "destatis",
    [REGISTER_FORMAT_LAU] = "eurostat-lau",
    [REGISTER_FORMAT_PLAIN] = "csv",
};

static const char *const register_kinds[] = {
    "gemeinde",
    "stadt",
    "kreisfreie_stadt",
    "landkreis",
    "gemeindeverband",
    "gemeindefreies_gebiet",
};

/* The Länder by their AGS number. */
static const char *const register_laender[REGISTER_LAENDER + 1] = {
    NULL,
    "Schleswig-Holstein",
    "Hamburg",
    "Niedersachsen",
    "Bremen",
    "Nordrhein-Westfalen",
    "Hessen",
    "Rheinland-Pfalz",
    "Baden-Württemberg",
    "Bayern",
    "Saarland",
    "Berlin",
    "Brandenburg",
    "Mecklenburg-Vorpommern",
    "Sachsen",
    "Sachsen-Anhalt",
    "Thüringen",
};

/*
 * Destatis textkennzeichen to kinds. Satzart 40: 41 kreisfreie Stadt and
 * 42 Stadtkreis (the same city is imported from its satzart 60 row, so
 * these are skipped), 43 Kreis, 44 Landkreis, 45 Regionalverband
 * (Saarbrücken, a Landkreis in all but name). Satzart 60: 60 Markt,
 * 61 kreisfreie Stadt, 62 Stadtkreis, 63 Stadt, 64 kreisangehörige
 * Gemeinde, 65 gemeindefreies Gebiet bewohnt, 66 gemeindefreies Gebiet
 * unbewohnt, 67 Große Kreisstadt.
 */
struct register_tk {
	const char *satzart;
	const char *tk;
	const char *kind; /* NULL: skipped */
};

static const struct register_tk register_tks[] = {
    {"40", "41", NULL},
    {"40", "42", NULL},
    {"40", "43", "landkreis"},
    {"40", "44", "landkreis"},
    {"40", "45", "landkreis"},
    {"60", "60", "gemeinde"},
    {"60", "61", "kreisfreie_stadt"},
    {"60", "62", "kreisfreie_stadt"},
    {"60", "63", "stadt"},
    {"60", "64", "gemeinde"},
    {"60", "65", "gemeindefreies_gebiet"},
    {"60", "66", "gemeindefreies_gebiet"},
    {"60", "67", "stadt"},
};

/*
 * Countries whose total_area_m2 in the Eurostat LAU 2019 table is in km²
 * (see the top of this file); every other country's is in m².
 */
static const char *const register_lau_km2[] = {"DE", "DK", "FI", "TR"};

/* Fixed reasons of skipped rows; callers count rows by them. */
static const char REGISTER_SKIP_BLANK[] = "blank line";
static const char REGISTER_SKIP_LAND[] = "Land row: names the state";
static const char REGISTER_SKIP_RB[] =
    "Regierungsbezirk row: not an organisation";
static const char REGISTER_SKIP_REGION[] =
    "Region row: a planning region, not an organisation";
static const char REGISTER_SKIP_KFS[] =
    "Kreis row of a kreisfreie Stadt: imported from its Gemeinde row";
static const char REGISTER_SKIP_GV[] =
    "Gemeindeverband row: not imported (only Gemeinden and Kreise)";

/* Gemeindegrößenklassen: the lowest population of classes 1..8. */
static const long long register_class_floor[REGISTER_SIZE_CLASSES] = {
    0, 2000, 5000, 10000, 20000, 50000, 100000, 500000};

static const char *const register_class_de[REGISTER_SIZE_CLASSES + 1] = {
    "Einwohnerzahl unbekannt",
    "unter 2.000 Einwohner",
    "2.000 bis unter 5.000 Einwohner",
    "5.000 bis unter 10.000 Einwohner",
    "10.000 bis unter 20.000 Einwohner",
    "20.000 bis unter 50.000 Einwohner",
    "50.000 bis unter 100.000 Einwohner",
    "100.000 bis unter 500.000 Einwohner",
    "500.000 und mehr Einwohner",
};

static const char *const register_class_en[REGISTER_SIZE_CLASSES + 1] = {
    "population unknown",
    "under 2,000 inhabitants",
    "2,000 to under 5,000 inhabitants",
    "5,000 to under 10,000 inhabitants",
    "10,000 to under 20,000 inhabitants",
    "20,000 to under 50,000 inhabitants",
    "50,000 to under 100,000 inhabitants",
    "100,000 to under 500,000 inhabitants",
    "500,000 inhabitants and more",
};

static void register_say(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes a reason; a NULL or empty buffer is allowed. */
static void
register_say(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whysz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
}

static int
register_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
register_is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int
register_is_alnum(char c)
{
	return register_is_digit(c) || register_is_upper(c) ||
	       (c >= 'a' && c <= 'z');
}

static char
register_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* 1 if s is exactly n ASCII digits. */
static int
register_digits_n(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!register_is_digit(s[i]))
			return 0;
	return s[n] == '\0';
}

/*
 * Copies s for display in a reason: at most REGISTER_SHOW_MAX bytes, never
 * half a UTF-8 sequence, control bytes as '?', "..." when cut.
 */
static void
register_show(char *dst, size_t dstsz, const char *s)
{
	size_t i, n = 0, cut, seq;
	unsigned char c;

	cut = dstsz - 4 < REGISTER_SHOW_MAX ? dstsz - 4 : REGISTER_SHOW_MAX;
	for (i = 0; s[i] != '\0' && n < cut; i++) {
		c = (unsigned char)s[i];
		/* Stop before a lead byte whose sequence would not fit. */
		seq = 1;
		if (c >= 0xf0)
			seq = 4;
		else if (c >= 0xe0)
			seq = 3;
		else if (c >= 0xc0)
			seq = 2;
		if (n + seq > cut)
			break;
		dst[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (s[i] != '\0') {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

/* The field of column col in rec, or "" when the header lacks it. */
static const char *
register_field(const struct register_ctx *ctx, const struct csv_record *rec,
    enum register_col col)
{
	int i = ctx->col[col];

	if (i < 0 || (size_t)i >= rec->nfields)
		return "";
	return rec->field[i];
}

/*
 * Checks a name or a state: returns NULL when acceptable, else the
 * problem. Empty texts pass; callers that need one check that.
 */
static const char *
register_text_problem(const char *s, size_t maxcp, size_t maxbytes)
{
	size_t i, len, cp = 0;
	unsigned char c;

	len = strlen(s);
	if (len > maxbytes)
		return "is too long";
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if ((c & 0xc0) != 0x80)
			cp++;
		if (c < 0x20 || c == 0x7f)
			return "contains a control character";
		/* U+0080..U+009F, the C1 controls, are C2 80..C2 9F. */
		if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return "contains a control character";
	}
	if (cp > maxcp)
		return "is too long";
	if (len > 0 && (s[0] == ' ' || s[len - 1] == ' '))
		return "has leading or trailing blanks";
	return NULL;
}

/* Copies a checked name into row->name; refuses empty and bad names. */
static int
register_name_set(
    struct org_row *row, const char *name, char *why, size_t whysz)
{
	const char *p;
	char show[REGISTER_SHOW_MAX + 4];

	if (name[0] == '\0') {
		register_say(why, whysz, "the name is empty");
		return -1;
	}
	p = register_text_problem(name, RG_NAME_MAX, REGISTER_NAME_BYTES);
	if (p != NULL) {
		register_show(show, sizeof(show), name);
		register_say(why, whysz, "name \"%s\" %s", show, p);
		return -1;
	}
	snprintf(row->name, sizeof(row->name), "%s", name);
	return 0;
}

/* Copies a checked state (may be empty) into row->state. */
static int
register_state_set(struct org_row *row, const char *state, const char *what,
    char *why, size_t whysz)
{
	const char *p;
	char show[REGISTER_SHOW_MAX + 4];

	p = register_text_problem(
	    state, REGISTER_STATE_MAX, REGISTER_STATE_MAX);
	if (p != NULL) {
		register_show(show, sizeof(show), state);
		register_say(why, whysz, "%s \"%s\" %s", what, show, p);
		return -1;
	}
	snprintf(row->state, sizeof(row->state), "%s", state);
	return 0;
}

/*
 * Parses the digits of a number at *pp: ungrouped, or grouped in threes by
 * single spaces. Leaves *pp after the last digit. The grouping is checked
 * here; the value and its bound are left to valid_int64n, the program's
 * one integer parser, so after the syntax passed a failure there is range.
 */
static enum register_num
register_digits(const char **pp, long long max, long long *out)
{
	const char *p = *pp;
	char digits[REGISTER_DIGITS_MAX];
	size_t ndig = 0, nsig = 0, group = 0, groups = 0;
	int over = 0;

	for (;;) {
		if (register_is_digit(*p)) {
			/* Leading zeros carry no value. */
			if (nsig > 0 || *p != '0') {
				if (nsig < sizeof(digits))
					digits[nsig++] = *p;
				else
					over = 1;
			}
			ndig++;
			group++;
			p++;
		} else if (*p == ' ' && ndig > 0 && register_is_digit(p[1])) {
			/* A thousands separator: the first group has 1..3
			 * digits, every later one exactly 3. */
			if ((groups == 0 && group > 3) ||
			    (groups > 0 && group != 3))
				return REGISTER_NUM_SYNTAX;
			groups++;
			group = 0;
			p++;
		} else {
			break;
		}
	}
	if (ndig == 0 || (groups > 0 && group != 3))
		return REGISTER_NUM_SYNTAX;
	*pp = p;
	if (nsig == 0)
		digits[nsig++] = '0';
	if (over || valid_int64n(digits, nsig, 0, max, out) < 0)
		return REGISTER_NUM_RANGE;
	return REGISTER_NUM_OK;
}

/* Skips blanks; returns 1 if nothing else follows. */
static int
register_blank_rest(const char **pp)
{
	while (**pp == ' ')
		(*pp)++;
	return **pp == '\0';
}

enum register_num
register_integer_parse(const char *s, long long max, long long *out)
{
	const char *p = s;
	enum register_num st;
	long long v;

	*out = -1;
	if (register_blank_rest(&p))
		return REGISTER_NUM_EMPTY;
	st = register_digits(&p, max, &v);
	if (st == REGISTER_NUM_SYNTAX || !register_blank_rest(&p))
		return REGISTER_NUM_SYNTAX;
	if (st == REGISTER_NUM_OK)
		*out = v;
	return st;
}

enum register_num
register_decimal_parse(const char *s, double max, double *out)
{
	const char *p = s;
	enum register_num st;
	long long ip, num = 0, den = 1;
	long long imax;
	size_t nfrac = 0;
	double v;

	*out = -1.0;
	/* Integer parts beyond 1e15 lose digits in a double; no register
	 * value comes near. */
	imax = max < 1e15 ? (long long)max : 1000000000000000LL;
	if (register_blank_rest(&p))
		return REGISTER_NUM_EMPTY;
	st = register_digits(&p, imax, &ip);
	if (st == REGISTER_NUM_SYNTAX)
		return st;
	if ((*p == '.' || *p == ',') && register_is_digit(p[1])) {
		for (p++; register_is_digit(*p); p++, nfrac++) {
			if (nfrac < REGISTER_FRACTION_DIGITS_MAX) {
				num = num * 10 + (*p - '0');
				den *= 10;
			}
		}
	}
	if (!register_blank_rest(&p))
		return REGISTER_NUM_SYNTAX;
	if (st == REGISTER_NUM_RANGE)
		return st;
	/* One division of exact integers rounds correctly, as strtod does;
	 * beyond 2^53 the sum of the parts is as good as it gets. */
	if (ip <= (1LL << 53) / den)
		v = (double)(ip * den + num) / (double)den;
	else
		v = (double)ip + (double)num / (double)den;
	if (v > max)
		return REGISTER_NUM_RANGE;
	*out = v;
	return REGISTER_NUM_OK;
}

int
register_size_class(long long population)
{
	int c;

	if (population < 0)
		return 0;
	for (c = REGISTER_SIZE_CLASSES; c > 1; c--)
		if (population >= register_class_floor[c - 1])
			break;
	return c;
}

const char *
register_size_class_label(int size_class, const char *lang)
{
	if (size_class < 0 || size_class > REGISTER_SIZE_CLASSES)
		return NULL;
	if (lang != NULL && register_lower(lang[0]) == 'e' &&
	    register_lower(lang[1]) == 'n')
		return register_class_en[size_class];
	return register_class_de[size_class];
}

int
register_key_valid(const char *key)
{
	size_t i, n;

	n = strnlen(key, REGISTER_KEY_MAX + 1);
	if (n > REGISTER_KEY_MAX)
		return 0;
	if (n >= 4 && register_is_upper(key[0]) && register_is_upper(key[1]) &&
	    key[2] == '-') {
		for (i = 3; i < n; i++)
			if (!register_is_alnum(key[i]))
				return 0;
		return n - 3 <= REGISTER_LAU_CODE_MAX;
	}
	if (n < 2 || n > 12)
		return 0;
	for (i = 0; i < n; i++)
		if (!register_is_digit(key[i]))
			return 0;
	return 1;
}

int
register_kind_valid(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(register_kinds) / sizeof(register_kinds[0]); i++)
		if (strcmp(kind, register_kinds[i]) == 0)
			return 1;
	return 0;
}

int
register_urbanisation_parse(const char *s, int *out)
{
	static const char *const names[4][2] = {
	    {"", ""}, {"1", "dicht"}, {"2", "mittel"}, {"3", "gering"}};
	int i;

	for (i = 0; i < 4; i++) {
		if (strcmp(s, names[i][0]) == 0 ||
		    strcmp(s, names[i][1]) == 0) {
			*out = i;
			return 0;
		}
	}
	*out = 0;
	return -1;
}

const char *
register_land_name(int code)
{
	if (code < 1 || code > REGISTER_LAENDER)
		return NULL;
	return register_laender[code];
}

size_t
register_bom_skip(const char *buf, size_t len)
{
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		return 3;
	return 0;
}

const char *
register_format_name(enum register_format f)
{
	if ((unsigned)f >= REGISTER_FORMAT__MAX)
		return "unknown";
	return register_format_names[f];
}

/* Compares a header name with a column name: ASCII case-insensitive,
 * blanks around the header name ignored. */
static int
register_header_is(const char *h, const char *name)
{
	size_t n;

	while (*h == ' ')
		h++;
	n = strlen(name);
	for (size_t i = 0; i < n; i++)
		if (register_lower(h[i]) != name[i])
			return 0;
	h += n;
	while (*h == ' ')
		h++;
	return *h == '\0';
}

/* 1 if the first field starts like a GV100AD fixed-width line: satzart
 * and an 8-digit Gebietsstand ("1020201231..."). */
static int
register_looks_gv100ad(const struct csv_record *header)
{
	size_t i;

	if (header->nfields < 1 || header->len[0] < 10)
		return 0;
	for (i = 0; i < 10; i++)
		if (!register_is_digit(header->field[0][i]))
			return 0;
	return 1;
}

int
register_format_detect(struct register_ctx *ctx,
    const struct csv_record *header, char *why, size_t whysz)
{
	enum register_format f, fmt = REGISTER_FORMAT_UNKNOWN;
	size_t i, c;
	int known;
	char show[REGISTER_SHOW_MAX + 4];

	memset(ctx, 0, sizeof(*ctx));
	for (c = 0; c < REGISTER_COL__MAX; c++)
		ctx->col[c] = -1;

	if (register_looks_gv100ad(header)) {
		register_say(why, whysz,
		    "this looks like GV100AD fixed-width text, which is not "
		    "supported; use the CSV \"Auszug GV\" (satzart,"
		    "textkennzeichen,land,...)");
		return -1;
	}
	for (f = REGISTER_FORMAT_DESTATIS; f < REGISTER_FORMAT__MAX; f++) {
		for (i = 0; i < header->nfields && fmt == 0; i++)
			if (register_header_is(
			        header->field[i], register_marker[f]))
				fmt = f;
	}
	if (fmt == REGISTER_FORMAT_UNKNOWN) {
		register_say(why, whysz,
		    "unknown header: expected the Destatis Gemeindeverzeichnis "
		    "(satzart,...), the Eurostat LAU table (lau_code,...) or "
		    "the columns key,name,kind,state,population"
		    "[,urbanisation][,member][,area]");
		return -1;
	}

	for (i = 0; i < header->nfields; i++) {
		if (valid_utf8(header->field[i], header->len[i], NULL) != 0) {
			register_say(why, whysz,
			    "header column %zu is not valid UTF-8", i + 1);
			return -1;
		}
		known = 0;
		for (c = 0; c < REGISTER_NCOLS; c++) {
			if (register_cols[c].format != fmt ||
			    !register_header_is(
			        header->field[i], register_cols[c].name))
				continue;
			if (ctx->col[register_cols[c].col] >= 0) {
				register_say(why, whysz,
				    "column \"%s\" appears twice in the header",
				    register_cols[c].name);
				return -1;
			}
			ctx->col[register_cols[c].col] = (int)i;
			known = 1;
		}
		/* Registers have columns we do not read; our own plain
		 * format has none, so there an unknown name is a typo. */
		if (!known && fmt == REGISTER_FORMAT_PLAIN) {
			register_show(show, sizeof(show), header->field[i]);
			register_say(why, whysz,
			    "unknown column \"%s\" (column %zu); known: key, "
			    "name, kind, state, population, urbanisation, "
			    "member, area",
			    show, i + 1);
			return -1;
		}
	}
	for (c = 0; c < REGISTER_NCOLS; c++) {
		if (register_cols[c].format == fmt &&
		    register_cols[c].required &&
		    ctx->col[register_cols[c].col] < 0) {
			register_say(why, whysz,
			    "%s header without column \"%s\"",
			    register_format_name(fmt), register_cols[c].name);
			return -1;
		}
	}
	ctx->format = fmt;
	ctx->ncols = header->nfields;
	return 0;
}

/*
 * Parses a number column. A malformed number damages the file
 * (REGISTER_ERROR); one out of range is refused. Returns REGISTER_ROW when
 * the value (or "unknown") is in *out.
 */
static enum register_verdict
register_int_column(const char *s, const char *col, long long max,
    long long *out, char *why, size_t whysz)
{
	char show[REGISTER_SHOW_MAX + 4];

	switch (register_integer_parse(s, max, out)) {
	case REGISTER_NUM_OK:
	case REGISTER_NUM_EMPTY: return REGISTER_ROW;
	case REGISTER_NUM_RANGE:
		register_show(show, sizeof(show), s);
		register_say(
		    why, whysz, "%s \"%s\" is above %lld", col, show, max);
		return REGISTER_REFUSE;
	case REGISTER_NUM_SYNTAX:
	default:
		register_show(show, sizeof(show), s);
		register_say(
		    why, whysz, "%s \"%s\" is not a whole number", col, show);
		return REGISTER_ERROR;
	}
}

/* Like register_int_column, for a decimal column. */
static enum register_verdict
register_dec_column(const char *s, const char *col, double max, double *out,
    char *why, size_t whysz)
{
	char show[REGISTER_SHOW_MAX + 4];

	switch (register_decimal_parse(s, max, out)) {
	case REGISTER_NUM_OK:
	case REGISTER_NUM_EMPTY: return REGISTER_ROW;
	case REGISTER_NUM_RANGE:
		register_show(show, sizeof(show), s);
		register_say(
		    why, whysz, "%s \"%s\" is above %.0f", col, show, max);
		return REGISTER_REFUSE;
	case REGISTER_NUM_SYNTAX:
	default:
		register_show(show, sizeof(show), s);
		register_say(
		    why, whysz, "%s \"%s\" is not a number", col, show);
		return REGISTER_ERROR;
	}
}

/* The worse of two verdicts: ERROR over REFUSE over anything else. */
static enum register_verdict
register_worse(enum register_verdict a, enum register_verdict b)
{
	if (a == REGISTER_ERROR || b == REGISTER_ERROR)
		return REGISTER_ERROR;
	if (a == REGISTER_REFUSE || b == REGISTER_REFUSE)
		return REGISTER_REFUSE;
	return REGISTER_ROW;
}

/* Checks an AGS part: exactly n digits. */
static int
register_ags_part(
    const char *s, size_t n, const char *col, char *why, size_t whysz)
{
	char show[REGISTER_SHOW_MAX + 4];

	if (register_digits_n(s, n))
		return 0;
	register_show(show, sizeof(show), s);
	register_say(why, whysz, "%s \"%s\" is not %zu digit%s", col, show, n,
	    n == 1 ? "" : "s");
	return -1;
}

/* The Land number 1..16 that the first two digits of s name, or 0. */
static int
register_land_code(const char *s)
{
	int code;

	if (!register_is_digit(s[0]) || !register_is_digit(s[1]))
		return 0;
	code = (s[0] - '0') * 10 + (s[1] - '0');
	return code >= 1 && code <= REGISTER_LAENDER ? code : 0;
}

static enum register_verdict
register_parse_destatis(struct register_ctx *ctx, const struct csv_record *rec,
    struct org_row *row, char *why, size_t whysz)
{
	const char *satzart, *tk, *land, *rb, *kreis, *gem, *name, *st;
	const struct register_tk *t = NULL;
	enum register_verdict v, w;
	long long u;
	size_t i;
	int code;
	char show[REGISTER_SHOW_MAX + 4];

	satzart = register_field(ctx, rec, REGISTER_COL_SATZART);
	tk = register_field(ctx, rec, REGISTER_COL_TEXTKENNZEICHEN);
	land = register_field(ctx, rec, REGISTER_COL_LAND);
	rb = register_field(ctx, rec, REGISTER_COL_RB);
	kreis = register_field(ctx, rec, REGISTER_COL_KREIS);
	gem = register_field(ctx, rec, REGISTER_COL_GEMEINDE);
	name = register_field(ctx, rec, REGISTER_COL_GEMEINDENAME);

	/* Numbers first, in every row: a damaged number damages the file
	 * whatever kind of row holds it. */
	v = register_int_column(
	    register_field(ctx, rec, REGISTER_COL_BEVOELKERUNG), "bevoelkerung",
	    REGISTER_POPULATION_MAX, &row->population, why, whysz);
	if (v == REGISTER_ERROR)
		return v;
	w = register_dec_column(register_field(ctx, rec, REGISTER_COL_FLAECHE),
	    "flaeche", REGISTER_AREA_KM2_MAX, &row->area_km2,
	    v == REGISTER_ROW ? why : NULL, whysz);
	v = register_worse(v, w);
	if (v == REGISTER_ERROR)
		return v;
	st = register_field(ctx, rec, REGISTER_COL_VERSTAEDTERUNG);
	w = register_int_column(st, "verstaedterungschluessel", 99, &u,
	    v == REGISTER_ROW ? why : NULL, whysz);
	v = register_worse(v, w);
	if (v == REGISTER_ERROR)
		return v;

	code = register_digits_n(land, 2) ? register_land_code(land) : 0;
	if (strcmp(satzart, "10") == 0) {
		if (code == 0) {
			register_show(show, sizeof(show), land);
			register_say(why, whysz,
			    "Land row: land \"%s\" is not 01..16", show);
			return REGISTER_REFUSE;
		}
		if (name[0] == '\0' ||
		    register_text_problem(
		        name, REGISTER_STATE_MAX, REGISTER_STATE_MAX) != NULL) {
			register_show(show, sizeof(show), name);
			register_say(why, whysz,
			    "Land row: \"%s\" is not a state name", show);
			return REGISTER_REFUSE;
		}
		snprintf(ctx->land[code], sizeof(ctx->land[code]), "%s", name);
		register_say(why, whysz, "%s", REGISTER_SKIP_LAND);
		return REGISTER_SKIP;
	}
	if (strcmp(satzart, "20") == 0) {
		register_say(why, whysz, "%s", REGISTER_SKIP_RB);
		return REGISTER_SKIP;
	}
	if (strcmp(satzart, "30") == 0) {
		register_say(why, whysz, "%s", REGISTER_SKIP_REGION);
		return REGISTER_SKIP;
	}
	if (strcmp(satzart, "50") == 0) {
		register_say(why, whysz, "%s", REGISTER_SKIP_GV);
		return REGISTER_SKIP;
	}
	if (strcmp(satzart, "40") != 0 && strcmp(satzart, "60") != 0) {
		register_show(show, sizeof(show), satzart);
		register_say(why, whysz,
		    "satzart \"%s\" is not 10, 20, 30, 40, 50 or 60", show);
		return REGISTER_REFUSE;
	}
	for (i = 0; i < sizeof(register_tks) / sizeof(register_tks[0]); i++)
		if (strcmp(satzart, register_tks[i].satzart) == 0 &&
		    strcmp(tk, register_tks[i].tk) == 0)
			t = &register_tks[i];
	if (t == NULL) {
		register_show(show, sizeof(show), tk);
		register_say(why, whysz,
		    "textkennzeichen \"%s\" is unknown for satzart %s", show,
		    satzart);
		return REGISTER_REFUSE;
	}
	if (t->kind == NULL) {
		register_say(why, whysz, "%s", REGISTER_SKIP_KFS);
		return REGISTER_SKIP;
	}
	if (v == REGISTER_REFUSE)
		return v;

	if (code == 0) {
		register_show(show, sizeof(show), land);
		register_say(why, whysz, "land \"%s\" is not 01..16", show);
		return REGISTER_REFUSE;
	}
	if (register_ags_part(rb, 1, "rb", why, whysz) < 0 ||
	    register_ags_part(kreis, 2, "kreis", why, whysz) < 0)
		return REGISTER_REFUSE;
	if (t->satzart[0] == '6') {
		if (register_ags_part(gem, 3, "gemeinde", why, whysz) < 0)
			return REGISTER_REFUSE;
		snprintf(row->key, sizeof(row->key), "%s%s%s%s", land, rb,
		    kreis, gem);
		if (u > 3 || u == 0) {
			register_show(show, sizeof(show), st);
			register_say(why, whysz,
			    "verstaedterungschluessel \"%s\" is not 01, 02 or "
			    "03",
			    show);
			return REGISTER_REFUSE;
		}
		row->urbanisation = u < 0 ? 0 : (int)u;
	} else {
		snprintf(row->key, sizeof(row->key), "%s%s%s", land, rb, kreis);
		/* Degrees of urbanisation describe Gemeinden, not Kreise. */
		row->urbanisation = 0;
	}
	if (register_name_set(row, name, why, whysz) < 0)
		return REGISTER_REFUSE;
	snprintf(row->kind, sizeof(row->kind), "%s", t->kind);
	snprintf(row->state, sizeof(row->state), "%s",
	    ctx->land[code][0] != '\0' ? ctx->land[code]
	                               : register_land_name(code));
	memcpy(row->country, "DE", 3);
	return REGISTER_ROW;
}

static enum register_verdict
register_parse_lau(struct register_ctx *ctx, const struct csv_record *rec,
    struct org_row *row, char *why, size_t whysz)
{
	const char *country, *code, *name, *deg;
	enum register_verdict v, w;
	double amax = REGISTER_AREA_KM2_MAX * 1e6, area;
	long long d;
	size_t i, n;
	int km2 = 0;
	char show[REGISTER_SHOW_MAX + 4];

	country = register_field(ctx, rec, REGISTER_COL_COUNTRY);
	code = register_field(ctx, rec, REGISTER_COL_LAU_CODE);
	deg = register_field(ctx, rec, REGISTER_COL_DEGURBA);
	for (i = 0; i < sizeof(register_lau_km2) / sizeof(register_lau_km2[0]);
	     i++)
		if (strcmp(country, register_lau_km2[i]) == 0)
			km2 = 1;
	if (km2)
		amax = REGISTER_AREA_KM2_MAX;

	v = register_int_column(
	    register_field(ctx, rec, REGISTER_COL_POPULATION), "population",
	    REGISTER_POPULATION_MAX, &row->population, why, whysz);
	if (v == REGISTER_ERROR)
		return v;
	w = register_dec_column(
	    register_field(ctx, rec, REGISTER_COL_TOTAL_AREA_M2),
	    "total_area_m2", amax, &area, v == REGISTER_ROW ? why : NULL,
	    whysz);
	v = register_worse(v, w);
	if (v == REGISTER_ERROR)
		return v;
	w = register_int_column(
	    deg, "degurba", 99, &d, v == REGISTER_ROW ? why : NULL, whysz);
	v = register_worse(v, w);
	if (v != REGISTER_ROW)
		return v;

	if (!(register_is_upper(country[0]) && register_is_upper(country[1]) &&
	        country[2] == '\0')) {
		register_show(show, sizeof(show), country);
		register_say(why, whysz,
		    "country \"%s\" is not two capital letters", show);
		return REGISTER_REFUSE;
	}
	n = strlen(code);
	for (i = 0; i < n && register_is_alnum(code[i]); i++)
		;
	if (n == 0 || i < n || n > REGISTER_LAU_CODE_MAX) {
		register_show(show, sizeof(show), code);
		register_say(why, whysz,
		    "lau_code \"%s\" is not 1..16 letters or digits", show);
		return REGISTER_REFUSE;
	}
	/* DEGURBA 1 city, 2 town or suburb, 3 rural; 9 (Cyprus: not
	 * classified) and empty (Turkey) are unknown. */
	if (d == 9 || d < 0) {
		row->urbanisation = 0;
	} else if (d >= 1 && d <= 3) {
		row->urbanisation = (int)d;
	} else {
		register_show(show, sizeof(show), deg);
		register_say(
		    why, whysz, "degurba \"%s\" is not 1, 2, 3 or 9", show);
		return REGISTER_REFUSE;
	}
	if (area >= 0)
		row->area_km2 = km2 ? area : area / 1e6;

	if (strcmp(country, "DE") == 0) {
		/* German LAU codes are the AGS: the same organisations as
		 * Destatis rows, whose state stays (state "" = keep). */
		if (!register_digits_n(code, 8) ||
		    register_land_code(code) == 0) {
			register_show(show, sizeof(show), code);
			register_say(why, whysz,
			    "lau_code \"%s\" of DE is not an 8-digit AGS of "
			    "Land 01..16",
			    show);
			return REGISTER_REFUSE;
		}
		snprintf(row->key, sizeof(row->key), "%s", code);
	} else {
		snprintf(row->key, sizeof(row->key), "%s-%s", country, code);
		if (register_state_set(row,
		        register_field(ctx, rec, REGISTER_COL_CODE_2016),
		        "code_2016", why, whysz) < 0)
			return REGISTER_REFUSE;
	}
	name = register_field(ctx, rec, REGISTER_COL_LAU_NAME_NATIONAL);
	if (name[0] == '\0')
		name = register_field(ctx, rec, REGISTER_COL_LAU_NAME_LATIN);
	if (register_name_set(row, name, why, whysz) < 0)
		return REGISTER_REFUSE;
	memcpy(row->country, country, 3);
	snprintf(row->kind, sizeof(row->kind), "gemeinde");
	return REGISTER_ROW;
}

static enum register_verdict
register_parse_plain(struct register_ctx *ctx, const struct csv_record *rec,
    struct org_row *row, char *why, size_t whysz)
{
	static const char *const yes[] = {"true", "1", "yes", "ja"};
	static const char *const no[] = {"false", "0", "no", "nein"};
	const char *key, *kind, *urb, *member;
	enum register_verdict v, w;
	size_t i;
	char show[REGISTER_SHOW_MAX + 4];

	v = register_int_column(
	    register_field(ctx, rec, REGISTER_COL_POPULATION), "population",
	    REGISTER_POPULATION_MAX, &row->population, why, whysz);
	if (v == REGISTER_ERROR)
		return v;
	w = register_dec_column(register_field(ctx, rec, REGISTER_COL_AREA),
	    "area", REGISTER_AREA_KM2_MAX, &row->area_km2,
	    v == REGISTER_ROW ? why : NULL, whysz);
	v = register_worse(v, w);
	if (v != REGISTER_ROW)
		return v;

	key = register_field(ctx, rec, REGISTER_COL_KEY);
	if (!register_key_valid(key)) {
		register_show(show, sizeof(show), key);
		register_say(why, whysz,
		    "key \"%s\" is neither CC-code (\"BE-21001\") nor 2..12 "
		    "digits",
		    show);
		return REGISTER_REFUSE;
	}
	snprintf(row->key, sizeof(row->key), "%s", key);
	if (register_name_set(row, register_field(ctx, rec, REGISTER_COL_NAME),
	        why, whysz) < 0)
		return REGISTER_REFUSE;
	kind = register_field(ctx, rec, REGISTER_COL_KIND);
	if (!register_kind_valid(kind)) {
		register_show(show, sizeof(show), kind);
		register_say(why, whysz,
		    "kind \"%s\" is not gemeinde, stadt, kreisfreie_stadt, "
		    "landkreis, gemeindeverband or gemeindefreies_gebiet",
		    show);
		return REGISTER_REFUSE;
	}
	snprintf(row->kind, sizeof(row->kind), "%s", kind);
	if (register_state_set(row,
	        register_field(ctx, rec, REGISTER_COL_STATE), "state", why,
	        whysz) < 0)
		return REGISTER_REFUSE;
	urb = register_field(ctx, rec, REGISTER_COL_URBANISATION);
	if (register_urbanisation_parse(urb, &row->urbanisation) < 0) {
		register_show(show, sizeof(show), urb);
		register_say(why, whysz,
		    "urbanisation \"%s\" is not 1, 2, 3, dicht, mittel, gering "
		    "or empty",
		    show);
		return REGISTER_REFUSE;
	}
	member = register_field(ctx, rec, REGISTER_COL_MEMBER);
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(member, yes[i]) == 0)
			row->member = 1;
		if (strcmp(member, no[i]) == 0)
			row->member = 0;
	}
	if (row->member < 0 && member[0] != '\0') {
		register_show(show, sizeof(show), member);
		register_say(why, whysz,
		    "member \"%s\" is not true, false, 1, 0, yes, no, ja, nein "
		    "or empty",
		    show);
		return REGISTER_REFUSE;
	}
	if (key[2] == '-')
		memcpy(row->country, key, 2);
	else
		memcpy(row->country, "DE", 2);
	row->country[2] = '\0';
	return REGISTER_ROW;
}

enum register_verdict
register_row_parse(struct register_ctx *ctx, const struct csv_record *rec,
    struct org_row *row, char *why, size_t whysz)
{
	size_t i;

	register_say(why, whysz, "%s", "");
	if (rec->nfields == 1 && rec->len[0] == 0) {
		register_say(why, whysz, "%s", REGISTER_SKIP_BLANK);
		return REGISTER_SKIP;
	}
	if (rec->nfields != ctx->ncols) {
		register_say(why, whysz, "%zu fields where the header has %zu",
		    rec->nfields, ctx->ncols);
		return REGISTER_ERROR;
	}
	for (i = 0; i < rec->nfields; i++) {
		if (valid_utf8(rec->field[i], rec->len[i], NULL) != 0) {
			register_say(
			    why, whysz, "field %zu is not valid UTF-8", i + 1);
			return REGISTER_ERROR;
		}
	}
	memset(row, 0, sizeof(*row));
	row->population = -1;
	row->area_km2 = -1.0;
	row->member = -1;

	switch (ctx->format) {
	case REGISTER_FORMAT_DESTATIS:
		return register_parse_destatis(ctx, rec, row, why, whysz);
	case REGISTER_FORMAT_LAU:
		return register_parse_lau(ctx, rec, row, why, whysz);
	case REGISTER_FORMAT_PLAIN:
		return register_parse_plain(ctx, rec, row, why, whysz);
	default:
		register_say(why, whysz, "no header has been read");
		return REGISTER_ERROR;
	}
}
