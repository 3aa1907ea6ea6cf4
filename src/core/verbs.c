/*
 * verbs.c - the one SMTP command table (verbs.h).
 *
 * S/I/F/E codes: RFC 821 4.3 (the state diagram at the end of the scsh
 * seed) for the fourteen RFC 821 commands, widened with the codes RFC 5321
 * 4.3.2 adds (252 to VRFY/EXPN, 455/555 for parameters, 450/550 after the
 * body, 503 for sequence errors); EHLO from RFC 5321, STARTTLS from RFC 3207,
 * AUTH from RFC 4954 (whose 530, "Authentication required", MAIL and
 * RCPT may get too: RFC 4954 6).  Where RFC 5321 lumps failures and errors together,
 * failures of the requested action (mailbox, storage, policy) are F and
 * complaints about the command itself (syntax, sequence, not implemented)
 * are E, as RFC 821 draws the line.  421 is an error for every verb.
 *
 * Pure data and string formatting; no allocation.
 */
#include "verbs.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "mailbox.h"
#include "reply.h"
#include "smtp_limits.h"

#define GREETED_ON (SMTP_ST_BIT(SMTP_ST_GREETED) | SMTP_ST_BIT(SMTP_ST_READY) | \
	SMTP_ST_BIT(SMTP_ST_MAIL) | SMTP_ST_BIT(SMTP_ST_RCPT))
#define READY_ONLY SMTP_ST_BIT(SMTP_ST_READY)
#define UNCHANGED SMTP_ST__COUNT

