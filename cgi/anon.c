/*
 * anon.c: pseudonyms, k-anonymity decisions and the column model of
 * research exports (see anon.h for the rules).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "anon.h"
#include "labels.h"
#include "register.h"
#include "valid.h"

/* BLAKE2b output bytes hashed for a pseudonym (crypto_generichash_BYTES_MIN);
 * its first 60 bits are used. */
#define ANON_HASH_BYTES 16

int
anon_pseudonym(const unsigned char key[ANON_KEY_BYTES], long long org_id,
    char out[ANON_PSEUDONYM_SIZE])
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char h[ANON_HASH_BYTES];
	char msg[24];
	unsigned long long bits = 0;
	int n, i;

	n = snprintf(msg, sizeof(msg), "%lld", org_id);
	if (n < 0 || (size_t)n >= sizeof(msg) ||
	    crypto_generichash(h, sizeof(h), (const unsigned char *)msg,
	        (unsigned long long)n, key, ANON_KEY_BYTES) != 0)
		return -1;
	for (i = 0; i < 8; i++)
		bits = bits << 8 | h[i];
	bits >>= 64 - 5 * ANON_PSEUDONYM_CHARS;
	out[0] = 'p';
	for (i = 0; i < ANON_PSEUDONYM_CHARS; i++)
		out[1 + i] =
		    b32[(bits >> (5 * (ANON_PSEUDONYM_CHARS - 1 - i))) & 31];
	out[1 + ANON_PSEUDONYM_CHARS] = '\0';
	return 0;
}

/* ------------------------------------------------------------ attributes */

static const struct {
	const char *name, *de, *en;
} kinds[ANON_KINDS] = {
    {"gemeinde", "Gemeinde", "municipality"},
    {"stadt", "Stadt", "town"},
    {"kreisfreie_stadt", "kreisfreie Stadt", "district-free city"},
    {"landkreis", "Landkreis", "district"},
    {"gemeindeverband", "Gemeindeverband", "municipal association"},
    {"gemeindefreies_gebiet", "gemeindefreies Gebiet", "unincorporated area"},
};

static const struct {
	const char *de, *en;
} bands[ANON_SIZE_BANDS] = {
    {"unter 5.000 Einwohner", "under 5,000 inhabitants"},
    {"5.000 bis unter 20.000 Einwohner", "5,000 to under 20,000 inhabitants"},
    {"20.000 bis unter 100.000 Einwohner",
        "20,000 to under 100,000 inhabitants"},
    {"100.000 und mehr Einwohner", "100,000 inhabitants and more"},
};

int
anon_kind_code(const char *kind)
{
	int i;

	for (i = 0; kind != NULL && i < ANON_KINDS; i++)
		if (strcmp(kind, kinds[i].name) == 0)
			return i + 1;
	return 0;
}

const char *
anon_kind_name(int code)
{
	return code >= 1 && code <= ANON_KINDS ? kinds[code - 1].name : NULL;
}

int
anon_size_band(int size_class)
{
	if (size_class < 1 || size_class > REGISTER_SIZE_CLASSES)
		return 0;
	return (size_class + 1) / 2;
}

/* Copies at most outsz - 1 bytes of s into out without cutting a UTF-8
 * sequence in two. */
