/*
 * codes.c - the one reply-code table (codes.h).
 *
 * Sources: RFC 821 4.2.1 (digit meanings) and 4.2.2 (the code list, with
 * its bracketed notes kept as `note`), RFC 5321 4.2.2-4.2.3 (252, 455, 555,
 * and the wider wording of 450/550/554), RFC 4954 (AUTH: 235, 334, 432,
 * 454, 500, 530, 534, 535, 538), RFC 3207 (STARTTLS: 454, 530), RFC 7504
 * (521, 556), RFC 1870 (552 for SIZE), and the local codes 600 and 621
 * (reply.h).  Each code has one row; where several RFCs use a code, the
 * first wording is `text` and the others are in `note`.
 *
 * Everything here is static constant data: nothing to free, no errors.
 * The table is sorted by code (the unit test checks it).
 */
#include "codes.h"

#include <stdio.h>

#include "i18n.h"
#include "reply.h"
#include "verbs.h"

static const struct code_info code_table[] = {
	{ 211, N_("System status, or system help reply"), NULL, "RFC 821", CODE_CTX_ANY },
	{ 214, N_("Help message"),
	  N_("Information on how to use the receiver or the meaning of a "
	  "particular non-standard command; this reply is useful only to the "
	  "human user"), "RFC 821", CODE_CTX_ANY },
	{ 220, N_("<domain> Service ready"), NULL, "RFC 821", CODE_CTX_ANY },
	{ 221, N_("<domain> Service closing transmission channel"), NULL, "RFC 821", CODE_CTX_ANY },
	{ 235, N_("Authentication succeeded"),
	  N_("Sent with enhanced code 2.7.0 after a successful AUTH exchange"),
	  "RFC 4954", VERB_AUTH },
	{ 250, N_("Requested mail action okay, completed"), NULL, "RFC 821", CODE_CTX_ANY },
	{ 251, N_("User not local; will forward to <forward-path>"), NULL,
	  "RFC 821", CODE_CTX_ANY },
	{ 252, N_("Cannot VRFY user, but will accept message and attempt delivery"),
	  N_("See RFC 5321 3.5.3"), "RFC 5321", CODE_CTX_ANY },
	{ 334, N_("Server challenge"),
	  N_("AUTH continuation: the text is a base64 challenge (possibly "
	  "empty); the client answers with a base64 line or \"*\" to cancel"),
	  "RFC 4954", VERB_AUTH },
	{ 354, N_("Start mail input; end with <CRLF>.<CRLF>"), NULL, "RFC 821", CODE_CTX_ANY },
	{ 421, N_("<domain> Service not available, closing transmission channel"),
	  N_("This may be a reply to any command if the service knows it must "
	  "shut down"), "RFC 821", CODE_CTX_ANY },
	{ 432, N_("A password transition is needed"),
	  N_("Sent with enhanced code 4.7.12"), "RFC 4954", CODE_CTX_ANY },
	{ 450, N_("Requested mail action not taken: mailbox unavailable"),
	  N_("E.g., mailbox busy (RFC 5321 adds: or temporarily blocked for "
	  "policy reasons)"), "RFC 821", CODE_CTX_ANY },
	{ 451, N_("Requested action aborted: local error in processing"), NULL,
	  "RFC 821", CODE_CTX_ANY },
	{ 452, N_("Requested action not taken: insufficient system storage"),
	  N_("RFC 5321 4.5.3.1.10 also uses it for \"too many recipients\""),
	  "RFC 821", CODE_CTX_ANY },
	{ 454, N_("Temporary authentication failure"),
	  N_("RFC 3207 uses it for \"TLS not available due to temporary reason\"; "
	  "RFC 4954 sends it with enhanced code 4.7.0"), "RFC 4954, RFC 3207", CODE_CTX_ANY },
	{ 455, N_("Server unable to accommodate parameters"), NULL, "RFC 5321", CODE_CTX_ANY },
	{ 500, N_("Syntax error, command unrecognized"),
	  N_("This may include errors such as command line too long; RFC 4954 "
	  "also uses it (with 5.5.6) for \"Authentication Exchange line is too "
	  "long\""), "RFC 821", CODE_CTX_ANY },
	{ 501, N_("Syntax error in parameters or arguments"), NULL, "RFC 821", CODE_CTX_ANY },
	{ 502, N_("Command not implemented"), NULL, "RFC 821", CODE_CTX_ANY },
	{ 503, N_("Bad sequence of commands"), NULL, "RFC 821", CODE_CTX_ANY },
	{ 504, N_("Command parameter not implemented"), NULL, "RFC 821", CODE_CTX_ANY },
	{ 521, N_("Host does not accept mail"),
	  N_("May replace the 220 greeting of a host that never accepts mail"),
	  "RFC 7504", CODE_CTX_ANY },
	{ 530, N_("Authentication required"),
	  N_("RFC 3207 uses it for \"Must issue a STARTTLS command first\"; "
	  "RFC 4954 sends it with enhanced code 5.7.0"), "RFC 4954, RFC 3207", CODE_CTX_ANY },
	{ 534, N_("Authentication mechanism is too weak"),
	  N_("Sent with enhanced code 5.7.9"), "RFC 4954", CODE_CTX_ANY },
	{ 535, N_("Authentication credentials invalid"),
	  N_("Sent with enhanced code 5.7.8"), "RFC 4954", CODE_CTX_ANY },
	{ 538, N_("Encryption required for requested authentication mechanism"),
	  N_("Sent with enhanced code 5.7.11"), "RFC 4954", CODE_CTX_ANY },
	{ 550, N_("Requested action not taken: mailbox unavailable"),
	  N_("E.g., mailbox not found, no access (RFC 5321 adds: or command "
	  "rejected for policy reasons)"), "RFC 821", CODE_CTX_ANY },
	{ 551, N_("User not local; please try <forward-path>"), NULL, "RFC 821", CODE_CTX_ANY },
	{ 552, N_("Requested mail action aborted: exceeded storage allocation"),
	  N_("RFC 1870 uses it when the message exceeds the server's SIZE"),
	  "RFC 821", CODE_CTX_ANY },
	{ 553, N_("Requested action not taken: mailbox name not allowed"),
	  N_("E.g., mailbox syntax incorrect"), "RFC 821", CODE_CTX_ANY },
	{ 554, N_("Transaction failed"),
	  N_("RFC 5321: or, in the case of a connection-opening response, "
	  "\"No SMTP service here\""), "RFC 821", CODE_CTX_ANY },
	{ 555, N_("MAIL FROM/RCPT TO parameters not recognized or not implemented"),
	  NULL, "RFC 5321", CODE_CTX_ANY },
	{ 556, N_("Domain does not accept mail"),
	  N_("The recipient's domain has a null MX (RFC 7505) or otherwise "
	  "accepts no mail"), "RFC 7504", CODE_CTX_ANY },
	{ SMTP_CODE_UNPARSABLE, N_("Server reply could not be parsed"),
	  N_("Not sent by any server: smtpsh's code for a reply line that is not "
	  "\"ddd\", \"ddd text\" or \"ddd-text\" with ddd in 100..599"),
	  "local", CODE_CTX_ANY },
	{ SMTP_CODE_EOF, N_("Premature EOF while reading server reply"),
	  N_("Not sent by any server: smtpsh's code for a connection closed in "
	  "the middle of a reply"), "local", CODE_CTX_ANY },
};

