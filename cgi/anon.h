/*
 * anon.h: anonymisation of research exports (API.md "Research exports").
 * Pure: no I/O; unit tests call it directly (tests/unit/test_anon.c).
 *
 * Four things live here:
 *
 *  - Pseudonyms. "p" and 12 characters of RFC 4648 base32 (lower case):
 *    the first 60 bits of BLAKE2b-128 (crypto_generichash, 16 bytes out)
 *    keyed with the 32-byte export key, of the organisation id written
 *    as decimal ASCII digits. The same organisation gets the same
 *    pseudonym in every wave for one key; a new key (reifegrad-admin
 *    export-key rotate) makes every pseudonym new. Anyone holding the key
 *    can recompute them (Python: hashlib.blake2b(str(id).encode(),
 *    digest_size=16, key=key)); without it they cannot be linked to an
 *    organisation. 60 bits keep the chance that two of 100,000
 *    organisations share a pseudonym below 1 in 200 million.
 *
 *  - k-anonymity on the attribute columns (size class, kind,
 *    urbanisation, state). The decision needs every combination of the
 *    wave with its count before the first row goes out:
 *      level 0: size class, kind, urbanisation, state as they are;
 *      level 1: state dropped (every row's state is empty);
 *      level 2: state dropped and neighbouring size classes merged into
 *               four bands (1-2, 3-4, 5-6, 7-8); size_class is empty, the
 *               band is in size_band.
 *    THE RULE: the export uses the least level at which the rows whose
 *    combination still occurs fewer than k times make up at most
 *    ANON_SUPPRESS_MAX_PERCENT percent of the wave's submitted responses
 *    (rounded down); when no level gets there, level 2. Then every row
 *    whose combination at that level occurs fewer than k times is
 *    suppressed (left out). An unknown value (no size class, no
 *    urbanisation, no state) is a value of its own. Generalising can only
 *    merge groups, so each level suppresses at most as many rows as the
 *    one before.
 *
 *  - The column model: names (valid variable names in SPSS and Stata,
 *    unique regardless of case), types, labels in German and English,
 *    value labels, and how each column is derived. The same columns, in
 *    the same order, make the CSV, the JSON lines, the .sav and the .dta
 *    files, the codebook and the Data Package.
 *
 *  - The codebook and the Frictionless Data Package (JSON).
 *
 * Links with register.c (size class labels), labels.c (urbanisation
 * labels) and libsodium (BLAKE2b).
 */
#ifndef ANON_H
#define ANON_H

#include <jansson.h>

#include "questionnaire.h"
#include "reifegrad.h"

/* Bytes of an export key (crypto_generichash_KEYBYTES). */
#define ANON_KEY_BYTES 32
/* Base32 characters of a pseudonym after its "p": 60 bits. */
#define ANON_PSEUDONYM_CHARS 12
/* Bytes of a pseudonym with its NUL. */
#define ANON_PSEUDONYM_SIZE (1 + ANON_PSEUDONYM_CHARS + 1)
/* The rule above: suppression up to this share of the rows is small
 * enough to stop generalising. */
#define ANON_SUPPRESS_MAX_PERCENT 5
/* Generalisation levels 0..ANON_LEVELS-1. */
#define ANON_LEVELS 3
/* Stata's limit for variable names (SPSS allows 64 bytes). */
#define ANON_NAME_MAX 32
/* Bytes of a state: organisation.state holds at most 64 characters. */
#define ANON_STATE_MAX (64 * 4)
/* The code of "not applicable / don't know" in the level columns. */
#define ANON_NA_CODE (-1)
/* Size bands of level 2 (1-2, 3-4, 5-6, 7-8). */
#define ANON_SIZE_BANDS 4
/* Kinds of organisation (organisation.kind), coded 1..6. */
#define ANON_KINDS 6
/* Columns before the items: pseudonym, wave, size_class, size_band, kind,
 * urbanisation, state. */
#define ANON_FIXED_COLUMNS 7
/* The most columns an export can have: the fixed ones, a level and a
 * target per item, a score per dimension and the overall score. */
