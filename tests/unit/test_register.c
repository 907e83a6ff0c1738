/*
 * test_register.c: register parsing against exact expected values: size
 * classes at every boundary, the number parsers, keys, header detection,
 * and real lines of the Destatis and Eurostat LAU files (shared/data).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "register.h"

static struct csv_record rec;

/* Splits one line into rec; the line must be sound CSV. "" stands for a
 * blank line (one empty field). */
static void
split(const char *line)
{
	size_t used;

	if (line[0] == '\0') {
		assert_int_equal(
		    csv_record_split("\n", 1, &used, &rec, NULL), CSV_OK);
		return;
	}
	assert_int_equal(
	    csv_record_split(line, strlen(line), &used, &rec, NULL), CSV_OK);
}

static void
test_size_class(void **state)
{
	static const struct {
		long long population;
		int size_class;
	} cases[] = {
	    {-1, 0},
	    {0, 1},
	    {1, 1},
	    {1999, 1},
	    {2000, 2},
	    {4999, 2},
	    {5000, 3},
	    {9999, 3},
	    {10000, 4},
	    {19999, 4},
	    {20000, 5},
	    {49999, 5},
	    {50000, 6},
	    {99999, 6},
	    {100000, 7},
	    {499999, 7},
	    {500000, 8},
	    {3669491, 8},
	    {REGISTER_POPULATION_MAX, 8},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("population %lld\n", cases[i].population);
		assert_int_equal(register_size_class(cases[i].population),
		    cases[i].size_class);
	}
}

