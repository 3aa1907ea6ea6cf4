/*
 * audit_smuggle.c - the smtp-smuggling check (audit.h): does the server
 * take a malformed end of data -- LF.LF, CR.CRLF and the other forms of
 * SEC Consult's smtpsmug (December 2023; CVE-2023-51764 Postfix,
 * CVE-2023-51765 Sendmail, CVE-2023-51766 Exim) -- as the end of a
 * message?  Then what follows it in the body is read as commands, and a
 * second, "smuggled" message goes through with a sender the first
 * transaction never named.
 *
 * Each form is one probe on a fresh connection: MAIL, RCPT to the mailbox
 * the auditor owns (audit_config.to: never run without it), DATA, and a
 * body that holds the form followed by MAIL, RCPT, DATA and a second
 * message, then the proper CRLF.CRLF.  A server that is not vulnerable
 * answers once (the whole thing was one message); one that is answers
 * the smuggled commands too.  The body's bytes are built here from
 * constants and the two checked addresses, into a bounded buffer, and
 * sent by session_send_raw_body -- the one exception to dot-stuffing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_int.h"
#include "clock.h"
#include "i18n.h"
#include "mailbox.h"

/* How long to listen, after the body's reply, for replies to smuggled
 * commands (they come in the same breath on a vulnerable server). */
#define AUDIT_SMUGGLE_WAIT_MS 1500

/* The malformed ends of data (smtpsmug's list); len, since one holds a
 * NUL. */
static const struct { const char *name; const char *end; size_t len; } audit_smuggle_ends[] = {
	{ "LF.LF", "\n.\n", 3 },
	{ "LF.CRLF", "\n.\r\n", 4 },
	{ "CR.CRLF", "\r.\r\n", 4 },
	{ "CRLF.CR", "\r\n.\r", 4 },
	{ "CR.CR", "\r.\r", 3 },
	{ "CRLF.LF", "\r\n.\n", 4 },
	{ "CRLF-NUL.CRLF", "\r\n\0.\r\n", 6 },
};

/* The probe's body into buf (at most cap): the first message's text ended
 * by the malformed end, the smuggled commands and message, CRLF.CRLF.
 * Every byte but the end's is printable or CRLF. */
static size_t audit_smuggle_body(char *buf, size_t cap, size_t form, const char *from,
    const char *to)
{
	const char *name = audit_smuggle_ends[form].name;
	const char *hdr_from = from[0] != '\0' ? from : to;
	int n = snprintf(buf, cap, "From: <%s>\r\nTo: <%s>\r\nSubject: smtpsh audit: SMTP "
	    "smuggling probe %s\r\n\r\nsmtpsh --audit: does this server end DATA at %s? A "
	    "smuggled message follows.", hdr_from, to, name, name);
	if (n < 0 || (size_t)n + audit_smuggle_ends[form].len >= cap)
		return 0;
	size_t used = (size_t)n;
	memcpy(buf + used, audit_smuggle_ends[form].end, audit_smuggle_ends[form].len);
	used += audit_smuggle_ends[form].len;
	n = snprintf(buf + used, cap - used, "MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\nFrom: "
	    "<%s>\r\nTo: <%s>\r\nSubject: smtpsh audit: SMUGGLED message (%s)\r\n\r\nThis message "
	    "was smuggled inside another: the server took %s as the end of data.\r\n.\r\n",
	    from, to, hdr_from, to, name, name);
	if (n < 0 || used + (size_t)n >= cap)
		return 0;
	return used + (size_t)n;
}

/* A reply's lines to f's evidence. */
static void audit_smuggle_reply(struct audit_finding *f, const struct session_reply *r)
{
	for (size_t i = 0; i < r->reply.nlines; i++) {
		char l[AUDIT_LINE_MAX];
		snprintf(l, sizeof l, "%d%c%.*s", r->reply.code, i + 1 < r->reply.nlines ? '-' : ' ',
		    (int)(r->reply.lines[i].len > 300 ? 300 : r->reply.lines[i].len),
		    r->reply.lines[i].text);
		audit_evidence(f, "< ", l, strlen(l));
	}
}

/* After the body: its reply, then whatever else comes.  True when the
 * server answered commands that were inside the body. */
static bool audit_smuggle_listen(struct audit_ctx *a, unsigned long seq, struct audit_finding *tmp)
{
	struct session_reply r;
	struct smtp_error err;
	bool extra = false, body_answered = false;
	long long until = SESSION_WAIT_OWED;
	session_reply_init(&r);
	for (;;) {
		session_reply_free(&r);
		session_reply_init(&r);
		enum smtp_errkind k = session_next_reply(a->s, until, &r, &err);
		if (k == SMTP_ERR_CANCELLED)
			a->cancelled = true;
		if (k != SMTP_OK)
			break;
		audit_smuggle_reply(tmp, &r);
		if (body_answered && r.reply.code != 421)
			extra = true;              /* a reply to a smuggled command */
		if (r.seq == seq && !body_answered) {
			body_answered = true;
			until = clock_now_ms() + AUDIT_SMUGGLE_WAIT_MS;
		}
		if (r.closed)
			break;
	}
	session_reply_free(&r);
	return extra;
}

/* One form: true when it was tried (the message was taken up to its
 * body); *vulnerable when the server answered the smuggled commands. */
