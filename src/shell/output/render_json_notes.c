/*
 * render_json_notes.c - the small records as JSON objects (render.h): a
 * closed connection, a decoded AUTH challenge, one exchange of a turned
 * session, a local error, a note or warning, the teaching server's mailbox
 * text, the settings, a tour step, the guide, a lookup run's events, the
 * state diagram, and the closing summary.  English throughout (a program reads it).
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "render.h"
#include "unused.h"

void json_closed(SMTPSH_UNUSED const struct output *o, const char *why, struct strbuf *sb)
{
	const char *kv[] = { "reason", why };
	json_simple(sb, "closed", kv, 2);
}

void json_challenge(SMTPSH_UNUSED const struct output *o, const char *text, size_t len,
    struct strbuf *sb)
{
	(void)strbuf_appendf(sb, "{\"type\":\"challenge\",\"decoded\":");
	(void)json_string(sb, text, len);
	(void)strbuf_appendf(sb, "}\n");
}

void json_turned(SMTPSH_UNUSED const struct output *o, const struct out_turn *t, struct strbuf *sb)
{
	size_t shown = t->clen > OUT_TURNED_SHOW ? OUT_TURNED_SHOW : t->clen;
	(void)strbuf_appendf(sb, "{\"type\":\"turned\",\"received\":");
	if (t->command != NULL)
		(void)json_string(sb, t->command, shown);
	else
		(void)strbuf_appendf(sb, "null");
	if (shown < t->clen)
		(void)strbuf_appendf(sb, ",\"received_bytes\":%zu,\"received_cut\":true", t->clen);
	(void)strbuf_appendf(sb, ",\"replied\":");
	(void)json_string(sb, t->reply, t->rlen);
	(void)strbuf_appendf(sb, "}\n");
}

void json_error(SMTPSH_UNUSED const struct output *o, const char *stage, const struct smtp_error *e,
    struct strbuf *sb)
{
	const char *msg = e->msg[0] != '\0' ? e->msg : smtp_errkind_name(e->kind);
	const char *kv[] = { "kind", smtp_errkind_name(e->kind), "message", msg, "stage", stage };
	json_simple(sb, "error", kv, 6);
}

void json_note(SMTPSH_UNUSED const struct output *o, const char *type, const char *msg,
    struct strbuf *sb)
{
	const char *kv[] = { "message", msg };
	json_simple(sb, type, kv, 2);
}

void json_mailbox(SMTPSH_UNUSED const struct output *o, const char *kind, const char *user,
    const char *text, size_t len, struct strbuf *sb)
{
	(void)strbuf_appendf(sb, "{\"type\":\"%s\",\"user\":", kind);
	(void)json_cstring(sb, user);
	(void)strbuf_appendf(sb, ",\"text\":");
	if (json_string(sb, text, len) != SMTP_OK)
		(void)strbuf_appendf(sb, "null,\"truncated\":true");
	(void)strbuf_appendf(sb, "}\n");
}

void json_settings(SMTPSH_UNUSED const struct output *o, bool insecure, const char *changed,
    struct strbuf *sb)
{
	(void)strbuf_appendf(sb, "{\"type\":\"settings\",\"insecure\":%s,\"changed\":",
	    insecure ? "true" : "false");
	(void)json_cstring(sb, changed);
	(void)strbuf_appendf(sb, "}\n");
}

void json_tour(SMTPSH_UNUSED const struct output *o, const struct out_tour *t, struct strbuf *sb)
{
	(void)strbuf_appendf(sb, "{\"type\":\"tour\",\"step\":%zu,\"of\":%zu,\"title\":", t->step,
	    t->of);
	(void)json_cstring(sb, t->title);
	(void)strbuf_appendf(sb, ",\"text\":");
	(void)json_cstring(sb, t->before);
	(void)strbuf_appendf(sb, ",\"type_this\":");
	(void)json_cstring(sb, t->type);
	(void)strbuf_appendf(sb, ",\"explained\":");
	(void)json_cstring(sb, t->after);
	(void)strbuf_appendf(sb, "}\n");
}

void json_guide(SMTPSH_UNUSED const struct output *o, const char *text, struct strbuf *sb)
{
	(void)strbuf_appendf(sb, "{\"type\":\"guide\",\"text\":");
	(void)json_cstring(sb, text);
	(void)strbuf_appendf(sb, "}\n");
}

void json_summary(SMTPSH_UNUSED const struct output *o, int status, const char *failed_stage,
    struct strbuf *sb)
{
	(void)strbuf_appendf(sb, "{\"type\":\"summary\",\"status\":%d,\"failed_stage\":", status);
	(void)json_cstring(sb, failed_stage);
	(void)strbuf_appendf(sb, "}\n");
}

void json_lookup_event(SMTPSH_UNUSED const struct output *o, const char *event, const char *message,
    SMTPSH_UNUSED bool routine, struct strbuf *sb)
{
	/* JSON keeps every event, routine reconnects too. */
	const char *kv[] = { "event", event, "message", message };
	json_simple(sb, "lookup-event", kv, 4);
}

void json_diagram(SMTPSH_UNUSED const struct output *o, enum smtp_state st, struct strbuf *sb)
{
	size_t n;
	const struct smtp_diagram_row *rows = smtp_diagram(&n);
	json_begin(sb, "diagram");
	json_kv(sb, "state", smtp_state_name(st));
	json_key(sb, "rows");
	(void)strbuf_appendc(sb, '[');
	for (size_t i = 0; i < n; i++) {
		(void)strbuf_appendf(sb, "%s{\"text\":", i > 0 ? "," : "");
		(void)json_cstring(sb, rows[i].text);
		(void)strbuf_appendf(sb, ",\"state\":");
		if (rows[i].state >= 0)
			(void)json_cstring(sb, smtp_state_name((enum smtp_state)rows[i].state));
		else
			(void)strbuf_appendf(sb, "null");
		(void)strbuf_appendf(sb, ",\"here\":%s}", rows[i].state == (int)st ? "true" : "false");
	}
	(void)strbuf_appendc(sb, ']');
	json_end(sb);
}