/* Indexed by verb id: verb_by_id() and verb_at() are one lookup. */
static const struct verb verb_table[] = {
	[VERB_HELO] = { VERB_HELO, "HELO", NULL, VERB_ARG_OPTIONAL, "helo [DOMAIN]",
	  N_("Say who we are (RFC 821); DOMAIN defaults to this machine's full name"),
	  "RFC 821 4.1.1; RFC 5321 4.1.1.1", GREETED_ON, SMTP_ST_READY,
	  SMTP_TIMEOUT_OTHER, VERB_F_RFC821 | VERB_F_HELLO,
	  { 250 }, { 0 }, { 550 }, { 500, 501, 502, 504, 421 },
	  .syntax = "HELO <domain>" },
	[VERB_EHLO] = { VERB_EHLO, "EHLO", NULL, VERB_ARG_OPTIONAL, "ehlo [DOMAIN]",
	  N_("Extended hello: the server lists its ESMTP extensions"),
	  "RFC 5321 4.1.1.1", GREETED_ON, SMTP_ST_READY,
	  SMTP_TIMEOUT_OTHER, VERB_F_ESMTP | VERB_F_HELLO | VERB_F_EXTENSIONS,
	  { 250 }, { 0 }, { 550 }, { 500, 501, 502, 504, 421 },
	  .syntax = "EHLO <domain>" },
	[VERB_MAIL] = { VERB_MAIL, "MAIL", "FROM:", VERB_ARG_OPTIONAL,
	  "mail [ADDR] | mail FROM:<ADDR> [PARAMS]",
	  N_("Start a mail transaction from ADDR (none: the null sender <>)"),
	  "RFC 821 4.1.1; RFC 5321 4.1.1.2", READY_ONLY, SMTP_ST_MAIL,
	  SMTP_TIMEOUT_MAIL, VERB_F_RFC821 | VERB_F_OPENS_MAIL,
	  { 250 }, { 0 }, { 552, 451, 452, 550, 553, 455, 530 },
	  { 500, 501, 503, 555, 421 },
	  .syntax = "MAIL FROM:<reverse-path> [<mail-parameters>]" },
	[VERB_RCPT] = { VERB_RCPT, "RCPT", "TO:", VERB_ARG_REQUIRED,
	  "rcpt ADDR | rcpt TO:<ADDR> [PARAMS]",
	  N_("Add a recipient (\"rcpt postmaster\" is always legal)"),
	  "RFC 821 4.1.1; RFC 5321 4.1.1.3",
	  SMTP_ST_BIT(SMTP_ST_MAIL) | SMTP_ST_BIT(SMTP_ST_RCPT), SMTP_ST_RCPT,
	  SMTP_TIMEOUT_RCPT, VERB_F_RFC821 | VERB_F_RECIPIENT,
	  { 250, 251 }, { 0 }, { 550, 551, 552, 553, 450, 451, 452, 455, 554, 530 },
	  { 500, 501, 503, 555, 421 },
	  .syntax = "RCPT TO:<forward-path> [<rcpt-parameters>]" },
	[VERB_DATA] = { VERB_DATA, "DATA", NULL, VERB_ARG_NONE, "data [FILE]",
	  N_("Send the message: typed lines ended by a lone \".\", or FILE"),
	  "RFC 821 4.1.1; RFC 5321 4.1.1.4", SMTP_ST_BIT(SMTP_ST_RCPT), SMTP_ST_DATA,
	  SMTP_TIMEOUT_DATA_INIT, VERB_F_RFC821 | VERB_F_BODY,
	  { 250 }, { 354 }, { 552, 554, 451, 452, 450, 550 },
	  { 500, 501, 503, 421 },
	  .syntax = "DATA" },
	[VERB_RSET] = { VERB_RSET, "RSET", NULL, VERB_ARG_NONE, "rset",
	  N_("Abort the mail transaction; keep the connection"),
	  "RFC 821 4.1.1; RFC 5321 4.1.1.5", GREETED_ON, SMTP_ST_READY,
	  SMTP_TIMEOUT_OTHER, VERB_F_RFC821 | VERB_F_RESETS,
	  { 250 }, { 0 }, { 0 }, { 500, 501, 504, 421 },
	  .syntax = "RSET" },
	[VERB_SEND] = { VERB_SEND, "SEND", "FROM:", VERB_ARG_REQUIRED, "send ADDR",
	  N_("Deliver to the recipients' terminals instead of their mailboxes"),
	  "RFC 821 3.4, 4.1.1", READY_ONLY, SMTP_ST_MAIL,
	  SMTP_TIMEOUT_MAIL, VERB_F_RFC821 | VERB_F_OPENS_MAIL,
	  { 250 }, { 0 }, { 552, 451, 452 }, { 500, 501, 502, 503, 421 },
	  .syntax = "SEND FROM:<reverse-path>" },
	[VERB_SOML] = { VERB_SOML, "SOML", "FROM:", VERB_ARG_REQUIRED, "soml ADDR",
	  N_("Send Or MaiL: to the terminal if the user is active, else the mailbox"),
	  "RFC 821 3.4, 4.1.1", READY_ONLY, SMTP_ST_MAIL,
	  SMTP_TIMEOUT_MAIL, VERB_F_RFC821 | VERB_F_OPENS_MAIL,
	  { 250 }, { 0 }, { 552, 451, 452 }, { 500, 501, 502, 503, 421 },
	  .syntax = "SOML FROM:<reverse-path>" },
	[VERB_SAML] = { VERB_SAML, "SAML", "FROM:", VERB_ARG_REQUIRED, "saml ADDR",
	  N_("Send And MaiL: to the terminal (if active) and the mailbox"),
	  "RFC 821 3.4, 4.1.1", READY_ONLY, SMTP_ST_MAIL,
	  SMTP_TIMEOUT_MAIL, VERB_F_RFC821 | VERB_F_OPENS_MAIL,
	  { 250 }, { 0 }, { 552, 451, 452 }, { 500, 501, 502, 503, 421 },
	  .syntax = "SAML FROM:<reverse-path>" },
	[VERB_VRFY] = { VERB_VRFY, "VRFY", NULL, VERB_ARG_REQUIRED, "vrfy STRING",
	  N_("Ask whether STRING names a user or mailbox"),
	  "RFC 821 3.3, 4.1.1; RFC 5321 3.5", GREETED_ON, UNCHANGED,
	  SMTP_TIMEOUT_OTHER, VERB_F_RFC821 | VERB_F_ADDRESS_ARG,
	  { 250, 251, 252 }, { 0 }, { 550, 551, 553 },
	  { 500, 501, 502, 504, 421 },
	  .syntax = "VRFY <string>" },
	[VERB_EXPN] = { VERB_EXPN, "EXPN", NULL, VERB_ARG_REQUIRED, "expn STRING",
	  N_("Ask for the members of the mailing list STRING"),
	  "RFC 821 3.3, 4.1.1; RFC 5321 3.5", GREETED_ON, UNCHANGED,
	  SMTP_TIMEOUT_OTHER, VERB_F_RFC821 | VERB_F_ADDRESS_ARG,
	  { 250, 252 }, { 0 }, { 550 }, { 500, 501, 502, 504, 421 },
	  .syntax = "EXPN <string>" },
	[VERB_HELP] = { VERB_HELP, "HELP", NULL, VERB_ARG_OPTIONAL, "help [TOPIC]",
	  N_("Ask the server for help (the shell's own help is `?`)"),
	  "RFC 821 4.1.1; RFC 5321 4.1.1.8", GREETED_ON, UNCHANGED,
	  SMTP_TIMEOUT_OTHER, VERB_F_RFC821,
	  { 211, 214 }, { 0 }, { 0 }, { 500, 501, 502, 504, 421 },
	  .syntax = "HELP [<string>]" },
	[VERB_NOOP] = { VERB_NOOP, "NOOP", NULL, VERB_ARG_OPTIONAL, "noop",
	  N_("Do nothing; the server answers 250 if it is alive"),
	  "RFC 821 4.1.1; RFC 5321 4.1.1.9", GREETED_ON, UNCHANGED,
	  SMTP_TIMEOUT_OTHER, VERB_F_RFC821,
	  { 250 }, { 0 }, { 0 }, { 500, 501, 421 },
	  .syntax = "NOOP [<string>]" },
	[VERB_QUIT] = { VERB_QUIT, "QUIT", NULL, VERB_ARG_NONE, "quit",
	  N_("Close the session politely (221)"),
	  "RFC 821 4.1.1; RFC 5321 4.1.1.10",
	  GREETED_ON | SMTP_ST_BIT(SMTP_ST_CONNECTED), SMTP_ST_CLOSED,
	  SMTP_TIMEOUT_OTHER, VERB_F_RFC821 | VERB_F_CLOSES,
	  { 221 }, { 0 }, { 0 }, { 500, 501 },
	  .syntax = "QUIT" },
	[VERB_TURN] = { VERB_TURN, "TURN", NULL, VERB_ARG_NONE, "turn",
	  N_("Swap roles: the server becomes the sender (RFC 821; refused by modern servers)"),
	  "RFC 821 3.8, 4.1.1", READY_ONLY, SMTP_ST_TURNED,
	  SMTP_TIMEOUT_OTHER, VERB_F_RFC821 | VERB_F_SWAPS_ROLES,
	  { 250 }, { 0 }, { 502 }, { 500, 503, 421 },
	  .syntax = "TURN" },
	[VERB_STARTTLS] = { VERB_STARTTLS, "STARTTLS", NULL, VERB_ARG_NONE, "starttls",
	  N_("Upgrade the connection to TLS, then EHLO again"),
	  "RFC 3207", SMTP_ST_BIT(SMTP_ST_GREETED) | READY_ONLY, SMTP_ST_GREETED,
	  SMTP_TIMEOUT_OTHER, VERB_F_ESMTP | VERB_F_STARTS_TLS,
	  { 220 }, { 0 }, { 454 }, { 500, 501, 502, 503, 421 },
	  .syntax = "STARTTLS" },
	[VERB_AUTH] = { VERB_AUTH, "AUTH", NULL, VERB_ARG_REQUIRED, "auth MECH [USER]",
	  N_("Authenticate (PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256, XOAUTH2, OAUTHBEARER); the "
	  "secret is never shown or saved"),
	  "RFC 4954", READY_ONLY, UNCHANGED,
	  SMTP_TIMEOUT_OTHER, VERB_F_ESMTP | VERB_F_SENSITIVE | VERB_F_CHALLENGE,
	  { 235 }, { 334 }, { 432, 454, 534, 535, 538 },
	  { 500, 501, 502, 503, 504, 530, 421 },
	  .syntax = "AUTH <mechanism> [<initial-response>]" },
	[VERB_BDAT] = { VERB_BDAT, "BDAT", NULL, VERB_ARG_REQUIRED, "bdat FILE",
	  N_("Send FILE as the message in chunks of exact size, no dot-stuffing (CHUNKING)"),
	  "RFC 3030", SMTP_ST_BIT(SMTP_ST_RCPT), UNCHANGED,
	  SMTP_TIMEOUT_DATA_BLOCK, VERB_F_ESMTP | VERB_F_CHUNK,
	  { 250 }, { 0 }, { 552, 554, 451, 452, 450, 550 },
	  { 500, 501, 503, 504, 421 },
	  .syntax = "BDAT <chunk-size> [LAST]" },
	[VERB_LHLO] = { VERB_LHLO, "LHLO", NULL, VERB_ARG_OPTIONAL, "lhlo [DOMAIN]",
	  N_("LMTP's hello (--lmtp): the server lists its extensions"),
	  "RFC 2033 4.1", GREETED_ON, SMTP_ST_READY,
	  SMTP_TIMEOUT_OTHER, VERB_F_ESMTP | VERB_F_HELLO | VERB_F_EXTENSIONS | VERB_F_LMTP,
	  { 250 }, { 0 }, { 550 }, { 500, 501, 502, 504, 421 },
	  .syntax = "LHLO <domain>" },
	/* Postfix's XCLIENT_README: a 220 starts the session again as the
	 * client named (the greeting state: EHLO follows); 550 when this
	 * client is not authorized, 503 inside a transaction. */
	[VERB_XCLIENT] = { VERB_XCLIENT, "XCLIENT", NULL, VERB_ARG_REQUIRED,
	  "xclient ATTR=VALUE ...",
	  N_("Postfix XCLIENT: the server takes this client for the one named (NAME, ADDR, "
	  "HELO ...); then EHLO again"),
	  "Postfix XCLIENT_README", SMTP_ST_BIT(SMTP_ST_GREETED) | READY_ONLY, SMTP_ST_GREETED,
	  SMTP_TIMEOUT_OTHER, VERB_F_ESMTP | VERB_F_RESTARTS,
	  { 220 }, { 0 }, { 550 }, { 500, 501, 502, 503, 421 },
	  .syntax = "XCLIENT <attribute-name>=<attribute-value> ..." },
};
_Static_assert(sizeof verb_table / sizeof verb_table[0] == VERB__COUNT,
    "a row for every verb id");

