/*
 * audit_checks.c - the audit's checks that read one connection (audit.h):
 * what the greeting and the first EHLO reply say (banner-disclosure,
 * no-starttls, auth-before-tls, limits), what VRFY and EXPN of common
 * names give away, and whether the server notices a client that speaks
 * before its greeting (early-talker).  Each fills in one result.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit_int.h"
#include "i18n.h"

/* The names whose VRFY would say most (RFC 5321 4.5.1: postmaster exists
 * on every server), and for EXPN the lists most servers have. */
static const char *const audit_vrfy_names[] = { "postmaster", "root", "admin", NULL };
static const char *const audit_expn_names[] = { "postmaster", "root", "admin", "staff", "all",
    NULL };

void audit_check_banner(struct audit_ctx *a, struct audit_finding *f)
{
	const char *lines[] = { a->greeting, a->ehlo_first };
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		char what[128];
		if (lines[i][0] != '\0' && audit_discloses(lines[i] + 4, what, sizeof what)) {
			f->result = AUDIT_FINDING;
			audit_evidence(f, "< ", lines[i], strlen(lines[i]));
			if (strstr(f->detail, what) == NULL)
				audit_detail_add(f, what);
		}
	}
	f->reason = f->result == AUDIT_FINDING ?
	    N_("the greeting or EHLO reply names the software or its version") :
	    N_("neither the greeting nor the EHLO reply names software or a version");
}

void audit_check_starttls(struct audit_ctx *a, struct audit_finding *f)
{
	if (a->cfg->implicit_tls) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("the connection was TLS from its start (--tls)");
		return;
	}
	if (a->ehlo_starttls[0] != '\0') {
		audit_evidence(f, "< ", a->ehlo_starttls, strlen(a->ehlo_starttls));
		f->reason = N_("STARTTLS is offered");
		return;
	}
	f->result = AUDIT_FINDING;
	audit_evidence(f, "< ", a->ehlo_first, strlen(a->ehlo_first));
	f->reason = a->ehlo_refused ? N_("EHLO was refused, so STARTTLS cannot be offered") :
	    N_("STARTTLS is not offered: mail to and from it crosses the net in clear");
}

/* Not advertised in clear is not refused in clear: AUTH PLAIN asked on a
 * connection without TLS (no credential sent), "*" at once if it says
 * 334 (RFC 4954 4: the exchange is cancelled, 501). */
static void audit_probe_auth_in_clear(struct audit_ctx *a, struct audit_finding *f)
{
	struct smtp_error err;
	/* A connection in clear: the one there is, unless --starttls made
	 * it TLS (then one of its own, closed after). */
	bool own = a->cfg->starttls;
	a->in_clear = own;
	enum smtp_errkind k = own ? audit_connect(a, &err) : audit_ensure(a, &err);
	a->in_clear = false;
	int code = 0;
	if (k == SMTP_OK && !session_tls_active(a->s))
		k = audit_ask(a, "AUTH PLAIN", f, &code, &err);
	bool taken = k == SMTP_OK && code == 334;
	if (taken)
		(void)audit_ask(a, "*", f, &code, &err);
	/* The checks after this one want the connection --starttls asks for. */
	if (own && session_is_open(a->s))
		session_close(a->s);
	if (taken) {
		f->result = AUDIT_FINDING;
		audit_detail_add(f, "PLAIN");
		f->reason = N_("AUTH PLAIN is taken on a connection without TLS, though not advertised "
		    "there");
		return;
	}
	f->nevidence = 0;
	f->reason = k == SMTP_OK ? N_("AUTH is neither offered nor taken before TLS") :
	    N_("AUTH is not offered before TLS (asking for it in clear failed)");
}

