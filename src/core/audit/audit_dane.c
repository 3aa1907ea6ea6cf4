/*
 * audit_dane.c - the audit's dane check (RFC 7672, SMTP security via
 * opportunistic DANE TLS): the TLSA records of the host's SMTP service
 * (_25._tcp.HOST for an MX host or a name given without a port, else
 * _PORT._tcp.HOST; dnsq.h), and when there are any and STARTTLS works, one
 * handshake that verifies the chain against them with OpenSSL's DANE
 * support (tls_options.tlsa).  Only DANE-TA(2) and DANE-EE(3) records are
 * usable for SMTP (RFC 7672 3.1.3).
 *
 * DNSSEC: DANE means something only over validated records, and smtpsh
 * does not validate; the AD bit of the answer is reported (a validating
 * resolver sets it; glibc is told to keep it), and the result's detail
 * says which.  Sent: EHLO, STARTTLS, the handshake, QUIT.
 */
#include <stdio.h>
#include <string.h>

#include "audit_int.h"
#include "dnsq.h"
#include "i18n.h"

/* A TLSA record as presentation text, the data cut after 32 octets. */
static void audit_dane_text(const struct tls_tlsa *t, char *out, size_t cap)
{
	size_t o = (size_t)snprintf(out, cap, "%u %u %u ", t->usage, t->selector, t->mtype);
	for (size_t i = 0; i < t->len && i < 32 && o + 3 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%02x", t->data[i]);
	if (t->len > 32 && o + 4 < cap)
		snprintf(out + o, cap - o, "...");
}

static void audit_dane_dnssec(struct audit_finding *f, bool ad)
{
	audit_detail_add(f, ad ? "the resolver set AD: the records are DNSSEC-validated" :
	    "not DNSSEC-validated: the resolver did not set AD (smtpsh does not validate; "
	    "ask a validating resolver)");
}

void audit_check_dane(struct audit_ctx *a, struct audit_finding *f)
{
	const struct recipe *t = &a->cfg->target;
	const char *host = t->pin != NULL ? t->pin->name : t->host;
	if (mx_is_address(host) || strncmp(host, "unix:", 5) == 0) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("an address has no TLSA records: they are published at the MX "
		    "host's name");
		return;
	}
	if (audit_dns_local_only(a)) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("a loopback host: its TLSA records are asked only of a DNS server "
		    "named with SMTPSH_DNS_SERVER");
		return;
	}
	const char *port = t->pin != NULL || t->port[0] == '\0' ? "25" : t->port;
	char name[MX_NAME_MAX + 24], line[AUDIT_LINE_MAX];
	snprintf(name, sizeof name, "_%s._tcp.%s", port, host);
	static struct dnsq_tlsa tlsa;
	enum mx_lookup l = MX_LOOKUP_ERROR;
	struct smtp_error e;
	const struct mx_options *mo = a->cfg->env != NULL ? a->cfg->env->mx : NULL;
	if (dnsq_tlsa(name, mo, &tlsa, &l, &e) != SMTP_OK ||
	    (l != MX_LOOKUP_OK && l != MX_LOOKUP_NXDOMAIN && l != MX_LOOKUP_NODATA)) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("the DNS lookup failed");
		snprintf(f->detail, sizeof f->detail, "%.200s TLSA: %.170s", name,
		    l == MX_LOOKUP_ERROR ? e.msg : mx_lookup_name(l));
		return;
	}
	size_t usable = 0;
	for (size_t i = 0; i < tlsa.n; i++) {
		char rr[160];
		audit_dane_text(&tlsa.rr[i], rr, sizeof rr);
		snprintf(line, sizeof line, "TLSA %.140s: %.160s", name, rr);
		audit_evidence(f, "dns: ", line, strlen(line));
		usable += tlsa.rr[i].usage == 2 || tlsa.rr[i].usage == 3;
	}
	if (tlsa.n == 0) {
		f->result = AUDIT_FINDING;
		f->severity = AUDIT_INFO;
		f->reason = N_("no TLSA records: DANE does not protect TLS to this host");
		snprintf(f->detail, sizeof f->detail, "%.200s TLSA: %s", name, mx_lookup_name(l));
		return;
	}
	if (usable == 0) {
		f->result = AUDIT_FINDING;
		f->severity = AUDIT_MEDIUM;
		f->reason = N_("no usable TLSA record: SMTP uses only DANE-TA(2) and DANE-EE(3) "
		    "(RFC 7672 3.1.3)");
		audit_dane_dnssec(f, tlsa.ad);
		return;
	}
	if (!a->cfg->implicit_tls && a->ehlo_starttls[0] == '\0') {
		f->result = AUDIT_FINDING;
		f->reason = N_("TLSA records are published but STARTTLS is not offered: a DANE "
		    "sender will not deliver (RFC 7672 2.2)");
		audit_dane_dnssec(f, tlsa.ad);
		return;
	}
	struct tls_options o = audit_tls_base(a);
	o.tlsa = tlsa.rr;
	o.ntlsa = tlsa.n;
	static struct tls_info info;
	enum audit_tls_outcome out = audit_tls_try(a, &o, &info, &e);
	if (out != AUDIT_TLS_ACCEPTED || info.dane < 0) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("TLSA records are published, but no handshake could be made to "
		    "verify them");
		snprintf(f->detail, sizeof f->detail, "%.300s", out != AUDIT_TLS_ACCEPTED ? e.msg :
		    "OpenSSL could use none of the records");
		return;
	}
	if (info.dane == 0) {
		f->result = AUDIT_FINDING;
		f->reason = N_("no TLSA record matches the server's certificate chain: a DANE "
		    "sender will not deliver");
		snprintf(line, sizeof line, "TLS: %s, %s; DANE: no match (%.200s)", info.version,
		    info.cipher, info.verify_text);
	} else {
		f->result = AUDIT_PASS;
		f->reason = N_("a TLSA record matches the server's certificate chain");
		snprintf(line, sizeof line, "TLS: %s, %s; DANE: usage %u matched at depth %d",
		    info.version, info.cipher, info.dane_usage, info.dane_depth);
	}
	audit_evidence(f, "", line, strlen(line));
	audit_dane_dnssec(f, tlsa.ad);
}