static void
copy_utf8(char *out, size_t outsz, const char *s)
{
	size_t n = strlen(s);

	if (n >= outsz) {
		n = outsz - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

void
anon_attr_set(struct anon_attr *a, const char *size_class, const char *kind,
    const char *urbanisation, const char *state)
{
	long long v;

	memset(a, 0, sizeof(*a));
	if (size_class != NULL &&
	    valid_int64(size_class, 1, REGISTER_SIZE_CLASSES, &v) == 0)
		a->size_class = (int)v;
	a->size_band = anon_size_band(a->size_class);
	a->kind = anon_kind_code(kind);
	if (urbanisation != NULL && valid_int64(urbanisation, 1, 3, &v) == 0)
		a->urbanisation = (int)v;
	copy_utf8(a->state, sizeof(a->state), state ? state : "");
}

void
anon_generalise(
    const struct anon_attr *in, enum anon_level level, struct anon_attr *out)
{
	if (out != in)
		*out = *in;
	if (level >= ANON_LEVEL_NO_STATE)
		out->state[0] = '\0';
	if (level >= ANON_LEVEL_BANDS)
		out->size_class = 0;
}

static int
attr_cmp(const struct anon_attr *a, const struct anon_attr *b)
{
	if (a->size_class != b->size_class)
		return a->size_class < b->size_class ? -1 : 1;
	if (a->size_band != b->size_band)
		return a->size_band < b->size_band ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->urbanisation != b->urbanisation)
		return a->urbanisation < b->urbanisation ? -1 : 1;
	return strcmp(a->state, b->state);
}

static int
combo_cmp(const void *a, const void *b)
{
	return attr_cmp(&((const struct anon_combo *)a)->attr,
	    &((const struct anon_combo *)b)->attr);
}

/* A combination generalised to a level, pointing back to its original. */
struct gen {
	struct anon_attr attr;
	long long count;
	size_t combo;
};

static int
gen_cmp(const void *a, const void *b)
{
	return attr_cmp(
	    &((const struct gen *)a)->attr, &((const struct gen *)b)->attr);
}

/*
 * Groups the plan's combinations at level (g: scratch for ncombos
 * entries). Returns the rows in groups smaller than k; with set_keep,
 * sets each combination's keep flag for this level.
 */
static long long
level_suppressed(
    struct anon_plan *p, struct gen *g, enum anon_level level, int set_keep)
{
	long long suppressed = 0, sum;
	size_t i, j, start;

	for (i = 0; i < p->ncombos; i++) {
		anon_generalise(&p->combo[i].attr, level, &g[i].attr);
		g[i].count = p->combo[i].count;
		g[i].combo = i;
	}
	qsort(g, p->ncombos, sizeof(*g), gen_cmp);
	for (start = 0; start < p->ncombos; start = i) {
		sum = 0;
		for (i = start; i < p->ncombos &&
		                attr_cmp(&g[i].attr, &g[start].attr) == 0;
		     i++)
			sum += g[i].count;
		if (sum < p->k)
			suppressed += sum;
		for (j = start; set_keep && j < i; j++)
			p->combo[g[j].combo].keep = sum >= p->k;
	}
	return suppressed;
}

int
anon_plan_decide(
    struct anon_plan *p, struct anon_combo *combo, size_t n, long long k)
{
	struct gen *g = NULL;
	long long limit;
	size_t i, m;
	int level;

	memset(p, 0, sizeof(*p));
	p->combo = combo;
	p->k = k < 1 ? 1 : k;
	if (n > 0) {
		qsort(combo, n, sizeof(*combo), combo_cmp);
		for (i = 1, m = 0; i < n; i++) {
			if (combo_cmp(&combo[m], &combo[i]) == 0)
				combo[m].count += combo[i].count;
			else
				combo[++m] = combo[i];
		}
		n = m + 1;
	}
	p->ncombos = n;
	for (i = 0; i < n; i++)
		p->total += combo[i].count;
	if ((g = malloc((n ? n : 1) * sizeof(*g))) == NULL) {
		anon_plan_free(p);
		return -1;
	}
	for (level = 0; level < ANON_LEVELS; level++)
		p->suppressed_at[level] =
		    level_suppressed(p, g, (enum anon_level)level, 0);
	limit = p->total * ANON_SUPPRESS_MAX_PERCENT / 100;
	for (level = 0; level < ANON_LEVELS - 1; level++)
		if (p->suppressed_at[level] <= limit)
			break;
	p->level = (enum anon_level)level;
	p->suppressed = level_suppressed(p, g, p->level, 1);
	p->rows = p->total - p->suppressed;
	for (i = 0; i < n; i++)
		if (combo[i].keep && p->level == ANON_LEVEL_FULL &&
		    strlen(combo[i].attr.state) > p->state_bytes)
			p->state_bytes = strlen(combo[i].attr.state);
	free(g);
	return 0;
}

int
anon_plan_keeps(const struct anon_plan *p, const struct anon_attr *a)
{
	struct anon_combo key, *hit;

	if (p->ncombos == 0)
		return 0;
	key.attr = *a;
	hit = bsearch(&key, p->combo, p->ncombos, sizeof(*p->combo), combo_cmp);
	return hit != NULL && hit->keep;
}

void
anon_plan_free(struct anon_plan *p)
{
	free(p->combo);
	memset(p, 0, sizeof(*p));
}

/* ---------------------------------------------------------------- columns */

/* Words SPSS (ALL ... WITH) or Stata (byte ... using) reserve; compared
 * without regard to case. Stata's other reserved names start with "_",
 * which no name made here does, or are str1 ... str2045 (below). */
static const char *const reserved[] = {"all", "and", "by", "eq", "ge", "gt",
    "le", "lt", "ne", "not", "or", "to", "with", "byte", "double", "float",
    "if", "in", "int", "long", "strl", "using"};

static int
is_reserved(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(*reserved); i++)
		if (strcasecmp(name, reserved[i]) == 0)
			return 1;
	if (strncasecmp(name, "str", 3) == 0 && name[3] != '\0' &&
	    strspn(name + 3, "0123456789") == strlen(name + 3))
		return 1;
	return 0;
}

