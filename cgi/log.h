/*
 * log.h: one line per event on standard error, which the process manager
 * (make run, systemd) sends to a file or the journal.
 */
#ifndef LOG_H
#define LOG_H

/* Sets the request id that log lines carry until the next call (NULL: none). */
void log_set_request(const char *request_id);

/* Logs an error: "error rid=... <message>". Control characters in the
 * message are escaped so that one event stays one line. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Logs an informational line. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* LOG_H */
