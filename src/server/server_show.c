/*
 * server_show.c - what the shell may look at in a running teaching server
 * (server.h), from its own thread: the mailboxes and terminal logs
 * (demo_dir.c's lock guards them), the throw-away certificate's PEM (made
 * here if no STARTTLS has made it yet; server_tls.c's lock), and the
 * one-screen guide --demo opens with.
 */
#include <stdio.h>

#include "i18n.h"
#include "server_int.h"

enum smtp_errkind demo_server_cert_pem(struct demo_server *d, const char **pem,
    struct smtp_error *err)
{
	const char *why = NULL;
	*pem = srv_tls_pem(&d->srv, &why);
	if (*pem == NULL)
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "the teaching server has no TLS: %s",
		    why != NULL ? why : "unknown reason");
	return SMTP_OK;
}

enum smtp_errkind demo_server_mailbox(struct demo_server *d, const char *user, struct strbuf *out)
{
	if (demo_dump_boxes(&d->srv.dir, user, out, false) == 0)
		strbuf_appendf(out, "no mailbox %s (mailboxes: alice, bob, postmaster, dave, quota, spamtrap, vault)\n",
		    user != NULL ? user : "");
	return SMTP_OK;
}

enum smtp_errkind demo_server_terminal(struct demo_server *d, const char *user, struct strbuf *out)
{
	if (demo_dump_boxes(&d->srv.dir, user, out, true) == 0)
		strbuf_appendf(out, "no terminal for %s (only alice is logged in)\n", user != NULL ? user : "");
	return SMTP_OK;
}

const char *demo_server_guide(void)
{
	return N_(
	    "smtpsh teaching server: a real SMTP server on a private loopback port.\n"
	    "Try, in order:  ehlo   help   vrfy alice   expn staff   mail you@example.org\n"
	    "                rcpt alice   rcpt bob   data   (type lines, end with a lone .)\n"
	    "                mailbox alice   quit\n"
	    "Every RFC 821 reply on demand (docs/teaching-server.md has the full table):\n"
	    "  vrfy dave 251 forward   vrfy erin 551 elsewhere   vrfy smith 553 ambiguous\n"
	    "  vrfy shutdown 421   help status 211   help bogus 504   raw bogus 500\n"
	    "After helo c.example:  raw MAIL alice 501   rcpt alice 503 (no MAIL yet)\n"
	    "  mail from:<a@b> FOO=1 555   send/soml/saml alice, then terminal alice\n"
	    "After mail a@c.example:  rcpt busy 450   rcpt full 452   rcpt crash 451\n"
	    "  rcpt quota or rcpt spamtrap, then data: 552 or 554 after the body\n"
	    "TURN: helo client.example, then turn: the server sends you its queued mail.\n"
	    "STARTTLS and AUTH (users alice/wonderland, bob/builder), after helo c.example:\n"
	    "  raw AUTH PLAIN 538   rcpt vault 530 (after mail)   starttls 220, then:\n"
	    "  auth plain alice 235   auth plain bob 535   raw AUTH X 504   raw STARTTLS 503\n");
}