/* Wire syntax, RFC 821 4.1.2 (RFC 5321 4.1.1 for EHLO and parameters,
 * RFC 3207 STARTTLS, RFC 4954 AUTH), by verb id beside the table above. */

const char *verb_syntax(const struct verb *v)
{
	return v != NULL && v->syntax != NULL ? v->syntax : "";
}

/* RFC 821 4.3's own lists (the state diagram at the end of the scsh seed),
 * every kind together: what a reply list may attribute to RFC 821; the rest
 * of the verb table's codes came later (RFC 5321 4.3.2 and the
 * extensions).  A verb RFC 821 does not have lists nothing. */
static const short verb_rfc821_codes[VERB__COUNT][16] = {
	[VERB_HELO] = { 250, 500, 501, 504, 421 },
	[VERB_MAIL] = { 250, 552, 451, 452, 500, 501, 421 },
	[VERB_RCPT] = { 250, 251, 550, 551, 552, 553, 450, 451, 452, 500, 501, 503, 421 },
	[VERB_DATA] = { 354, 250, 552, 554, 451, 452, 500, 501, 503, 421 },
	[VERB_RSET] = { 250, 500, 501, 504, 421 },
	[VERB_SEND] = { 250, 552, 451, 452, 500, 501, 502, 421 },
	[VERB_SOML] = { 250, 552, 451, 452, 500, 501, 502, 421 },
	[VERB_SAML] = { 250, 552, 451, 452, 500, 501, 502, 421 },
	[VERB_VRFY] = { 250, 251, 550, 551, 553, 500, 501, 502, 504, 421 },
	[VERB_EXPN] = { 250, 550, 500, 501, 502, 504, 421 },
	[VERB_HELP] = { 211, 214, 500, 501, 502, 504, 421 },
	[VERB_NOOP] = { 250, 500, 421 },
	[VERB_QUIT] = { 221, 500 },
	[VERB_TURN] = { 250, 502, 500, 503 },
};