static int
is_letter(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Room for a name part before column_add cuts it to ANON_NAME_MAX. */
#define NAME_BASE_SIZE (ANON_NAME_MAX + 8)

/* The name part an id gives: letters, digits and "_", starting with a
 * letter, not a reserved word. out has NAME_BASE_SIZE bytes. */
static void
name_base(const char *id, char *out)
{
	char tmp[ANON_NAME_MAX + 1];
	size_t i, n = 0;

	for (i = 0; id[i] != '\0' && n < ANON_NAME_MAX; i++)
		tmp[n++] = is_letter(id[i]) || (id[i] >= '0' && id[i] <= '9')
		               ? id[i]
		               : '_';
	tmp[n] = '\0';
	if (n == 0 || !is_letter(tmp[0]))
		snprintf(out, NAME_BASE_SIZE, "q%s", tmp);
	else if (is_reserved(tmp))
		snprintf(out, NAME_BASE_SIZE, "q_%s", tmp);
	else
		snprintf(out, NAME_BASE_SIZE, "%s", tmp);
}

static int
name_taken(const struct anon_columns *cols, const char *name)
{
	size_t i;

	for (i = 0; i < cols->n; i++)
		if (strcasecmp(cols->col[i].name, name) == 0)
			return 1;
	return 0;
}

/* Adds a column named base + suffix (made unique) to cols. */
static void
column_add(struct anon_columns *cols, enum anon_col_kind kind, size_t index,
    const char *source, const char *base, const char *suffix)
{
	struct anon_column *c = &cols->col[cols->n];
	char num[16] = "";
	size_t room;
	int k;

	for (k = 1;; k++) {
		if (k > 1)
			snprintf(num, sizeof(num), "_%d", k);
		room = ANON_NAME_MAX - strlen(suffix) - strlen(num);
		snprintf(c->name, sizeof(c->name), "%.*s%s%s", (int)room, base,
		    num, suffix);
		if (!name_taken(cols, c->name))
			break;
	}
	c->kind = kind;
	c->index = index;
	snprintf(c->source, sizeof(c->source), "%s", source ? source : "");
	cols->n++;
}

void
anon_columns_build(const struct qdef *q, struct anon_columns *out)
{
	static const struct {
		const char *name;
		enum anon_col_kind kind;
	} fixed[ANON_FIXED_COLUMNS] = {
	    {"pseudonym", ANON_COL_PSEUDONYM},
	    {"wave", ANON_COL_WAVE},
	    {"size_class", ANON_COL_SIZE_CLASS},
	    {"size_band", ANON_COL_SIZE_BAND},
	    {"kind", ANON_COL_KIND},
	    {"urbanisation", ANON_COL_URBANISATION},
	    {"state", ANON_COL_STATE},
	};
	char base[NAME_BASE_SIZE + 8];
	size_t d, i, n, pass;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < ANON_FIXED_COLUMNS; i++)
		column_add(out, fixed[i].kind, 0, NULL, fixed[i].name, "");
	for (pass = 0; pass < 2; pass++)
		for (d = 0, n = 0; d < q->ndims; d++)
			for (i = 0; i < q->dim[d].nitems; i++, n++) {
				name_base(q->dim[d].item[i].id, base);
				column_add(out,
				    pass == 0 ? ANON_COL_LEVEL
				              : ANON_COL_TARGET,
				    n, q->dim[d].item[i].id, base,
				    pass == 0 ? "" : "_target");
			}
	out->nitems = n;
	for (d = 0; d < q->ndims; d++) {
		char id[NAME_BASE_SIZE];

		name_base(q->dim[d].id, id);
		/* "score_" makes every name start with a letter already. */
		snprintf(base, sizeof(base), "score_%s",
		    id[0] == 'q' && !is_letter(q->dim[d].id[0]) ? id + 1 : id);
		column_add(out, ANON_COL_SCORE, d, q->dim[d].id, base, "");
	}
	out->ndims = q->ndims;
	column_add(out, ANON_COL_OVERALL, 0, NULL, "score_overall", "");
}

