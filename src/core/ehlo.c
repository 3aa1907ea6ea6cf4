/*
 * ehlo.c - the EHLO extension list (ehlo.h; RFC 5321 4.1.1.1 and 4.1.5).
 *
 * ehlo-line = ehlo-keyword *( SP ehlo-param ); ehlo-keyword =
 * (ALPHA / DIGIT) *(ALPHA / DIGIT / "-").  A line whose first word is not a
 * keyword by that grammar ("AUTH=LOGIN", "STARTTLS!", an empty line) is
 * counted in `dropped`, never half-recognised: "STARTTLSX" is its own
 * keyword, not STARTTLS (security-cases RP-11).  Fixed-size storage.
 */
#include "ehlo.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"

void ehlo_set_clear(struct ehlo_set *set)
{
	memset(set, 0, sizeof *set);
}

static bool ehlo_keyword_char(unsigned char c, bool first)
{
	return isalnum(c) || (!first && c == '-');
}

static void ehlo_parse_line(struct ehlo_set *set, const char *t, size_t n)
{
	size_t k = 0;
	while (k < n && t[k] != ' ' && t[k] != '\t')
		k++;
	if (k == 0 || k > EHLO_KEYWORD_MAX)
		goto drop;
	for (size_t i = 0; i < k; i++)
		if (!ehlo_keyword_char((unsigned char)t[i], i == 0))
			goto drop;
	if (set->count == EHLO_MAX_EXT)
		goto drop;
	struct ehlo_ext *e = &set->ext[set->count++];
	memset(e, 0, sizeof *e);
	for (size_t i = 0; i < k; i++)
		e->keyword[i] = (char)toupper((unsigned char)t[i]);
	size_t p = k;
	while (p < n && (t[p] == ' ' || t[p] == '\t'))
		p++;
	size_t plen = n - p;
	if (plen > EHLO_PARAMS_MAX) {
		plen = EHLO_PARAMS_MAX;
		e->params_cut = true;
	}
	/* Parameters are printable ASCII (RFC 5321 4.1.1.1 ehlo-param); others
	 * are kept as '?' so no control byte is ever stored. */
	for (size_t i = 0; i < plen; i++) {
		unsigned char c = (unsigned char)t[p + i];
		e->params[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	return;
drop:
	set->dropped++;
}

void ehlo_domain_word(const char *t, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	while (n < len && t[n] != ' ')
		n++;
	if (n == 0 || n >= cap || t[0] == '.' || t[0] == '-')
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (!isalnum(c) && c != '-' && c != '.')
			return;
	}
	memcpy(out, t, n);
	out[n] = '\0';
}

void ehlo_set_parse(struct ehlo_set *set, const struct smtp_reply *reply)
{
	ehlo_set_clear(set);
	if (reply == NULL || reply->code != 250)
		return;
	set->valid = true;
	if (reply->nlines > 0)
		ehlo_domain_word(reply->lines[0].text, reply->lines[0].len, set->domain,
		    sizeof set->domain);
	for (size_t i = 1; i < reply->nlines; i++)
		ehlo_parse_line(set, reply->lines[i].text, reply->lines[i].len);
	if (reply->lines_dropped > 0)
		set->dropped += reply->lines_dropped;
}

const struct ehlo_ext *ehlo_find(const struct ehlo_set *set, const char *keyword)
{
	for (size_t i = 0; i < set->count; i++)
		if (strcasecmp(set->ext[i].keyword, keyword) == 0)
			return &set->ext[i];
	return NULL;
}

static const struct {
	const char *keyword;
	const char *meaning;
} ehlo_meanings[] = {
	{ "8BITMIME", N_("8-bit MIME bodies accepted (RFC 6152)") },
	{ "ATRN", N_("Authenticated TURN for on-demand relay (RFC 2645)") },
	{ "AUTH", N_("Authentication, with the mechanisms listed (RFC 4954)") },
	{ "BINARYMIME", N_("Binary MIME bodies, with CHUNKING (RFC 3030)") },
	{ "BURL", N_("Message assembly from IMAP URLs (RFC 4468)") },
	{ "CHECKPOINT", N_("Checkpoint/restart of transactions (RFC 1845)") },
	{ "CHUNKING", N_("BDAT: the body sent in sized chunks (RFC 3030)") },
	{ "DELIVERBY", N_("Deliver-by time limits (RFC 2852)") },
	{ "DSN", N_("Delivery status notifications on request (RFC 3461)") },
	{ "ENHANCEDSTATUSCODES", N_("Replies carry RFC 3463 codes such as 5.1.1 (RFC 2034)") },
	{ "ETRN", N_("Remote queue start for a domain (RFC 1985)") },
	{ "EXPN", N_("Mailing list expansion (RFC 5321 3.5)") },
	{ "FUTURERELEASE", N_("Hold the message until a release time (RFC 4865)") },
	{ "HELP", N_("Help on commands (RFC 5321 4.1.1.8)") },
	{ "LIMITS", N_("Advertised limits on recipients and transactions (RFC 9422)") },
	{ "MT-PRIORITY", N_("Message transfer priorities (RFC 6710)") },
	{ "MTRK", N_("Message tracking (RFC 3885)") },
	{ "NO-SOLICITING", N_("No solicitations wanted (RFC 3865)") },
	{ "ONEX", N_("One message per transaction (Sendmail)") },
	{ "PIPELINING", N_("Commands may be sent in groups without waiting (RFC 2920)") },
	{ "REQUIRETLS", N_("TLS required for the whole relay path on request (RFC 8689)") },
	{ "RRVS", N_("Recipient reassignment check (RFC 7293)") },
	{ "SIZE", N_("Message size declaration and limit (RFC 1870)") },
	{ "SMTPUTF8", N_("Internationalized addresses and headers (RFC 6531)") },
	{ "STARTTLS", N_("The connection can be upgraded to TLS (RFC 3207)") },
	{ "TURN", N_("The server will take the sender role (RFC 821)") },
	{ "VERB", N_("Verbose mode (Sendmail)") },
	{ "VRFY", N_("Address verification (RFC 5321 3.5)") },
	{ "X-EXPS", N_("Authentication, legacy form (Microsoft)") },
	{ "XCLIENT", N_("The client may override connection attributes (Postfix)") },
	{ "XFORWARD", N_("The client may forward original attributes (Postfix)") },
};

const char *ehlo_keyword_meaning(const char *keyword)
{
	for (size_t i = 0; i < sizeof ehlo_meanings / sizeof ehlo_meanings[0]; i++)
		if (strcasecmp(ehlo_meanings[i].keyword, keyword) == 0)
			return ehlo_meanings[i].meaning;
	return NULL;
}