void audit_check_auth_tls(struct audit_ctx *a, struct audit_finding *f)
{
	if (a->cfg->implicit_tls) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("the connection was TLS from its start (--tls)");
		return;
	}
	const struct ehlo_ext *e = ehlo_find(&a->plain, "AUTH");
	if (e == NULL) {
		audit_probe_auth_in_clear(a, f);
		return;
	}
	audit_evidence(f, "< ", a->ehlo_auth, strlen(a->ehlo_auth));
	/* The mechanisms that send the password itself (RFC 4616, the
	 * LOGIN draft). */
	const char *clear[] = { "PLAIN", "LOGIN" };
	char params[sizeof e->params + 2];
	snprintf(params, sizeof params, " %s ", e->params);
	for (char *p = params; *p != '\0'; p++)
		if (*p == '=')
			*p = ' ';
	for (size_t i = 0; i < sizeof clear / sizeof clear[0]; i++) {
		char word[16];
		snprintf(word, sizeof word, " %s ", clear[i]);
		for (const char *p = params; *p != '\0'; p++)
			if (strncasecmp(p, word, strlen(word)) == 0) {
				audit_detail_add(f, clear[i]);
				break;
			}
	}
	if (f->detail[0] != '\0') {
		f->result = AUDIT_FINDING;
		f->reason = N_("AUTH with a clear-text mechanism is offered on a connection without TLS");
	} else {
		f->reason = N_("AUTH is offered before TLS, but no clear-text mechanism");
	}
}

void audit_check_limits(struct audit_ctx *a, struct audit_finding *f)
{
	const struct ehlo_ext *e = ehlo_find(&a->plain, "SIZE");
	if (e != NULL) {
		audit_evidence(f, "< ", a->ehlo_size, strlen(a->ehlo_size));
		snprintf(f->detail, sizeof f->detail, "SIZE %s", e->params[0] != '\0' ? e->params : "-");
		f->reason = e->params[0] != '\0' && strcmp(e->params, "0") != 0 ?
		    N_("a message size limit is advertised") :
		    N_("SIZE is advertised without a limit");
		if (e->params[0] == '\0' || strcmp(e->params, "0") == 0)
			f->result = AUDIT_FINDING;
		return;
	}
	f->result = AUDIT_FINDING;
	audit_evidence(f, "< ", a->ehlo_first, strlen(a->ehlo_first));
	f->reason = N_("no message size limit is advertised (SIZE)");
}

/* A name no server has a user for: VRFY's answer to it is what "no such
 * user" looks like there. */
#define AUDIT_VRFY_NOBODY "smtpsh-no-such-user"

/* VRFY or EXPN of the common names: a 250 or 251 is the server telling
 * who is there; 252, 502, 550 and the rest tell nothing alone.  said252:
 * the names answered 252 (NULL: not wanted). */
static void audit_ask_names(struct audit_ctx *a, struct audit_finding *f, const char *verb,
    const char *const *names, struct audit_finding *said252)
{
	bool asked = false;
	for (size_t i = 0; names[i] != NULL; i++) {
		struct smtp_error err;
		if (audit_ensure(a, &err) != SMTP_OK)
			break;
		char line[64];
		snprintf(line, sizeof line, "%s %s", verb, names[i]);
		struct audit_finding tmp;
		memset(&tmp, 0, sizeof tmp);
		int code;
		if (audit_ask(a, line, &tmp, &code, &err) != SMTP_OK)
			continue;
		asked = true;
		if (code == 250 || code == 251) {
			if (f->result != AUDIT_FINDING)
				f->nevidence = 0;         /* the refusals before it say nothing */
			f->result = AUDIT_FINDING;
			audit_detail_add(f, names[i]);
			for (size_t k = 0; k < tmp.nevidence; k++)
				audit_evidence(f, "", tmp.evidence[k], strlen(tmp.evidence[k]));
		} else if (f->result != AUDIT_FINDING && f->nevidence < 2) {
			for (size_t k = 0; k < tmp.nevidence && k < 2; k++)
				audit_evidence(f, "", tmp.evidence[k], strlen(tmp.evidence[k]));
		}
		if (code == 252 && said252 != NULL) {
			audit_detail_add(said252, names[i]);
			for (size_t k = 0; k < tmp.nevidence; k++)
				audit_evidence(said252, "", tmp.evidence[k], strlen(tmp.evidence[k]));
		}
		if (code == 500 || code == 502)
			break;                    /* not implemented: asking again says nothing */
	}
	if (!asked)
		f->result = AUDIT_SKIPPED;
}

/* 252 ("cannot verify") for the names, and 550 or 551 (no such user)
 * for a name that is nobody's: then 252 means "a user" (Postfix with VRFY
 * on does this; Exim's 252 to postmaster and 501 to a bare name do not). */
