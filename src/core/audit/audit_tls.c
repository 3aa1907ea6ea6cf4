/*
 * audit_tls.c - the audit's TLS checks (audit.h): which old protocol
 * versions (tls-protocols) and weak cipher suites (tls-ciphers) the
 * server still accepts, and what its certificate is worth
 * (tls-certificate: chain, name, dates, key, signature).
 *
 * Each probe is one handshake on a session of its own (session_new with
 * the caller's options): connect, greeting, EHLO, STARTTLS, then the
 * handshake with the probe's options -- or, under --tls, the handshake
 * right after the connect.  The handshake is the client's own (tls.h),
 * with tls_options.probe for versions and suites a user's session never
 * offers; what this OpenSSL cannot offer at all is said (tls_can_offer),
 * never counted as refused.  Nothing but EHLO, STARTTLS, the handshake and
 * QUIT is sent.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit_int.h"
#include "i18n.h"
#include "starttls.h"

/* RFC 9325 4.3 and the CA/Browser Forum's minimums. */
#define AUDIT_RSA_BITS_MIN 2048
#define AUDIT_EC_BITS_MIN 256
/* A certificate this close to its end is a finding. */
#define AUDIT_CERT_DAYS_LOW 30
#define AUDIT_CERT_DAYS_MEDIUM 7

struct audit_tls_probe {
	struct implicit_tls it;             /* under --tls: the session's hook */
	char host[SMTP_DOMAIN_MAX + 1];     /* the host connected to (MX by route) */
};

/* The host each connect goes to: the name the certificate must carry. */
static void audit_tls_event(void *ctx, const struct recipe_event *e)
{
	struct audit_tls_probe *p = ctx;
	if (e->kind == RECIPE_EV_CONNECTING && e->host != NULL) {
		snprintf(p->host, sizeof p->host, "%s", e->host);
		p->it.opt.host = p->host;
		p->it.done = false;
	}
}

/* Up to the handshake on a fresh session of the probe's own. */
static enum audit_tls_outcome audit_tls_session(struct audit_ctx *a, struct session *ps,
    struct audit_tls_probe *p, struct tls_info *info, struct smtp_error *err)
{
	struct recipe rc = a->cfg->target;
	rc.starttls = rc.auth = false;
	struct recipe_observer obs = { NULL, NULL, audit_tls_event, p };
	enum recipe_step failed;
	a->connections++;
	enum smtp_errkind k = recipe_open(ps, &rc, a->cfg->env, &obs, &failed, err);
	if (a->cfg->implicit_tls) {
		*info = p->it.info;
		if (k == SMTP_OK)
			return AUDIT_TLS_ACCEPTED;
		a->cancelled = a->cancelled || k == SMTP_ERR_CANCELLED;
		return p->it.done && (k == SMTP_ERR_TLS || k == SMTP_ERR_CLOSED) ?
		    AUDIT_TLS_REFUSED : AUDIT_TLS_NOT_REACHED;
	}
	int code = 0;
	if (k == SMTP_OK && !rc.greeted)
		k = smtp_error_set(err, SMTP_ERR_STATE, 0, "the greeting was not 220");
	if (k == SMTP_OK)
		k = recipe_hello(ps, &rc, VERB_EHLO, rc.hello, NULL, &code, err);
	if (k == SMTP_OK && code != 250)
		k = smtp_error_set(err, SMTP_ERR_STATE, 0, "EHLO got %d", code);
	struct session_reply r;
	session_reply_init(&r);
	if (k == SMTP_OK)
		k = session_command(ps, verb_by_id(VERB_STARTTLS), "STARTTLS", 8, &r, NULL, NULL, err);
	if (k == SMTP_OK && !session_tls_pending(ps))
		k = smtp_error_set(err, SMTP_ERR_STATE, 0, "STARTTLS got %d", r.reply.code);
	session_reply_free(&r);
	a->cancelled = a->cancelled || k == SMTP_ERR_CANCELLED;
	if (k != SMTP_OK)
		return AUDIT_TLS_NOT_REACHED;
	p->it.opt.host = session_host(ps);
	size_t discarded = 0;
	k = session_start_tls(ps, &p->it.opt, info, &discarded, NULL, err);
	a->cancelled = a->cancelled || k == SMTP_ERR_CANCELLED;
	if (k == SMTP_OK)
		return AUDIT_TLS_ACCEPTED;
	return k == SMTP_ERR_TLS || k == SMTP_ERR_CLOSED ? AUDIT_TLS_REFUSED : AUDIT_TLS_NOT_REACHED;
}