enum anon_type
anon_column_type(enum anon_col_kind kind)
{
	switch (kind) {
	case ANON_COL_PSEUDONYM:
	case ANON_COL_STATE: return ANON_TYPE_STRING;
	case ANON_COL_SCORE:
	case ANON_COL_OVERALL: return ANON_TYPE_NUMBER;
	default: return ANON_TYPE_INTEGER;
	}
}

/* Label texts of the na code, shared by the codebook and value labels. */
static const char na_de[] = "nicht zutreffend / weiß nicht";
static const char na_en[] = "not applicable / don't know";

/* The string lang of an i18n object {"de": .., "en": ..}, or "". */
static const char *
i18n(const json_t *o, const char *lang)
{
	const char *s = json_string_value(json_object_get(o, lang));

	return s ? s : "";
}

size_t
anon_column_values(const struct anon_column *c, const json_t *qjson,
    struct anon_value out[ANON_VALUES_MAX])
{
	static const char *const urb[] = {"1", "2", "3"};
	const json_t *levels, *lv;
	size_t n = 0, i;
	int v;

	switch (c->kind) {
	case ANON_COL_SIZE_CLASS:
		for (v = 1; v <= REGISTER_SIZE_CLASSES; v++)
			out[n++] = (struct anon_value){v,
			    register_size_class_label(v, "de"),
			    register_size_class_label(v, "en")};
		return n;
	case ANON_COL_SIZE_BAND:
		for (v = 1; v <= ANON_SIZE_BANDS; v++)
			out[n++] = (struct anon_value){
			    v, bands[v - 1].de, bands[v - 1].en};
		return n;
	case ANON_COL_KIND:
		for (v = 1; v <= ANON_KINDS; v++)
			out[n++] = (struct anon_value){
			    v, kinds[v - 1].de, kinds[v - 1].en};
		return n;
	case ANON_COL_URBANISATION:
		for (v = 1; v <= 3; v++)
			out[n++] = (struct anon_value){v,
			    labels_peer("urbanisation", urb[v - 1], "de"),
			    labels_peer("urbanisation", urb[v - 1], "en")};
		return n;
	case ANON_COL_LEVEL:
		out[n++] = (struct anon_value){ANON_NA_CODE, na_de, na_en};
		/* fall through */
	case ANON_COL_TARGET:
		levels = json_object_get(qjson, "levels");
		for (i = 0; i < json_array_size(levels) && n < ANON_VALUES_MAX;
		     i++) {
			lv = json_array_get(levels, i);
			if (!json_is_integer(json_object_get(lv, "value")))
				continue;
			out[n++] = (struct anon_value){
			    (int)json_integer_value(
			        json_object_get(lv, "value")),
			    i18n(json_object_get(lv, "label"), "de"),
			    i18n(json_object_get(lv, "label"), "en")};
		}
		return n;
	default: return 0;
	}
}

/* The item number index (questionnaire order over all dimensions) of the
 * stored definition, or NULL. */
static const json_t *
item_json(const json_t *qjson, size_t index)
{
	const json_t *dims = json_object_get(qjson, "dimensions");
	size_t d, n;

	for (d = 0; d < json_array_size(dims); d++) {
		const json_t *items =
		    json_object_get(json_array_get(dims, d), "items");

		n = json_array_size(items);
		if (index < n)
			return json_array_get(items, index);
		index -= n;
	}
	return NULL;
}

