/*
 * audit_domain.c - the audit of a mail domain (audit.h's
 * audit_run_domain): its MX route looked up (mx.h), the domain's own
 * checks -- mx (a null MX, no MX, a host without an address), tls-rpt and
 * mta-sts (audit_dns.c) -- then the whole check table (audit.c's
 * audit_run) on every MX host in the route's order, each pinned to its
 * own addresses (recipe.pin) and reached by the first that answers; one
 * summary over them all.  Each host's results are announced by the
 * on_host hook, with the address that answered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_int.h"
#include "clock.h"
#include "i18n.h"

/* A domain's own checks. */
enum audit_domain_check { AUDIT_D_MX, AUDIT_D_TLS_RPT, AUDIT_D_MTA_STS, AUDIT_D__COUNT };

static const struct {
	const char *id;
	enum audit_severity severity;
	const char *reference;
	const char *fix;
} audit_domain_checks[AUDIT_D__COUNT] = {
	{ "mx", AUDIT_INFO, "RFC 5321 5.1; RFC 7505 (null MX)",
	  N_("Give every MX host an address, and keep each one answering.") },
	{ "tls-rpt", AUDIT_INFO, "RFC 8460 3",
	  N_("Publish _smtp._tls.DOMAIN TXT \"v=TLSRPTv1; rua=mailto:ADDRESS\" to receive "
	     "reports of TLS failures.") },
	{ "mta-sts", AUDIT_LOW, "RFC 8461 3.1 and 3.2",
	  N_("Publish _mta-sts.DOMAIN TXT \"v=STSv1; id=ID\" and the policy at "
	     "https://mta-sts.DOMAIN/.well-known/mta-sts.txt (mode: enforce, mx: your MX hosts).") },
};

/* The run's context, for the hooks that wrap the caller's. */
struct audit_domain_run {
	const struct audit_hooks *hooks;
	struct session *s;
	const struct mx_host *host;
};

static void audit_domain_on_check(void *ctx, const char *check, size_t index, size_t of)
{
	struct audit_domain_run *d = ctx;
	if (index == 0 && d->hooks->on_host != NULL) {
		/* The first check: the host is connected, by the address that answered. */
		struct audit_host h = { d->host->name, session_peer_address(d->s),
		    d->host->preference, false };
		d->hooks->on_host(d->hooks->ctx, &h);
	}
	if (d->hooks->on_check != NULL)
		d->hooks->on_check(d->hooks->ctx, check, index, of);
}

static void audit_domain_on_finding(void *ctx, const struct audit_finding *f)
{
	struct audit_domain_run *d = ctx;
	if (d->hooks->on_finding != NULL)
		d->hooks->on_finding(d->hooks->ctx, f);
}

/* One result made here: counted and handed on. */
static void audit_domain_report(const struct audit_hooks *hooks, struct audit_summary *sum,
    struct audit_finding *f)
{
	sum->checks++;
	sum->by_result[f->result]++;
	if (f->result == AUDIT_FINDING)
		sum->findings_by_severity[f->severity]++;
	if (hooks->on_finding != NULL)
		hooks->on_finding(hooks->ctx, f);
}

static void audit_domain_begin(struct audit_finding *f, enum audit_domain_check c,
    const char *host)
{
	memset(f, 0, sizeof *f);
	f->check = audit_domain_checks[c].id;
	f->host = host;
	f->severity = audit_domain_checks[c].severity;
	f->reference = audit_domain_checks[c].reference;
	f->fix = audit_domain_checks[c].fix;
}

/* The mx check: what the route says. */
static void audit_domain_mx(const struct mx_route *r, struct audit_finding *f)
{
	size_t without = 0;
	for (size_t i = 0; i < r->nhost; i++) {
		char item[MX_NAME_MAX + 32];
		snprintf(item, sizeof item, "%s (%u%s)", r->host[i].name, r->host[i].preference,
		    r->host[i].naddr == 0 ? ", no address" : "");
		audit_detail_add(f, item);
		without += r->host[i].naddr == 0;
	}
	if (r->kind == MX_ROUTE_NULL) {
		f->result = AUDIT_FINDING;
		f->reason = N_("a null MX: the domain says it accepts no mail (RFC 7505)");
		f->fix = N_("Nothing, if the domain is meant to receive no mail; else publish MX "
		    "records for its mail hosts.");
	} else if (r->kind == MX_ROUTE_IMPLICIT) {
		f->result = AUDIT_FINDING;
		f->reason = N_("no MX record: mail goes to the domain's own address (the implicit "
		    "MX of RFC 5321 5.1)");
		f->fix = N_("Publish an MX record naming the mail host, even when it is the "
		    "domain itself.");
		if (without > 0)
			f->severity = AUDIT_MEDIUM;
	} else if (without > 0) {
		f->result = AUDIT_FINDING;
		f->severity = without == r->nhost ? AUDIT_HIGH : AUDIT_LOW;
		f->reason = N_("an MX host has no address: senders try it in vain");
	} else {
		f->result = AUDIT_PASS;
		f->reason = N_("every MX host has an address");
	}
}

