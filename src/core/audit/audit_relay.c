/*
 * audit_relay.c - the open-relay check (audit.h): the forms of nmap's
 * smtp-open-relay script, each a MAIL FROM and a RCPT TO for a mailbox in
 * a domain the server has no business taking mail for, ended by RSET --
 * never DATA, so nothing is ever delivered.  A form whose RCPT is
 * accepted (2xx) is relayed; the finding lists them.  The forms are a
 * table; %D is the server's own domain, %I its address as a literal.
 */
#include <stdio.h>
#include <string.h>

#include "audit_int.h"
#include "i18n.h"

/* A domain that is not the server's (RFC 2606 reserves it). */
#define AUDIT_RELAY_DOMAIN "example.net"

struct audit_relay_form {
	const char *name;     /* what the finding lists */
	const char *from;     /* the MAIL FROM path, without <> */
	const char *to;       /* the RCPT TO path, without <> */
};

static const struct audit_relay_form audit_relay_forms[] = {
	{ "null-sender", "", "relaytest@" AUDIT_RELAY_DOMAIN },
	{ "external", "antispam@" AUDIT_RELAY_DOMAIN, "relaytest@" AUDIT_RELAY_DOMAIN },
	{ "own-domain-sender", "antispam@%D", "relaytest@" AUDIT_RELAY_DOMAIN },
	{ "ip-literal-sender", "antispam@%I", "relaytest@" AUDIT_RELAY_DOMAIN },
	{ "percent-hack", "antispam@%D", "relaytest%" AUDIT_RELAY_DOMAIN "@%D" },
	{ "percent-hack-ip", "antispam@%D", "relaytest%" AUDIT_RELAY_DOMAIN "@%I" },
	{ "quoted", "antispam@%D", "\"relaytest@" AUDIT_RELAY_DOMAIN "\"" },
	{ "quoted-percent", "antispam@%D", "\"relaytest%" AUDIT_RELAY_DOMAIN "\"" },
	{ "quoted-ip", "antispam@%D", "\"relaytest@" AUDIT_RELAY_DOMAIN "\"@%I" },
	{ "double-at", "antispam@%D", "relaytest@" AUDIT_RELAY_DOMAIN "@%D" },
	{ "source-route", "antispam@%D", "@%D:relaytest@" AUDIT_RELAY_DOMAIN },
	{ "source-route-ip", "antispam@%D", "@%I:relaytest@" AUDIT_RELAY_DOMAIN },
	{ "bang-path", "antispam@%D", AUDIT_RELAY_DOMAIN "!relaytest" },
	{ "bang-path-domain", "antispam@%D", AUDIT_RELAY_DOMAIN "!relaytest@%D" },
	{ "bang-path-ip", "antispam@%D", AUDIT_RELAY_DOMAIN "!relaytest@%I" },
};

/* pattern with %D and %I filled in. */
static void audit_relay_fill(const char *pattern, const char *domain, const char *literal,
    char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (const char *p = pattern; *p != '\0' && n + 1 < cap; p++) {
		if (p[0] == '%' && (p[1] == 'D' || p[1] == 'I')) {
			n += (size_t)snprintf(out + n, cap - n, "%s", p[1] == 'D' ? domain : literal);
			p++;
		} else {
			out[n++] = *p;
			out[n] = '\0';
		}
		if (n >= cap)
			n = cap - 1;
	}
}

/* The server's address as an address literal (RFC 5321 4.1.3). */
static void audit_relay_literal(const struct audit_ctx *a, char *out, size_t cap)
{
	const char *addr = session_peer_address(a->s);
	if (addr == NULL || addr[0] == '\0' || strchr(addr, '/') != NULL)
		snprintf(out, cap, "[127.0.0.1]");
	else if (strchr(addr, ':') != NULL)
		snprintf(out, cap, "[IPv6:%s]", addr);
	else
		snprintf(out, cap, "[%s]", addr);
}

