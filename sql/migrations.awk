# migrations.awk: embeds sql/migrations/NNN_name.sql into the admin tool as
# a C table {name, text}, in file order, so that the binary alone can
# migrate a database. Usage: awk -f sql/migrations.awk sql/migrations/*.sql
FNR == 1 {
	if (n > 0)
		print "\t},"
	name = FILENAME
	sub(/.*\//, "", name)
	sub(/\.sql$/, "", name)
	printf "\t{\"%s\",\n", name
	n++
}
{
	line = $0
	gsub(/\\/, "\\\\", line)
	gsub(/"/, "\\\"", line)
	print "\"" line "\\n\""
}
BEGIN {
	print "/* generated from sql/migrations by sql/migrations.awk */"
	print "#include <stddef.h>"
	print "#include \"migrations.h\""
	print "const struct migration migrations[] = {"
}
END {
	if (n > 0)
		print "\t},"
	print "};"
	print "const size_t migrations_count = " n ";"
}