/* Every check on one MX host; its summary added to sum. */
static enum smtp_errkind audit_domain_host(struct session *s, const struct audit_config *cfg,
    const struct audit_hooks *hooks, const struct mx_host *h, struct audit_summary *sum)
{
	struct audit_config one = *cfg;
	one.target.pin = h;
	one.target.by_route = false;
	struct audit_domain_run d = { hooks, s, h };
	struct audit_hooks wrap = { audit_domain_on_finding, audit_domain_on_check, NULL, NULL, &d };
	struct audit_summary hs;
	struct smtp_error e;
	enum smtp_errkind k = audit_run(s, &one, &wrap, &hs, &e);
	if (k != SMTP_OK && hs.checks == 0 && k != SMTP_ERR_CANCELLED) {
		/* It did not answer (or not as SMTP): a finding of its own. */
		if (hooks->on_host != NULL) {
			struct audit_host ah = { h->name, NULL, h->preference, false };
			hooks->on_host(hooks->ctx, &ah);
		}
		static struct audit_finding f;
		audit_domain_begin(&f, AUDIT_D_MX, h->name);
		f.result = AUDIT_FINDING;
		f.severity = AUDIT_LOW;
		f.reason = N_("this MX host could not be audited: it did not answer");
		snprintf(f.detail, sizeof f.detail, "%s", e.msg);
		audit_domain_report(hooks, &hs, &f);
		k = SMTP_OK;
	}
	if (hooks->on_host_end != NULL)
		hooks->on_host_end(hooks->ctx);
	audit_summary_add(sum, &hs);
	return k;
}

enum smtp_errkind audit_run_domain(struct session *s, const struct audit_config *cfg,
    const struct audit_hooks *hooks, struct audit_summary *sum, struct smtp_error *err)
{
	memset(sum, 0, sizeof *sum);
	long long start = clock_now_ms();
	const char *domain = cfg->target.host;
	const struct mx_options *mo = cfg->env != NULL ? cfg->env->mx : NULL;
	struct mx_route *r = malloc(sizeof *r);
	if (r == NULL)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	enum smtp_errkind k = mx_resolve(domain, mo, r, err);
	if (k != SMTP_OK) {
		free(r);
		return k;
	}
	if (hooks->on_host != NULL) {
		struct audit_host dh = { domain, NULL, 0, true };
		hooks->on_host(hooks->ctx, &dh);
	}
	static struct audit_finding f;
	for (int c = 0; c < AUDIT_D__COUNT; c++) {
		if (cfg->stop != NULL && *cfg->stop)
			break;
		if (hooks->on_check != NULL)
			hooks->on_check(hooks->ctx, audit_domain_checks[c].id, (size_t)c, AUDIT_D__COUNT);
		audit_domain_begin(&f, (enum audit_domain_check)c, domain);
		if (c == AUDIT_D_MX) {
			audit_domain_mx(r, &f);
		} else if (r->kind == MX_ROUTE_NULL) {
			f.result = AUDIT_SKIPPED;
			f.reason = N_("the domain accepts no mail (null MX)");
		} else if (c == AUDIT_D_TLS_RPT) {
			audit_check_tls_rpt(domain, mo, &f);
		} else {
			audit_check_mta_sts(cfg, r, &f);
		}
		if (f.result != AUDIT_FINDING)
			f.fix = NULL;
		audit_domain_report(hooks, sum, &f);
	}
	if (hooks->on_host_end != NULL)
		hooks->on_host_end(hooks->ctx);
	for (size_t i = 0; k == SMTP_OK && i < r->nhost; i++) {
		if (cfg->stop != NULL && *cfg->stop)
			sum->cancelled = true;
		if (sum->cancelled)
			break;
		if (r->host[i].naddr > 0)
			k = audit_domain_host(s, cfg, hooks, &r->host[i], sum);
	}
	free(r);
	sum->elapsed_ms = clock_now_ms() - start;
	if (k == SMTP_ERR_CANCELLED || sum->cancelled)
		return smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "stopped");
	return SMTP_OK;
}
