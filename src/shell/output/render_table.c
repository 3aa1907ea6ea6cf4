/*
 * render_table.c - the output formats side by side (render.h): one table
 * of renderers per format, and the one place that reads the format the
 * user asked for (--json, --csv) to pick one.  A NULL entry is a record
 * that format does not have: JSON has no echo of the line sent (the reply
 * names its command) and no lookup table header; text has no closing
 * summary; CSV is lookup rows only.
 */
#include "render.h"

const struct renderer render_text = {
	.name = "text",
	.person = true,
	.sent = text_sent,
	.reply = text_reply,
	.connected = text_connected,
	.mx = text_mx,
	.closed = text_closed,
	.tls = text_tls,
	.challenge = text_challenge,
	.turned = text_turned,
	.error = text_error,
	.line = text_note,
	.explain = text_explain,
	.state = text_state,
	.diagram = text_diagram,
	.ext = text_ext,
	.help = text_help,
	.mailbox = text_mailbox,
	.settings = text_settings,
	.message = text_message,
	.tour = text_tour,
	.guide = text_guide,
	.summary = NULL,
	.lookup_header = text_lookup_header,
	.lookup = text_lookup,
	.lookup_summary = text_lookup_summary,
	.lookup_event = text_lookup_event,
	.progress = text_progress,
	.audit_finding = text_audit_finding,
	.audit_summary = text_audit_summary,
	.audit_host = text_audit_host,
	.prompt = text_prompt,
};

const struct renderer render_json = {
	.name = "json",
	.person = false,
	.sent = NULL,
	.reply = json_reply,
	.connected = json_connected,
	.mx = json_mx,
	.closed = json_closed,
	.tls = json_tls,
	.challenge = json_challenge,
	.turned = json_turned,
	.error = json_error,
	.line = json_note,
	.explain = json_explain,
	.state = json_state,
	.diagram = json_diagram,
	.ext = json_ext,
	.help = json_help,
	.mailbox = json_mailbox,
	.settings = json_settings,
	.message = json_message,
	.tour = json_tour,
	.guide = json_guide,
	.summary = json_summary,
	.lookup_header = NULL,
	.lookup = json_lookup,
	.lookup_summary = json_lookup_summary,
	.lookup_event = json_lookup_event,
	.progress = NULL,
	.audit_finding = json_audit_finding,
	.audit_summary = json_audit_summary,
	.audit_host = json_audit_host,
};

/* Lookup rows only; everything else of a --csv run is text. */
const struct renderer render_csv = {
	.name = "csv",
	.person = false,
	.lookup_header = csv_lookup_header,
	.lookup = csv_lookup,
};

const struct renderer *render_for(const struct output *o)
{
	return o->json ? &render_json : &render_text;
}

const struct renderer *render_results_for(const struct output *o)
{
	return o->json ? &render_json : o->csv ? &render_csv : &render_text;
}