static bool audit_smuggle_probe(struct audit_ctx *a, size_t form, struct audit_finding *tmp,
    bool *vulnerable)
{
	*vulnerable = false;
	struct smtp_error err;
	if (audit_connect(a, &err) != SMTP_OK)
		return false;
	const char *from = a->cfg->from != NULL ? a->cfg->from : "";
	char line[SMTP_COMMAND_LINE_MAX];
	int code = 0;
	snprintf(line, sizeof line, "MAIL FROM:<%s>", from);
	if (audit_ask(a, line, tmp, &code, &err) != SMTP_OK || code / 100 != 2)
		return false;
	snprintf(line, sizeof line, "RCPT TO:<%s>", a->cfg->to);
	if (audit_ask(a, line, tmp, &code, &err) != SMTP_OK || code / 100 != 2)
		return false;
	if (audit_ask(a, "DATA", tmp, &code, &err) != SMTP_OK || code != 354)
		return false;
	char body[SESSION_RAW_BODY_MAX];
	size_t len = audit_smuggle_body(body, sizeof body, form, from, a->cfg->to);
	unsigned long seq;
	if (len == 0 || session_send_raw_body(a->s, body, len, &seq, &err) != SMTP_OK)
		return false;
	char shown[AUDIT_LINE_MAX];
	snprintf(shown, sizeof shown, "(a body ending in %s, then MAIL, RCPT, DATA and a second "
	    "message)", audit_smuggle_ends[form].name);
	audit_evidence(tmp, "> ", shown, strlen(shown));
	*vulnerable = audit_smuggle_listen(a, seq, tmp);
	if (session_is_open(a->s))
		session_close(a->s);
	return true;
}

/* The reply to a probe's body (tmp's first "< " line after the body's
 * "> (a body" line); 0 when there was none. */
static int audit_smuggle_body_reply(const struct audit_finding *tmp)
{
	bool body = false;
	for (size_t k = 0; k < tmp->nevidence; k++) {
		const char *e = tmp->evidence[k];
		if (strncmp(e, "> (a body", 9) == 0)
			body = true;
		else if (body && strncmp(e, "< ", 2) == 0)
			return atoi(e + 2);
	}
	return 0;
}

/* A form whose body was refused (a reply but 2xx: Sendmail's 421 to a
 * bare LF, OpenSMTPD's 500 to what follows its end) into refused, its
 * code into codes once. */
static void audit_smuggle_refused(const struct audit_finding *tmp, const char *name,
    char *refused, size_t rcap, char *codes, size_t ccap)
{
	int code = audit_smuggle_body_reply(tmp);
	if (code == 0 || code / 100 == 2)
		return;
	size_t n = strlen(refused);
	snprintf(refused + n, rcap - n, "%s%s", n > 0 ? ", " : "", name);
	char c[8];
	snprintf(c, sizeof c, "%d", code);
	if (strstr(codes, c) == NULL) {
		n = strlen(codes);
		snprintf(codes + n, ccap - n, "%s%s", n > 0 ? ", " : "", c);
	}
}

void audit_check_smuggling(struct audit_ctx *a, struct audit_finding *f)
{
	const char *to = a->cfg->to, *from = a->cfg->from != NULL ? a->cfg->from : "";
	if (to == NULL || to[0] == '\0') {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("needs --to ADDR, a mailbox of your own: the probes deliver test "
		    "messages to it");
		return;
	}
	const char *why = mailbox_check(to, strlen(to), 0);
	if (why == NULL)
		why = mailbox_check(from, strlen(from), MAILBOX_EMPTY_OK);
	if (why != NULL) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("--to or --from is not an RFC 5321 mailbox");
		snprintf(f->detail, sizeof f->detail, "%s", why);
		return;
	}
	size_t tried = 0;
	char refused[AUDIT_DETAIL_MAX / 2] = "", codes[32] = "";
	size_t nforms = sizeof audit_smuggle_ends / sizeof audit_smuggle_ends[0];
	for (size_t i = 0; i < nforms && !a->cancelled; i++) {
		static struct audit_finding tmp;
		memset(&tmp, 0, sizeof tmp);
		bool vulnerable;
		if (!audit_smuggle_probe(a, i, &tmp, &vulnerable)) {
			if (f->result != AUDIT_FINDING && f->nevidence == 0)
				for (size_t k = 0; k < tmp.nevidence; k++)
					audit_evidence(f, "", tmp.evidence[k], strlen(tmp.evidence[k]));
			continue;
		}
		tried++;
		if (vulnerable) {
			if (f->result != AUDIT_FINDING)
				f->nevidence = 0;         /* the forms refused before it */
			f->result = AUDIT_FINDING;
			audit_detail_add(f, audit_smuggle_ends[i].name);
			for (size_t k = 0; k < tmp.nevidence; k++)
				audit_evidence(f, "", tmp.evidence[k], strlen(tmp.evidence[k]));
		} else {
			audit_smuggle_refused(&tmp, audit_smuggle_ends[i].name, refused, sizeof refused,
			    codes, sizeof codes);
		}
		if (!vulnerable && f->result != AUDIT_FINDING && f->nevidence == 0) {
			/* The first form's body and its one reply. */
			for (size_t k = tmp.nevidence >= 2 ? tmp.nevidence - 2 : 0; k < tmp.nevidence; k++)
				audit_evidence(f, "", tmp.evidence[k], strlen(tmp.evidence[k]));
		}
	}
	if (f->result == AUDIT_FINDING)
		f->reason = N_("the server took a malformed end of data as the end of a message, "
		    "so a smuggled message went through");
	else if (tried == 0) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("the test message was refused (MAIL, RCPT or DATA), so no form could "
		    "be tried");
	} else if (refused[0] != '\0') {
		snprintf(f->detail, sizeof f->detail, "refused: %s (%s)", refused, codes);
		f->reason = N_("no smuggled message went through: the server refused the bodies "
		    "with a malformed end (the detail says which) and took the rest whole");
	} else {
		f->reason = N_("every malformed end of data was taken as part of the message");
	}
}
