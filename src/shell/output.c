/*
 * output.c - the one output path (output.h): each out_*() call renders one
 * record, as text or as JSON (render_text.c, render_json.c), into a
 * bounded buffer and writes it in one piece, so records never interleave
 * and a failed render never leaves half a record.  Also the records small
 * enough to need no renderer of their own.  Lookup records are
 * output_lookup.c's; both hand their bytes to output_write.c, the one
 * writer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codes.h"
#include "escape.h"
#include "json.h"
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

void out_sent(struct output *o, const char *shown, size_t len)
{
	if (o->json)
		return;
	struct strbuf sb;
	out_begin(&sb);
	text_sent(o, shown, len, &sb);
	out_flush(o, &sb, false);
}

void out_reply(struct output *o, const struct session_reply *r, const struct ehlo_set *ext)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json)
		json_reply(o, r, ext, &sb);
	else
		text_reply(o, r, &sb);
	out_flush(o, &sb, false);
}

void out_connected(struct output *o, const char *host, const char *port, const char *address,
    const struct out_via *via)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json)
		json_connected(host, port, address, via, &sb);
	else
		text_connected(o, host, port, address, via, &sb);
	out_flush(o, &sb, false);
}

void out_mx(struct output *o, const struct mx_route *r)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json)
		json_mx(r, &sb);
	else
		text_mx(o, r, &sb);
	out_flush(o, &sb, false);
}

void out_closed(struct output *o, const char *why)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json) {
		const char *kv[] = { "reason", why };
		json_simple(&sb, "closed", kv, 2);
	} else {
		(void)strbuf_appendf(&sb, "%s", o->col_dim);
		const char *shown = _(why);
		(void)escape_terminal(&sb, shown, strlen(shown));
		(void)strbuf_appendf(&sb, "%s\n", o->col_off);
	}
	out_flush(o, &sb, false);
}

void out_tls(struct output *o, const char *how, const struct tls_info *ti)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json)
		json_tls(how, ti, &sb);
	else
		text_tls(o, how, ti, &sb);
	out_flush(o, &sb, false);
}

void out_challenge(struct output *o, const char *text, size_t len)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json) {
		(void)strbuf_appendf(&sb, "{\"type\":\"challenge\",\"decoded\":");
		(void)json_string(&sb, text, len);
		(void)strbuf_appendf(&sb, "}\n");
	} else {
		(void)strbuf_appendf(&sb, _("= the server's challenge, decoded: "));
		(void)escape_terminal(&sb, text, len);
		(void)strbuf_appendc(&sb, '\n');
	}
	out_flush(o, &sb, false);
}

void out_turned(struct output *o, const char *command, size_t clen, const char *reply,
    size_t rlen, const char *kept)
{
	/* A 10 MiB body of escapes would not fit one record (and was shown as
	 * nothing): show its start, and say what is left and where it is. */
	size_t shown = clen > OUT_TURNED_SHOW ? OUT_TURNED_SHOW : clen;
	struct strbuf sb;
	out_begin(&sb);
	if (o->json) {
		(void)strbuf_appendf(&sb, "{\"type\":\"turned\",\"received\":");
		if (command != NULL)
			(void)json_string(&sb, command, shown);
		else
			(void)strbuf_appendf(&sb, "null");
		if (shown < clen)
			(void)strbuf_appendf(&sb, ",\"received_bytes\":%zu,\"received_cut\":true", clen);
		(void)strbuf_appendf(&sb, ",\"replied\":");
		(void)json_string(&sb, reply, rlen);
		(void)strbuf_appendf(&sb, "}\n");
	} else {
		if (command != NULL) {
			(void)strbuf_appendf(&sb, _("%s(turned) they sent:%s "), o->col_dim, o->col_off);
			(void)escape_terminal(&sb, command, shown);
			(void)strbuf_appendc(&sb, '\n');
			if (shown < clen)
				(void)strbuf_appendf(&sb, _("= (turned) %zu more bytes not shown; %s\n"),
				    clen - shown, kept != NULL ? kept : _("they are not kept (--transcript FILE "
				    "keeps a turned session whole)"));
		}
		(void)strbuf_appendf(&sb, _("%s(turned) we replied:%s "), o->col_dim, o->col_off);
		(void)escape_terminal(&sb, reply, rlen);
		(void)strbuf_appendc(&sb, '\n');
	}
	out_flush(o, &sb, false);
}

void out_error(struct output *o, const char *stage, const struct smtp_error *e)
{
	const char *msg = e->msg[0] != '\0' ? e->msg : smtp_errkind_name(e->kind);
	struct strbuf sb;
	out_begin(&sb);
	if (o->json) {
		const char *kv[] = { "kind", smtp_errkind_name(e->kind), "message", msg, "stage", stage };
		json_simple(&sb, "error", kv, 6);
	} else {
		(void)strbuf_appendf(&sb, "smtpsh: ");
		(void)escape_terminal(&sb, msg, strlen(msg));
		(void)strbuf_appendc(&sb, '\n');
	}
	out_flush(o, &sb, true);
}

__attribute__((format(printf, 5, 0)))
static void out_line_record(struct output *o, const char *type, const char *prefix, bool to_err,
    const char *fmt, va_list ap)
{
	char msg[1024];
	/* Callers mark fmt N_(): English in JSON, translated for a person. */
	vsnprintf(msg, sizeof msg, o->json ? fmt : _(fmt), ap);
	struct strbuf sb;
	out_begin(&sb);
	if (o->json) {
		const char *kv[] = { "message", msg };
		json_simple(&sb, type, kv, 2);
	} else {
		(void)strbuf_appendf(&sb, "%s", prefix);
		(void)escape_terminal(&sb, msg, strlen(msg));
		(void)strbuf_appendc(&sb, '\n');
	}
	out_flush(o, &sb, to_err);
}

