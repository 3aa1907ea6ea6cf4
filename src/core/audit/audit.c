/*
 * audit.c - the audit's runner (audit.h): the check table, one row per
 * check in the order they run, and what every check shares -- a
 * connection brought up by the connection recipe (recipe_replay: open,
 * greeting, EHLO, STARTTLS when asked), the first greeting and EHLO reply
 * kept for the checks that read them, one command and its reply with the
 * evidence kept, and the fix chosen for the software detected.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit_int.h"
#include "clock.h"
#include "i18n.h"

static const struct audit_check audit_checks[] = {
	{ "banner-disclosure", AUDIT_LOW, "RFC 5321 4.3.1 (the greeting); CWE-200",
	  N_("Show the host name and ESMTP only in the greeting and the EHLO reply."),
	  audit_check_banner },
	{ "no-starttls", AUDIT_MEDIUM, "RFC 3207; RFC 8314",
	  N_("Offer STARTTLS with a certificate for the server's name."), audit_check_starttls },
	{ "auth-before-tls", AUDIT_HIGH, "RFC 4954 4 and 14; RFC 3207 4.2",
	  N_("Advertise AUTH only after STARTTLS, so no password crosses the net in clear."),
	  audit_check_auth_tls },
	{ "limits", AUDIT_INFO, "RFC 1870 (SIZE)",
	  N_("Set a message size limit; it is advertised with SIZE."), audit_check_limits },
	{ "vrfy-exposes-users", AUDIT_MEDIUM, "RFC 5321 3.5.3 and 7.3",
	  N_("Disable VRFY, or answer it with 252 (cannot verify)."), audit_check_vrfy },
	{ "expn-exposes-lists", AUDIT_MEDIUM, "RFC 5321 3.5.3 and 7.3",
	  N_("Disable EXPN: answer it with 502 or 252."), audit_check_expn },
	{ "open-relay", AUDIT_HIGH, "RFC 5321 7.1; RFC 2505; nmap smtp-open-relay",
	  N_("Accept mail from unauthenticated clients only for your own domains; relay only "
	     "for your own networks and authenticated users."), audit_check_relay },
	{ "early-talker", AUDIT_INFO, "RFC 5321 4.3.1; Postfix postscreen pregreet test",
	  N_("Pause the greeting a few seconds and refuse a client that talks before it."),
	  audit_check_early },
	{ "tls-protocols", AUDIT_MEDIUM, "RFC 8996; RFC 9325 3.1.1",
	  N_("Accept TLS 1.2 and 1.3 only."), audit_check_tls_protocols },
	{ "tls-ciphers", AUDIT_MEDIUM, "RFC 9325 4.1; RFC 7465 (RC4)",
	  N_("Refuse NULL, anonymous, EXPORT, RC4, DES and 3DES suites; offer AEAD suites "
	     "with forward secrecy."), audit_check_tls_ciphers },
	{ "tls-certificate", AUDIT_MEDIUM, "RFC 6125; RFC 9325 4.3; RFC 7817",
	  N_("Use a certificate for the server's name from a trusted CA, with an RSA key of "
	     "2048 bits or more (or EC P-256) and a SHA-256 signature; renew it well before it "
	     "expires."), audit_check_tls_certificate },
	{ "reverse-dns", AUDIT_LOW, "RFC 1912 2.1; RFC 5321 4.1.4; M3AAWG Sending Domains BCP",
	  N_("Ask the address's owner for a PTR record naming the server, with a name that "
	     "resolves back to the address and that the greeting and EHLO use."),
	  audit_check_reverse_dns },
	{ "dane", AUDIT_HIGH, "RFC 7672; RFC 6698",
	  N_("Publish TLSA records (3 1 1: the SHA-256 of the server key's "
	     "SubjectPublicKeyInfo) that match the certificate the server presents, in a "
	     "DNSSEC-signed zone; publish the next key's record before a key changes."),
	  audit_check_dane },
	{ "smtp-smuggling", AUDIT_HIGH, "SEC Consult, SMTP Smuggling (December 2023); "
	  "CVE-2023-51764, CVE-2023-51765, CVE-2023-51766; RFC 5321 4.1.1.4 and 2.3.8",
	  N_("Take only CRLF.CRLF as the end of data; refuse or normalise a bare LF or CR "
	     "in the body."), audit_check_smuggling },
};

size_t audit_check_count(void)
{
	return sizeof audit_checks / sizeof audit_checks[0];
}

const char *audit_check_id(size_t i)
{
	return i < audit_check_count() ? audit_checks[i].id : NULL;
}

const char *audit_result_name(enum audit_result r)
{
	static const char *const names[] = { "pass", "finding", "skipped" };
	return (unsigned)r < AUDIT_RESULT__COUNT ? names[r] : "?";
}

const char *audit_severity_name(enum audit_severity s)
{
	static const char *const names[] = { "info", "low", "medium", "high" };
	return (unsigned)s < AUDIT_SEVERITY__COUNT ? names[s] : "?";
}

void audit_evidence(struct audit_finding *f, const char *prefix, const char *text, size_t len)
{
	if (f == NULL || f->nevidence >= AUDIT_EVIDENCE_MAX)
		return;
	snprintf(f->evidence[f->nevidence++], AUDIT_LINE_MAX, "%s%.*s", prefix,
	    (int)(len > AUDIT_LINE_MAX ? AUDIT_LINE_MAX : len), text);
}

void audit_detail_add(struct audit_finding *f, const char *item)
{
	size_t n = strlen(f->detail);
	snprintf(f->detail + n, sizeof f->detail - n, "%s%s", n > 0 ? ", " : "", item);
}

const char *audit_server_domain(const struct audit_ctx *a)
{
	if (a->plain.domain[0] != '\0')
		return a->plain.domain;
	return session_greeting_domain(a->s);
}

/* A reply as "CODE text" lines into dst (the first line) and evidence. */
static void audit_reply_line(const struct session_reply *r, size_t i, char *dst, size_t cap)
{
	const struct reply_line *l = &r->reply.lines[i];
	snprintf(dst, cap, "%d%c%.*s", r->reply.code, i + 1 < r->reply.nlines ? '-' : ' ',
	    (int)(l->len > AUDIT_LINE_MAX ? AUDIT_LINE_MAX : l->len), l->text);
}