/* Copies s into out (outsz bytes), at most max_chars code points (0: no
 * limit), "…" marking a cut. */
static void
cut_chars(char *out, size_t outsz, const char *s, size_t max_chars)
{
	static const char ellipsis[] = "\xE2\x80\xA6";
	size_t i = 0, chars = 0, end;

	while (s[i] != '\0' && (max_chars == 0 || chars < max_chars)) {
		end = i + 1;
		while (((unsigned char)s[end] & 0xC0) == 0x80)
			end++;
		if (end >= outsz)
			break;
		i = end;
		chars++;
	}
	if (s[i] != '\0' && max_chars > 0 && chars == max_chars) {
		/* Give the last character's place to the ellipsis. */
		while (i > 0 && ((unsigned char)s[--i] & 0xC0) == 0x80)
			;
		if (i + sizeof(ellipsis) > outsz)
			i = 0;
		memcpy(out, s, i);
		memcpy(out + i, ellipsis, sizeof(ellipsis));
		return;
	}
	memcpy(out, s, i);
	out[i] = '\0';
}

const char *
anon_column_label(const struct anon_column *c, const json_t *qjson,
    const char *lang, size_t max_chars, char *out, size_t outsz)
{
	static const struct {
		const char *de, *en;
	} fixed[] = {
	    [ANON_COL_PSEUDONYM] = {"Pseudonym der Organisation",
	        "Pseudonym of the organisation"},
	    [ANON_COL_WAVE] = {"Welle", "Wave"},
	    [ANON_COL_SIZE_CLASS] = {"Gemeindegrößenklasse", "Size class"},
	    [ANON_COL_SIZE_BAND] = {"Größenband (zusammengefasste "
	                            "Größenklassen)",
	        "Size band (merged size classes)"},
	    [ANON_COL_KIND] = {"Art der Organisation", "Kind of organisation"},
	    [ANON_COL_URBANISATION] = {"Besiedlungsdichte", "Urbanisation"},
	    [ANON_COL_STATE] = {"Land / Region", "State / region"},
	    [ANON_COL_OVERALL] = {"Gesamtscore (0-100)",
	        "Overall score (0-100)"},
	};
	int en = lang != NULL && strncmp(lang, "en", 2) == 0;
	char tmp[RG_QTEXT_MAX * 4 + 128];
	const json_t *o;

	switch (c->kind) {
	case ANON_COL_LEVEL:
	case ANON_COL_TARGET:
		o = json_object_get(item_json(qjson, c->index), "text");
		snprintf(tmp, sizeof(tmp), "%s%s %s", c->source,
		    c->kind == ANON_COL_LEVEL ? ""
		    : en                      ? " target:"
		                              : " Ziel:",
		    i18n(o, en ? "en" : "de"));
		break;
	case ANON_COL_SCORE:
		o = json_object_get(
		    json_array_get(
		        json_object_get(qjson, "dimensions"), c->index),
		    "title");
		snprintf(tmp, sizeof(tmp), "Score %s %s (0-100)", c->source,
		    i18n(o, en ? "en" : "de"));
		break;
	default:
		snprintf(tmp, sizeof(tmp), "%s",
		    en ? fixed[c->kind].en : fixed[c->kind].de);
	}
	cut_chars(out, outsz, tmp, max_chars);
	return out;
}

/* --------------------------------------------------------------- codebook */