static bool audit_vrfy_tells_apart(struct audit_ctx *a, struct audit_finding *f,
    const struct audit_finding *said252)
{
	struct smtp_error err;
	struct audit_finding tmp;
	memset(&tmp, 0, sizeof tmp);
	int code = 0;
	if (said252->detail[0] == '\0' || audit_ensure(a, &err) != SMTP_OK ||
	    audit_ask(a, "VRFY " AUDIT_VRFY_NOBODY, &tmp, &code, &err) != SMTP_OK ||
	    (code != 550 && code != 551))
		return false;                 /* 501 and the like: syntax, not "no such user" */
	f->nevidence = 0;
	f->result = AUDIT_FINDING;
	snprintf(f->detail, sizeof f->detail, "%s", said252->detail);
	for (size_t k = 0; k < said252->nevidence; k++)
		audit_evidence(f, "", said252->evidence[k], strlen(said252->evidence[k]));
	for (size_t k = 0; k < tmp.nevidence; k++)
		audit_evidence(f, "", tmp.evidence[k], strlen(tmp.evidence[k]));
	f->reason = N_("VRFY tells users apart: 252 for users, a refusal for a name that is nobody's");
	return true;
}

void audit_check_vrfy(struct audit_ctx *a, struct audit_finding *f)
{
	static struct audit_finding said252;      /* large: kept off the stack */
	memset(&said252, 0, sizeof said252);
	audit_ask_names(a, f, "VRFY", audit_vrfy_names, &said252);
	if (f->result == AUDIT_PASS && audit_vrfy_tells_apart(a, f, &said252))
		return;
	f->reason = f->result == AUDIT_FINDING ? N_("VRFY confirms users and gives their addresses") :
	    f->result == AUDIT_SKIPPED ? N_("VRFY could not be asked (no connection)") :
	    N_("VRFY does not confirm users (252, 502 or a refusal)");
}

void audit_check_expn(struct audit_ctx *a, struct audit_finding *f)
{
	audit_ask_names(a, f, "EXPN", audit_expn_names, NULL);
	f->reason = f->result == AUDIT_FINDING ? N_("EXPN expands names into their members") :
	    f->result == AUDIT_SKIPPED ? N_("EXPN could not be asked (no connection)") :
	    N_("EXPN does not expand names (252, 502 or a refusal)");
}

void audit_check_early(struct audit_ctx *a, struct audit_finding *f)
{
	/* A new connection that says NOOP the moment it is up, before the
	 * greeting is read. */
	a->pregreet = "NOOP";
	a->pregreet_seq = 0;
	struct smtp_error err;
	enum smtp_errkind k = audit_connect(a, &err);
	a->pregreet = NULL;
	if (k != SMTP_OK || a->pregreet_seq == 0) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("no new connection could be made to talk early on");
		if (session_is_open(a->s))
			session_close(a->s);
		return;
	}
	audit_evidence(f, "> ", "NOOP (before the greeting)", 26);
	bool noticed = !a->rc.greeted;    /* a greeting that is no 220 */
	struct session_reply r;
	session_reply_init(&r);
	for (;;) {
		session_reply_free(&r);
		session_reply_init(&r);
		enum smtp_errkind rk = session_next_reply(a->s, SESSION_WAIT_OWED, &r, &err);
		if (rk == SMTP_ERR_CANCELLED) {
			a->cancelled = true;
			break;
		}
		if (rk != SMTP_OK) {
			noticed = true;            /* dropped before answering */
			audit_evidence(f, "", err.msg, strlen(err.msg));
			break;
		}
		for (size_t i = 0; i < r.reply.nlines; i++) {
			char l[AUDIT_LINE_MAX];
			snprintf(l, sizeof l, "%d%c%.*s", r.reply.code, i + 1 < r.reply.nlines ? '-' : ' ',
			    (int)(r.reply.lines[i].len > 300 ? 300 : r.reply.lines[i].len),
			    r.reply.lines[i].text);
			audit_evidence(f, "< ", l, strlen(l));
		}
		if (r.origin == SESSION_REPLY_GREETING)
			noticed = noticed || r.reply.code != 220;
		if (r.seq == a->pregreet_seq) {
			noticed = noticed || r.reply.code >= 400 || r.closed;
			break;
		}
	}
	session_reply_free(&r);
	if (session_is_open(a->s))
		session_close(a->s);
	f->result = noticed ? AUDIT_PASS : AUDIT_FINDING;
	f->reason = noticed ? N_("the server refused a client that spoke before its greeting") :
	    N_("the server answered a client that spoke before its greeting as if nothing was wrong");
}