/* The observer the recipe's steps see: the first connection's greeting
 * and EHLO reply kept, the early talker's line sent when the connection
 * is up; everything passed on to the caller's observer. */
static void audit_obs_sent(void *ctx, const char *shown, size_t len)
{
	struct audit_ctx *a = ctx;
	if (a->cfg->obs != NULL && a->cfg->obs->sent != NULL)
		a->cfg->obs->sent(a->cfg->obs->ctx, shown, len);
}

static void audit_keep_ehlo(struct audit_ctx *a, const struct session_reply *r)
{
	if (r->reply.nlines == 0)
		return;
	audit_reply_line(r, 0, a->ehlo_first, sizeof a->ehlo_first);
	ehlo_set_parse(&a->plain, &r->reply);
	a->plain_seen = true;
	for (size_t i = 1; i < r->reply.nlines; i++) {
		const struct reply_line *l = &r->reply.lines[i];
		char *to = NULL;
		if (l->len >= 4 && strncasecmp(l->text, "AUTH", 4) == 0 &&
		    (l->len == 4 || l->text[4] == ' ' || l->text[4] == '='))
			to = a->ehlo_auth;
		else if (l->len >= 8 && strncasecmp(l->text, "STARTTLS", 8) == 0)
			to = a->ehlo_starttls;
		else if (l->len >= 4 && strncasecmp(l->text, "SIZE", 4) == 0)
			to = a->ehlo_size;
		if (to != NULL && to[0] == '\0')
			audit_reply_line(r, i, to, AUDIT_LINE_MAX);
	}
}

