/*
 * enhanced.c - RFC 3463 enhanced mail system status codes (enhanced.h).
 *
 * Syntax (RFC 3463 2): status-code = class "." subject "." detail, class
 * "2" / "4" / "5", subject and detail 1*3digit.  In an SMTP reply the code
 * is followed by SP (RFC 2034), HT or the end of the text.
 *
 * The meaning tables are the IANA "SMTP Enhanced Status Codes" registry
 * (RFC 5248): RFC 3463's codes plus later registrations (RFC 3886, 4468,
 * 4954, 5248, 6531, 6710, 7293, 7372, 7505, 8617, 8689).  Static constant
 * data: nothing to free, no errors.
 */
#include "enhanced.h"

#include <stdio.h>

#include "i18n.h"

struct enhanced_detail {
	int subject;
	int detail;
	const char *text;
	const char *source;   /* the RFC that registered it (IANA registry) */
};

static const struct enhanced_detail enhanced_details[] = {
	{ 0, 0, N_("Other undefined Status"), "RFC 3463" },
	{ 1, 0, N_("Other address status"), "RFC 3463" },
	{ 1, 1, N_("Bad destination mailbox address"), "RFC 3463" },
	{ 1, 2, N_("Bad destination system address"), "RFC 3463" },
	{ 1, 3, N_("Bad destination mailbox address syntax"), "RFC 3463" },
	{ 1, 4, N_("Destination mailbox address ambiguous"), "RFC 3463" },
	{ 1, 5, N_("Destination address valid"), "RFC 3463" },
	{ 1, 6, N_("Destination mailbox has moved, No forwarding address"), "RFC 3463" },
	{ 1, 7, N_("Bad sender's mailbox address syntax"), "RFC 3463" },
	{ 1, 8, N_("Bad sender's system address"), "RFC 3463" },
	{ 1, 9, N_("Message relayed to non-compliant mailer"), "RFC 3886" },
	{ 1, 10, N_("Recipient address has null MX"), "RFC 7505" },
	{ 2, 0, N_("Other or undefined mailbox status"), "RFC 3463" },
	{ 2, 1, N_("Mailbox disabled, not accepting messages"), "RFC 3463" },
	{ 2, 2, N_("Mailbox full"), "RFC 3463" },
	{ 2, 3, N_("Message length exceeds administrative limit"), "RFC 3463" },
	{ 2, 4, N_("Mailing list expansion problem"), "RFC 3463" },
	{ 3, 0, N_("Other or undefined mail system status"), "RFC 3463" },
	{ 3, 1, N_("Mail system full"), "RFC 3463" },
	{ 3, 2, N_("System not accepting network messages"), "RFC 3463" },
	{ 3, 3, N_("System not capable of selected features"), "RFC 3463" },
	{ 3, 4, N_("Message too big for system"), "RFC 3463" },
	{ 3, 5, N_("System incorrectly configured"), "RFC 3463" },
	{ 3, 6, N_("Requested priority was changed"), "RFC 6710" },
	{ 4, 0, N_("Other or undefined network or routing status"), "RFC 3463" },
	{ 4, 1, N_("No answer from host"), "RFC 3463" },
	{ 4, 2, N_("Bad connection"), "RFC 3463" },
	{ 4, 3, N_("Directory server failure"), "RFC 3463" },
	{ 4, 4, N_("Unable to route"), "RFC 3463" },
	{ 4, 5, N_("Mail system congestion"), "RFC 3463" },
	{ 4, 6, N_("Routing loop detected"), "RFC 3463" },
	{ 4, 7, N_("Delivery time expired"), "RFC 3463" },
	{ 5, 0, N_("Other or undefined protocol status"), "RFC 3463" },
	{ 5, 1, N_("Invalid command"), "RFC 3463" },
	{ 5, 2, N_("Syntax error"), "RFC 3463" },
	{ 5, 3, N_("Too many recipients"), "RFC 3463" },
	{ 5, 4, N_("Invalid command arguments"), "RFC 3463" },
	{ 5, 5, N_("Wrong protocol version"), "RFC 3463" },
	{ 5, 6, N_("Authentication Exchange line is too long"), "RFC 4954" },
	{ 6, 0, N_("Other or undefined media error"), "RFC 3463" },
	{ 6, 1, N_("Media not supported"), "RFC 3463" },
	{ 6, 2, N_("Conversion required and prohibited"), "RFC 3463" },
	{ 6, 3, N_("Conversion required but not supported"), "RFC 3463" },
	{ 6, 4, N_("Conversion with loss performed"), "RFC 3463" },
	{ 6, 5, N_("Conversion Failed"), "RFC 3463" },
	{ 6, 6, N_("Message content not available"), "RFC 4468" },
	{ 6, 7, N_("Non-ASCII addresses not permitted for that sender/recipient"), "RFC 6531" },
	{ 6, 8, N_("UTF-8 string reply is required, but not permitted by the SMTP client"), "RFC 6531" },
	{ 6, 9, N_("UTF-8 header message cannot be transferred to one or more "
	        "recipients, so the message must be rejected"), "RFC 6531" },
	{ 7, 0, N_("Other or undefined security status"), "RFC 3463" },
	{ 7, 1, N_("Delivery not authorized, message refused"), "RFC 3463" },
	{ 7, 2, N_("Mailing list expansion prohibited"), "RFC 3463" },
	{ 7, 3, N_("Security conversion required but not possible"), "RFC 3463" },
	{ 7, 4, N_("Security features not supported"), "RFC 3463" },
	{ 7, 5, N_("Cryptographic failure"), "RFC 3463" },
	{ 7, 6, N_("Cryptographic algorithm not supported"), "RFC 3463" },
	{ 7, 7, N_("Message integrity failure"), "RFC 3463" },
	{ 7, 8, N_("Authentication credentials invalid"), "RFC 4954" },
	{ 7, 9, N_("Authentication mechanism is too weak"), "RFC 4954" },
	{ 7, 10, N_("Encryption Needed"), "RFC 5248" },
	{ 7, 11, N_("Encryption required for requested authentication mechanism"), "RFC 4954" },
	{ 7, 12, N_("A password transition is needed"), "RFC 4954" },
	{ 7, 13, N_("User Account Disabled"), "RFC 5248" },
	{ 7, 14, N_("Trust relationship required"), "RFC 5248" },
	{ 7, 15, N_("Priority Level is too low"), "RFC 6710" },
	{ 7, 16, N_("Message is too big for the specified priority"), "RFC 6710" },
	{ 7, 17, N_("Mailbox owner has changed"), "RFC 7293" },
	{ 7, 18, N_("Domain owner has changed"), "RFC 7293" },
	{ 7, 19, N_("RRVS test cannot be completed"), "RFC 7293" },
	{ 7, 20, N_("No passing DKIM signature found"), "RFC 7372" },
	{ 7, 21, N_("No acceptable DKIM signature found"), "RFC 7372" },
	{ 7, 22, N_("No valid author-matched DKIM signature found"), "RFC 7372" },
	{ 7, 23, N_("SPF validation failed"), "RFC 7372" },
	{ 7, 24, N_("SPF validation error"), "RFC 7372" },
	{ 7, 25, N_("Reverse DNS validation failed"), "RFC 7372" },
	{ 7, 26, N_("Multiple authentication checks failed"), "RFC 7372" },
	{ 7, 27, N_("Sender address has null MX"), "RFC 7505" },
	{ 7, 29, N_("ARC validation failure"), "RFC 8617" },
	{ 7, 30, N_("REQUIRETLS support required"), "RFC 8689" },
};

