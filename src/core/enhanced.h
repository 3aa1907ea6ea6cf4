/*
 * enhanced.h - RFC 3463 / RFC 5248 enhanced status codes: "class.subject.detail"
 * (e.g. 5.1.1).  Parsing and the meaning table.
 */
#ifndef SMTPSH_ENHANCED_H
#define SMTPSH_ENHANCED_H

#include <stdbool.h>
#include <stddef.h>

#include "i18n.h"

struct enhanced_code {
	int cls;      /* 2, 4 or 5 (0 in a reply that carries none) */
	int subject;  /* 0..999 */
	int detail;   /* 0..999 */
};

/* Parse an enhanced code at the start of text (RFC 3463 syntax: class "2"/
 * "4"/"5", subject and detail 1-3 digits, followed by end, SP or HT).
 * Returns true and fills *out and *consumed (bytes of the code itself). */
bool enhanced_parse(const char *text, size_t len, struct enhanced_code *out,
    size_t *consumed);

const char *enhanced_class_meaning(int cls);        /* "Permanent Failure" */
const char *enhanced_subject_meaning(int subject);  /* "Addressing Status" */
/* "Bad destination mailbox address"; NULL when not registered. */
const char *enhanced_detail_meaning(int subject, int detail);
/* The RFC that registered subject.detail ("RFC 3463", "RFC 7372", ...);
 * NULL when not registered. */
const char *enhanced_detail_source(int subject, int detail);
/* One line: "5.1.1 Permanent Failure: Addressing Status: Bad destination
 * mailbox address".  snprintf rules. */
size_t enhanced_explain(const struct enhanced_code *c, char *buf, size_t cap);
/* The same, translated by tr (i18n.h; NULL: English). */
size_t enhanced_explain_tr(const struct enhanced_code *c, text_translator tr, char *buf,
    size_t cap);

#endif
