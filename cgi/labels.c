/*
 * labels.c: names of peer groups.
 */
#include <string.h>

#include "labels.h"
#include "register.h"
#include "valid.h"

static const struct {
	const char *kind, *de, *en;
} kinds[] = {
	{ "gemeinde", "Gemeinden", "Municipalities" },
	{ "stadt", "Städte", "Towns" },
	{ "kreisfreie_stadt", "Kreisfreie Städte", "District-free cities" },
	{ "landkreis", "Landkreise", "Districts" },
	{ "gemeindeverband", "Gemeindeverbände", "Municipal associations" },
	{ "gemeindefreies_gebiet", "Gemeindefreie Gebiete",
	    "Unincorporated areas" },
};

static const char *const urbanisation_de[] = { "dicht besiedelt",
	"mittlere Besiedlungsdichte", "gering besiedelt" };
static const char *const urbanisation_en[] = { "densely populated",
	"intermediate density", "thinly populated" };

const char *
labels_peer(const char *by, const char *value, const char *lang)
{
	int en = lang != NULL && strncmp(lang, "en", 2) == 0;
	size_t i;

	if (strcmp(by, "network") == 0)
		return en ? "the whole network" : "das ganze Netzwerk";
	if (strcmp(by, "size_class") == 0) {
		long long cls;
		const char *l = NULL;

		if (valid_int64(value, 1, 8, &cls) == 0)
			l = register_size_class_label((int)cls, en ? "en" : "de");
		return l ? l : value;
	}
	if (strcmp(by, "kind") == 0) {
		for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
			if (strcmp(kinds[i].kind, value) == 0)
				return en ? kinds[i].en : kinds[i].de;
		return value;
	}
	if (strcmp(by, "urbanisation") == 0 && value[0] >= '1' &&
	    value[0] <= '3' && value[1] == '\0')
		return (en ? urbanisation_en : urbanisation_de)[value[0] - '1'];
	return value;
}
