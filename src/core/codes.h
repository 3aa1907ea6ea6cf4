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

#include "i18n.h"

/* Contexts a meaning can depend on: a verb id (verbs.h), or one of these. */
#define CODE_CTX_ANY      (-1)  /* no particular command (explain) */
#define CODE_CTX_GREETING (-2)  /* the connection-opening reply */

struct code_info {
	int code;
	const char *text;     /* RFC wording, e.g. "Requested mail action okay, completed" */
	const char *note;     /* bracketed RFC comment or our note; may be NULL */
	const char *source;   /* "RFC 821", "RFC 5321", "RFC 4954", "local", ... */
	int only;             /* CODE_CTX_ANY, or the one context (a verb id) the
	                       * text belongs to: 334 is AUTH's challenge and
	                       * means nothing of the kind after NOOP */
};

/* A meaning that replaces the general one in one context (RFC 3207 gives
 * STARTTLS its own 220, 454 and 501; RFC 5321 3.1 the greeting its 554). */
struct code_context_info {
	int code;
	int context;          /* a verb id or CODE_CTX_GREETING */
	const char *text;
	const char *source;
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

/* The meaning of `code` as a reply in `context` (a verb id,
 * CODE_CTX_GREETING, or CODE_CTX_ANY): the context's own row if there is
 * one, else the general row unless it belongs to another context, else a
 * text built from the digits.  *source (may be NULL) gets the RFC.  tr
 * translates the text and the pattern (i18n.h; NULL: English).  Writes
 * one line; returns the length it wanted (snprintf rules). */
size_t code_explain_in(int code, int context, text_translator tr, char *buf, size_t cap,
    const char **source);

/* Walk the per-context rows (explain, docs, tests). */
size_t code_context_count(void);
const struct code_context_info *code_context_at(size_t i);

/* Walk the table (docs, `explain`, the teaching server's coverage). */
size_t code_table_count(void);
const struct code_info *code_table_at(size_t i);

#endif