static void
test_size_class_label(void **state)
{
	static const struct {
		int size_class;
		const char *lang;
		const char *label;
	} cases[] = {
	    {0, "de", "Einwohnerzahl unbekannt"},
	    {1, "de", "unter 2.000 Einwohner"},
	    {2, "de", "2.000 bis unter 5.000 Einwohner"},
	    {3, "de", "5.000 bis unter 10.000 Einwohner"},
	    {4, "de", "10.000 bis unter 20.000 Einwohner"},
	    {5, "de", "20.000 bis unter 50.000 Einwohner"},
	    {6, "de", "50.000 bis unter 100.000 Einwohner"},
	    {7, "de", "100.000 bis unter 500.000 Einwohner"},
	    {8, "de", "500.000 und mehr Einwohner"},
	    {0, "en", "population unknown"},
	    {1, "en", "under 2,000 inhabitants"},
	    {5, "en", "20,000 to under 50,000 inhabitants"},
	    {8, "en", "500,000 inhabitants and more"},
	    {5, "en-GB", "20,000 to under 50,000 inhabitants"},
	    {5, "EN", "20,000 to under 50,000 inhabitants"},
	    {5, NULL, "20.000 bis unter 50.000 Einwohner"},
	    {5, "fr", "20.000 bis unter 50.000 Einwohner"},
	    {5, "", "20.000 bis unter 50.000 Einwohner"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(register_size_class_label(
		                        cases[i].size_class, cases[i].lang),
		    cases[i].label);
	assert_null(register_size_class_label(-1, "de"));
	assert_null(register_size_class_label(9, "en"));
}

static void
test_integer_parse(void **state)
{
	static const struct {
		const char *in;
		long long max;
		enum register_num st;
		long long out;
	} cases[] = {
	    {" 90 164", REGISTER_POPULATION_MAX, REGISTER_NUM_OK, 90164},
	    {"90164", REGISTER_POPULATION_MAX, REGISTER_NUM_OK, 90164},
	    {"  554", REGISTER_POPULATION_MAX, REGISTER_NUM_OK, 554},
	    {"  0", REGISTER_POPULATION_MAX, REGISTER_NUM_OK, 0},
	    {"3 669 491", REGISTER_POPULATION_MAX, REGISTER_NUM_OK, 3669491},
	    {"1 847 253 ", REGISTER_POPULATION_MAX, REGISTER_NUM_OK, 1847253},
	    {"007", REGISTER_POPULATION_MAX, REGISTER_NUM_OK, 7},
	    {"", REGISTER_POPULATION_MAX, REGISTER_NUM_EMPTY, -1},
	    {"   ", REGISTER_POPULATION_MAX, REGISTER_NUM_EMPTY, -1},
	    {"1 2a", REGISTER_POPULATION_MAX, REGISTER_NUM_SYNTAX, -1},
	    {"1 2", REGISTER_POPULATION_MAX, REGISTER_NUM_SYNTAX, -1},
	    {"1 23", REGISTER_POPULATION_MAX, REGISTER_NUM_SYNTAX, -1},
	    {"1 2345", REGISTER_POPULATION_MAX, REGISTER_NUM_SYNTAX, -1},
	    {"1234 567", REGISTER_POPULATION_MAX, REGISTER_NUM_SYNTAX, -1},
	    {"1  234", REGISTER_POPULATION_MAX, REGISTER_NUM_SYNTAX, -1},
	    {"12a", REGISTER_POPULATION_MAX, REGISTER_NUM_SYNTAX, -1},
	    {"-5", REGISTER_POPULATION_MAX, REGISTER_NUM_SYNTAX, -1},
	    {"+5", REGISTER_POPULATION_MAX, REGISTER_NUM_SYNTAX, -1},
	    {"1.5", REGISTER_POPULATION_MAX, REGISTER_NUM_SYNTAX, -1},
	    {"1,234", REGISTER_POPULATION_MAX, REGISTER_NUM_SYNTAX, -1},
	    {"90.164", REGISTER_POPULATION_MAX, REGISTER_NUM_SYNTAX, -1},
	    {"\t5", REGISTER_POPULATION_MAX, REGISTER_NUM_SYNTAX, -1},
	    {"1000000000", REGISTER_POPULATION_MAX, REGISTER_NUM_OK,
	        1000000000},
	    {"1000000001", REGISTER_POPULATION_MAX, REGISTER_NUM_RANGE, -1},
	    {"99999999999999999999999999", REGISTER_POPULATION_MAX,
	        REGISTER_NUM_RANGE, -1},
	    {"99999999999999999999999999x", REGISTER_POPULATION_MAX,
	        REGISTER_NUM_SYNTAX, -1},
	    {"9223372036854775807", 9223372036854775807LL, REGISTER_NUM_OK,
	        9223372036854775807LL},
	    {"9223372036854775808", 9223372036854775807LL, REGISTER_NUM_RANGE,
	        -1},
	    {"0", 0, REGISTER_NUM_OK, 0},
	    {"5", 0, REGISTER_NUM_RANGE, -1},
	    {"09", 99, REGISTER_NUM_OK, 9},
	};
	size_t i;
	long long out;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("integer \"%s\"\n", cases[i].in);
		assert_int_equal(
		    register_integer_parse(cases[i].in, cases[i].max, &out),
		    cases[i].st);
		assert_int_equal(out, cases[i].out);
	}
}

static void
test_decimal_parse(void **state)
{
	static const struct {
		const char *in;
		enum register_num st;
		double out;
	} cases[] = {
	    {" 53.02", REGISTER_NUM_OK, 53.02},
	    {" 179.00", REGISTER_NUM_OK, 179.0},
	    {"53,02", REGISTER_NUM_OK, 53.02},
	    {"9,43751", REGISTER_NUM_OK, 9.43751},
	    {"1 234,5", REGISTER_NUM_OK, 1234.5},
	    {"1 234.5 ", REGISTER_NUM_OK, 1234.5},
	    {"87", REGISTER_NUM_OK, 87.0},
	    {"0.31", REGISTER_NUM_OK, 0.31},
	    {"16.025891999999998", REGISTER_NUM_OK, 16.025891999999998},
	    {"", REGISTER_NUM_EMPTY, -1.0},
	    {"  ", REGISTER_NUM_EMPTY, -1.0},
	    {"53.", REGISTER_NUM_SYNTAX, -1.0},
	    {".5", REGISTER_NUM_SYNTAX, -1.0},
	    {",5", REGISTER_NUM_SYNTAX, -1.0},
	    {"1,2,3", REGISTER_NUM_SYNTAX, -1.0},
	    {"1.2.3", REGISTER_NUM_SYNTAX, -1.0},
	    {"1,234.5", REGISTER_NUM_SYNTAX, -1.0},
	    {"1e5", REGISTER_NUM_SYNTAX, -1.0},
	    {"1 2,5", REGISTER_NUM_SYNTAX, -1.0},
	    {"-1.5", REGISTER_NUM_SYNTAX, -1.0},
	    {"nan", REGISTER_NUM_SYNTAX, -1.0},
	    {"1000000", REGISTER_NUM_OK, 1000000.0},
	    {"1000000.01", REGISTER_NUM_RANGE, -1.0},
	    {"2000000", REGISTER_NUM_RANGE, -1.0},
	};
	size_t i;
	double out;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("decimal \"%s\"\n", cases[i].in);
		assert_int_equal(register_decimal_parse(
		                     cases[i].in, REGISTER_AREA_KM2_MAX, &out),
		    cases[i].st);
		assert_true(out == cases[i].out);
	}
}