#define ANON_COLUMNS_MAX                                                       \
	(ANON_FIXED_COLUMNS +                                                  \
	    2 * RG_DIMENSIONS_MAX * RG_ITEMS_PER_DIMENSION_MAX +               \
	    RG_DIMENSIONS_MAX + 1)
/* Value labels of a column: -1 and the levels 0..4 at most, or the
 * categories of an attribute. */
#define ANON_VALUES_MAX 10

enum anon_level {
	ANON_LEVEL_FULL = 0,     /* size class, kind, urbanisation, state */
	ANON_LEVEL_NO_STATE = 1, /* state dropped */
	ANON_LEVEL_BANDS = 2     /* state dropped, size classes merged */
};

/*
 * Writes the pseudonym of organisation org_id for key into out ("p" and 12
 * base32 characters, NUL-terminated). Returns 0, or -1 when libsodium
 * fails (it does not for these sizes).
 */
int anon_pseudonym(const unsigned char key[ANON_KEY_BYTES], long long org_id,
    char out[ANON_PSEUDONYM_SIZE]) RG_WUR;

/* The code 1..6 of a kind of organisation ("gemeinde" = 1, "stadt",
 * "kreisfreie_stadt", "landkreis", "gemeindeverband",
 * "gemeindefreies_gebiet" = 6); 0 for anything else. */
int anon_kind_code(const char *kind);

/* The name of kind code 1..6 ("gemeinde"); NULL out of range. */
const char *anon_kind_name(int code);

/* The band 1..4 of a size class 1..8; 0 for 0 (unknown) or out of
 * range. */
int anon_size_band(int size_class);

/* The attributes of a row, as stored (level 0) or generalised. */
struct anon_attr {
	int size_class;   /* 1..8; 0 unknown or generalised away */
	int size_band;    /* 1..4; 0 unknown */
	int kind;         /* 1..6; 0 unknown */
	int urbanisation; /* 1..3; 0 unknown */
	char state[ANON_STATE_MAX + 1]; /* "" unknown or generalised away */
};

/*
 * Fills a (level 0) from the stored values: size class and urbanisation
 * as text ("" or NULL for unknown), the kind's name and the state. Values
 * out of range count as unknown; a longer state is cut at a character
 * boundary.
 */
void anon_attr_set(struct anon_attr *a, const char *size_class,
    const char *kind, const char *urbanisation, const char *state);

/* What a row with attributes in shows at level: in with the state
 * emptied (level >= 1) and the size class emptied (level 2). */
void anon_generalise(
    const struct anon_attr *in, enum anon_level level, struct anon_attr *out);

/* One combination of attributes (level 0) in the wave and its count. */
struct anon_combo {
	struct anon_attr attr;
	long long count;
	int keep; /* set by anon_plan_decide: 1 exported, 0 suppressed */
};

/* The decision for one export. */
struct anon_plan {
	struct anon_combo *combo; /* sorted by attributes; owned */
	size_t ncombos;
	long long k;
	long long total;                      /* submitted responses */
	long long suppressed_at[ANON_LEVELS]; /* rows suppressed per level */
	enum anon_level level;                /* the level chosen */
	long long rows;                       /* rows exported */
	long long suppressed;                 /* rows suppressed */
	size_t state_bytes; /* longest state exported (0 when none) */
};

/*
 * Decides generalisation and suppression (the rule above) for the
 * combinations combo[0..n) (level 0; counts >= 1; one listed twice is
 * merged) and k (< 1 counts as 1). Takes combo (malloc'ed, or NULL when
 * n is 0; freed by anon_plan_free, also on failure) and sets every keep
 * flag. Returns 0, or -1 when memory runs out.
 */
int anon_plan_decide(struct anon_plan *p, struct anon_combo *combo, size_t n,
    long long k) RG_WUR;

/* 1 when a row with attributes a (level 0) is exported, 0 when it is
 * suppressed or its combination is not in the plan. */
int anon_plan_keeps(const struct anon_plan *p, const struct anon_attr *a);

/* Frees what the plan holds; NULL-safe, repeatable. */
void anon_plan_free(struct anon_plan *p);

