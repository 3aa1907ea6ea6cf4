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
	json_begin(sb, "challenge");
	json_key(sb, "decoded");
	(void)json_string(sb, text, len);
	json_end(sb);
}

void json_turned(SMTPSH_UNUSED const struct output *o, const struct out_turn *t, struct strbuf *sb)
{
	size_t shown = t->clen > OUT_TURNED_SHOW ? OUT_TURNED_SHOW : t->clen;
	json_begin(sb, "turned");
	json_key(sb, "received");
	if (t->command != NULL)
		(void)json_string(sb, t->command, shown);
	else
		(void)json_cstring(sb, NULL);
	if (shown < t->clen) {
		json_num(sb, "received_bytes", (long long)t->clen);
		json_bool(sb, "received_cut", true);
	}
	json_key(sb, "replied");
	(void)json_string(sb, t->reply, t->rlen);
	json_end(sb);
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
	json_begin(sb, kind);
	json_kv(sb, "user", user);
	json_key(sb, "text");
	if (json_string(sb, text, len) != SMTP_OK) {
		(void)json_cstring(sb, NULL);
		json_bool(sb, "truncated", true);
	}
	json_end(sb);
}

void json_settings(SMTPSH_UNUSED const struct output *o, bool insecure, const char *changed,
    struct strbuf *sb)
{
	json_begin(sb, "settings");
	json_bool(sb, "insecure", insecure);
	json_kv(sb, "changed", changed);
	json_end(sb);
}

void json_tour(SMTPSH_UNUSED const struct output *o, const struct out_tour *t, struct strbuf *sb)
{
	json_begin(sb, "tour");
	json_num(sb, "step", (long long)t->step);
	json_num(sb, "of", (long long)t->of);
	json_kv(sb, "title", t->title);
	json_kv(sb, "text", t->before);
	json_kv(sb, "type_this", t->type);
	if (t->goal != 0)
		json_num(sb, "goal", t->goal);
	json_kv(sb, "explained", t->after);
	json_end(sb);
}

void json_guide(SMTPSH_UNUSED const struct output *o, const char *text, struct strbuf *sb)
{
	json_begin(sb, "guide");
	json_kv(sb, "text", text);
	json_end(sb);
}

void json_summary(SMTPSH_UNUSED const struct output *o, int status, const char *failed_stage,
    struct strbuf *sb)
{
	json_begin(sb, "summary");
	json_num(sb, "status", status);
	json_kv(sb, "failed_stage", failed_stage);
	json_end(sb);
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
		json_kv(sb, "state", rows[i].state >= 0 ?
		    smtp_state_name((enum smtp_state)rows[i].state) : NULL);
		json_bool(sb, "here", rows[i].state == (int)st);
		(void)strbuf_appendc(sb, '}');
	}
	(void)strbuf_appendc(sb, ']');
	json_end(sb);
}
