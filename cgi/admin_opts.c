/*
 * admin_opts.c: "--name value" and "--flag" options of the admin commands.
 */
#include <stdio.h>
#include <string.h>

#include "admin.h"

int
admin_opts_parse(int argc, char **argv, struct admin_opt *opts,
    const char **positional, int npositional)
{
	int i, np = 0;

	for (i = 0; i < argc; i++) {
		struct admin_opt *o;

		if (strncmp(argv[i], "--", 2) != 0) {
			if (np == npositional) {
				fprintf(stderr,
				    "reifegrad-admin: unexpected "
				    "argument %s\n",
				    argv[i]);
				return -1;
			}
			positional[np++] = argv[i];
			continue;
		}
		for (o = opts; o->name != NULL; o++)
			if (strcmp(argv[i] + 2, o->name) == 0)
				break;
		if (o->name == NULL) {
			fprintf(stderr, "reifegrad-admin: unknown option %s\n",
			    argv[i]);
			return -1;
		}
		if (o->has_arg) {
			if (i + 1 >= argc) {
				fprintf(stderr,
				    "reifegrad-admin: %s needs a "
				    "value\n",
				    argv[i]);
				return -1;
			}
			o->value = argv[++i];
		}
		o->set = 1;
	}
	if (np != npositional) {
		fprintf(stderr, "reifegrad-admin: missing argument\n");
		return -1;
	}
	for (; opts->name != NULL; opts++)
		if (opts->required && !opts->set) {
			fprintf(stderr, "reifegrad-admin: --%s is required\n",
			    opts->name);
			return -1;
		}
	return 0;
}
