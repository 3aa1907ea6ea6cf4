/*
 * audit_dns.c - the audit's DNS checks, through dnsq.h (the resolver mx.c
 * uses, SMTPSH_DNS_SERVER honoured):
 *   reverse-dns  the connected address's PTR (RFC 1912 2.1), forward-
 *                confirmed (the name resolves back to the address), and
 *                its name against the greeting's and the EHLO reply's;
 *   tls-rpt      a domain's _smtp._tls TXT record (RFC 8460 3):
 *                "v=TLSRPTv1; rua=mailto:...|https://..." exactly once;
 *   mta-sts      a domain's _mta-sts TXT record (RFC 8461 3.1):
 *                "v=STSv1; id=1*32(ALPHA/DIGIT)" exactly once; then the
 *                HTTPS policy (audit_mtasts.c).
 * A lookup that fails (SERVFAIL, no answer) leaves the check skipped: the
 * DNS did not say, so nothing is found.  Names and records are the DNS's
 * text, escaped where shown.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit_int.h"
#include "dnsq.h"
#include "i18n.h"

bool audit_dns_local_only(const struct audit_ctx *a)
{
	const struct mx_options *mo = a->cfg->env != NULL ? a->cfg->env->mx : NULL;
	bool loopback = strncmp(a->address, "127.", 4) == 0 || strcmp(a->address, "::1") == 0;
	return loopback && (mo == NULL || mo->server == NULL || mo->server[0] == '\0');
}

static void audit_dns_failed(struct audit_finding *f, const char *what, enum mx_lookup l)
{
	f->result = AUDIT_SKIPPED;
	f->reason = N_("the DNS lookup failed");
	snprintf(f->detail, sizeof f->detail, "%s: %s", what, mx_lookup_name(l));
}

/* Does name resolve to address?  *seen lists what it resolves to. */
static bool audit_dns_confirmed(const char *name, const char *address,
    const struct mx_options *mo, char *seen, size_t cap)
{
	static struct mx_host h;            /* large: kept off the stack */
	struct smtp_error e;
	seen[0] = '\0';
	if (dnsq_addresses(name, mo, &h, &e) != SMTP_OK)
		return false;
	bool found = false;
	for (size_t i = 0; i < h.naddr; i++) {
		size_t n = strlen(seen);
		snprintf(seen + n, cap - n, "%s%s", n > 0 ? " " : "", h.addr[i].text);
		found = found || strcmp(h.addr[i].text, address) == 0;
	}
	if (h.naddr == 0)
		snprintf(seen, cap, "%s", mx_lookup_name(h.lookup));
	return found;
}

void audit_check_reverse_dns(struct audit_ctx *a, struct audit_finding *f)
{
	const struct mx_options *mo = a->cfg->env != NULL ? a->cfg->env->mx : NULL;
	const char *addr = a->address;
	if (addr[0] == '\0') {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("no address to look up (not connected over IP)");
		return;
	}
	if (audit_dns_local_only(a)) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("a loopback address: its PTR is asked only of a DNS server named "
		    "with SMTPSH_DNS_SERVER");
		snprintf(f->detail, sizeof f->detail, "%s", addr);
		return;
	}
	static struct dnsq_ptr ptr;
	enum mx_lookup l = MX_LOOKUP_ERROR;
	struct smtp_error e;
	if (dnsq_ptr(addr, mo, &ptr, &l, &e) != SMTP_OK) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("the DNS lookup failed");
		snprintf(f->detail, sizeof f->detail, "%s", e.msg);
		return;
	}
	char line[AUDIT_LINE_MAX];
	snprintf(line, sizeof line, "PTR %s: %.200s", addr, l == MX_LOOKUP_OK ? ptr.name[0] :
	    mx_lookup_name(l));
	audit_evidence(f, "dns: ", line, strlen(line));
	if (l == MX_LOOKUP_NXDOMAIN || l == MX_LOOKUP_NODATA) {
		f->result = AUDIT_FINDING;
		f->reason = N_("the address has no PTR record: many receivers refuse or "
		    "distrust mail from it");
		snprintf(f->detail, sizeof f->detail, "%s", addr);
		return;
	}
	if (l != MX_LOOKUP_OK) {
		audit_dns_failed(f, addr, l);
		return;
	}
	const char *confirmed = NULL;
	char seen[AUDIT_DETAIL_MAX / 2] = "";
	for (size_t i = 0; i < ptr.n && confirmed == NULL; i++) {
		if (audit_dns_confirmed(ptr.name[i], addr, mo, seen, sizeof seen))
			confirmed = ptr.name[i];
		snprintf(line, sizeof line, "A/AAAA %.100s: %.150s", ptr.name[i], seen);
		audit_evidence(f, "dns: ", line, strlen(line));
	}
	if (confirmed == NULL) {
		f->result = AUDIT_FINDING;
		f->reason = N_("the PTR name is not forward-confirmed: it does not resolve back "
		    "to the address");
		snprintf(f->detail, sizeof f->detail, "%.46s PTR %.160s, which resolves to %.150s", addr,
		    ptr.name[0], seen);
		return;
	}
	const char *greeting = session_greeting_domain(a->s);
	const char *ehlo = a->plain.domain;
	if (strcasecmp(confirmed, greeting) != 0 && strcasecmp(confirmed, ehlo) != 0) {
		f->result = AUDIT_FINDING;
		f->severity = AUDIT_INFO;
		f->reason = N_("the PTR name is neither the greeting's nor the EHLO reply's name");
		snprintf(f->detail, sizeof f->detail, "%.46s PTR %.100s; greeting %.100s; EHLO %.100s", addr,
		    confirmed, greeting[0] != '\0' ? greeting : "-", ehlo[0] != '\0' ? ehlo : "-");
		return;
	}
	f->result = AUDIT_PASS;
	f->reason = N_("the address's PTR is forward-confirmed and names the server");
	snprintf(f->detail, sizeof f->detail, "%s PTR %.200s", addr, confirmed);
}

