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
    {"gemeinde", "Gemeinden", "Municipalities"},
    {"stadt", "Städte", "Towns"},
    {"kreisfreie_stadt", "Kreisfreie Städte", "District-free cities"},
    {"landkreis", "Landkreise", "Districts"},
    {"gemeindeverband", "Gemeindeverbände", "Municipal associations"},
    {"gemeindefreies_gebiet", "Gemeindefreie Gebiete", "Unincorporated areas"},
};

/* Eurostat's degree of urbanisation (DEGURBA) 1..3. */
static const struct {
	const char *value, *de, *en;
} urbanisations[] = {
    {"1", "dicht besiedelt", "densely populated"},
    {"2", "mittlere Besiedlungsdichte", "intermediate density"},
    {"3", "gering besiedelt", "thinly populated"},
};

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
			l = register_size_class_label(
			    (int)cls, en ? "en" : "de");
		return l ? l : value;
	}
	if (strcmp(by, "kind") == 0) {
		for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
			if (strcmp(kinds[i].kind, value) == 0)
				return en ? kinds[i].en : kinds[i].de;
		return value;
	}
	/* A lookup by the whole value, not by arithmetic on its first
	 * character: the sanitizers stopped a worker on the indexing that
	 * stood here (the benchmark of every urbanisation group). */
	if (strcmp(by, "urbanisation") == 0)
		for (i = 0; i < sizeof(urbanisations) / sizeof(*urbanisations);
		     i++)
			if (strcmp(urbanisations[i].value, value) == 0)
				return en ? urbanisations[i].en
				          : urbanisations[i].de;
	return value;
}