static void
test_key_valid(void **state)
{
	static const struct {
		const char *key;
		int valid;
	} cases[] = {
	    {"01001000", 1},
	    {"01051", 1},
	    {"01", 1},
	    {"123456789012", 1},
	    {"1234567890123", 0},
	    {"0", 0},
	    {"", 0},
	    {"0100100a", 0},
	    {"BE-21001", 1},
	    {"EL-99010000", 1},
	    {"DE-ab", 1},
	    {"PL-1001121200101", 1},
	    {"UK-E06000001", 1},
	    {"AT-1234567890123456", 1},
	    {"AT-12345678901234567", 0},
	    {"be-21001", 0},
	    {"B-21001", 0},
	    {"BEL-21001", 0},
	    {"BE-", 0},
	    {"BE-21 001", 0},
	    {"BE_21001", 0},
	    {"BE-210-01", 0},
	    {"BE-Zürich", 0},
	    {" 01001000", 0},
	    {"01001000 ", 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("key \"%s\"\n", cases[i].key);
		assert_int_equal(
		    register_key_valid(cases[i].key), cases[i].valid);
	}
}

static void
test_small_validators(void **state)
{
	int u;

	(void)state;
	assert_int_equal(register_kind_valid("gemeinde"), 1);
	assert_int_equal(register_kind_valid("stadt"), 1);
	assert_int_equal(register_kind_valid("kreisfreie_stadt"), 1);
	assert_int_equal(register_kind_valid("landkreis"), 1);
	assert_int_equal(register_kind_valid("gemeindeverband"), 1);
	assert_int_equal(register_kind_valid("gemeindefreies_gebiet"), 1);
	assert_int_equal(register_kind_valid("Gemeinde"), 0);
	assert_int_equal(register_kind_valid("kreis"), 0);
	assert_int_equal(register_kind_valid(""), 0);

	assert_int_equal(register_urbanisation_parse("", &u), 0);
	assert_int_equal(u, 0);
	assert_int_equal(register_urbanisation_parse("1", &u), 0);
	assert_int_equal(u, 1);
	assert_int_equal(register_urbanisation_parse("mittel", &u), 0);
	assert_int_equal(u, 2);
	assert_int_equal(register_urbanisation_parse("gering", &u), 0);
	assert_int_equal(u, 3);
	assert_int_equal(register_urbanisation_parse("4", &u), -1);
	assert_int_equal(register_urbanisation_parse("01", &u), -1);
	assert_int_equal(register_urbanisation_parse("9", &u), -1);

	assert_string_equal(register_land_name(1), "Schleswig-Holstein");
	assert_string_equal(register_land_name(8), "Baden-Württemberg");
	assert_string_equal(register_land_name(16), "Thüringen");
	assert_null(register_land_name(0));
	assert_null(register_land_name(17));

	assert_string_equal(
	    register_format_name(REGISTER_FORMAT_DESTATIS), "destatis");
	assert_string_equal(
	    register_format_name(REGISTER_FORMAT_LAU), "eurostat-lau");
	assert_string_equal(register_format_name(REGISTER_FORMAT_PLAIN), "csv");
	assert_string_equal(
	    register_format_name(REGISTER_FORMAT__MAX), "unknown");
}

static void
test_bom(void **state)
{
	(void)state;
	assert_int_equal(register_bom_skip("\xef\xbb\xbfsatzart", 10), 3);
	assert_int_equal(register_bom_skip("satzart", 7), 0);
	assert_int_equal(register_bom_skip("\xef\xbb", 2), 0);
}

static const char destatis_header[] =
    "satzart,textkennzeichen,land,rb,kreis,vb,gemeinde,gemeindename,flaeche,"
    "bevoelkerung,maennlich,weiblich,jekm2,postleitzahl,laengengrad,"
    "breitengrad,schluessel,bezeichnung,verstaedterungschluessel,"
    "verstaedterungbezeichnung";

static const char lau_header[] =
    "code_2016,lau_code,lau_name_national,lau_name_latin,"
    "name_change_last_year,population,total_area_m2,degurba,"
    "degurba_change_last_year,coastal_area,coastal_change_last_year,city_id,"
    "city_id_change_last_year,city_name,greater_city_id,"
    "greater_city_id_change_last_year,greater_city_name,fua_id,"
    "fua_id_change_last_year,fua_name,country,gisco_id";

static void
test_detect(void **state)
{
	static const struct {
		const char *header;
		int rc;
		enum register_format format;
		const char *why;
	} cases[] = {
	    {destatis_header, 0, REGISTER_FORMAT_DESTATIS, ""},
	    {lau_header, 0, REGISTER_FORMAT_LAU, ""},
	    {"key,name,kind,state,population", 0, REGISTER_FORMAT_PLAIN, ""},
	    {"population,area,member,urbanisation,state,kind,name,key", 0,
	        REGISTER_FORMAT_PLAIN, ""},
	    {"Key, Name ,KIND,state,population", 0, REGISTER_FORMAT_PLAIN, ""},
	    {"key,name,kind,state", -1, 0,
	        "csv header without column \"population\""},
	    {"key,name,kind,state,population,country", -1, 0,
	        "unknown column \"country\" (column 6); known: key, name, "
	        "kind, state, population, urbanisation, member, area"},
	    {"key,name,kind,state,population,name", -1, 0,
	        "column \"name\" appears twice in the header"},
	    {"satzart,land", -1, 0,
	        "destatis header without column \"textkennzeichen\""},
	    {"id,label", -1, 0,
	        "unknown header: expected the Destatis Gemeindeverzeichnis "
	        "(satzart,...), the Eurostat LAU table (lau_code,...) or the "
	        "columns key,name,kind,state,population[,urbanisation]"
	        "[,member][,area]"},
	    {"key;name;kind;state;population", -1, 0, NULL},
	    {"", -1, 0, NULL},
	    {"1020201231010000000000000Schleswig-Holstein", -1, 0,
	        "this looks like GV100AD fixed-width text, which is not "
	        "supported; use the CSV \"Auszug GV\" (satzart,"
	        "textkennzeichen,land,...)"},
	};
	struct register_ctx ctx;
	char why[REGISTER_REASON_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("header \"%s\"\n", cases[i].header);
		split(cases[i].header);
		why[0] = '\0';
		assert_int_equal(
		    register_format_detect(&ctx, &rec, why, sizeof(why)),
		    cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(ctx.format, cases[i].format);
		if (cases[i].why != NULL)
			assert_string_equal(why, cases[i].why);
	}
	split(destatis_header);
	assert_int_equal(register_format_detect(&ctx, &rec, NULL, 0), 0);
	assert_int_equal(ctx.ncols, 20);
	assert_int_equal(ctx.col[REGISTER_COL_VERSTAEDTERUNG], 18);
	split(lau_header);
	assert_int_equal(register_format_detect(&ctx, &rec, NULL, 0), 0);
	assert_int_equal(ctx.ncols, 22);
	assert_int_equal(ctx.col[REGISTER_COL_COUNTRY], 20);
}

/* One row and what must come of it. */
struct row_case {
	const char *line;
	enum register_verdict verdict;
	const char *why; /* exact reason; NULL: not checked */
	const char *key;
	const char *name;
	const char *kind;
	const char *state;
	const char *country;
	long long population;
	double area_km2;
	int urbanisation;
	int member;
};

/* A row that yields no organisation: only verdict and reason count. */
#define NOROW(line, verdict, why)                                              \
	{                                                                      \
		line, verdict, why, NULL, NULL, NULL, NULL, NULL, 0, 0.0, 0, 0 \
	}

static void
check_rows(const char *header, const struct row_case *cases, size_t n)
{
	struct register_ctx ctx;
	struct org_row row;
	char why[REGISTER_REASON_MAX];
	const struct row_case *c;
	size_t i;

	split(header);
	assert_int_equal(
	    register_format_detect(&ctx, &rec, why, sizeof(why)), 0);
	for (i = 0; i < n; i++) {
		c = &cases[i];
		print_message("row case %zu\n", i);
		split(c->line);
		assert_int_equal(
		    register_row_parse(&ctx, &rec, &row, why, sizeof(why)),
		    c->verdict);
		if (c->why != NULL)
			assert_string_equal(why, c->why);
		if (c->verdict != REGISTER_ROW)
			continue;
		assert_string_equal(row.key, c->key);
		assert_string_equal(row.name, c->name);
		assert_string_equal(row.kind, c->kind);
		assert_string_equal(row.state, c->state);
		assert_string_equal(row.country, c->country);
		assert_int_equal(row.population, c->population);
		assert_true(row.area_km2 > c->area_km2 - 1e-9 &&
		            row.area_km2 < c->area_km2 + 1e-9);
		assert_int_equal(row.urbanisation, c->urbanisation);
		assert_int_equal(row.member, c->member);
	}
}

static void
test_destatis_rows(void **state)
{
	/* Lines copied from destatis-gv-auszug-2020q4.csv, in file order
	 * (the Land rows teach the state names); damaged ones at the end. */
	static const struct row_case cases[] = {
	    NOROW("10,,01,,,,,Schleswig-Holstein,,,,,,,,,,,,", REGISTER_SKIP,
	        "Land row: names the state"),
	    NOROW("40,41,01,0,01,,,\"Flensburg, Stadt\",,,,,,,,,,,,",
	        REGISTER_SKIP,
	        "Kreis row of a kreisfreie Stadt: imported from its "
	        "Gemeinde row"),
	    NOROW("50,50,01,0,01,0000,,\"Flensburg, Stadt\",,,,,,,,,,,,",
	        REGISTER_SKIP,
	        "Gemeindeverband row: not imported (only Gemeinden and "
	        "Kreise)"),
	    {"60,61,01,0,01,0000,000,\"Flensburg, Stadt\", 53.02, 90 164, "
	     "44 904, 45 260, 1 701,24937,\"9,43751\",\"54,78252\",F02,"
	     "Ostsee,01,dicht besiedelt",
	        REGISTER_ROW, "", "01001000", "Flensburg, Stadt",
	        "kreisfreie_stadt", "Schleswig-Holstein", "DE", 90164, 53.02, 1,
	        -1},
	    {"40,43,01,0,51,,,Dithmarschen,,,,,,,,,,,,", REGISTER_ROW, "",
	        "01051", "Dithmarschen", "landkreis", "Schleswig-Holstein",
	        "DE", -1, -1.0, 0, -1},
	    {"60,64,01,0,51,5163,003,Averlak, 9.06,  554,  288,  266,  61,"
	     "25715,\"9,182663\",\"53,941154\",F04,übrig. "
	     "Schleswig-Holstein,03,gering besiedelt",
	        REGISTER_ROW, "", "01051003", "Averlak", "gemeinde",
	        "Schleswig-Holstein", "DE", 554, 9.06, 3, -1},
	    {"60,66,01,0,53,9105,105,\"Sachsenwald (Forstgutsbez.),gemfr."
	     "Geb.\", 58.49,  0,  0,  0,  0,,\"10,373262\",\"53,530995\","
	     "F04,übrig. Schleswig-Holstein,03,gering besiedelt",
	        REGISTER_ROW, "", "01053105",
	        "Sachsenwald (Forstgutsbez.),gemfr.Geb.",
	        "gemeindefreies_gebiet", "Schleswig-Holstein", "DE", 0, 58.49,
	        3, -1},
	    {"60,65,03,3,51,9501,501,\"Lohheide, gemfr. Bezirk\", 91.48,  "
	     "764,  392,  372,  8,29303,\"9,930034\",\"52,811551\",G09,"
	     "Lüneburger Heide,03,gering besiedelt",
	        REGISTER_ROW, "", "03351501", "Lohheide, gemfr. Bezirk",
	        "gemeindefreies_gebiet", "Niedersachsen", "DE", 764, 91.48, 3,
	        -1},
	    NOROW("20,,03,1,,,,Statistische Region Braunschweig,,,,,,,,,,,,",
	        REGISTER_SKIP, "Regierungsbezirk row: not an organisation"),
	    NOROW("30,,08,1,1,,,Region Stuttgart,,,,,,,,,,,,", REGISTER_SKIP,
	        "Region row: a planning region, not an organisation"),
	    NOROW("40,42,08,1,11,,,\"Stuttgart, Stadtkreis\",,,,,,,,,,,,",
	        REGISTER_SKIP, NULL),
	    {"60,62,08,1,11,0000,000,\"Stuttgart, Landeshauptstadt\", "
	     "207.33, 635 911, 317 794, 318 117, 3 067,70173,\"9,177734\","
	     "\"48,775817\",L50,Region Stuttgart,01,dicht besiedelt",
	        REGISTER_ROW, "", "08111000", "Stuttgart, Landeshauptstadt",
	        "kreisfreie_stadt", "Baden-Württemberg", "DE", 635911, 207.33,
	        1, -1},
	    {"60,67,08,1,15,0003,003,\"Böblingen, Stadt\", 39.04, 50 161, "
	     "24 805, 25 356, 1 285,71032,\"9,009663\",\"48,685296\",L50,"
	     "Region Stuttgart,01,dicht besiedelt",
	        REGISTER_ROW, "", "08115003", "Böblingen, Stadt", "stadt",
	        "Baden-Württemberg", "DE", 50161, 39.04, 1, -1},
	    NOROW("10,,09,,,,,Bayern,,,,,,,,,,,,", REGISTER_SKIP, NULL),
	    {"60,60,09,1,71,0133,133,\"Tüßling, M\", 19.54, 3 305, 1 656, "
	     "1 649,  169,84577,\"12,601677\",\"48,212289\",T34,Inn-Salzach,"
	     "03,gering besiedelt",
	        REGISTER_ROW, "", "09171133", "Tüßling, M", "gemeinde",
	        "Bayern", "DE", 3305, 19.54, 3, -1},
	    {"40,45,10,0,41,,,Regionalverband Saarbrücken,,,,,,,,,,,,",
	        REGISTER_ROW, "", "10041", "Regionalverband Saarbrücken",
	        "landkreis", "Saarland", "DE", -1, -1.0, 0, -1},
	    /* No Land row for 11 was read: the built-in name serves. */
	    {"60,61,11,0,00,0000,000,\"Berlin, Stadt\", 891.12,3 669 491,"
	     "1 804 273,1 865 218, 4 118,10178,\"13,405538\",\"52,51767\","
	     "XBE,Berlin,01,dicht besiedelt",
	        REGISTER_ROW, "", "11000000", "Berlin, Stadt",
	        "kreisfreie_stadt", "Berlin", "DE", 3669491, 891.12, 1, -1},
	    NOROW("", REGISTER_SKIP, "blank line"),
	    /* Damaged: the file must not be used. */
	    NOROW(
	        "60,64,01,0,51,5163,003,Averlak, 9.06,  1 2a,  288,  266,  61,"
	        "25715,\"9,182663\",\"53,941154\",F04,x,03,gering besiedelt",
	        REGISTER_ERROR,
	        "bevoelkerung \"  1 2a\" is not a whole number"),
	    NOROW(
	        "60,64,01,0,51,5163,003,Averlak,\" 9,06 km²\",  554,  288,  "
	        "266,  "
	        "61,25715,\"9,182663\",\"53,941154\",F04,x,03,gering besiedelt",
	        REGISTER_ERROR, "flaeche \" 9,06 km²\" is not a number"),
	    NOROW("60,64,01,0,51,5163,003,Averlak, 9.06,  554", REGISTER_ERROR,
	        "10 fields where the header has 20"),
	    NOROW(
	        "60,64,01,0,51,5163,003,Aver\xfflak, 9.06,  554,  288,  266,  "
	        "61,25715,\"9,182663\",\"53,941154\",F04,x,03,gering besiedelt",
	        REGISTER_ERROR, "field 8 is not valid UTF-8"),
	    /* Sound file, unacceptable row: refused. */
	    NOROW("60,69,01,0,51,5163,003,Averlak, 9.06,  554,  288,  266,  61,"
	          "25715,\"9,182663\",\"53,941154\",F04,x,03,gering besiedelt",
	        REGISTER_REFUSE,
	        "textkennzeichen \"69\" is unknown for satzart 60"),
	    NOROW("70,64,01,0,51,5163,003,Averlak,,,,,,,,,,,,", REGISTER_REFUSE,
	        "satzart \"70\" is not 10, 20, 30, 40, 50 or 60"),
	    NOROW("60,64,17,0,51,5163,003,Averlak, 9.06,  554,  288,  266,  61,"
	          "25715,\"9,182663\",\"53,941154\",F04,x,03,gering besiedelt",
	        REGISTER_REFUSE, "land \"17\" is not 01..16"),
	    NOROW("60,64,01,0,5,5163,003,Averlak, 9.06,  554,  288,  266,  61,"
	          "25715,\"9,182663\",\"53,941154\",F04,x,03,gering besiedelt",
	        REGISTER_REFUSE, "kreis \"5\" is not 2 digits"),
	    NOROW("60,64,01,0,51,5163,003,Averlak, 9.06,  554,  288,  266,  61,"
	          "25715,\"9,182663\",\"53,941154\",F04,x,04,gering besiedelt",
	        REGISTER_REFUSE,
	        "verstaedterungschluessel \"04\" is not 01, 02 or 03"),
	    NOROW("60,64,01,0,51,5163,003,, 9.06,  554,  288,  266,  61,"
	          "25715,\"9,182663\",\"53,941154\",F04,x,03,gering besiedelt",
	        REGISTER_REFUSE, "the name is empty"),
	    NOROW(
	        "60,64,01,0,51,5163,003,\"Aver\nlak\", 9.06,  554,  288,  266, "
	        " "
	        "61,25715,\"9,182663\",\"53,941154\",F04,x,03,gering besiedelt",
	        REGISTER_REFUSE,
	        "name \"Aver?lak\" contains a control character"),
	    NOROW(
	        "60,64,01,0,51,5163,003,Averlak, 1000001.00,  554,  288,  266, "
	        " "
	        "61,25715,\"9,182663\",\"53,941154\",F04,x,03,gering besiedelt",
	        REGISTER_REFUSE, "flaeche \" 1000001.00\" is above 1000000"),
	};

	(void)state;
	check_rows(destatis_header, cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_lau_rows(void **state)
{
	/* Lines copied from eurostat-lau2019-nuts2016-degurba.csv. */
	static const struct row_case cases[] = {
	    /* German: keyed by the AGS, state left to Destatis, area in
	     * km² already. */
	    {"DEF01,01001000,\"Flensburg, Stadt\",\"Flensburg, Stadt\",0,"
	     "89504,56.73,1,0,yes,,DE052C1,,Flensburg,,,,DE052L1,,"
	     "Flensburg,DE,DE_01001000",
	        REGISTER_ROW, "", "01001000", "Flensburg, Stadt", "gemeinde",
	        "", "DE", 89504, 56.73, 1, -1},
	    /* Cyprus: no population, DEGURBA 9 = unknown, area in m². */
	    {"CY000,1014,Ορτάκιοϊ (Μιντζέλι),Ortakioï (Mintzeli),0,,7524350,"
	     "9,0,no,,,,,CY001C,1,Lefkosia (greater city),CY001F,1,Lefkosia,"
	     "CY,CY_1014",
	        REGISTER_ROW, "", "CY-1014", "Ορτάκιοϊ (Μιντζέλι)", "gemeinde",
	        "CY000", "CY", -1, 7.52435, 0, -1},
	    /* France: neither population nor area. */
	    {"FRK21,01001,L'Abergement-Clémenciat,,0,,,3,0,no,,,0,,,0,,,0,,"
	     "FR,FR_01001",
	        REGISTER_ROW, "", "FR-01001", "L'Abergement-Clémenciat",
	        "gemeinde", "FRK21", "FR", -1, -1.0, 3, -1},
	    {"BE100,21001,Anderlecht,Anderlecht,0,119714,17744118,1,0,no,0,,"
	     "0,,BE001K1,0,Bruxelles / Brussel (greater city),BE001L3,0,"
	     "Bruxelles/Brussel/Leuven,BE,BE_21001",
	        REGISTER_ROW, "", "BE-21001", "Anderlecht", "gemeinde", "BE100",
	        "BE", 119714, 17.744118, 1, -1},
	    /* Turkey: no DEGURBA, area in km². */
	    {"TR621,1104,SEYHAN,SEYHAN,0,793480,444,,,,,,,,,,,,,,TR,TR_1104",
	        REGISTER_ROW, "", "TR-1104", "SEYHAN", "gemeinde", "TR621",
	        "TR", 793480, 444.0, 0, -1},
	    {"DK011,101,København,København,0,623404,87,1,0,yes,0,DK001C1,0,"
	     "København,,,,DK001L2,,København,DK,DK_101",
	        REGISTER_ROW, "", "DK-101", "København", "gemeinde", "DK011",
	        "DK", 623404, 87.0, 1, -1},
	    {"CZ072,500011,Želechovice nad Dřevnicí,,0,1865,"
	     "16025891.999999998,2,0,no,0,,0,,,,,CZ011L2,0,Zlín,CZ,"
	     "CZ_500011",
	        REGISTER_ROW, "", "CZ-500011", "Želechovice nad Dřevnicí",
	        "gemeinde", "CZ072", "CZ", 1865, 16.025891999999998, 2, -1},
	    {"PL214,1001121200101,Bochnia,Bochnia,0,29922,29870000,2,0,no,,,"
	     ",,,,,,,,PL,PL_1001121200101",
	        REGISTER_ROW, "", "PL-1001121200101", "Bochnia", "gemeinde",
	        "PL214", "PL", 29922, 29.87, 2, -1},
	    {"MK008,MK00801,Аеродром,Aerodrom,0,,,1,0,no,0,,,,,,,,,,MK,"
	     "MK_MK00801",
	        REGISTER_ROW, "", "MK-MK00801", "Аеродром", "gemeinde", "MK008",
	        "MK", -1, -1.0, 1, -1},
	    /* Refused and damaged rows. */
	    NOROW(
	        "DEF01,1001000,Flensburg,,0,89504,56.73,1,0,yes,,,,,,,,,,,DE,x",
	        REGISTER_REFUSE,
	        "lau_code \"1001000\" of DE is not an 8-digit AGS of Land "
	        "01..16"),
	    NOROW("DEF01,17001000,Flensburg,,0,89504,56.73,1,0,yes,,,,,,,,,,,"
	          "DE,x",
	        REGISTER_REFUSE, NULL),
	    NOROW(
	        "BE100,21001,Anderlecht,,0,119714,17744118,4,0,no,0,,0,,,,,,,,"
	        "BE,x",
	        REGISTER_REFUSE, "degurba \"4\" is not 1, 2, 3 or 9"),
	    NOROW(
	        "BE100,21001,Anderlecht,,0,119714,17744118,1,0,no,0,,0,,,,,,,,"
	        "be,x",
	        REGISTER_REFUSE, "country \"be\" is not two capital letters"),
	    NOROW(
	        "BE100,21-001,Anderlecht,,0,119714,17744118,1,0,no,0,,0,,,,,,,,"
	        "BE,x",
	        REGISTER_REFUSE,
	        "lau_code \"21-001\" is not 1..16 letters or digits"),
	    NOROW("BE100,21001,,,0,119714,17744118,1,0,no,0,,0,,,,,,,,BE,x",
	        REGISTER_REFUSE, "the name is empty"),
	    {"BE100,21001,,Anderlecht,0,119714,17744118,1,0,no,0,,0,,,,,,,,"
	     "BE,x",
	        REGISTER_ROW, "", "BE-21001", "Anderlecht", "gemeinde", "BE100",
	        "BE", 119714, 17.744118, 1, -1},
	    NOROW("BE100,21001,Anderlecht,,0,n/"
	          "a,17744118,1,0,no,0,,0,,,,,,,,BE,x",
	        REGISTER_ERROR, "population \"n/a\" is not a whole number"),
	    NOROW(
	        "BE100,21001,Anderlecht,,0,119714,17744118,x,0,no,0,,0,,,,,,,,"
	        "BE,x",
	        REGISTER_ERROR, "degurba \"x\" is not a whole number"),
	};

	(void)state;
	check_rows(lau_header, cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_plain_rows(void **state)
{
	static const struct row_case cases[] = {
	    {"Schleswig-Holstein,01001000,\"Flensburg, Stadt\","
	     "kreisfreie_stadt,\" 90 164\",1,true,\"53,02\"",
	        REGISTER_ROW, "", "01001000", "Flensburg, Stadt",
	        "kreisfreie_stadt", "Schleswig-Holstein", "DE", 90164, 53.02, 1,
	        1},
	    {"AT111,AT-10101,\"Eisen\"\"stadt\",stadt,15000,dicht,nein,",
	        REGISTER_ROW, "", "AT-10101", "Eisen\"stadt", "stadt", "AT111",
	        "AT", 15000, -1.0, 1, 0},
	    {",12,Probe,gemeinde,,,,", REGISTER_ROW, "", "12", "Probe",
	        "gemeinde", "", "DE", -1, -1.0, 0, -1},
	    NOROW(",XX-1,Test,dorf,,,,", REGISTER_REFUSE,
	        "kind \"dorf\" is not gemeinde, stadt, kreisfreie_stadt, "
	        "landkreis, gemeindeverband or gemeindefreies_gebiet"),
	    NOROW(",1,Test,gemeinde,,,,", REGISTER_REFUSE,
	        "key \"1\" is neither CC-code (\"BE-21001\") nor 2..12 digits"),
	    NOROW(",12,Test,gemeinde,,4,,", REGISTER_REFUSE,
	        "urbanisation \"4\" is not 1, 2, 3, dicht, mittel, gering or "
	        "empty"),
	    NOROW(",12,Test,gemeinde,,,vielleicht,", REGISTER_REFUSE,
	        "member \"vielleicht\" is not true, false, 1, 0, yes, no, ja, "
	        "nein or empty"),
	    NOROW(",12, Test,gemeinde,,,,", REGISTER_REFUSE,
	        "name \" Test\" has leading or trailing blanks"),
	    NOROW(",12,Test,gemeinde,-3,,,", REGISTER_ERROR,
	        "population \"-3\" is not a whole number"),
	    NOROW(",12,Test,gemeinde,,,,1.5 km", REGISTER_ERROR,
	        "area \"1.5 km\" is not a number"),
	    NOROW(",12,Test,gemeinde,1000000001,,,", REGISTER_REFUSE,
	        "population \"1000000001\" is above 1000000000"),
	};

	(void)state;
	check_rows("state,key,name,kind,population,urbanisation,member,area",
	    cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_long_values(void **state)
{
	static char line[8192];
	struct register_ctx ctx;
	struct org_row row;
	char why[REGISTER_REASON_MAX];
	size_t n;

	(void)state;
	split("key,name,kind,state,population");
	assert_int_equal(
	    register_format_detect(&ctx, &rec, why, sizeof(why)), 0);
	/* RG_NAME_MAX code points of 2 bytes each pass; one more does not. */
	n = (size_t)snprintf(line, sizeof(line), "12,");
	for (size_t i = 0; i < RG_NAME_MAX; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "ü");
	snprintf(line + n, sizeof(line) - n, ",gemeinde,,");
	split(line);
	assert_int_equal(register_row_parse(&ctx, &rec, &row, why, sizeof(why)),
	    REGISTER_ROW);
	assert_int_equal(strlen(row.name), RG_NAME_MAX * 2);
	n = (size_t)snprintf(line, sizeof(line), "12,");
	for (size_t i = 0; i <= RG_NAME_MAX; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "ü");
	snprintf(line + n, sizeof(line) - n, ",gemeinde,,");
	split(line);
	assert_int_equal(register_row_parse(&ctx, &rec, &row, why, sizeof(why)),
	    REGISTER_REFUSE);
	/* The reason quotes at most 40 bytes, never half a character. */
	assert_string_equal(
	    why, "name \"üüüüüüüüüüüüüüüüüüüü...\" is too long");
	/* A state of 64 bytes is refused. */
	split("12,Test,gemeinde,"
	      "SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS"
	      ",");
	assert_int_equal(register_row_parse(&ctx, &rec, &row, why, sizeof(why)),
	    REGISTER_REFUSE);
	assert_string_equal(why,
	    "state \"SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS...\" is too "
	    "long");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_size_class),
	    cmocka_unit_test(test_size_class_label),
	    cmocka_unit_test(test_integer_parse),
	    cmocka_unit_test(test_decimal_parse),
	    cmocka_unit_test(test_key_valid),
	    cmocka_unit_test(test_small_validators),
	    cmocka_unit_test(test_bom),
	    cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_destatis_rows),
	    cmocka_unit_test(test_lau_rows),
	    cmocka_unit_test(test_plain_rows),
	    cmocka_unit_test(test_long_values),
	};

	return cmocka_run_group_tests_name("register", tests, NULL, NULL);
}
