/*
 * output.c - the one output path (output.h): each out_*() call renders one
 * record with the renderer of the format asked for (render.h: text or
 * JSON) into a bounded buffer, and hands it whole to the one writer
 * (output_write.c), so records never interleave and a failed render never
 * leaves half a record.  A format with no such record says nothing.
 * Lookup records are output_lookup.c's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "tr.h"

void out_init(struct output *o, bool json)
{
	memset(o, 0, sizeof *o);
	o->json = json;
	o->out = stdout;
	o->err = stderr;
	o->results = stdout;
	o->col_ok = o->col_mid = o->col_warn = o->col_bad = "";
	o->col_local = o->col_dim = o->col_off = "";
}

/* One record: rendered by the session's renderer's entry, then written
 * (to stderr when to_err and the format is for a person). */
#define OUT_RECORD(o, to_err, entry, ...) do { \
	const struct renderer *r_ = render_for(o); \
	if (r_->entry != NULL) { \
		struct strbuf sb_; \
		out_begin(&sb_); \
		r_->entry((o), __VA_ARGS__, &sb_); \
		out_flush((o), &sb_, (to_err)); \
	} \
} while (0)

bool out_translates(const struct output *o)
{
	return render_for(o)->person;
}

void out_sent(struct output *o, const char *shown, size_t len)
{
	OUT_RECORD(o, false, sent, shown, len);
}

void out_reply(struct output *o, const struct session_reply *r, const struct ehlo_set *ext)
{
	OUT_RECORD(o, false, reply, r, ext);
}

void out_connected(struct output *o, const char *host, const char *port, const char *address,
    const struct out_via *via)
{
	OUT_RECORD(o, false, connected, host, port, address, via);
}

void out_mx(struct output *o, const struct mx_route *r)
{
	OUT_RECORD(o, false, mx, r);
}

void out_closed(struct output *o, const char *why)
{
	OUT_RECORD(o, false, closed, why);
}

void out_tls(struct output *o, const char *how, const struct tls_info *ti)
{
	OUT_RECORD(o, false, tls, how, ti);
}

void out_challenge(struct output *o, const char *text, size_t len)
{
	OUT_RECORD(o, false, challenge, text, len);
}

void out_turned(struct output *o, const char *command, size_t clen, const char *reply,
    size_t rlen, const char *kept)
{
	struct out_turn t = { command, clen, reply, rlen, kept };
	OUT_RECORD(o, false, turned, &t);
}

void out_error(struct output *o, const char *stage, const struct smtp_error *e)
{
	OUT_RECORD(o, true, error, stage, e);
}

__attribute__((format(printf, 4, 0)))
static void out_line_record(struct output *o, const char *type, bool to_err, const char *fmt,
    va_list ap)
{
	char msg[1024];
	/* Callers mark fmt N_(): English in JSON, translated for a person. */
	vsnprintf(msg, sizeof msg, out_translates(o) ? _(fmt) : fmt, ap);
	OUT_RECORD(o, to_err, line, type, msg);
}

void out_note(struct output *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	out_line_record(o, "note", false, fmt, ap);
	va_end(ap);
}

void out_warning(struct output *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	out_line_record(o, "warning", true, fmt, ap);
	va_end(ap);
}

void out_explain(struct output *o, const struct out_explain *x)
{
	OUT_RECORD(o, false, explain, x);
}

void out_state(struct output *o, const struct out_state *st)
{
	OUT_RECORD(o, false, state, st);
}

void out_diagram(struct output *o, enum smtp_state st)
{
	OUT_RECORD(o, false, diagram, st);
}

void out_ext(struct output *o, const struct ehlo_set *set)
{
	OUT_RECORD(o, false, ext, set);
}

void out_help(struct output *o, const struct out_help *h)
{
	OUT_RECORD(o, false, help, h);
}

void out_mailbox(struct output *o, const char *kind, const char *user, const char *text,
    size_t len)
{
	OUT_RECORD(o, false, mailbox, kind, user, text, len);
}

void out_settings(struct output *o, bool insecure, const char *changed)
{
	OUT_RECORD(o, false, settings, insecure, changed);
}

void out_message(struct output *o, const struct out_message *m)
{
	OUT_RECORD(o, false, message, m);
}

void out_tour(struct output *o, size_t step, size_t of, const char *title, const char *before,
    const char *type, int goal, const char *after)
{
	struct out_tour t = { step, of, title, before, type, after, goal };
	OUT_RECORD(o, false, tour, &t);
}

void out_guide(struct output *o, const char *text)
{
	OUT_RECORD(o, false, guide, text);
}

void out_summary(struct output *o, int status, const char *failed_stage)
{
	OUT_RECORD(o, false, summary, status, failed_stage);
}
