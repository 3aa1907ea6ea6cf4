/*
 * render_json.c - records as JSON, one object per line (render.h; --json).
 * Every object has a "type": reply, connect, mx, closed, tls, challenge,
 * turned, error, note, warning, explain, state, ext, help, mailbox,
 * terminal, settings, summary.  Field values are English and stable:
 * scripts never see them change with the locale.  Every string passes
 * escape_json (through json.h) here.
 */
#include <stdio.h>
#include <string.h>

#include "codes.h"
#include "json.h"
#include "render.h"
#include "unused.h"

/* A string literal and its length. */
#define LIT(s) (s), sizeof(s) - 1

void json_key(struct strbuf *sb, const char *key)
{
	(void)strbuf_appendf(sb, ",\"%s\":", key);
}

void json_kv(struct strbuf *sb, const char *key, const char *value)
{
	json_key(sb, key);
	(void)json_cstring(sb, value);
}

void json_num(struct strbuf *sb, const char *key, long long value)
{
	json_key(sb, key);
	(void)strbuf_appendf(sb, "%lld", value);
}

void json_bool(struct strbuf *sb, const char *key, bool value)
{
	json_key(sb, key);
	(void)strbuf_appendf(sb, "%s", value ? "true" : "false");
}

void json_begin(struct strbuf *sb, const char *type)
{
	(void)strbuf_appendf(sb, "{\"type\":\"%s\"", type);
}

void json_end(struct strbuf *sb)
{
	(void)strbuf_append(sb, LIT("}\n"));
}

void json_simple(struct strbuf *sb, const char *type, const char *const *kv, size_t n)
{
	json_begin(sb, type);
	for (size_t i = 0; i + 1 < n; i += 2)
		json_kv(sb, kv[i], kv[i + 1]);
	json_end(sb);
}

static const char *json_origin(enum session_origin o)
{
	switch (o) {
	case SESSION_REPLY_GREETING: return "greeting";
	case SESSION_REPLY_LATE: return "late";
	case SESSION_REPLY_UNSOLICITED: return "unsolicited";
	case SESSION_REPLY_COMMAND: break;
	}
	return "command";
}

void json_reply(SMTPSH_UNUSED const struct output *o, const struct session_reply *r,
    const struct ehlo_set *ext, struct strbuf *sb)
{
	struct strbuf ej;
	strbuf_init(&ej, 256 * 1024);
	const char *ext_json = NULL;
	if (ext != NULL && ext->valid) {
		(void)strbuf_appendc(&ej, '{');
		for (size_t i = 0; i < ext->count; i++) {
			if (i > 0)
				(void)strbuf_appendc(&ej, ',');
			(void)json_cstring(&ej, ext->ext[i].keyword);
			(void)strbuf_appendc(&ej, ':');
			(void)json_cstring(&ej, ext->ext[i].params);
		}
		if (strbuf_appendc(&ej, '}') == SMTP_OK)
			ext_json = strbuf_str(&ej);
	}
	char stage[32], meaning[256];
	render_meaning(r, NULL, meaning, sizeof meaning);
	struct json_reply_info info = {
		.origin = json_origin(r->origin),
		.stage = out_reply_stage(r, stage, sizeof stage),
		.command = r->command_len > 0 ? r->command : NULL,
		.command_len = r->command_len,
		.reply = &r->reply,
		.meaning = meaning,
		.verdict = r->verdict,
		.elapsed_ms = r->elapsed_ms,
		.state = smtp_state_name(r->state),
		.extensions_json = ext_json,
		.lines_budget = OUT_RECORD_MAX,
	};
	if (json_reply_record(sb, &info) != SMTP_OK) {
		/* Even a reply that will not fit is one valid record. */
		info.lines_budget = 4096;
		info.extensions_json = NULL;
		(void)json_reply_record(sb, &info);
	}
	strbuf_free(&ej);
}