#define CODE_TABLE_COUNT (sizeof code_table / sizeof code_table[0])

/* Meanings that belong to one context and replace the general row there. */
static const struct code_context_info code_context_table[] = {
	{ 220, VERB_STARTTLS, N_("Ready to start TLS"), "RFC 3207 4" },
	{ 454, VERB_STARTTLS, N_("TLS not available due to temporary reason"), "RFC 3207 4" },
	{ 501, VERB_STARTTLS, N_("Syntax error (no parameters allowed)"), "RFC 3207 4" },
	{ 454, VERB_AUTH, N_("Temporary authentication failure"), "RFC 4954 6" },
	{ 503, VERB_AUTH, N_("Bad sequence of commands: already authenticated, or inside "
	  "a mail transaction"), "RFC 4954 4" },
	{ 504, VERB_AUTH, N_("Unrecognized authentication type"), "RFC 4954 4" },
	{ 553, VERB_VRFY, N_("User ambiguous"), "RFC 821 3.3" },
	{ 220, VERB_XCLIENT, N_("The session starts again as the client named: EHLO next"),
	  "Postfix XCLIENT_README" },
	{ 550, VERB_XCLIENT, N_("This client may not use XCLIENT (smtpd_authorized_xclient_hosts)"),
	  "Postfix XCLIENT_README" },
	{ 503, VERB_XCLIENT, N_("Bad sequence of commands: not inside a mail transaction"),
	  "Postfix XCLIENT_README" },
	{ 554, CODE_CTX_GREETING, N_("No SMTP service here"), "RFC 5321 3.1" },
};

