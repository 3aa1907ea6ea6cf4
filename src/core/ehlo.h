/*
 * ehlo.h - the EHLO extension list (RFC 5321 4.1.1.1): the lines after the
 * first of a 250 reply to EHLO are "keyword [params]".  Parsed into a bounded
 * set the session keeps until the next EHLO, RSET of the connection, or TLS.
 */
#ifndef SMTPSH_EHLO_H
#define SMTPSH_EHLO_H

#include <stdbool.h>
#include <stddef.h>

#include "reply.h"
#include "smtp_limits.h"

#define EHLO_MAX_EXT 64
#define EHLO_KEYWORD_MAX 32
#define EHLO_PARAMS_MAX 256

struct ehlo_ext {
	char keyword[EHLO_KEYWORD_MAX + 1];  /* upper-cased */
	char params[EHLO_PARAMS_MAX + 1];    /* raw parameters, "" when none */
	bool params_cut;
};

struct ehlo_set {
	bool valid;           /* a 250 EHLO reply was parsed */
	char domain[SMTP_DOMAIN_MAX + 1]; /* its first line's Domain (RFC 5321 4.1.1.1), when
	                       * it is a host name (letters, digits, '-', '.');
	                       * else "" */
	size_t count;
	struct ehlo_ext ext[EHLO_MAX_EXT];
	size_t dropped;       /* extensions past EHLO_MAX_EXT, or malformed lines */
};

void ehlo_set_clear(struct ehlo_set *set);
/* The first word of a reply line t[0..len) into out (cap bytes) when it
 * is a host name (RFC 1035 letters, digits, '-' and '.'), else "": the
 * Domain of an EHLO reply or of a 220 greeting (RFC 5321 4.2, 4.1.1.1),
 * checked because it may go into a command. */
void ehlo_domain_word(const char *t, size_t len, char *out, size_t cap);
/* Parse a 250 EHLO reply (lines 2..n).  Keywords must match
 * (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"); others are counted in dropped. */
void ehlo_set_parse(struct ehlo_set *set, const struct smtp_reply *reply);
/* NULL when absent.  keyword is case-insensitive. */
const struct ehlo_ext *ehlo_find(const struct ehlo_set *set, const char *keyword);
/* Human meaning of a keyword ("Message size declaration (RFC 1870)"), or NULL. */
const char *ehlo_keyword_meaning(const char *keyword);

#endif
