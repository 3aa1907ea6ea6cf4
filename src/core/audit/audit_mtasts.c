/*
 * audit_mtasts.c - the mta-sts check's second half (RFC 8461): the policy
 * a sound _mta-sts TXT record announces, fetched over HTTPS (mtasts.h,
 * libcurl loaded only for it), parsed, and every MX host of the route
 * matched against its mx: patterns.  A policy that cannot be fetched or
 * read is a finding (medium: senders that saw the record find no policy);
 * MX hosts outside the patterns are high under enforce (senders refuse to
 * deliver to them) and medium under testing; testing and none are low
 * (nothing is enforced).  Without libcurl the check is skipped and says
 * so.  The policy's lines are kept as evidence.
 */
#include <stdio.h>
#include <string.h>

#include "audit_int.h"
#include "i18n.h"
#include "mtasts.h"

/* Evidence lines kept of the policy. */
#define AUDIT_MTASTS_LINES 12

static void audit_mtasts_evidence(struct audit_finding *f, const struct strbuf *body)
{
	const char *t = body->data != NULL ? body->data : "";
	size_t kept = 0;
	for (size_t i = 0; i < body->len && kept < AUDIT_MTASTS_LINES;) {
		const char *nl = memchr(t + i, '\n', body->len - i);
		size_t n = nl != NULL ? (size_t)(nl - (t + i)) : body->len - i;
		size_t shown = n > 0 && t[i + n - 1] == '\r' ? n - 1 : n;
		if (shown > 0) {
			audit_evidence(f, "https: ", t + i, shown);
			kept++;
		}
		i += n + (nl != NULL);
	}
}

void audit_mtasts_policy(const struct audit_config *cfg, const struct mx_route *r,
    const char *id, struct audit_finding *f)
{
	const char *domain = cfg->target.host;
	struct mtasts_fetch_options o = { .mx = cfg->env != NULL ? cfg->env->mx : NULL,
	    .cafile = cfg->env != NULL ? cfg->env->tls.cafile : NULL, .port = cfg->mta_sts_port,
	    .timeout_s = cfg->env != NULL && cfg->env->mx != NULL ? cfg->env->mx->timeout_s : 0 };
	struct strbuf body;
	strbuf_init(&body, MTASTS_POLICY_MAX);
	struct smtp_error e;
	enum smtp_errkind k = mtasts_fetch(domain, &o, &body, &e);
	audit_mtasts_evidence(f, &body);
	static struct mtasts_policy p;
	char why[128] = "";
	if (k == SMTP_ERR_STATE) {
		f->result = AUDIT_SKIPPED;
		f->reason = N_("an MTA-STS record is there, but its policy was not fetched: "
		    "libcurl is missing");
		snprintf(f->detail, sizeof f->detail, "id=%.32s; %.300s", id, e.msg);
	} else if (k != SMTP_OK) {
		f->result = AUDIT_FINDING;
		f->severity = AUDIT_MEDIUM;
		f->reason = N_("the MTA-STS policy could not be fetched: senders find a record "
		    "and no policy");
		snprintf(f->detail, sizeof f->detail, "%.360s", e.msg);
	} else if (!mtasts_parse(body.data != NULL ? body.data : "", body.len, &p, why,
	    sizeof why)) {
		f->result = AUDIT_FINDING;
		f->severity = AUDIT_MEDIUM;
		f->reason = N_("the MTA-STS policy is malformed: senders ignore it");
		snprintf(f->detail, sizeof f->detail, "%s", why);
	} else {
		for (size_t i = 0; i < r->nhost; i++)
			if (p.mode != MTASTS_NONE && !mtasts_mx_matches(&p, r->host[i].name))
				audit_detail_add(f, r->host[i].name);
		if (f->detail[0] != '\0') {
			f->result = AUDIT_FINDING;
			f->severity = p.mode == MTASTS_ENFORCE ? AUDIT_HIGH : AUDIT_MEDIUM;
			f->reason = p.mode == MTASTS_ENFORCE ? N_("MX hosts outside the MTA-STS "
			    "policy's mx patterns: senders that enforce it will not deliver to them") :
			    N_("MX hosts outside the MTA-STS policy's mx patterns (mode testing: "
			    "reported, not yet refused)");
		} else if (p.mode != MTASTS_ENFORCE) {
			f->result = AUDIT_FINDING;
			f->severity = AUDIT_LOW;
			f->reason = p.mode == MTASTS_TESTING ? N_("the MTA-STS policy is in testing "
			    "mode: failures are reported, not refused") : N_("the MTA-STS policy's "
			    "mode is none: it protects nothing");
			snprintf(f->detail, sizeof f->detail, "mode: %s", mtasts_mode_name(p.mode));
		} else {
			f->result = AUDIT_PASS;
			f->reason = N_("the MTA-STS policy is enforced and covers every MX host");
			snprintf(f->detail, sizeof f->detail, "id=%.32s; mode: enforce; max_age: %ld; "
			    "%zu mx pattern%s", id, p.max_age, p.nmx, p.nmx == 1 ? "" : "s");
		}
	}
	strbuf_free(&body);
}
