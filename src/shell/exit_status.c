/*
 * exit_status.c - the exit-status table (exit_status.h), and the stage
 * table --stage-status uses instead (swaks' numbers).  Pure data.
 */
#include "exit_status.h"

#include "shell.h"

static const struct exit_status_row exit_status_table[] = {
	{ SHELL_EXIT_OK, "ok", 0,
	  N_("every reply positive; a lookup: every name answered"),
	  "Every reply was positive (1xx-3xx); a lookup: every name got an answer" },
	{ SHELL_EXIT_4XX, "transient", 1,
	  N_("a 4xx reply was seen; a lookup: some names only temporarily"),
	  "A 4xx (transient negative) reply was seen; a lookup: some names got only "
	  "temporary answers" },
	{ SHELL_EXIT_PARTIAL, "partial", 2,
	  N_("a test message went to some of its recipients, not all"),
	  "A test message was accepted for some of its recipients, not all" },
	{ SHELL_EXIT_AUDIT, "findings", 3,
	  N_("an audit made a finding of medium severity or worse"),
	  "An audit (--audit, audit) made a finding of medium or high severity: an open "
	  "relay, users or lists exposed by VRFY or EXPN, AUTH offered before TLS, no "
	  "STARTTLS, TLS 1.0 or 1.1 or weak suites accepted, a weak certificate, SMTP "
	  "smuggling.  Low and info findings leave the status 0" },
	{ SHELL_EXIT_5XX, "permanent", 4,
	  N_("a 5xx reply was seen"),
	  "A 5xx (permanent negative) reply was seen.  A server that closes the "
	  "connection right after a permanent refusal ends the session: that is not "
	  "counted as a local error" },
	{ SHELL_EXIT_USAGE, "usage", 5,
	  N_("a usage error: bad options, an unknown command, refused input"),
	  "A usage error: bad options, an unknown command, refused input (an address "
	  "that is no mailbox, a header with a control character, a message over the "
	  "server's SIZE)" },
	{ SHELL_EXIT_LOCAL, "local", 6,
	  N_("a local or connection error; a lookup: some names untested"),
	  "A local or connection error: unreachable or unresolvable host, a domain "
	  "with no mail route (NXDOMAIN, SERVFAIL, null MX, an MX answer that cannot "
	  "be read, no address), a deadline or a limit passed, a reply that could not "
	  "be parsed or whose lines carry different codes (local code 600), a "
	  "connection that ended inside a reply (621) or was dropped without 221/421, "
	  "a server breaking the protocol (an AUTH challenge that cannot be answered, "
	  "a SCRAM server that does not prove it knows the password), a result or "
	  "transcript that could not be written; a lookup: some names are untested" },
};

static const struct exit_status_row exit_stage_table[] = {
	{ STAGE_EXIT_USAGE, "options", 0, NULL, "The options: a usage error" },
	{ STAGE_EXIT_CONNECT, "connect", 0, NULL, "The MX lookup or the connect failed" },
	{ STAGE_EXIT_CLOSED, "closed", 0, NULL, "The server closed the connection unasked" },
	{ STAGE_EXIT_BANNER, "banner", 0, NULL, "The greeting was not 220, or none came" },
	{ STAGE_EXIT_HELLO, "hello", 0, NULL, "EHLO (and HELO after it) was refused" },
	{ STAGE_EXIT_MAIL, "mail", 0, NULL, "MAIL was refused" },
	{ STAGE_EXIT_RCPT, "rcpt", 0, NULL, "No recipient was accepted" },
	{ STAGE_EXIT_DATA, "data", 0, NULL, "DATA was refused" },
	{ STAGE_EXIT_BODY, "message", 0, NULL, "The message was refused after its body" },
	{ STAGE_EXIT_QUIT, "quit", 0, NULL, "QUIT got no 221" },
	{ STAGE_EXIT_AUTH, "auth", 0, NULL, "AUTH failed" },
	{ STAGE_EXIT_TLS, "tls", 0, NULL, "STARTTLS was refused or the handshake or "
	  "verification failed" },
	{ STAGE_EXIT_TLS_HELLO, "tls-hello", 0, NULL, "The EHLO after the TLS handshake was "
	  "refused" },
	{ STAGE_EXIT_XCLIENT, "xclient", 0, NULL, "XCLIENT was refused, or not advertised" },
	{ STAGE_EXIT_XCLIENT_HELLO, "xclient-hello", 0, NULL, "The hello after XCLIENT was "
	  "refused" },
	{ STAGE_EXIT_PROXY, "proxy", 0, NULL, "The PROXY header could not be sent" },
};

size_t exit_stage_count(void)
{
	return sizeof exit_stage_table / sizeof exit_stage_table[0];
}

const struct exit_status_row *exit_stage_at(size_t i)
{
	return i < exit_stage_count() ? &exit_stage_table[i] : NULL;
}

size_t exit_status_count(void)
{
	return sizeof exit_status_table / sizeof exit_status_table[0];
}

const struct exit_status_row *exit_status_at(size_t i)
{
	return i < exit_status_count() ? &exit_status_table[i] : NULL;
}

int exit_status_rank(int code)
{
	for (size_t i = 0; i < exit_status_count(); i++)
		if (exit_status_table[i].code == code)
			return exit_status_table[i].rank;
	return 0;
}