void out_note(struct output *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	out_line_record(o, "note", "! ", false, fmt, ap);
	va_end(ap);
}

void out_warning(struct output *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	out_line_record(o, "warning", "smtpsh: warning: ", true, fmt, ap);
	va_end(ap);
}

void out_explain(struct output *o, const struct out_explain *x)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json)
		json_explain(x, &sb);
	else
		text_explain(o, x, &sb);
	out_flush(o, &sb, false);
}

void out_state(struct output *o, const struct out_state *st)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json)
		json_state(st, &sb);
	else
		text_state(o, st, &sb);
	out_flush(o, &sb, false);
}

void out_ext(struct output *o, const struct ehlo_set *set)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json)
		json_ext(set, &sb);
	else
		text_ext(o, set, &sb);
	out_flush(o, &sb, false);
}

void out_help(struct output *o, const struct out_help *h)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json)
		json_help(h, &sb);
	else
		text_help(o, h, &sb);
	out_flush(o, &sb, false);
}

void out_mailbox(struct output *o, const char *kind, const char *user, const char *text,
    size_t len)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json) {
		(void)strbuf_appendf(&sb, "{\"type\":\"%s\",\"user\":", kind);
		(void)json_cstring(&sb, user);
		(void)strbuf_appendf(&sb, ",\"text\":");
		if (json_string(&sb, text, len) != SMTP_OK)
			(void)strbuf_appendf(&sb, "null,\"truncated\":true");
		(void)strbuf_appendf(&sb, "}\n");
	} else {
		/* Message text came from a client: escaped like any peer bytes,
		 * with its line structure kept. */
		while (len > 0) {
			const char *nl = memchr(text, '\n', len);
			size_t l = nl != NULL ? (size_t)(nl - text) : len;
			size_t tl = l > 0 && text[l - 1] == '\r' ? l - 1 : l;
			if (escape_terminal(&sb, text, tl) != SMTP_OK ||
			    strbuf_appendc(&sb, '\n') != SMTP_OK) {
				(void)strbuf_appendf(&sb, _("[... the rest is too large to show]\n"));
				break;
			}
			if (nl == NULL)
				break;
			text += l + 1;
			len -= l + 1;
		}
	}
	out_flush(o, &sb, false);
}

void out_settings(struct output *o, bool insecure, const char *changed)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json) {
		(void)strbuf_appendf(&sb, "{\"type\":\"settings\",\"insecure\":%s,\"changed\":",
		    insecure ? "true" : "false");
		(void)json_cstring(&sb, changed);
		(void)strbuf_appendf(&sb, "}\n");
	} else if (changed != NULL) {
		(void)strbuf_appendf(&sb, _("insecure: %s (TLS verification failures %s)\n"),
		    insecure ? _("on") : _("off"), insecure ? _("are reported but do not stop the "
		    "connection") : _("end the connection"));
	} else {
		(void)strbuf_appendf(&sb, _("insecure: %s\n"), insecure ? _("on") : _("off"));
	}
	out_flush(o, &sb, false);
}

void out_message(struct output *o, const struct out_message *m)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json)
		json_message(m, &sb);
	else
		text_message(o, m, &sb);
	out_flush(o, &sb, false);
}

void out_tour(struct output *o, size_t step, size_t of, const char *title, const char *before,
    const char *type, const char *after)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json) {
		(void)strbuf_appendf(&sb, "{\"type\":\"tour\",\"step\":%zu,\"of\":%zu,\"title\":", step, of);
		(void)json_cstring(&sb, title);
		(void)strbuf_appendf(&sb, ",\"text\":");
		(void)json_cstring(&sb, before);
		(void)strbuf_appendf(&sb, ",\"type_this\":");
		(void)json_cstring(&sb, type);
		(void)strbuf_appendf(&sb, ",\"explained\":");
		(void)json_cstring(&sb, after);
		(void)strbuf_appendf(&sb, "}\n");
	} else if (after != NULL) {
		(void)strbuf_appendf(&sb, _("%s--- tour %zu/%zu done:%s %s\n"), o->col_mid, step, of,
		    o->col_off, _(after));
	} else {
		(void)strbuf_appendf(&sb, _("%s--- tour %zu/%zu: %s ---%s\n%s\n%sType:%s  %s\n"), o->col_mid,
		    step, of, _(title), o->col_off, _(before), o->col_mid, o->col_off, type);
	}
	out_flush(o, &sb, false);
}

void out_guide(struct output *o, const char *text)
{
	struct strbuf sb;
	out_begin(&sb);
	if (o->json) {
		(void)strbuf_appendf(&sb, "{\"type\":\"guide\",\"text\":");
		(void)json_cstring(&sb, text);
		(void)strbuf_appendf(&sb, "}\n");
	} else {
		const char *shown = _(text);
		(void)strbuf_append(&sb, shown, strlen(shown));
	}
	out_flush(o, &sb, false);
}

void out_summary(struct output *o, int status, const char *failed_stage)
{
	if (!o->json)
		return;
	struct strbuf sb;
	out_begin(&sb);
	(void)strbuf_appendf(&sb, "{\"type\":\"summary\",\"status\":%d,\"failed_stage\":", status);
	(void)json_cstring(&sb, failed_stage);
	(void)strbuf_appendf(&sb, "}\n");
	out_flush(o, &sb, false);
}