bool verb_code_in_rfc821(const struct verb *v, int code)
{
	if (v == NULL || (unsigned)v->id >= VERB__COUNT)
		return false;
	for (size_t i = 0; i < 16 && verb_rfc821_codes[v->id][i] != 0; i++)
		if (verb_rfc821_codes[v->id][i] == code)
			return true;
	return false;
}

/* The EHLO keyword that advertises an extension verb (RFC 5321 2.2.1). */
static const char *const verb_keyword[VERB__COUNT] = {
	[VERB_STARTTLS] = "STARTTLS",      /* RFC 3207 */
	[VERB_AUTH] = "AUTH",              /* RFC 4954 */
	[VERB_BDAT] = "CHUNKING",          /* RFC 3030 */
	[VERB_XCLIENT] = "XCLIENT",        /* Postfix */
};

const char *verb_ehlo_keyword(const struct verb *v)
{
	return v != NULL && (unsigned)v->id < VERB__COUNT ? verb_keyword[v->id] : NULL;
}

bool verb_in_rfc821(const struct verb *v)
{
	return v != NULL && (unsigned)v->id < VERB__COUNT && verb_rfc821_codes[v->id][0] != 0;
}

size_t verb_count(void)
{
	return VERB__COUNT;
}

const struct verb *verb_at(size_t i)
{
	return i < VERB__COUNT ? &verb_table[i] : NULL;
}