void json_explain(SMTPSH_UNUSED const struct output *o, const struct out_explain *x,
    struct strbuf *sb)
{
	json_begin(sb, "explain");
	if (x->verdict != NULL) {
		json_kv(sb, "verdict", x->verdict);
		json_kv(sb, "meaning", x->verdict_meaning);
	}
	if (x->code != 0) {
		json_num(sb, "code", (long long)(x->code));
		json_kv(sb, "meaning", x->meaning);
		json_kv(sb, "note", x->note);
		json_kv(sb, "source", x->source);
		json_kv(sb, "class", x->class_meaning);
		json_kv(sb, "category", x->category_meaning);
		json_key(sb, "contexts");
		(void)strbuf_appendc(sb, '[');
		for (size_t i = 0; i < x->ncontexts; i++) {
			(void)strbuf_appendf(sb, "%s{\"context\":", i > 0 ? "," : "");
			(void)json_cstring(sb, x->contexts[i].context);
			json_kv(sb, "meaning", x->contexts[i].meaning);
			json_kv(sb, "source", x->contexts[i].source);
			(void)strbuf_appendc(sb, '}');
		}
		(void)strbuf_appendc(sb, ']');
		json_key(sb, "replies_to");
		(void)strbuf_appendc(sb, '{');
		for (size_t i = 0; i < x->nreplies; i++) {
			if (i > 0)
				(void)strbuf_appendc(sb, ',');
			(void)json_cstring(sb, x->replies[i].verb);
			(void)strbuf_appendc(sb, ':');
			(void)json_cstring(sb, x->replies[i].verdict);
		}
		(void)strbuf_appendc(sb, '}');
	}
	if (x->enhanced != NULL) {
		json_kv(sb, "enhanced", x->enhanced);
		json_kv(sb, "enhanced_meaning", x->enh_text);
		json_kv(sb, "enhanced_source", x->enh_source);
	}
	if (x->pasted != NULL) {
		json_key(sb, "text");
		(void)json_string(sb, x->pasted, x->pasted_len);
	}
	json_end(sb);
}

static void json_list(struct strbuf *sb, const char *key, const char *const *items, size_t n)
{
	json_key(sb, key);
	(void)strbuf_appendc(sb, '[');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			(void)strbuf_appendc(sb, ',');
		(void)json_cstring(sb, items[i]);
	}
	(void)strbuf_appendc(sb, ']');
}

void json_state(SMTPSH_UNUSED const struct output *o, const struct out_state *st, struct strbuf *sb)
{
	json_begin(sb, "state");
	json_kv(sb, "state", smtp_state_name(st->state));
	json_kv(sb, "description", smtp_state_describe(st->state));
	json_bool(sb, "connected", st->connected);
	if (st->connected) {
		json_kv(sb, "host", st->host);
		json_kv(sb, "port", st->port);
		json_kv(sb, "address", st->address);
		(void)strbuf_appendf(sb, ",\"recipients\":%u,\"tls\":%s,\"in_auth\":%s", st->recipients,
		    st->tls ? "true" : "false", st->in_auth ? "true" : "false");
	}
	json_list(sb, "owed", st->owed, st->nowed);
	json_num(sb, "owed_total", (long long)(st->owed_total));
	json_list(sb, "allowed", st->allowed, st->nallowed);
	json_list(sb, "allowed_beyond_rfc821", st->extended, st->nextended);
	json_end(sb);
}

void json_ext(SMTPSH_UNUSED const struct output *o, const struct ehlo_set *set, struct strbuf *sb)
{
	json_begin(sb, "ext");
	(void)strbuf_appendf(sb, ",\"valid\":%s,\"extensions\":[", set != NULL && set->valid ? "true" : "false");
	for (size_t i = 0; set != NULL && set->valid && i < set->count; i++) {
		const struct ehlo_ext *e = &set->ext[i];
		(void)strbuf_appendf(sb, "%s{\"keyword\":", i > 0 ? "," : "");
		(void)json_cstring(sb, e->keyword);
		json_kv(sb, "params", e->params);
		json_kv(sb, "meaning", ehlo_keyword_meaning(e->keyword));
		(void)strbuf_appendc(sb, '}');
	}
	(void)strbuf_appendc(sb, ']');
	if (set != NULL && set->valid)
		json_num(sb, "dropped", (long long)(set->dropped));
	json_end(sb);
}

