/*
 * render_json_audit.c - an audit's results as JSON (render.h), English
 * whatever the locale: a finding is {"type":"finding","check":ID,
 * "severity":...,"reason":...,"detail":...,"evidence":[the exact lines],
 * "reference":...,"fix":...}; a pass or a skipped check is {"type":"check",
 * "check":ID,"result":"pass"|"skipped",...}; the run ends with one
 * {"type":"audit-summary",...}.  Each result names its "host"; a domain's
 * audit heads each host's results with {"type":"audit-host","host":...,
 * "address":...,"preference":...} (the domain's own: "domain":true).  Strings are escaped by json.h.
 */
#include <stdio.h>

#include "json.h"
#include "render.h"
#include "unused.h"

void json_audit_finding(SMTPSH_UNUSED const struct output *o, const struct audit_finding *f,
    SMTPSH_UNUSED bool group, SMTPSH_UNUSED bool header, struct strbuf *sb)
{
	json_begin(sb, f->result == AUDIT_FINDING ? "finding" : "check");
	json_kv(sb, "check", f->check);
	json_kv(sb, "host", f->host);
	json_kv(sb, "result", audit_result_name(f->result));
	if (f->result == AUDIT_FINDING)
		json_kv(sb, "severity", audit_severity_name(f->severity));
	json_kv(sb, "reason", f->reason);
	json_kv(sb, "detail", f->detail[0] != '\0' ? f->detail : NULL);
	json_key(sb, "evidence");
	(void)strbuf_appendc(sb, '[');
	for (size_t i = 0; i < f->nevidence; i++) {
		if (i > 0)
			(void)strbuf_appendc(sb, ',');
		(void)json_cstring(sb, f->evidence[i]);
	}
	(void)strbuf_appendc(sb, ']');
	json_kv(sb, "reference", f->reference);
	if (f->result == AUDIT_FINDING)
		json_kv(sb, "fix", f->fix);
	json_end(sb);
}

void json_audit_summary(SMTPSH_UNUSED const struct output *o, const struct audit_summary *s,
    struct strbuf *sb)
{
	json_begin(sb, "audit-summary");
	json_num(sb, "checks", (long long)s->checks);
	for (int r = 0; r < AUDIT_RESULT__COUNT; r++)
		json_num(sb, audit_result_name((enum audit_result)r), (long long)s->by_result[r]);
	json_key(sb, "findings");
	(void)strbuf_appendc(sb, '{');
	for (int v = AUDIT_SEVERITY__COUNT - 1; v >= 0; v--)
		(void)strbuf_appendf(sb, "%s\"%s\":%zu", v == AUDIT_SEVERITY__COUNT - 1 ? "" : ",",
		    audit_severity_name((enum audit_severity)v), s->findings_by_severity[v]);
	(void)strbuf_appendc(sb, '}');
	json_kv(sb, "software", audit_software_name(s->software));
	json_num(sb, "connections", s->connections);
	json_num(sb, "elapsed_ms", s->elapsed_ms);
	json_bool(sb, "cancelled", s->cancelled);
	json_end(sb);
}

void json_audit_host(SMTPSH_UNUSED const struct output *o, const struct audit_host *h,
    struct strbuf *sb)
{
	json_begin(sb, "audit-host");
	json_kv(sb, "host", h->name);
	json_bool(sb, "domain", h->domain);
	if (!h->domain) {
		json_kv(sb, "address", h->address);
		json_num(sb, "preference", h->preference);
	}
	json_end(sb);
}