/* How column c is derived, in English. */
static const char *
derivation(
    const struct anon_column *c, enum anon_level level, char *out, size_t outsz)
{
	switch (c->kind) {
	case ANON_COL_PSEUDONYM:
		return "Keyed BLAKE2b of the organisation's internal id (see "
		       "anonymisation.pseudonym): stable across waves for one "
		       "export key, unlinkable without it. Never the name or "
		       "official key.";
	case ANON_COL_WAVE: return "The id of the survey wave.";
	case ANON_COL_SIZE_CLASS:
		return level >= ANON_LEVEL_BANDS
		           ? "Destatis Gemeindegrößenklasse of the "
		             "organisation's "
		             "population. EMPTY IN THIS EXPORT: merged into "
		             "size_band "
		             "by generalisation (k-anonymity)."
		           : "Destatis Gemeindegrößenklasse of the "
		             "organisation's "
		             "population (the population itself is never "
		             "exported); "
		             "empty when the population is unknown.";
	case ANON_COL_SIZE_BAND:
		return "size_class merged with its neighbour: classes 1-2 are "
		       "band 1, 3-4 band 2, 5-6 band 3, 7-8 band 4; empty when "
		       "the population is unknown.";
	case ANON_COL_KIND: return "The kind of organisation, coded 1..6.";
	case ANON_COL_URBANISATION:
		return "Urbanisation type (BBSR Stadt- und Gemeindetyp; "
		       "DEGURBA "
		       "for EU members): 1 dense, 2 intermediate, 3 thin; "
		       "empty "
		       "when unknown.";
	case ANON_COL_STATE:
		return level >= ANON_LEVEL_NO_STATE
		           ? "The organisation's state or region. EMPTY IN "
		             "THIS "
		             "EXPORT: dropped by generalisation (k-anonymity)."
		           : "The organisation's state or region as recorded; "
		             "empty "
		             "when unknown.";
	case ANON_COL_LEVEL:
		snprintf(out, outsz,
		    "answers[\"%s\"]: the maturity level 0..4; -1 where the "
		    "item was marked not applicable / don't know (na = true, "
		    "which wins over a level given alongside); empty where "
		    "the item was not answered.",
		    c->source);
		return out;
	case ANON_COL_TARGET:
		snprintf(out, outsz,
		    "answers[\"%s\"].target: the level 0..4 the organisation "
		    "aims for in two to three years; empty where not given.",
		    c->source);
		return out;
	case ANON_COL_SCORE:
		snprintf(out, outsz,
		    "Score of dimension %s as stored at submission, full "
		    "precision: 100 x mean(levels) / 4 over its items with a "
		    "level (na excluded); empty when fewer than half of its "
		    "items are answered (API.md, Definitions).",
		    c->source);
		return out;
	case ANON_COL_OVERALL:
		return "Overall score as stored at submission, full precision: "
		       "the weight-averaged mean of the non-empty dimension "
		       "scores; empty when every dimension score is empty.";
	default: return "";
	}
}

static const char *const type_names[] = {"string", "integer", "number"};

/* The generalisations applied at level, as a JSON array of texts. */
static json_t *
generalisations(enum anon_level level)
{
	json_t *a = json_array();

	if (level >= ANON_LEVEL_NO_STATE)
		json_array_append_new(
		    a, json_string("state dropped (column state is empty)"));
	if (level >= ANON_LEVEL_BANDS)
		json_array_append_new(a,
		    json_string("neighbouring size classes merged into bands "
		                "1-2, 3-4, 5-6, 7-8 (column size_class is "
		                "empty, size_band holds the band)"));
	return a;
}

/* The value labels of column c as [{"value", "label": {"de", "en"}}],
 * or NULL when it has none. */