enum audit_tls_outcome audit_tls_try(struct audit_ctx *a, const struct tls_options *o,
    struct tls_info *info, struct smtp_error *err)
{
	static struct audit_tls_probe p;    /* large: kept off the stack */
	memset(&p, 0, sizeof p);
	memset(info, 0, sizeof *info);
	p.it.opt = *o;
	struct session_options so = { .cancel_fd = -1 };
	if (a->cfg->sopt != NULL)
		so = *a->cfg->sopt;
	so.after_connect = a->cfg->implicit_tls ? implicit_tls_after_connect : NULL;
	so.after_connect_ctx = a->cfg->implicit_tls ? &p.it : NULL;
	struct session *ps = session_new(&so);
	if (ps == NULL) {
		smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory for a TLS probe");
		return AUDIT_TLS_NOT_REACHED;
	}
	enum audit_tls_outcome out = audit_tls_session(a, ps, &p, info, err);
	if (out == AUDIT_TLS_ACCEPTED && session_is_open(ps)) {
		struct session_reply r;
		struct smtp_error e;
		session_reply_init(&r);
		(void)session_command(ps, verb_by_id(VERB_QUIT), "QUIT", 4, &r, NULL, NULL, &e);
		session_reply_free(&r);
	}
	session_free(ps);
	return out;
}

bool audit_tls_offered(struct audit_ctx *a, struct audit_finding *f)
{
	if (a->cfg->implicit_tls || a->ehlo_starttls[0] != '\0')
		return true;
	f->result = AUDIT_SKIPPED;
	f->reason = N_("STARTTLS is not offered: there is no TLS to probe");
	return false;
}

struct tls_options audit_tls_base(const struct audit_ctx *a)
{
	struct tls_options o = a->cfg->env->tls;
	o.insecure = true;
	o.host = NULL;
	o.sni = NULL;
	o.ciphers = NULL;
	o.min_version = o.max_version = 0;
	o.probe = false;
	return o;
}

/* Whether the handshake every sound server takes (TLS 1.2 or 1.3, the
 * default suites) begins and fails: then TLS does not work at all
 * (OpenSMTPD 6.8.0p2 with OpenSSL 3 answers every ClientHello with an
 * internal_error alert), and old versions or weak suites "refused" say
 * nothing about its settings.  err: why, when it failed. */
static bool audit_tls_broken(struct audit_ctx *a, struct smtp_error *err)
{
	struct tls_options o = audit_tls_base(a);
	o.probe = true;
	o.min_version = TLS_VERSION_1_2;
	static struct tls_info info;        /* large: kept off the stack */
	return audit_tls_try(a, &o, &info, err) == AUDIT_TLS_REFUSED;
}

/* A check whose probes were all refused, when no handshake succeeds. */
static void audit_tls_none_work(struct audit_finding *f)
{
	f->result = AUDIT_SKIPPED;
	f->reason = N_("no TLS 1.2 or 1.3 handshake succeeds either, so these refusals say "
	    "nothing (see tls-certificate)");
}

void audit_check_tls_protocols(struct audit_ctx *a, struct audit_finding *f)
{
	static const struct { const char *name; unsigned version; } old[] = {
		{ "TLSv1.0", TLS_VERSION_1_0 },
		{ "TLSv1.1", TLS_VERSION_1_1 },
	};
	if (!audit_tls_offered(a, f))
		return;
	size_t asked = 0, untestable = 0;
	char line[AUDIT_LINE_MAX];
	for (size_t i = 0; i < sizeof old / sizeof old[0] && !a->cancelled; i++) {
		struct tls_options o = audit_tls_base(a);
		o.probe = true;
		o.min_version = o.max_version = old[i].version;
		if (!tls_can_offer(&o)) {
			untestable++;
			snprintf(line, sizeof line, "%s: this OpenSSL cannot offer it", old[i].name);
			audit_evidence(f, "", line, strlen(line));
			continue;
		}
		struct tls_info info;
		struct smtp_error err;
		enum audit_tls_outcome out = audit_tls_try(a, &o, &info, &err);
		if (out == AUDIT_TLS_ACCEPTED) {
			f->result = AUDIT_FINDING;
			audit_detail_add(f, old[i].name);
			snprintf(line, sizeof line, "%s: accepted (%s, %s)", old[i].name, info.version,
			    info.cipher);
		} else {
			snprintf(line, sizeof line, "%s: %s (%s)", old[i].name,
			    out == AUDIT_TLS_REFUSED ? "refused" : "not reached", err.msg);
		}
		asked += out != AUDIT_TLS_NOT_REACHED;
		audit_evidence(f, "", line, strlen(line));
	}
	if (f->result == AUDIT_FINDING)
		f->reason = N_("the server still accepts TLS 1.0 or 1.1 (RFC 8996 deprecates them)");
	else if (asked == 0) {
		f->result = AUDIT_SKIPPED;
		f->reason = untestable > 0 ? N_("this OpenSSL cannot offer TLS 1.0 or 1.1, so they "
		    "were not asked for") : N_("no probe connection reached the TLS handshake");
	} else {
		f->reason = untestable > 0 ? N_("the old versions this OpenSSL can offer are refused") :
		    N_("TLS 1.0 and 1.1 are refused");
		struct smtp_error err;
		if (!a->cancelled && audit_tls_broken(a, &err))
			audit_tls_none_work(f);
	}
}

