/*
 * log.c: line-oriented logging to standard error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static char current_rid[72];

void
log_set_request(const char *request_id)
{
	snprintf(current_rid, sizeof(current_rid), "%s",
	    request_id ? request_id : "");
}

/* Formats and writes one line with one write(2), so that lines of several
 * workers sharing a file do not interleave. */
static void
log_line(const char *level, const char *fmt, va_list ap)
{
	char msg[1024], line[2300], ts[32];
	size_t i, o = 0;
	struct tm tm;
	time_t now = time(NULL);
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof(line), "%s %s pid=%d rid=%s ", ts, level,
	    (int)getpid(), current_rid[0] ? current_rid : "-");
	if (n < 0)
		return;
	o = (size_t)n;
	for (i = 0; msg[i] != '\0' && o + 5 < sizeof(line); i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c < 0x20 || c == 0x7F) {
			o += (size_t)snprintf(
			    line + o, sizeof(line) - o, "\\x%02x", c);
		} else
			line[o++] = (char)c;
	}
	line[o++] = '\n';
	(void)!write(STDERR_FILENO, line, o);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("error", fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("info", fmt, ap);
	va_end(ap);
}