static void audit_obs_reply(void *ctx, const struct session_reply *r, bool tentative)
{
	struct audit_ctx *a = ctx;
	if (a->connections == 1 && r->origin == SESSION_REPLY_GREETING && a->greeting[0] == '\0' &&
	    r->reply.nlines > 0)
		audit_reply_line(r, 0, a->greeting, sizeof a->greeting);
	if (a->connections == 1 && !a->plain_seen && r->verb != NULL && !session_tls_active(a->s)) {
		if (r->verb->id == VERB_EHLO && r->reply.code == 250)
			audit_keep_ehlo(a, r);
		else if (r->verb->id == VERB_EHLO)
			a->ehlo_refused = true;
	}
	if (a->cfg->obs != NULL && a->cfg->obs->reply != NULL)
		a->cfg->obs->reply(a->cfg->obs->ctx, r, tentative);
}

static void audit_obs_event(void *ctx, const struct recipe_event *e)
{
	struct audit_ctx *a = ctx;
	if (a->cfg->obs != NULL && a->cfg->obs->event != NULL)
		a->cfg->obs->event(a->cfg->obs->ctx, e);
	if (e->kind == RECIPE_EV_CONNECTED && a->address[0] == '\0' && e->address != NULL)
		snprintf(a->address, sizeof a->address, "%s", e->address);
	if (e->kind == RECIPE_EV_CONNECTED && a->pregreet != NULL && a->pregreet_seq == 0 &&
	    session_send(a->s, NULL, a->pregreet, strlen(a->pregreet), &a->pregreet_seq, NULL,
	    &a->pregreet_err) == SMTP_OK)
		audit_obs_sent(a, a->pregreet, strlen(a->pregreet));
}

enum smtp_errkind audit_connect(struct audit_ctx *a, struct smtp_error *err)
{
	if (session_is_open(a->s))
		session_close(a->s);
	struct recipe_observer obs = { audit_obs_sent, audit_obs_reply, audit_obs_event, a };
	a->connections++;
	a->rc = a->cfg->target;
	a->rc.starttls = a->cfg->starttls && !a->in_clear;
	a->rc.auth = false;
	enum recipe_step failed = RECIPE_STEP_CONNECT;
	if (a->pregreet != NULL)
		return recipe_open(a->s, &a->rc, a->cfg->env, &obs, &failed, err);
	enum smtp_errkind k = recipe_replay(a->s, &a->rc, a->cfg->env, &obs, &failed, err);
	if (k != SMTP_OK && failed == RECIPE_STEP_TLS && a->cfg->starttls && a->plain_seen &&
	    ehlo_find(&a->plain, "STARTTLS") == NULL) {
		/* --starttls, and none is offered: the checks go on in clear
		 * (no-starttls says so). */
		a->rc = a->cfg->target;
		a->rc.starttls = false;
		k = recipe_replay(a->s, &a->rc, a->cfg->env, &obs, &failed, err);
	}
	a->cancelled = a->cancelled || k == SMTP_ERR_CANCELLED;
	return k;
}

enum smtp_errkind audit_ensure(struct audit_ctx *a, struct smtp_error *err)
{
	enum smtp_state st = session_is_open(a->s) ? session_state(a->s) : SMTP_ST_DISCONNECTED;
	if (st >= SMTP_ST_READY && st <= SMTP_ST_RCPT)
		return SMTP_OK;
	return audit_connect(a, err);
}