const struct verb *verb_by_id(enum verb_id id)
{
	return (unsigned)id < VERB__COUNT ? &verb_table[id] : NULL;
}

const struct verb *verb_lookup(const char *name, size_t len)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < VERB__COUNT; i++) {
		const char *vn = verb_table[i].name;
		if (strlen(vn) == len && strncasecmp(vn, name, len) == 0)
			return &verb_table[i];
	}
	return NULL;
}

static bool verb_code_in(const short *list, int code)
{
	for (size_t i = 0; i < VERB_CODES_MAX && list[i] != 0; i++)
		if (list[i] == code)
			return true;
	return false;
}

enum verdict verb_verdict(const struct verb *v, int code)
{
	if (code == 421 || code == SMTP_CODE_UNPARSABLE || code == SMTP_CODE_EOF)
		return VERDICT_ERROR;
	if (v == NULL) {
		/* A line that is no known verb (raw): judge by the digits.  x0z
		 * negative replies are about the command itself (RFC 821 4.2.1). */
		if (code >= 200 && code < 300)
			return VERDICT_SUCCESS;
		if (code >= 300 && code < 400)
			return VERDICT_INTERMEDIATE;
		if (code >= 400 && code < 600)
			return (code / 10) % 10 == 0 ? VERDICT_ERROR : VERDICT_FAILURE;
		return VERDICT_UNEXPECTED;
	}
	if (verb_code_in(v->success, code))
		return VERDICT_SUCCESS;
	if (verb_code_in(v->intermediate, code))
		return VERDICT_INTERMEDIATE;
	if (verb_code_in(v->failure, code))
		return VERDICT_FAILURE;
	if (verb_code_in(v->error, code))
		return VERDICT_ERROR;
	return VERDICT_UNEXPECTED;
}

const char *verdict_name(enum verdict vd)
{
	switch (vd) {
	case VERDICT_SUCCESS: return N_("success");
	case VERDICT_INTERMEDIATE: return N_("intermediate");
	case VERDICT_FAILURE: return N_("failure");
	case VERDICT_ERROR: return N_("error");
	case VERDICT_UNEXPECTED: return N_("unexpected");
	}
	return N_("unexpected");
}

bool verb_allowed_in(const struct verb *v, enum smtp_state st)
{
	return v != NULL && (unsigned)st < SMTP_ST__COUNT &&
	    (v->allowed_states & SMTP_ST_BIT(st)) != 0;
}

/* Append n bytes to out[*len], failing when the result (plus NUL) would not fit. */
static bool verb_put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
	if (n >= cap - *len)
		return false;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
	return true;
}

/* The address that leads a bare argument: up to the first space outside a
 * quoted local part ("\"john doe\"@x SIZE=10" -> "\"john doe\"@x"). */