/* The value of tag (as "tag=") in a "k=v; k=v" record, cut at ';', spaces
 * trimmed, into out; false when the record has no such tag. */
static bool audit_dns_tag(const char *rec, const char *tag, char *out, size_t cap)
{
	size_t tl = strlen(tag);
	const char *p = rec;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len > tl && strncmp(p, tag, tl) == 0 && p[tl] == '=') {
			const char *v = p + tl + 1;
			size_t vl = len - tl - 1;
			while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			snprintf(out, cap, "%.*s", (int)vl, v);
			return true;
		}
		p += len;
	}
	return false;
}

/* The one record of name that begins with version; *count how many did.
 * false (the check filled in) when the lookup failed or found none. */
static bool audit_dns_record(const char *name, const char *version, const struct mx_options *mo,
    struct audit_finding *f, const char *none_reason, char *rec, size_t cap)
{
	static struct dnsq_txt txt;
	enum mx_lookup l = MX_LOOKUP_ERROR;
	struct smtp_error e;
	if (dnsq_txt(name, mo, &txt, &l, &e) != SMTP_OK) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("the DNS lookup failed");
		snprintf(f->detail, sizeof f->detail, "%s", e.msg);
		return false;
	}
	if (l != MX_LOOKUP_OK && l != MX_LOOKUP_NXDOMAIN && l != MX_LOOKUP_NODATA) {
		audit_dns_failed(f, name, l);
		return false;
	}
	size_t count = 0, vl = strlen(version);
	for (size_t i = 0; i < txt.n; i++) {
		const char *t = txt.text[i];
		if (strncmp(t, version, vl) == 0 && (t[vl] == '\0' || t[vl] == ';' || t[vl] == ' ')) {
			if (count++ == 0)
				snprintf(rec, cap, "%s", t);
			audit_evidence(f, "dns: TXT ", t, strlen(t));
		}
	}
	if (count == 0) {
		f->result = AUDIT_FINDING;
		f->reason = none_reason;
		snprintf(f->detail, sizeof f->detail, "%.200s TXT: %s", name,
		    l == MX_LOOKUP_OK ? "no record of this version" : mx_lookup_name(l));
		return false;
	}
	if (count > 1) {
		f->result = AUDIT_FINDING;
		f->reason = N_("more than one record: a receiver must then ignore them all");
		snprintf(f->detail, sizeof f->detail, "%.200s: %zu records", name, count);
		return false;
	}
	return true;
}

void audit_check_tls_rpt(const char *domain, const struct mx_options *mo, struct audit_finding *f)
{
	char name[MX_NAME_MAX + 16], rec[DNSQ_TXT_LEN], rua[DNSQ_TXT_LEN];
	snprintf(name, sizeof name, "_smtp._tls.%s", domain);
	if (!audit_dns_record(name, "v=TLSRPTv1", mo, f, N_("no TLS-RPT record: failures of TLS "
	    "to this domain's MX hosts are reported to nobody"), rec, sizeof rec))
		return;
	bool ok = audit_dns_tag(rec, "rua", rua, sizeof rua) && rua[0] != '\0';
	for (char *u = rua; ok && u != NULL && *u != '\0';) {
		while (*u == ' ' || *u == ',')
			u++;
		ok = strncasecmp(u, "mailto:", 7) == 0 || strncasecmp(u, "https:", 6) == 0;
		u = strchr(u, ',');
	}
	if (!ok) {
		f->result = AUDIT_FINDING;
		f->reason = N_("the TLS-RPT record is malformed: it needs rua= with mailto: or "
		    "https: addresses");
		snprintf(f->detail, sizeof f->detail, "%.380s", rec);
		return;
	}
	f->result = AUDIT_PASS;
	f->reason = N_("a TLS-RPT record says where TLS failures are reported");
	snprintf(f->detail, sizeof f->detail, "rua=%.370s", rua);
}

void audit_check_mta_sts(const struct audit_config *cfg, const struct mx_route *r,
    struct audit_finding *f)
{
	const char *domain = cfg->target.host;
	const struct mx_options *mo = cfg->env != NULL ? cfg->env->mx : NULL;
	char name[MX_NAME_MAX + 16], rec[DNSQ_TXT_LEN], id[DNSQ_TXT_LEN];
	snprintf(name, sizeof name, "_mta-sts.%s", domain);
	if (!audit_dns_record(name, "v=STSv1", mo, f, N_("no MTA-STS record: a sender cannot "
	    "know that this domain's mail must go over TLS to its own MX hosts"), rec, sizeof rec))
		return;
	bool ok = audit_dns_tag(rec, "id", id, sizeof id) && id[0] != '\0' && strlen(id) <= 32;
	for (const char *c = id; ok && *c != '\0'; c++)
		ok = isalnum((unsigned char)*c) != 0;
	if (!ok) {
		f->result = AUDIT_FINDING;
		f->severity = AUDIT_MEDIUM;
		f->reason = N_("the MTA-STS record is malformed: it needs id= of 1 to 32 letters "
		    "and digits, so senders ignore the policy");
		snprintf(f->detail, sizeof f->detail, "%.380s", rec);
		return;
	}
	audit_mtasts_policy(cfg, r, id, f);
}
