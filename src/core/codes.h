/*
 * codes.h - the one reply-code table (RFC 821 4.2.2, RFC 5321 4.2.2-4.2.3,
 * and the ESMTP extensions' codes), the meanings of the first and second
 * digits (RFC 821 4.2.1), and the local codes 600 and 621.
 *
 * The shell, the JSON writer, the teaching server and the docs generator all
 * read this table; nothing else spells out a code's text.
 */
#ifndef SMTPSH_CODES_H
#define SMTPSH_CODES_H

#include <stddef.h>

struct code_info {
	int code;
	const char *text;     /* RFC wording, e.g. "Requested mail action okay, completed" */
	const char *note;     /* bracketed RFC comment or our note; may be NULL */
	const char *source;   /* "RFC 821", "RFC 5321", "RFC 4954", "local", ... */
};

/* NULL when the code is not in the table. */
const struct code_info *code_lookup(int code);
/* The table text, or NULL when the code is not in the table. */
const char *code_meaning(int code);
/* First digit: "Positive Completion reply", ... "local (smtpsh) condition". */
const char *code_class_meaning(int code);
/* Second digit: "Syntax", "Information", "Connections", "Unspecified",
 * "Mail system"; NULL for codes with no such digit meaning. */
const char *code_category_meaning(int code);
/* Writes one line: the table text if known, else a text built from the
 * digits ("Transient Negative Completion reply (Mail system)"), always
 * something.  Returns the length it wanted (snprintf rules). */
size_t code_explain(int code, char *buf, size_t cap);

/* Walk the table (docs, `explain`, the teaching server's coverage). */
size_t code_table_count(void);
const struct code_info *code_table_at(size_t i);

#endif