static size_t verb_address_len(const char *arg, size_t arglen)
{
	bool quoted = false;
	for (size_t i = 0; i < arglen; i++) {
		if (quoted && arg[i] == '\\')
			i++;
		else if (arg[i] == '"')
			quoted = !quoted;
		else if (arg[i] == ' ' && !quoted)
			return i;
	}
	return arglen;
}

enum smtp_errkind verb_format_command(const struct verb *v, const char *arg,
    size_t arglen, char *out, size_t cap, size_t *outlen, struct smtp_error *err)
{
	if (v == NULL || out == NULL || cap == 0)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "no command");
	if (arg == NULL)
		arglen = 0;
	for (size_t i = 0; i < arglen; i++) {
		unsigned char c = (unsigned char)arg[i];
		if (c == '\r' || c == '\n' || c == '\0')
			return smtp_error_set(err, SMTP_ERR_REFUSED, 0,
			    "%s: the argument holds a %s byte; nothing was sent", v->name,
			    c == '\r' ? "CR" : c == '\n' ? "LF" : "NUL");
	}
	if (arglen == 0 && v->arg == VERB_ARG_REQUIRED)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%s needs an argument: %s",
		    v->name, v->usage);
	if (arglen == 0 && (v->flags & VERB_F_HELLO))
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%s needs a domain", v->name);
	if (arglen > 0 && v->arg == VERB_ARG_NONE)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%s takes no argument: %s",
		    v->name, v->usage);

	char line[SMTP_COMMAND_LINE_MAX * 2];
	size_t len = 0;
	bool ok = verb_put(line, sizeof line, &len, v->name, strlen(v->name));
	if (v->path_prefix != NULL) {
		size_t plen = strlen(v->path_prefix);
		ok = ok && verb_put(line, sizeof line, &len, " ", 1);
		if (arglen >= plen && strncasecmp(arg, v->path_prefix, plen) == 0) {
			ok = ok && verb_put(line, sizeof line, &len, arg, arglen);
		} else {
			/* The address is the first word; ESMTP parameters follow. */
			size_t alen = verb_address_len(arg, arglen);
			bool bracketed = alen >= 2 && arg[0] == '<' && arg[alen - 1] == '>';
			const char *addr = bracketed ? arg + 1 : arg;
			size_t addrlen = bracketed ? alen - 2 : alen;
			unsigned flags = MAILBOX_LOCAL_OK |
			    (strcmp(v->path_prefix, "FROM:") == 0 ? MAILBOX_EMPTY_OK : 0);
			const char *why = mailbox_check(addr, addrlen, flags);
			if (why != NULL)
				return smtp_error_set(err, SMTP_ERR_REFUSED, 0,
				    "%s: not an RFC 5321 mailbox (%s)%s; nothing was sent (the full form "
				    "%s<...> is sent as typed)", v->name, why,
				    mailbox_quoting_helps(addr, addrlen, flags)
				        ? ": quote the local part, \"like this\"@domain" : "",
				    v->path_prefix);
			ok = ok && verb_put(line, sizeof line, &len, v->path_prefix, plen);
			if (!bracketed)
				ok = ok && verb_put(line, sizeof line, &len, "<", 1);
			ok = ok && verb_put(line, sizeof line, &len, arg, alen);
			if (!bracketed)
				ok = ok && verb_put(line, sizeof line, &len, ">", 1);
			ok = ok && verb_put(line, sizeof line, &len, arg + alen, arglen - alen);
		}
	} else if (arglen > 0) {
		ok = ok && verb_put(line, sizeof line, &len, " ", 1);
		ok = ok && verb_put(line, sizeof line, &len, arg, arglen);
	}
	/* RFC 5321 4.5.3.1.4: 512 octets including the CRLF. */
	if (!ok || len > SMTP_COMMAND_LINE_MAX - 2)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0,
		    "%s: the command line would be longer than %d octets (RFC 5321 4.5.3.1.4); nothing was sent",
		    v->name, SMTP_COMMAND_LINE_MAX);
	if (len >= cap)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "output buffer too small");
	memcpy(out, line, len + 1);
	if (outlen != NULL)
		*outlen = len;
	return SMTP_OK;
}