static json_t *
values_json(const struct anon_column *c, const json_t *qjson)
{
	struct anon_value v[ANON_VALUES_MAX];
	size_t i, n = anon_column_values(c, qjson, v);
	json_t *a;

	if (n == 0)
		return NULL;
	a = json_array();
	for (i = 0; i < n; i++) {
		json_t *o = json_pack("{s:i, s:{s:s, s:s}}", "value",
		    v[i].value, "label", "de", v[i].de ? v[i].de : "", "en",
		    v[i].en ? v[i].en : "");

		if (c->kind == ANON_COL_KIND)
			json_object_set_new(
			    o, "code", json_string(anon_kind_name(v[i].value)));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
anon_codebook(const struct anon_columns *cols, const json_t *qjson,
    const struct anon_plan *plan, const struct anon_info *info)
{
	char de[RG_QTEXT_MAX * 4 + 128], en[sizeof(de)], how[512];
	json_t *out, *columns = json_array(), *v;
	size_t i;

	for (i = 0; i < cols->n; i++) {
		const struct anon_column *c = &cols->col[i];
		json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s}}", "name",
		    c->name, "type", type_names[anon_column_type(c->kind)],
		    "label", "de",
		    anon_column_label(c, qjson, "de", 0, de, sizeof(de)), "en",
		    anon_column_label(c, qjson, "en", 0, en, sizeof(en)));

		if (o == NULL)
			continue;
		if (c->source[0] != '\0')
			json_object_set_new(
			    o, "source", json_string(c->source));
		if ((v = values_json(c, qjson)) != NULL)
			json_object_set_new(o, "values", v);
		json_object_set_new(o, "missing",
		    json_string(
		        c->kind == ANON_COL_PSEUDONYM ||
		                c->kind == ANON_COL_WAVE ||
		                c->kind == ANON_COL_KIND
		            ? "never missing"
		        : c->kind == ANON_COL_LEVEL
		            ? "empty field (CSV), null (JSON lines), "
		              "system-missing (SPSS, Stata) where unanswered; "
		              "-1 "
		              "(not applicable / don't know) is a value of its "
		              "own, declared user-missing in the SPSS file"
		            : "empty field (CSV), null (JSON lines), "
		              "system-missing (SPSS, Stata)"));
		json_object_set_new(o, "derivation",
		    json_string(derivation(c, plan->level, how, sizeof(how))));
		json_object_set_new(o, "generalised",
		    json_boolean((c->kind == ANON_COL_STATE &&
		                     plan->level >= ANON_LEVEL_NO_STATE) ||
		                 (c->kind == ANON_COL_SIZE_CLASS &&
		                     plan->level >= ANON_LEVEL_BANDS)));
		json_array_append_new(columns, o);
	}
	out = json_pack("{s:{s:s, s:s}, s:{s:I, s:s, s:s}, s:{s:I, s:s, s:I}, "
	                "s:s, s:I, s:[s, s, s, s], s:o}",
	    "title", "de", "reifegrad: anonymisierter Forschungsexport", "en",
	    "reifegrad: anonymised research export", "wave", "id",
	    (json_int_t)info->wave_id, "title",
	    info->wave_title ? info->wave_title : "", "state",
	    info->wave_state ? info->wave_state : "", "questionnaire", "id",
	    (json_int_t)info->questionnaire_id, "slug",
	    json_string_value(json_object_get(qjson, "slug"))
	        ? json_string_value(json_object_get(qjson, "slug"))
	        : "",
	    "version",
	    (json_int_t)json_integer_value(json_object_get(qjson, "version")),
	    "unit", "one row per submitted response of the wave", "rows",
	    (json_int_t)plan->rows, "files", "export.csv", "export.json",
	    "export.sav", "export.dta", "columns", columns);
	if (out == NULL)
		return NULL;
	json_object_set_new(out, "anonymisation",
	    json_pack("{s:I, s:I, s:I, s:I, s:i, s:o, s:[I, I, I], s:s, "
	              "s:[s, s, s, s, s, s, s], s:{s:s, s:I}}",
	        "k", (json_int_t)plan->k, "submitted", (json_int_t)plan->total,
	        "rows", (json_int_t)plan->rows, "suppressed_rows",
	        (json_int_t)plan->suppressed, "generalisation_level",
	        (int)plan->level, "generalisations",
	        generalisations(plan->level), "suppressed_rows_by_level",
	        (json_int_t)plan->suppressed_at[0],
	        (json_int_t)plan->suppressed_at[1],
	        (json_int_t)plan->suppressed_at[2], "rule",
	        "k-anonymity on the attribute columns (size class, kind, "
	        "urbanisation, state). Level 0 keeps them as they are, level 1 "
	        "drops the state, level 2 also merges neighbouring size "
	        "classes into bands. The export uses the least level at which "
	        "the rows whose combination of attributes occurs fewer than k "
	        "times in the wave are at most 5 % of the submitted responses "
	        "(rounded down), or level 2 when none gets there; those rows "
	        "are then suppressed. An unknown value counts as a value of "
	        "its own.",
	        "never_exported", "names", "official keys (AGS, LAU codes)",
	        "population and area figures", "comments",
	        "user accounts and who answered",
	        "timestamps finer than the wave", "internal organisation ids",
	        "pseudonym", "method",
	        "\"p\" + 12 characters of RFC 4648 base32 (lower case) of the "
	        "first 60 bits of BLAKE2b-128 keyed with the export key, of "
	        "the organisation's internal id in decimal digits",
	        "key_id", (json_int_t)info->key_id));
	return out;
}