/* One form on the audit's connection: MAIL, RCPT when MAIL was taken,
 * RSET.  *rcode: the RCPT's reply (0: none).  False when the connection
 * was lost before the form was answered (a server that hangs up after
 * too many errors or commands: Exim's 421, 554). */
static bool audit_relay_try(struct audit_ctx *a, const struct audit_relay_form *form,
    const char *domain, const char *literal, struct audit_finding *tmp, int *rcode)
{
	char from[SMTP_COMMAND_LINE_MAX / 2], to[SMTP_COMMAND_LINE_MAX / 2];
	char line[SMTP_COMMAND_LINE_MAX];
	struct smtp_error err;
	audit_relay_fill(form->from, domain, literal, from, sizeof from);
	audit_relay_fill(form->to, domain, literal, to, sizeof to);
	memset(tmp, 0, sizeof *tmp);
	int code = 0;
	*rcode = 0;
	snprintf(line, sizeof line, "MAIL FROM:<%s>", from);
	if (audit_ask(a, line, tmp, &code, &err) != SMTP_OK)
		return false;
	if (code / 100 == 2) {
		snprintf(line, sizeof line, "RCPT TO:<%s>", to);
		if (audit_ask(a, line, tmp, rcode, &err) != SMTP_OK)
			return false;
	}
	if (session_is_open(a->s) && session_state(a->s) >= SMTP_ST_MAIL &&
	    session_state(a->s) <= SMTP_ST_RCPT)
		(void)audit_ask(a, "RSET", NULL, &code, &err);
	return true;
}

void audit_check_relay(struct audit_ctx *a, struct audit_finding *f)
{
	struct smtp_error err;
	if (audit_ensure(a, &err) != SMTP_OK) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("no connection to probe relaying on");
		return;
	}
	char domain[SMTP_DOMAIN_MAX + 1], literal[64];
	snprintf(domain, sizeof domain, "%s", audit_server_domain(a));
	audit_relay_literal(a, literal, sizeof literal);
	if (domain[0] == '\0')
		snprintf(domain, sizeof domain, "%s", literal);
	size_t tried = 0;
	for (size_t i = 0; i < sizeof audit_relay_forms / sizeof audit_relay_forms[0]; i++) {
		const struct audit_relay_form *form = &audit_relay_forms[i];
		struct audit_finding tmp;
		int rcode = 0;
		/* A form the connection was lost under is tried once more on a
		 * new one: otherwise it would count as refused untried. */
		bool answered = false;
		for (int attempt = 0; attempt < 2 && !answered && !a->cancelled; attempt++) {
			if (audit_ensure(a, &err) != SMTP_OK)
				break;
			answered = audit_relay_try(a, form, domain, literal, &tmp, &rcode);
		}
		if (!answered) {
			if (a->cancelled || audit_ensure(a, &err) != SMTP_OK)
				break;
			continue;
		}
		tried += rcode != 0;
		if (rcode / 100 == 2) {
			if (f->result != AUDIT_FINDING)
				f->nevidence = 0;         /* the refused forms before it */
			f->result = AUDIT_FINDING;
			audit_detail_add(f, form->name);
			for (size_t k = 0; k < tmp.nevidence; k++)
				audit_evidence(f, "", tmp.evidence[k], strlen(tmp.evidence[k]));
		} else if (f->result != AUDIT_FINDING && f->nevidence == 0) {
			for (size_t k = 0; k < tmp.nevidence; k++)
				audit_evidence(f, "", tmp.evidence[k], strlen(tmp.evidence[k]));
		}
	}
	if (f->result == AUDIT_FINDING)
		f->reason = N_("mail for a foreign domain was accepted from an unauthenticated client");
	else if (tried == 0) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("no relay form could be tried: MAIL FROM was refused every time");
	} else {
		f->reason = N_("every relay form was refused");
	}
}