#define CODE_CONTEXT_COUNT (sizeof code_context_table / sizeof code_context_table[0])

/* RFC 821 4.2.1, first digit. */
static const char *const class_meanings[] = {
	NULL,
	N_("Positive Preliminary reply"),
	N_("Positive Completion reply"),
	N_("Positive Intermediate reply"),
	N_("Transient Negative Completion reply"),
	N_("Permanent Negative Completion reply"),
	N_("local (smtpsh) condition"),
};

/* RFC 821 4.2.1, second digit. */
static const char *const category_meanings[] = {
	N_("Syntax"),
	N_("Information"),
	N_("Connections"),
	N_("Unspecified as yet"),
	N_("Unspecified as yet"),
	N_("Mail system"),
};

const struct code_info *code_lookup(int code)
{
	size_t lo = 0, hi = CODE_TABLE_COUNT;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (code_table[mid].code == code)
			return &code_table[mid];
		if (code_table[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *code_meaning(int code)
{
	const struct code_info *ci = code_lookup(code);
	return ci != NULL ? ci->text : NULL;
}

/* NULL for codes outside 100..699 (no first-digit meaning). */
const char *code_class_meaning(int code)
{
	if (code < 100 || code > 699)
		return NULL;
	return class_meanings[code / 100];
}

/* NULL for local codes, out-of-range codes and second digits 6..9. */
const char *code_category_meaning(int code)
{
	if (code < 100 || code > 599)
		return NULL;
	int d2 = (code / 10) % 10;
	if (d2 > 5)
		return NULL;
	return category_meanings[d2];
}

size_t code_explain(int code, char *buf, size_t cap)
{
	return code_explain_in(code, CODE_CTX_ANY, NULL, buf, cap, NULL);
}

size_t code_explain_in(int code, int context, text_translator tr, char *buf, size_t cap,
    const char **source)
{
	const char *src = NULL;
	for (size_t i = 0; i < CODE_CONTEXT_COUNT; i++) {
		const struct code_context_info *c = &code_context_table[i];
		if (c->code == code && c->context == context && context != CODE_CTX_ANY) {
			if (source != NULL)
				*source = c->source;
			int n = snprintf(buf, cap, "%s", tr_text(tr, c->text));
			return n < 0 ? 0 : (size_t)n;
		}
	}
	const struct code_info *ci = code_lookup(code);
	if (ci != NULL && (ci->only == CODE_CTX_ANY || ci->only == context ||
	    context == CODE_CTX_ANY)) {
		src = ci->source;
		if (source != NULL)
			*source = src;
		int n = snprintf(buf, cap, "%s", tr_text(tr, ci->text));
		return n < 0 ? 0 : (size_t)n;
	}
	if (source != NULL)
		*source = NULL;
	const char *cls = tr_text(tr, code_class_meaning(code));
	const char *cat = tr_text(tr, code_category_meaning(code));
	int n;
	if (cls != NULL && cat != NULL)
		n = snprintf(buf, cap, tr_text(tr, N_("%s (%s)")), cls, cat);
	else if (cls != NULL)
		n = snprintf(buf, cap, "%s", cls);
	else
		n = snprintf(buf, cap, tr_text(tr, N_("Not an SMTP reply code (%d)")), code);
	return n < 0 ? 0 : (size_t)n;
}

size_t code_context_count(void)
{
	return CODE_CONTEXT_COUNT;
}

const struct code_context_info *code_context_at(size_t i)
{
	return i < CODE_CONTEXT_COUNT ? &code_context_table[i] : NULL;
}

size_t code_table_count(void)
{
	return CODE_TABLE_COUNT;
}

const struct code_info *code_table_at(size_t i)
{
	return i < CODE_TABLE_COUNT ? &code_table[i] : NULL;
}