/* The Table Schema constraints of column c. */
static json_t *
constraints(const struct anon_column *c, const json_t *qjson,
    const struct anon_info *info)
{
	struct anon_value v[ANON_VALUES_MAX];
	size_t i, n;
	json_t *e;

	switch (c->kind) {
	case ANON_COL_PSEUDONYM:
		return json_pack("{s:b, s:b, s:s}", "required", 1, "unique", 1,
		    "pattern", "p[a-z2-7]{12}");
	case ANON_COL_WAVE:
		return json_pack("{s:b, s:[I]}", "required", 1, "enum",
		    (json_int_t)info->wave_id);
	case ANON_COL_KIND:
	case ANON_COL_SIZE_CLASS:
	case ANON_COL_SIZE_BAND:
	case ANON_COL_URBANISATION:
	case ANON_COL_LEVEL:
	case ANON_COL_TARGET:
		n = anon_column_values(c, qjson, v);
		e = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(e, json_integer(v[i].value));
		return json_pack("{s:b, s:o}", "required",
		    c->kind == ANON_COL_KIND, "enum", e);
	case ANON_COL_SCORE:
	case ANON_COL_OVERALL:
		return json_pack("{s:i, s:i}", "minimum", 0, "maximum", 100);
	default: return NULL;
	}
}

json_t *
anon_datapackage(const struct anon_columns *cols, const json_t *qjson,
    const struct anon_plan *plan, const struct anon_info *info)
{
	char de[RG_QTEXT_MAX * 4 + 128], en[sizeof(de)], how[512], name[64],
	    title[300];
	struct anon_value v[ANON_VALUES_MAX];
	json_t *fields = json_array(), *cons;
	size_t i, j, n;

	for (i = 0; i < cols->n; i++) {
		const struct anon_column *c = &cols->col[i];
		char desc[sizeof(en) + sizeof(how) + 1024];
		size_t len;
		json_t *f;

		anon_column_label(c, qjson, "en", 0, en, sizeof(en));
		len = (size_t)snprintf(desc, sizeof(desc), "%s. %s", en,
		    derivation(c, plan->level, how, sizeof(how)));
		n = anon_column_values(c, qjson, v);
		for (j = 0; j < n && len < sizeof(desc); j++)
			len += (size_t)snprintf(desc + len, sizeof(desc) - len,
			    "%s%d = %s", j == 0 ? " Values: " : "; ",
			    v[j].value, v[j].en ? v[j].en : "");
		f = json_pack("{s:s, s:s, s:s, s:s}", "name", c->name, "type",
		    type_names[anon_column_type(c->kind)], "title",
		    anon_column_label(c, qjson, "de", 0, de, sizeof(de)),
		    "description", desc);
		if (f == NULL)
			continue;
		if ((cons = constraints(c, qjson, info)) != NULL)
			json_object_set_new(f, "constraints", cons);
		json_array_append_new(fields, f);
	}
	snprintf(name, sizeof(name), "reifegrad-wave-%lld", info->wave_id);
	snprintf(title, sizeof(title), "reifegrad: %s",
	    info->wave_title ? info->wave_title : "");
	return json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:s, "
	                 "s:s, s:{s:s, s:b, s:s, s:s, s:b}, s:{s:o, s:[s], "
	                 "s:[s]}}]}",
	    "profile", "tabular-data-package", "name", name, "title", title,
	    "description",
	    "Anonymised microdata of one survey wave: one row per submitted "
	    "response; see codebook.json for labels, derivations and the "
	    "anonymisation applied.",
	    "resources", "profile", "tabular-data-resource", "name", "export",
	    "path", "export.csv", "format", "csv", "mediatype", "text/csv",
	    "encoding", "utf-8", "dialect", "delimiter", ",", "doubleQuote", 1,
	    "quoteChar", "\"", "lineTerminator", "\r\n", "header", 1, "schema",
	    "fields", fields, "missingValues", "", "primaryKey", "pseudonym");
}