/* What a column holds. */
enum anon_col_kind {
	ANON_COL_PSEUDONYM,
	ANON_COL_WAVE,
	ANON_COL_SIZE_CLASS,
	ANON_COL_SIZE_BAND,
	ANON_COL_KIND,
	ANON_COL_URBANISATION,
	ANON_COL_STATE,
	ANON_COL_LEVEL,   /* an item's level, -1 for na */
	ANON_COL_TARGET,  /* an item's target level */
	ANON_COL_SCORE,   /* a dimension's score */
	ANON_COL_OVERALL, /* the overall score */
	ANON_COL__MAX
};

enum anon_type { ANON_TYPE_STRING, ANON_TYPE_INTEGER, ANON_TYPE_NUMBER };

struct anon_column {
	char name[ANON_NAME_MAX + 1];
	enum anon_col_kind kind;
	/* Items (levels, targets): the index of the item in questionnaire
	 * order over all dimensions; scores: the dimension's index. */
	size_t index;
	char source[RG_QID_MAX + 1]; /* the item or dimension id, or "" */
};

struct anon_columns {
	struct anon_column col[ANON_COLUMNS_MAX];
	size_t n;
	size_t nitems; /* items of the questionnaire */
	size_t ndims;  /* its dimensions */
};

/*
 * Lays out the columns of an export of questionnaire q: the fixed
 * columns, each item's level, each item's target, each dimension's
 * score, the overall score. Item "D1.1" gives the columns D1_1 and
 * D1_1_target, dimension "D1" score_D1. Names keep letters, digits and
 * "_" (anything else becomes "_"), start with a letter ("q" is put before
 * one that does not, "q_" before an SPSS or Stata reserved word), have at
 * most ANON_NAME_MAX bytes and are unique regardless of case (a clash
 * gets "_2", "_3", ...). Never fails.
 */
void anon_columns_build(const struct qdef *q, struct anon_columns *out);

/* The type of a column kind. */
enum anon_type anon_column_type(enum anon_col_kind kind);

/* A value label. */
struct anon_value {
	int value;
	const char *de, *en; /* borrowed: static, or from the questionnaire */
};

/*
 * The value labels of column c: the codes of an attribute at this level
 * (size classes, bands, kinds, urbanisation types), or -1 "nicht
 * zutreffend / weiß nicht" and the questionnaire's levels 0..4 (targets:
 * 0..4 only). qjson is the stored definition (for the level labels).
 * Writes at most ANON_VALUES_MAX into out and returns the count; 0 for a
 * column without value labels.
 */
size_t anon_column_values(const struct anon_column *c, const json_t *qjson,
    struct anon_value out[ANON_VALUES_MAX]);

/*
 * The label of column c in lang ("de" or "en") into out: a fixed text
 * for the attributes, the item's id and question for levels and targets,
 * the dimension's title for scores. When max_chars > 0 the label is cut
 * to that many characters (code points), "…" marking the cut. Returns out.
 */
const char *anon_column_label(const struct anon_column *c, const json_t *qjson,
    const char *lang, size_t max_chars, char *out, size_t outsz);

/* What the codebook and the Data Package say about the export. */
struct anon_info {
	long long wave_id;
	const char *wave_title;
	const char *wave_state; /* planned, open, closed */
	long long questionnaire_id;
	long long key_id; /* the export key that made the pseudonyms */
};

/*
 * The codebook (codebook.json): the export, the anonymisation (k, the
 * rule, the generalisations applied, rows suppressed, the pseudonym) and
 * every column with name, type, label (de/en), allowed values with
 * labels, missing values and derivation. Returns a new object, or NULL
 * when memory runs out.
 */
json_t *anon_codebook(const struct anon_columns *cols, const json_t *qjson,
    const struct anon_plan *plan, const struct anon_info *info);

/*
 * The Frictionless Data Package (datapackage.json) with one tabular
 * resource, export.csv, whose Table Schema lists the CSV's columns field
 * for field, in order. Returns a new object, or NULL.
 */
json_t *anon_datapackage(const struct anon_columns *cols, const json_t *qjson,
    const struct anon_plan *plan, const struct anon_info *info);

#endif /* ANON_H */
