/*
 * admin_import.h: `reifegrad-admin org import FILE`, loading a municipality
 * register (Destatis Gemeindeverzeichnis, Eurostat LAU, or a plain CSV; see
 * register.h) into the organisation table.
 */
#ifndef ADMIN_IMPORT_H
#define ADMIN_IMPORT_H

#include <stdio.h>

#include <libpq-fe.h>

#include "reifegrad.h"

/* Bytes of a register file. The real ones have 2 and 9 MB; three times the
 * largest register of Europe is no register, and the whole file is read
 * into memory. */
#define ADMIN_IMPORT_FILE_MAX (64L * 1024 * 1024)

/*
 * Imports the register at path into organisation, by key, in one
 * transaction: rows are inserted or updated (see admin_import.c for which
 * columns each format may change); unchanged rows are not touched, so the
 * same file twice gives the same state.
 *
 * The whole file is parsed before the database is touched: a damaged file
 * (broken quoting, a wrong number of fields, invalid UTF-8, a number that
 * is no number) changes nothing. Refused rows are listed on stderr as
 * "FILE:LINE: refused: reason", skipped rows summarised by reason (each
 * listed when REIFEGRAD_VERBOSE is set and not "0"); a summary line goes to
 * stdout. When progress is a terminal, a progress line is kept there.
 *
 * conn must be idle (not inside a transaction) and connected as the owner
 * of organisation. Returns 0, or -1 after printing one line to stderr that
 * names the file (and the line, where one is at fault); then nothing was
 * changed. Borrows conn and progress.
 */
int admin_import_register(
    PGconn *conn, const char *path, FILE *progress) RG_WUR;

#endif /* ADMIN_IMPORT_H */
