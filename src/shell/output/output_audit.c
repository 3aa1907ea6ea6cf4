/*
 * output_audit.c - the audit's records of the one output path (output.h):
 * each check's result and the summary, rendered by the session's renderer
 * (render.h: a table row for a person, a JSON object for a program) and
 * handed to the one writer, on stdout.
 */
#include "render.h"

void out_audit_begin(struct output *o)
{
	o->header_done = false;
}

void out_audit_finding(struct output *o, const struct audit_finding *f, bool group)
{
	struct strbuf sb;
	out_begin(&sb);
	render_for(o)->audit_finding(o, f, group, !o->header_done, &sb);
	o->header_done = true;
	out_flush(o, &sb, false);
}

void out_audit_summary(struct output *o, const struct audit_summary *s)
{
	struct strbuf sb;
	out_begin(&sb);
	render_for(o)->audit_summary(o, s, &sb);
	out_flush(o, &sb, false);
}

void out_audit_host(struct output *o, const struct audit_host *h)
{
	struct strbuf sb;
	out_begin(&sb);
	render_for(o)->audit_host(o, h, &sb);
	out_flush(o, &sb, false);
}
