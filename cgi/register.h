/*
 * register.h: reading municipality registers into organisation rows. Pure:
 * no I/O; admin_import.c does the file and the database.
 *
 * Three formats, told apart by the header line:
 *  - the Destatis Gemeindeverzeichnis "Auszug GV" as CSV (satzart,
 *    textkennzeichen, land, rb, kreis, vb, gemeinde, gemeindename, flaeche,
 *    bevoelkerung, ..., verstaedterungschluessel): Gemeinden (satzart 60,
 *    key = the 8-digit AGS) and Kreise (satzart 40, key = the 5-digit
 *    Kreisschluessel) are imported, the other record types skipped;
 *  - the Eurostat LAU table (code_2016, lau_code, lau_name_national,
 *    population, total_area_m2, degurba, country, ...): key = the AGS for
 *    Germany, "CC-lau_code" elsewhere;
 *  - a plain CSV whose header names key, name, kind, state, population and
 *    optionally urbanisation, member, area, in any order.
 *
 * A row comes out as one of four verdicts: a row to import, a row skipped
 * on purpose (with a fixed reason, so callers can count by reason), a row
 * refused (its content is not acceptable; the reason names the value), or
 * an error (the file is damaged: wrong number of fields, invalid UTF-8, a
 * number that is no number), after which nothing of the file may be used.
 *
 * Links with valid.c (valid_int64n, the one integer parser; valid_utf8).
 */
#ifndef REGISTER_H
#define REGISTER_H

#include "csv.h"
#include "reifegrad.h"

/* The longest key register_key_valid() admits: "CC-" and 16 characters. */
#define REGISTER_KEY_MAX 19
/* Bytes of a name: RG_NAME_MAX code points of up to 4 bytes each. */
#define REGISTER_NAME_BYTES (RG_NAME_MAX * 4)
/* Bytes of a kind; the longest is "gemeindefreies_gebiet". */
#define REGISTER_KIND_MAX 31
/* Bytes of a state: Bundesland names and NUTS codes are far shorter; a
 * longer text is not a state. */
#define REGISTER_STATE_MAX 63
/* Population fits the integer column with room; the largest municipality
 * in the data (Berlin) has 3.7 million. */
#define REGISTER_POPULATION_MAX 1000000000LL
/* Area in km²: above the largest LAU (Kiruna, 19,163 km²) by far, below
 * the numeric(12,2) column by far. A larger value is a unit mistake. */
#define REGISTER_AREA_KM2_MAX 1000000.0
/* Bytes of a verdict's reason, as printed after "FILE:LINE: refused: ". */
#define REGISTER_REASON_MAX 256
/* German Länder are numbered 01..16 in the AGS. */
#define REGISTER_LAENDER 16
/* Destatis Gemeindegrößenklassen 1..8; 0 is "unknown". */
#define REGISTER_SIZE_CLASSES 8

enum register_format {
	REGISTER_FORMAT_UNKNOWN = 0,
	REGISTER_FORMAT_DESTATIS,
	REGISTER_FORMAT_LAU,
	REGISTER_FORMAT_PLAIN,
	REGISTER_FORMAT__MAX
};

enum register_verdict {
	REGISTER_ROW = 0, /* *row holds an organisation to import */
	REGISTER_SKIP,    /* not imported on purpose; reason is a fixed text */
	REGISTER_REFUSE,  /* content not acceptable; reason names it */
	REGISTER_ERROR    /* the file is damaged; import nothing */
};

/* Results of the number parsers. */
enum register_num {
	REGISTER_NUM_OK = 0,
	REGISTER_NUM_EMPTY,  /* empty or blanks only: the value is unknown */
	REGISTER_NUM_SYNTAX, /* not a number as registers write them */
	REGISTER_NUM_RANGE   /* a number, but above the maximum */
};

/* Every column any format reads; one table in register.c names them. */
enum register_col {
	REGISTER_COL_SATZART,
	REGISTER_COL_TEXTKENNZEICHEN,
	REGISTER_COL_LAND,
	REGISTER_COL_RB,
	REGISTER_COL_KREIS,
	REGISTER_COL_VB,
	REGISTER_COL_GEMEINDE,
	REGISTER_COL_GEMEINDENAME,
	REGISTER_COL_FLAECHE,
	REGISTER_COL_BEVOELKERUNG,
	REGISTER_COL_VERSTAEDTERUNG,
	REGISTER_COL_CODE_2016,
	REGISTER_COL_LAU_CODE,
	REGISTER_COL_LAU_NAME_NATIONAL,
	REGISTER_COL_LAU_NAME_LATIN,
	REGISTER_COL_TOTAL_AREA_M2,
	REGISTER_COL_DEGURBA,
	REGISTER_COL_COUNTRY,
	REGISTER_COL_KEY,
	REGISTER_COL_NAME,
	REGISTER_COL_KIND,
	REGISTER_COL_STATE,
	REGISTER_COL_POPULATION,
	REGISTER_COL_URBANISATION,
	REGISTER_COL_MEMBER,
	REGISTER_COL_AREA,
	REGISTER_COL__MAX
};