static void json_help_rows(struct strbuf *sb, const char *key, const struct out_help_row *rows,
    size_t n)
{
	json_key(sb, key);
	(void)strbuf_appendc(sb, '[');
	for (size_t i = 0; i < n; i++) {
		(void)strbuf_appendf(sb, "%s{\"name\":", i > 0 ? "," : "");
		(void)json_cstring(sb, rows[i].name);
		json_kv(sb, "usage", rows[i].usage);
		json_kv(sb, "summary", rows[i].summary);
		if (rows[i].rfc != NULL)
			json_kv(sb, "rfc", rows[i].rfc);
		(void)strbuf_appendc(sb, '}');
	}
	(void)strbuf_appendc(sb, ']');
}

void json_help(SMTPSH_UNUSED const struct output *o, const struct out_help *h, struct strbuf *sb)
{
	json_begin(sb, "help");
	json_help_rows(sb, "verbs", h->verbs, h->nverbs);
	json_help_rows(sb, "commands", h->commands, h->ncommands);
	json_end(sb);
}

void json_message(SMTPSH_UNUSED const struct output *o, const struct out_message *m,
    struct strbuf *sb)
{
	json_begin(sb, "message");
	json_kv(sb, "outcome", render_message_outcome(m));
	json_kv(sb, "stopped_after", m->envelope_only ? "rcpt" : NULL);
	(void)strbuf_appendf(sb, ",\"recipients\":%zu,\"body_accepted\":%zu,\"size\":%llu,"
	    "\"mail_refused\":%s,\"final_code\":%d", m->nto, m->nbody_accepted, m->size,
	    m->mail_refused ? "true" : "false", m->final_code);
	json_key(sb, "accepted");
	(void)strbuf_appendc(sb, '[');
	for (size_t i = 0; i < m->naccepted && i < OUT_MESSAGE_MAX; i++) {
		if (i > 0)
			(void)strbuf_appendc(sb, ',');
		(void)json_cstring(sb, m->accepted[i]);
	}
	(void)strbuf_appendc(sb, ']');
	json_key(sb, "refused");
	(void)strbuf_appendc(sb, '[');
	for (size_t i = 0; i < m->nrefused; i++) {
		const struct out_message_loser *l = &m->refused[i];
		(void)strbuf_appendf(sb, "%s{\"address\":", i > 0 ? "," : "");
		(void)json_cstring(sb, l->address);
		json_kv(sb, "stage", l->stage);
		json_num(sb, "code", (long long)(l->code));
		json_kv(sb, "enhanced", l->enhanced[0] != '\0' ? l->enhanced : NULL);
		json_kv(sb, "text", l->text);
		(void)strbuf_appendc(sb, '}');
	}
	(void)strbuf_appendc(sb, ']');
	json_end(sb);
}

void json_connected(SMTPSH_UNUSED const struct output *o, const char *host, const char *port,
    const char *address, const struct out_via *via, struct strbuf *sb)
{
	json_begin(sb, "connect");
	json_kv(sb, "host", host);
	/* A number (issue 19); null for a unix: socket, which has none. */
	if (port[0] != '\0' && strspn(port, "0123456789") == strlen(port) && strlen(port) <= 5)
		(void)strbuf_appendf(sb, ",\"port\":%s", port);
	else
		(void)strbuf_appendf(sb, ",\"port\":null");
	json_kv(sb, "address", address);
	if (via != NULL) {
		(void)strbuf_appendf(sb, ",\"via\":{\"domain\":");
		(void)json_cstring(sb, via->domain);
		(void)strbuf_appendf(sb, ",\"preference\":%u,\"implicit\":%s}", via->preference,
		    via->implicit ? "true" : "false");
	}
	json_end(sb);
}

