# queries.awk: turns sql/queries/*.sql ("-- name: NAME" blocks) into a C
# table of named statements that db.c prepares once per connection.
# Usage: awk -v out=h|c -f sql/queries.awk sql/queries/*.sql
function flush() {
	if (name == "")
		return
	names[n++] = name
	texts[name] = text
	name = ""
	text = ""
}
/^-- name: / {
	flush()
	name = $3
	if (name in seen) {
		print "queries.awk: duplicate query " name > "/dev/stderr"
		exit 1
	}
	seen[name] = 1
	next
}
/^--/ { next }
{
	if (name == "")
		next
	line = $0
	if (index(line, "\\") > 0) {
		# awks differ in how they escape backslashes; SQL here needs none.
		print "queries.awk: backslash in query " name > "/dev/stderr"
		exit 1
	}
	gsub(/"/, "\\\"", line)
	text = text "\"" line "\\n\"\n"
}
END {
	flush()
	if (out == "h") {
		print "/* generated from sql/queries by sql/queries.awk */"
		print "#ifndef QUERIES_H\n#define QUERIES_H\nenum query {"
		for (i = 0; i < n; i++)
			print "\tQ_" toupper(names[i]) ","
		print "\tQ__MAX\n};\nstruct query_def {\n\tconst char *name;\n\tconst char *text;\n};"
		print "extern const struct query_def queries[Q__MAX];\n#endif"
	} else {
		print "/* generated from sql/queries by sql/queries.awk */"
		print "#include \"queries.h\"\nconst struct query_def queries[Q__MAX] = {"
		for (i = 0; i < n; i++)
			print "\t{\"" names[i] "\",\n" texts[names[i]] "\t},"
		print "};"
	}
}
