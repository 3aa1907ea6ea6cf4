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

struct enhanced_detail {
	int subject;
	int detail;
	const char *text;
	const char *source;   /* the RFC that registered it (IANA registry) */
};

static const struct enhanced_detail enhanced_details[] = {
	{ 0, 0, "Other undefined Status", "RFC 3463" },
	{ 1, 0, "Other address status", "RFC 3463" },
	{ 1, 1, "Bad destination mailbox address", "RFC 3463" },
	{ 1, 2, "Bad destination system address", "RFC 3463" },
	{ 1, 3, "Bad destination mailbox address syntax", "RFC 3463" },
	{ 1, 4, "Destination mailbox address ambiguous", "RFC 3463" },
	{ 1, 5, "Destination address valid", "RFC 3463" },
	{ 1, 6, "Destination mailbox has moved, No forwarding address", "RFC 3463" },
	{ 1, 7, "Bad sender's mailbox address syntax", "RFC 3463" },
	{ 1, 8, "Bad sender's system address", "RFC 3463" },
	{ 1, 9, "Message relayed to non-compliant mailer", "RFC 3886" },
	{ 1, 10, "Recipient address has null MX", "RFC 7505" },
	{ 2, 0, "Other or undefined mailbox status", "RFC 3463" },
	{ 2, 1, "Mailbox disabled, not accepting messages", "RFC 3463" },
	{ 2, 2, "Mailbox full", "RFC 3463" },
	{ 2, 3, "Message length exceeds administrative limit", "RFC 3463" },
	{ 2, 4, "Mailing list expansion problem", "RFC 3463" },
	{ 3, 0, "Other or undefined mail system status", "RFC 3463" },
	{ 3, 1, "Mail system full", "RFC 3463" },
	{ 3, 2, "System not accepting network messages", "RFC 3463" },
	{ 3, 3, "System not capable of selected features", "RFC 3463" },
	{ 3, 4, "Message too big for system", "RFC 3463" },
	{ 3, 5, "System incorrectly configured", "RFC 3463" },
	{ 3, 6, "Requested priority was changed", "RFC 6710" },
	{ 4, 0, "Other or undefined network or routing status", "RFC 3463" },
	{ 4, 1, "No answer from host", "RFC 3463" },
	{ 4, 2, "Bad connection", "RFC 3463" },
	{ 4, 3, "Directory server failure", "RFC 3463" },
	{ 4, 4, "Unable to route", "RFC 3463" },
	{ 4, 5, "Mail system congestion", "RFC 3463" },
	{ 4, 6, "Routing loop detected", "RFC 3463" },
	{ 4, 7, "Delivery time expired", "RFC 3463" },
	{ 5, 0, "Other or undefined protocol status", "RFC 3463" },
	{ 5, 1, "Invalid command", "RFC 3463" },
	{ 5, 2, "Syntax error", "RFC 3463" },
	{ 5, 3, "Too many recipients", "RFC 3463" },
	{ 5, 4, "Invalid command arguments", "RFC 3463" },
	{ 5, 5, "Wrong protocol version", "RFC 3463" },
	{ 5, 6, "Authentication Exchange line is too long", "RFC 4954" },
	{ 6, 0, "Other or undefined media error", "RFC 3463" },
	{ 6, 1, "Media not supported", "RFC 3463" },
	{ 6, 2, "Conversion required and prohibited", "RFC 3463" },
	{ 6, 3, "Conversion required but not supported", "RFC 3463" },
	{ 6, 4, "Conversion with loss performed", "RFC 3463" },
	{ 6, 5, "Conversion Failed", "RFC 3463" },
	{ 6, 6, "Message content not available", "RFC 4468" },
	{ 6, 7, "Non-ASCII addresses not permitted for that sender/recipient", "RFC 6531" },
	{ 6, 8, "UTF-8 string reply is required, but not permitted by the SMTP client", "RFC 6531" },
	{ 6, 9, "UTF-8 header message cannot be transferred to one or more "
	        "recipients, so the message must be rejected", "RFC 6531" },
	{ 7, 0, "Other or undefined security status", "RFC 3463" },
	{ 7, 1, "Delivery not authorized, message refused", "RFC 3463" },
	{ 7, 2, "Mailing list expansion prohibited", "RFC 3463" },
	{ 7, 3, "Security conversion required but not possible", "RFC 3463" },
	{ 7, 4, "Security features not supported", "RFC 3463" },
	{ 7, 5, "Cryptographic failure", "RFC 3463" },
	{ 7, 6, "Cryptographic algorithm not supported", "RFC 3463" },
	{ 7, 7, "Message integrity failure", "RFC 3463" },
	{ 7, 8, "Authentication credentials invalid", "RFC 4954" },
	{ 7, 9, "Authentication mechanism is too weak", "RFC 4954" },
	{ 7, 10, "Encryption Needed", "RFC 5248" },
	{ 7, 11, "Encryption required for requested authentication mechanism", "RFC 4954" },
	{ 7, 12, "A password transition is needed", "RFC 4954" },
	{ 7, 13, "User Account Disabled", "RFC 5248" },
	{ 7, 14, "Trust relationship required", "RFC 5248" },
	{ 7, 15, "Priority Level is too low", "RFC 6710" },
	{ 7, 16, "Message is too big for the specified priority", "RFC 6710" },
	{ 7, 17, "Mailbox owner has changed", "RFC 7293" },
	{ 7, 18, "Domain owner has changed", "RFC 7293" },
	{ 7, 19, "RRVS test cannot be completed", "RFC 7293" },
	{ 7, 20, "No passing DKIM signature found", "RFC 7372" },
	{ 7, 21, "No acceptable DKIM signature found", "RFC 7372" },
	{ 7, 22, "No valid author-matched DKIM signature found", "RFC 7372" },
	{ 7, 23, "SPF validation failed", "RFC 7372" },
	{ 7, 24, "SPF validation error", "RFC 7372" },
	{ 7, 25, "Reverse DNS validation failed", "RFC 7372" },
	{ 7, 26, "Multiple authentication checks failed", "RFC 7372" },
	{ 7, 27, "Sender address has null MX", "RFC 7505" },
	{ 7, 29, "ARC validation failure", "RFC 8617" },
	{ 7, 30, "REQUIRETLS support required", "RFC 8689" },
};

static const char *const enhanced_subjects[] = {
	"Other or Undefined Status",
	"Addressing Status",
	"Mailbox Status",
	"Mail System Status",
	"Network and Routing Status",
	"Mail Delivery Protocol Status",
	"Message Content or Media Status",
	"Security or Policy Status",
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
	case 2: return "Success";
	case 4: return "Persistent Transient Failure";
	case 5: return "Permanent Failure";
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
	const char *cls = enhanced_class_meaning(c->cls);
	const char *subj = enhanced_subject_meaning(c->subject);
	const char *det = enhanced_detail_meaning(c->subject, c->detail);
	int n = snprintf(buf, cap, "%d.%d.%d %s: %s%s%s", c->cls, c->subject,
	    c->detail, cls != NULL ? cls : "Unknown class",
	    subj != NULL ? subj : "Unregistered subject",
	    det != NULL ? ": " : "", det != NULL ? det : "");
	return n < 0 ? 0 : (size_t)n;
}
