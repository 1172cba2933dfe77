/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Records of the state store (pure): one line per record, fields separated by a tab. Every
 * field is escaped, so that no tab, newline, backslash or other control byte of a value ever
 * appears raw: "\t", "\n", "\\" and "\xHH". A record is complete only with its newline; a
 * line that is not is torn, and the parser says so rather than guess.
 */

#include <stddef.h>

#include "util/strbuf.h"

/* Append one field, escaped; a tab first unless @first. */
void cdm_record_add(strbuf *b, const char *field, int first);

/*
 * cdm_record_next() - the next record line of @text, skipping empty lines and "#" comments
 * @pos: where to go on from (0 at first); advanced past the line
 * @lineno: line number of the returned line (counts from 1; kept across calls)
 *
 * Return: 1 and the line without its newline in @ret_line/@ret_len, 0 at the end, or
 * -EBADMSG for a last line without its newline (a torn record, returned in @ret_line too).
 */
int cdm_record_next(const char *text, size_t n, size_t *pos, unsigned *lineno,
                const char **ret_line, size_t *ret_len);

/*
 * cdm_record_split() - the unescaped fields of one record line
 * @ret_fields: NULL-terminated array of @ret_n strings (free with strv_free)
 * @ret_what: on -EBADMSG, what is wrong (static text)
 *
 * Return: 0, -EBADMSG for a NUL or raw control byte, or a bad escape, or -ENOMEM.
 */
int cdm_record_split(const char *line, size_t len, char ***ret_fields, size_t *ret_n,
                const char **ret_what);

/* @line made printable for a message: escaped as a field, cut at @max bytes (with "..."). */
char *cdm_record_quote(const char *line, size_t len, size_t max);
