/*
 * output_lookup.c - the lookup records of the one output path (output.h):
 * one per name -- a table row (render_text.c), a CSV row (render_csv.c,
 * --csv) or a JSON object (render_json.c, --json) -- written whole to the
 * results file (stdout or --output) and flushed, so that a run that is
 * killed loses no result already known; the run's summary; its notes (to
 * stderr in text mode).  The progress bar is the writer's
 * (output_write.c).
 */
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "render.h"
#include "tr.h"

/* Write a lookup record to the results file, in one piece. */
static void out_results(struct output *o, struct strbuf *sb)
{
	if (sb->len > 0) {
		if (o->results == o->out)
			out_progress_clear(o);
		out_write(o, o->results, sb->data, sb->len);
	}
	strbuf_free(sb);
}

void out_lookup_begin(struct output *o)
{
	o->header_done = false;
}

static void out_lookup_header(struct output *o, struct strbuf *sb)
{
	if (o->header_done || o->json)
		return;
	o->header_done = true;
	if (o->csv)
		csv_lookup_header(sb);
	else
		text_lookup_header(o, sb);
}

void out_lookup(struct output *o, const struct lookup_result *r)
{
	struct strbuf sb;
	out_begin(&sb);
	out_lookup_header(o, &sb);
	if (o->json)
		json_lookup(r, &sb);
	else if (o->csv)
		csv_lookup(r, &sb);
	else
		text_lookup(o, r, &sb);
	out_results(o, &sb);
}

void out_lookup_kept(struct output *o, const char *rec, size_t len)
{
	struct strbuf sb;
	out_begin(&sb);
	out_lookup_header(o, &sb);
	(void)strbuf_append(&sb, rec, len);
	out_results(o, &sb);
}

void out_lookup_summary(struct output *o, const struct lookup_summary *s)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json) {
		json_lookup_summary(s, &sb);
		out_results(o, &sb);
		return;
	}
	text_lookup_summary(o, s, &sb);
	if (o->csv) {
		/* The CSV stays rows only: the summary is a note on stderr. */
		out_progress_clear(o);
		const char *lead = _("smtpsh: lookup: ");
		out_write(o, o->err, lead, strlen(lead));
		out_write(o, o->err, sb.data, sb.len);
		strbuf_free(&sb);
		return;
	}
	out_results(o, &sb);
}

void out_lookup_event(struct output *o, const char *event, const char *message)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json) {
		const char *kv[] = { "event", event, "message", message };
		json_simple(&sb, "lookup-event", kv, 4);
		out_flush(o, &sb, false);
		return;
	}
	(void)strbuf_appendf(&sb, "%s", _("smtpsh: lookup: "));
	(void)escape_terminal(&sb, message, strlen(message));
	(void)strbuf_appendc(&sb, '\n');
	out_flush(o, &sb, true);
}