enum smtp_errkind audit_ask(struct audit_ctx *a, const char *line, struct audit_finding *f,
    int *code, struct smtp_error *err)
{
	*code = 0;
	unsigned long seq;
	char shown[SESSION_SHOWN_MAX];
	enum smtp_errkind k = session_send(a->s, NULL, line, strlen(line), &seq, shown, err);
	if (k != SMTP_OK)
		return k;
	audit_obs_sent(a, shown, strlen(shown));
	struct session_reply r;
	session_reply_init(&r);
	for (;;) {
		session_reply_free(&r);
		session_reply_init(&r);
		k = session_next_reply(a->s, SESSION_WAIT_OWED, &r, err);
		if (k != SMTP_OK)
			break;
		audit_obs_reply(a, &r, false);
		if (r.seq == seq)
			break;
	}
	a->cancelled = a->cancelled || k == SMTP_ERR_CANCELLED;
	if (k == SMTP_OK) {
		*code = r.reply.code;
		audit_evidence(f, "> ", shown, strlen(shown));
		for (size_t i = 0; i < r.reply.nlines; i++) {
			char l[AUDIT_LINE_MAX];
			audit_reply_line(&r, i, l, sizeof l);
			audit_evidence(f, "< ", l, strlen(l));
		}
	}
	session_reply_free(&r);
	return k;
}

enum smtp_errkind audit_run(struct session *s, const struct audit_config *cfg,
    const struct audit_hooks *hooks, struct audit_summary *sum, struct smtp_error *err)
{
	memset(sum, 0, sizeof *sum);
	long long start = clock_now_ms();
	static struct audit_ctx a;          /* large: kept off the stack */
	memset(&a, 0, sizeof a);
	a.s = s;
	a.cfg = cfg;
	ehlo_set_clear(&a.plain);
	enum smtp_errkind k = audit_connect(&a, err);
	if (k != SMTP_OK) {
		sum->connections = a.connections;
		return k;
	}
	a.sw = audit_fingerprint(a.greeting, a.ehlo_first);
	sum->software = a.sw;
	size_t n = audit_check_count();
	for (size_t i = 0; i < n; i++) {
		if (a.cancelled || (cfg->stop != NULL && *cfg->stop)) {
			sum->cancelled = true;
			break;
		}
		const struct audit_check *c = &audit_checks[i];
		if (hooks->on_check != NULL)
			hooks->on_check(hooks->ctx, c->id, i, n);
		static struct audit_finding f;
		memset(&f, 0, sizeof f);
		f.check = c->id;
		f.host = cfg->target.pin != NULL ? cfg->target.pin->name : cfg->target.host;
		f.severity = c->severity;
		f.reference = c->reference;
		c->run(&a, &f);
		if (a.cancelled) {
			/* Stopped in the middle: what it saw is not a result. */
			f.result = AUDIT_SKIPPED;
			f.reason = N_("stopped before this check was done");
			f.detail[0] = '\0';
			sum->cancelled = true;
		}
		if (f.result == AUDIT_FINDING) {
			const char *own = audit_fix_for(c->id, a.sw);
			f.fix = own != NULL ? own : c->fix;
			sum->findings_by_severity[f.severity]++;
		}
		sum->checks++;
		sum->by_result[f.result]++;
		if (hooks->on_finding != NULL)
			hooks->on_finding(hooks->ctx, &f);
		if (a.cancelled)
			break;
	}
	if (!sum->cancelled && session_is_open(s) && session_state(s) >= SMTP_ST_READY &&
	    session_state(s) <= SMTP_ST_RCPT) {
		int code;
		struct smtp_error e;
		(void)audit_ask(&a, "QUIT", NULL, &code, &e);
	}
	if (session_is_open(s))
		session_close(s);
	sum->connections = a.connections;
	sum->elapsed_ms = clock_now_ms() - start;
	return sum->cancelled ? smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "stopped") : SMTP_OK;
}

void audit_summary_add(struct audit_summary *sum, const struct audit_summary *one)
{
	sum->checks += one->checks;
	for (int r = 0; r < AUDIT_RESULT__COUNT; r++)
		sum->by_result[r] += one->by_result[r];
	for (int v = 0; v < AUDIT_SEVERITY__COUNT; v++)
		sum->findings_by_severity[v] += one->findings_by_severity[v];
	if (sum->software == AUDIT_SW_UNKNOWN)
		sum->software = one->software;
	sum->connections += one->connections;
	sum->cancelled = sum->cancelled || one->cancelled;
}