void audit_check_tls_ciphers(struct audit_ctx *a, struct audit_finding *f)
{
	/* Weak classes, by OpenSSL's cipher-string names (RFC 7465: RC4;
	 * RFC 9325 4.1: NULL, anonymous, EXPORT, DES and 3DES). */
	static const struct { const char *name, *suites; } weak[] = {
		{ "NULL", "eNULL" }, { "anonymous", "aNULL" }, { "EXPORT", "EXP" },
		{ "RC4", "RC4" }, { "3DES", "3DES" }, { "DES", "DES" },
	};
	if (!audit_tls_offered(a, f))
		return;
	size_t asked = 0;
	char untested[128] = "", line[AUDIT_LINE_MAX];
	for (size_t i = 0; i < sizeof weak / sizeof weak[0] && !a->cancelled; i++) {
		struct tls_options o = audit_tls_base(a);
		o.probe = true;
		o.min_version = TLS_VERSION_1_0;
		o.ciphers = weak[i].suites;
		if (!tls_can_offer(&o)) {
			o.min_version = TLS_VERSION_1_2;     /* 1.0 may be what is missing */
			if (!tls_can_offer(&o)) {
				size_t n = strlen(untested);
				snprintf(untested + n, sizeof untested - n, "%s%s", n > 0 ? ", " : "",
				    weak[i].name);
				continue;
			}
		}
		struct tls_info info;
		struct smtp_error err;
		enum audit_tls_outcome out = audit_tls_try(a, &o, &info, &err);
		if (out == AUDIT_TLS_ACCEPTED) {
			char item[96];
			snprintf(item, sizeof item, "%s (%s)", weak[i].name, info.cipher);
			f->result = AUDIT_FINDING;
			audit_detail_add(f, item);
			snprintf(line, sizeof line, "%s: accepted (%s, %s)", weak[i].name, info.version,
			    info.cipher);
		} else {
			snprintf(line, sizeof line, "%s: %s (%s)", weak[i].name,
			    out == AUDIT_TLS_REFUSED ? "refused" : "not reached", err.msg);
		}
		asked += out != AUDIT_TLS_NOT_REACHED;
		audit_evidence(f, "", line, strlen(line));
	}
	if (untested[0] != '\0') {
		snprintf(line, sizeof line, "not asked (this OpenSSL cannot offer them): %s", untested);
		audit_evidence(f, "", line, strlen(line));
	}
	if (f->result == AUDIT_FINDING)
		f->reason = N_("the server accepts weak cipher suites");
	else if (asked == 0) {
		f->result = AUDIT_SKIPPED;
		f->reason = untested[0] != '\0' && !a->cancelled ?
		    N_("this OpenSSL can offer none of the weak suites") :
		    N_("no probe connection reached the TLS handshake");
	} else {
		f->reason = N_("the weak suites this OpenSSL can offer are refused");
		struct smtp_error err;
		if (!a->cancelled && audit_tls_broken(a, &err))
			audit_tls_none_work(f);
	}
}

/* A signature algorithm's name naming a broken hash (SHA-1, MD5, MD2). */
static bool audit_cert_weak_hash(const char *sig)
{
	static const char *const broken[] = { "SHA1", "MD5", "MD2" };
	for (const char *p = sig; *p != '\0'; p++)
		for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++)
			if (strncasecmp(p, broken[i], strlen(broken[i])) == 0)
				return true;
	return false;
}

/* One weakness: its severity raises the finding's, its words go to the
 * detail. */
static void audit_cert_weak(struct audit_finding *f, enum audit_severity sev, const char *what)
{
	if (f->result != AUDIT_FINDING || sev > f->severity)
		f->severity = sev;
	f->result = AUDIT_FINDING;
	audit_detail_add(f, what);
}

