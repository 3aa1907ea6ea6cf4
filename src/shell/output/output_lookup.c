/*
 * output_lookup.c - the lookup records of the one output path (output.h):
 * one per name -- a table row, a CSV row (--csv) or a JSON object
 * (--json), by the results renderer (render.h) -- written whole to the
 * results file (stdout or --output) and flushed, so that a run that is
 * killed loses no result already known; the run's summary; its notes (to
 * stderr in text mode).  The progress bar is the writer's
 * (output_write.c).
 */
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "tr.h"

/* Write a lookup record to the results file, in one piece.  Results that
 * go to the screen go through the writer like any record, so a lookup
 * typed in the full-screen view lands in the view. */
static void out_results(struct output *o, struct strbuf *sb)
{
	if (o->results == o->out && render_results_for(o)->person) {
		out_flush(o, sb, false);
		return;
	}
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
	const struct renderer *r = render_results_for(o);
	if (o->header_done || r->lookup_header == NULL)
		return;
	o->header_done = true;
	r->lookup_header(o, sb);
}

void out_lookup(struct output *o, const struct lookup_result *r)
{
	struct strbuf sb;
	out_begin(&sb);
	out_lookup_header(o, &sb);
	render_results_for(o)->lookup(o, r, &sb);
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
	const struct renderer *r = render_results_for(o);
	if (r->lookup_summary != NULL) {
		r->lookup_summary(o, s, &sb);
		out_results(o, &sb);
		return;
	}
	/* A results format with no summary (CSV stays rows only): the
	 * session's renderer says it, as a note on stderr. */
	render_for(o)->lookup_summary(o, s, &sb);
	out_progress_clear(o);
	const char *lead = _("smtpsh: lookup: ");
	out_write(o, o->err, lead, strlen(lead));
	out_write(o, o->err, sb.data, sb.len);
	strbuf_free(&sb);
}

void out_lookup_event(struct output *o, const char *event, const char *message, bool routine)
{
	struct strbuf sb;
	out_begin(&sb);
	render_for(o)->lookup_event(o, event, message, routine, &sb);
	out_flush(o, &sb, true);
}