static const char *const enhanced_subjects[] = {
	N_("Other or Undefined Status"),
	N_("Addressing Status"),
	N_("Mailbox Status"),
	N_("Mail System Status"),
	N_("Network and Routing Status"),
	N_("Mail Delivery Protocol Status"),
	N_("Message Content or Media Status"),
	N_("Security or Policy Status"),
};

/* Parse 1..3 ASCII digits at text[*i]; false on 0 or more than 3. */
static bool enhanced_number(const char *text, size_t len, size_t *i, int *out)
{
	int v = 0;
	size_t start = *i;
	while (*i < len && text[*i] >= '0' && text[*i] <= '9') {
		if (*i - start == 3)
			return false;
		v = v * 10 + (text[*i] - '0');
		(*i)++;
	}
	if (*i == start)
		return false;
	*out = v;
	return true;
}

bool enhanced_parse(const char *text, size_t len, struct enhanced_code *out,
    size_t *consumed)
{
	if (text == NULL || len < 5)
		return false;
	if (text[0] != '2' && text[0] != '4' && text[0] != '5')
		return false;
	if (text[1] != '.')
		return false;
	size_t i = 2;
	int subject, detail;
	if (!enhanced_number(text, len, &i, &subject))
		return false;
	if (i >= len || text[i] != '.')
		return false;
	i++;
	if (!enhanced_number(text, len, &i, &detail))
		return false;
	if (i < len && text[i] != ' ' && text[i] != '\t')
		return false;
	if (out != NULL)
		*out = (struct enhanced_code){ text[0] - '0', subject, detail };
	if (consumed != NULL)
		*consumed = i;
	return true;
}

const char *enhanced_class_meaning(int cls)
{
	switch (cls) {
	case 2: return N_("Success");
	case 4: return N_("Persistent Transient Failure");
	case 5: return N_("Permanent Failure");
	default: return NULL;
	}
}

const char *enhanced_subject_meaning(int subject)
{
	if (subject < 0 ||
	    (size_t)subject >= sizeof enhanced_subjects / sizeof enhanced_subjects[0])
		return NULL;
	return enhanced_subjects[subject];
}

const char *enhanced_detail_meaning(int subject, int detail)
{
	for (size_t i = 0; i < sizeof enhanced_details / sizeof enhanced_details[0]; i++)
		if (enhanced_details[i].subject == subject &&
		    enhanced_details[i].detail == detail)
			return enhanced_details[i].text;
	return NULL;
}

const char *enhanced_detail_source(int subject, int detail)
{
	for (size_t i = 0; i < sizeof enhanced_details / sizeof enhanced_details[0]; i++)
		if (enhanced_details[i].subject == subject &&
		    enhanced_details[i].detail == detail)
			return enhanced_details[i].source;
	return NULL;
}

size_t enhanced_explain(const struct enhanced_code *c, char *buf, size_t cap)
{
	return enhanced_explain_tr(c, NULL, buf, cap);
}

size_t enhanced_explain_tr(const struct enhanced_code *c, text_translator tr, char *buf,
    size_t cap)
{
	const char *cls = enhanced_class_meaning(c->cls);
	const char *subj = enhanced_subject_meaning(c->subject);
	const char *det = enhanced_detail_meaning(c->subject, c->detail);
	int n = snprintf(buf, cap, "%d.%d.%d %s: %s%s%s", c->cls, c->subject,
	    c->detail, tr_text(tr, cls != NULL ? cls : N_("Unknown class")),
	    tr_text(tr, subj != NULL ? subj : N_("Unregistered subject")),
	    det != NULL ? ": " : "", det != NULL ? tr_text(tr, det) : "");
	return n < 0 ? 0 : (size_t)n;
}