static void audit_cert_judge(struct audit_finding *f, const struct tls_info *in)
{
	char what[AUDIT_LINE_MAX];
	unsigned bad = in->failures;
	if (bad & TLS_FAIL_NO_CERT)
		audit_cert_weak(f, AUDIT_MEDIUM, "no certificate");
	if (bad & (TLS_FAIL_UNTRUSTED | TLS_FAIL_SELF_SIGNED | TLS_FAIL_OTHER))
		audit_cert_weak(f, AUDIT_MEDIUM, bad & TLS_FAIL_SELF_SIGNED ? "self-signed" :
		    "chain does not verify");
	if (bad & TLS_FAIL_HOSTNAME) {
		snprintf(what, sizeof what, "not for %.200s", in->checked_name);
		audit_cert_weak(f, AUDIT_MEDIUM, what);
	}
	if (bad & TLS_FAIL_EXPIRED)
		audit_cert_weak(f, AUDIT_HIGH, "expired");
	if (bad & TLS_FAIL_NOT_YET)
		audit_cert_weak(f, AUDIT_MEDIUM, "not yet valid");
	if (in->nchain == 0)
		return;
	const struct tls_cert_info *leaf = &in->chain[0];
	if (!(bad & TLS_FAIL_EXPIRED) && leaf->days_left <= AUDIT_CERT_DAYS_LOW) {
		snprintf(what, sizeof what, "expires in %ld days", leaf->days_left);
		audit_cert_weak(f, leaf->days_left <= AUDIT_CERT_DAYS_MEDIUM ? AUDIT_MEDIUM : AUDIT_LOW,
		    what);
	}
	bool rsa = strcmp(leaf->key_type, "RSA") == 0 || strcmp(leaf->key_type, "DSA") == 0;
	bool ec = strcmp(leaf->key_type, "EC") == 0;
	if ((rsa && leaf->key_bits < AUDIT_RSA_BITS_MIN) || (ec && leaf->key_bits < AUDIT_EC_BITS_MIN)) {
		snprintf(what, sizeof what, "%s key of %d bits", leaf->key_type, leaf->key_bits);
		audit_cert_weak(f, AUDIT_MEDIUM, what);
	}
	if (audit_cert_weak_hash(leaf->signature)) {
		snprintf(what, sizeof what, "signed with %s", leaf->signature);
		audit_cert_weak(f, AUDIT_MEDIUM, what);
	}
}

void audit_check_tls_certificate(struct audit_ctx *a, struct audit_finding *f)
{
	if (!audit_tls_offered(a, f))
		return;
	/* Level 0, so that a small key or a SHA-1 signature is seen and
	 * weighed here, not refused by OpenSSL before the certificate is. */
	struct tls_options o = audit_tls_base(a);
	o.probe = true;
	o.min_version = TLS_VERSION_1_2;
	static struct tls_info info;
	struct smtp_error err;
	enum audit_tls_outcome out = audit_tls_try(a, &o, &info, &err);
	if (out == AUDIT_TLS_REFUSED) {
		/* STARTTLS offered, its handshake fails: a sender that insists
		 * on TLS cannot deliver, the rest fall back to clear text. */
		audit_cert_weak(f, AUDIT_MEDIUM, "no TLS 1.2 or 1.3 handshake succeeds");
		f->reason = N_("STARTTLS is offered but its TLS handshake fails, so there is "
		    "no certificate to judge");
		audit_evidence(f, "", err.msg, strlen(err.msg));
		return;
	}
	if (out != AUDIT_TLS_ACCEPTED) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("no TLS 1.2 or 1.3 handshake could be made to see the certificate");
		audit_evidence(f, "", err.msg, strlen(err.msg));
		return;
	}
	char line[AUDIT_LINE_MAX];
	snprintf(line, sizeof line, "verification: %.300s", info.verify_text);
	audit_evidence(f, "", line, strlen(line));
	if (info.nchain > 0) {
		const struct tls_cert_info *c = &info.chain[0];
		snprintf(line, sizeof line, "subject: %.300s", c->subject);
		audit_evidence(f, "", line, strlen(line));
		snprintf(line, sizeof line, "issuer: %.300s", c->issuer);
		audit_evidence(f, "", line, strlen(line));
		snprintf(line, sizeof line, "names: %.300s", c->sans[0] != '\0' ? c->sans : "-");
		audit_evidence(f, "", line, strlen(line));
		snprintf(line, sizeof line, "not after: %s (%ld days)", c->not_after, c->days_left);
		audit_evidence(f, "", line, strlen(line));
		snprintf(line, sizeof line, "key: %s %d bits; signature: %s", c->key_type, c->key_bits,
		    c->signature);
		audit_evidence(f, "", line, strlen(line));
	}
	audit_cert_judge(f, &info);
	f->reason = f->result == AUDIT_FINDING ?
	    N_("the certificate is weak or does not verify (the detail says how)") :
	    N_("the chain verifies, the name matches, and dates, key and signature are sound");
}