/* One organisation as a register describes it. Empty strings and negative
 * numbers mean "the file does not say": an import keeps what exists. */
struct org_row {
	char key[REGISTER_KEY_MAX + 1];
	char name[REGISTER_NAME_BYTES + 1];
	char kind[REGISTER_KIND_MAX + 1];
	char state[REGISTER_STATE_MAX + 1]; /* "" unknown / keep */
	char country[3];      /* "DE", "BE", ... (Eurostat: EL, UK) */
	long long population; /* -1 unknown */
	double area_km2;      /* < 0 unknown */
	int urbanisation;     /* 0 unknown, 1 dicht, 2 mittel, 3 gering */
	int member;           /* -1 not given, 0 no, 1 yes */
};

/* What a file's header says and what earlier rows taught (the names of the
 * Länder from Destatis satzart 10). Filled by register_format_detect. */
struct register_ctx {
	enum register_format format;
	size_t ncols;               /* every record has exactly this many */
	int col[REGISTER_COL__MAX]; /* field index of each column, or -1 */
	char land[REGISTER_LAENDER + 1][REGISTER_STATE_MAX + 1];
};

/*
 * Reads the header record and sets up ctx for the rows that follow.
 * Returns 0, or -1 with a reason in why (unknown header, a missing or
 * doubled column, an unknown column in a plain CSV, a GV100AD text file).
 * Strip a byte order mark first (register_bom_skip).
 */
int register_format_detect(struct register_ctx *ctx,
    const struct csv_record *header, char *why, size_t whysz) RG_WUR;

/* "destatis", "eurostat-lau", "csv" or "unknown". */
const char *register_format_name(enum register_format);

/*
 * Parses one record of the format ctx was set up for. REGISTER_ROW fills
 * *row; the other verdicts leave it undefined and put the reason in why
 * (for REGISTER_SKIP a fixed text per kind of row). Destatis Land rows
 * update ctx. A blank line is skipped.
 */
enum register_verdict register_row_parse(struct register_ctx *ctx,
    const struct csv_record *rec, struct org_row *row, char *why,
    size_t whysz) RG_WUR;

/*
 * Parses a register's whole number: optional blanks around, digits either
 * ungrouped or grouped in threes by single spaces as Destatis writes them
 * (" 90 164"). No sign, no other separators. The value itself goes through
 * valid_int64n. Sets *out (-1 for REGISTER_NUM_EMPTY). max must be >= 0.
 */
enum register_num register_integer_parse(
    const char *s, long long max, long long *out) RG_WUR;

/*
 * A decimal in the same form with an optional decimal point or comma and
 * at least one digit after it (" 53.02", "9,43751", "1 234,5"). Sets *out
 * (-1.0 for REGISTER_NUM_EMPTY).
 */
enum register_num register_decimal_parse(
    const char *s, double max, double *out) RG_WUR;

/* The Destatis Gemeindegrößenklasse of a population: 1 (unter 2.000) .. 8
 * (500.000 und mehr); 0 for a negative (unknown) population. */
int register_size_class(long long population);

/* The label of a size class 0..8: English when lang starts with "en",
 * German otherwise ("20.000 bis unter 50.000 Einwohner"). NULL for a class
 * out of range. Static storage. */
const char *register_size_class_label(int size_class, const char *lang);

/* 1 if key is "CC-" and 1..16 letters or digits ("BE-21001") or 2..12
 * digits (an AGS "01001000", a Kreis "01051"); 0 otherwise. */
int register_key_valid(const char *key);

/* 1 if kind is one of gemeinde, stadt, kreisfreie_stadt, landkreis,
 * gemeindeverband, gemeindefreies_gebiet; 0 otherwise. */
int register_kind_valid(const char *kind);

/* Parses an urbanisation type: "1"/"dicht", "2"/"mittel", "3"/"gering"
 * (DEGURBA 1..3), "" for unknown (0). Returns 0, or -1 for anything else. */
int register_urbanisation_parse(const char *s, int *out) RG_WUR;

/* The name of Land 1..16 ("Schleswig-Holstein"); NULL out of range. */
const char *register_land_name(int code);

/* The length of a UTF-8 byte order mark at the start of buf: 3 or 0. */
size_t register_bom_skip(const char *buf, size_t len);

#endif /* REGISTER_H */