void json_mx(SMTPSH_UNUSED const struct output *o, const struct mx_route *r, struct strbuf *sb)
{
	static const char *const kinds[] = {
		[MX_ROUTE_MX] = "mx", [MX_ROUTE_IMPLICIT] = "implicit", [MX_ROUTE_NULL] = "null",
	};
	_Static_assert(sizeof kinds / sizeof kinds[0] == MX_ROUTE__COUNT, "a name for every route");
	json_begin(sb, "mx");
	json_kv(sb, "domain", r->domain);
	json_kv(sb, "route", kinds[r->kind]);
	(void)strbuf_appendf(sb, ",\"hosts\":[");
	for (size_t i = 0; i < r->nhost; i++) {
		const struct mx_host *h = &r->host[i];
		(void)strbuf_appendf(sb, "%s{\"name\":", i > 0 ? "," : "");
		(void)json_cstring(sb, h->name);
		(void)strbuf_appendf(sb, ",\"preference\":%u,\"tied\":%s,\"addresses\":[",
		    h->preference, h->tied ? "true" : "false");
		for (size_t j = 0; j < h->naddr; j++) {
			if (j > 0)
				(void)strbuf_appendc(sb, ',');
			(void)json_cstring(sb, h->addr[j].text);
		}
		(void)strbuf_appendf(sb, "],\"addresses_dropped\":%zu", h->addr_dropped);
		json_kv(sb, "lookup", mx_lookup_name(h->lookup));
		(void)strbuf_appendc(sb, '}');
	}
	(void)strbuf_appendf(sb, "],\"hosts_dropped\":%zu,\"null_dropped\":%zu", r->host_dropped,
	    r->null_dropped);
	json_end(sb);
}

/* ---- lookups ---- */

static void json_texts(struct strbuf *sb, const char *key, const struct lookup_text *t, size_t n)
{
	json_key(sb, key);
	(void)strbuf_appendc(sb, '[');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			(void)strbuf_appendc(sb, ',');
		(void)json_string(sb, t[i].text, t[i].len);
	}
	(void)strbuf_appendc(sb, ']');
}

void json_lookup(SMTPSH_UNUSED const struct output *o, const struct lookup_result *r,
    struct strbuf *sb)
{
	json_begin(sb, "lookup");
	json_kv(sb, "name", r->name);
	json_kv(sb, "method", r->method == LOOKUP_AUTO ? NULL : lookup_method_name(r->method));
	json_kv(sb, "verdict", lookup_verdict_name(r->verdict));
	if (r->code != 0)
		json_num(sb, "code", (long long)(r->code));
	else
		(void)strbuf_appendf(sb, ",\"code\":null");
	json_kv(sb, "enhanced", r->enhanced[0] != '\0' ? r->enhanced : NULL);
	json_texts(sb, "lines", r->lines, r->nlines);
	json_texts(sb, "addresses", r->addresses, r->naddresses);
	json_num(sb, "attempts", (long long)(r->attempts));
	json_kv(sb, "reason", r->reason[0] != '\0' ? r->reason : NULL);
	json_end(sb);
}

void json_lookup_summary(SMTPSH_UNUSED const struct output *o, const struct lookup_summary *s,
    struct strbuf *sb)
{
	json_begin(sb, "lookup-summary");
	(void)strbuf_appendf(sb, ",\"total\":%zu,\"by_verdict\":{", s->total);
	for (int v = 0; v < LOOKUP_VERDICT__COUNT; v++)
		(void)strbuf_appendf(sb, "%s\"%s\":%zu", v > 0 ? "," : "",
		    lookup_verdict_name((enum lookup_verdict)v), s->by_verdict[v]);
	(void)strbuf_appendf(sb, "},\"connections\":%u,\"elapsed_ms\":%.1f,\"catch_all\":%s",
	    s->connections, s->elapsed_ms,
	    s->catch_all < 0 ? "null" : s->catch_all ? "true" : "false");
	json_kv(sb, "method", lookup_method_name(s->method));
	(void)strbuf_appendf(sb, ",\"cancelled\":%s,\"tarpit\":%s,\"per_connection\":",
	    s->cancelled ? "true" : "false", s->tarpit ? "true" : "false");
	if (s->per_connection != 0)
		(void)strbuf_appendf(sb, "%u", s->per_connection);
	else
		(void)strbuf_appendf(sb, "null");
	json_end(sb);
}
