/*
 * server_proto.c - the teaching server's protocol engine: one command line
 * in, the reply out, after RFC 821's state diagram (RFC 821 4.1, 4.3) with
 * RFC 5321's refinements.  The verb table (verbs.h) decides what a verb is
 * and where it is allowed (503 otherwise); reply texts come from the one
 * code table (codes.h) unless a more specific text helps a learner.
 *
 * Codes and the inputs that produce them are listed in
 * docs/teaching-server.md (and checked by test/server/).  Never prints;
 * everything goes to the connection's bounded output buffer.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codes.h"
#include "dotstuff.h"
#include "server_int.h"

int srv_conn_init(struct srv_conn *c, int fd)
{
	memset(c, 0, sizeof *c);
	c->fd = fd;
	c->state = SMTP_ST_GREETED;
	c->last_active = time(NULL);
	strbuf_init(&c->out, SRV_OUT_MAX);
	strbuf_init(&c->body, 0);
	c->rcpt = calloc(SRV_RCPT_MAX, sizeof *c->rcpt);
	if (c->rcpt == NULL || linebuf_init(&c->line, SMTP_TEXT_LINE_MAX) != SMTP_OK) {
		free(c->rcpt);
		c->rcpt = NULL;
		return -1;
	}
	return 0;
}

void srv_conn_free(struct srv_conn *c)
{
	linebuf_free(&c->line);
	strbuf_free(&c->out);
	strbuf_free(&c->body);
	free(c->rcpt);
	if (c->turn_parser != NULL) {
		reply_parser_free(c->turn_parser);
		free(c->turn_parser);
	}
	free(c->turn_msg.from);
	free(c->turn_msg.text);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

__attribute__((format(printf, 4, 0)))
static void srv_vreply(struct srv_conn *c, int code, char sep, const char *fmt, va_list ap)
{
	char text[SMTP_REPLY_LINE_MAX];
	vsnprintf(text, sizeof text, fmt, ap);
	/* RFC 5321 4.5.3.1.5: a reply line is at most 512 octets with CRLF. */
	strbuf_appendf(&c->out, "%03d%c%.*s\r\n", code, sep, SMTP_REPLY_LINE_MAX - 6, text);
}

void srv_reply(struct srv_conn *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	srv_vreply(c, code, ' ', fmt, ap);
	va_end(ap);
}

void srv_reply_more(struct srv_conn *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	srv_vreply(c, code, '-', fmt, ap);
	va_end(ap);
}

/* The table's own wording for a code. */
static void srv_reply_std(struct srv_conn *c, int code, const char *extra)
{
	const char *m = code_meaning(code);
	srv_reply(c, code, "%s%s%s", m != NULL ? m : "", extra != NULL ? " " : "",
	    extra != NULL ? extra : "");
}

void srv_reset_transaction(struct srv_conn *c)
{
	c->from[0] = '\0';
	c->nrcpt = 0;
	c->mode = VERB_MAIL;
	strbuf_free(&c->body);
	c->body_too_big = false;
	c->body_line_too_long = false;
}

void srv_conn_greet(struct srv *s, struct srv_conn *c)
{
	srv_reply(c, 220, "%s Service ready (smtpsh teaching server; try HELP)", s->hostname);
}

static bool srv_is_local_domain(const struct srv *s, const char *d)
{
	return d[0] == '\0' || strcasecmp(d, s->hostname) == 0 ||
	    strcasecmp(d, "localhost") == 0 || strcmp(d, "[127.0.0.1]") == 0 ||
	    strcasecmp(d, "[IPv6:::1]") == 0;
}

/* Parse "FROM:<path> params" / "TO:<path> params".  path gets the address
 * without brackets; *params points after it.  -1: syntax error (501). */
static int srv_parse_path(const char *arg, const char *prefix, char *path,
    size_t cap, const char **params)
{
	size_t plen = strlen(prefix);
	if (strncasecmp(arg, prefix, plen) != 0)
		return -1;
	const char *p = arg + plen;
	while (*p == ' ')
		p++;                      /* tolerated, as most servers do */
	if (*p != '<')
		return -1;
	const char *end = strchr(p, '>');
	if (end == NULL || (size_t)(end - p - 1) >= cap)
		return -1;
	memcpy(path, p + 1, (size_t)(end - p - 1));
	path[end - p - 1] = '\0';
	*params = end + 1;
	while (**params == ' ')
		(*params)++;
	return 0;
}

/* RFC 5321 4.1.2, loosely: no blanks or controls, at most one '@' with
 * something before it.  0 ok, -1 not allowed (553). */
static int srv_check_mailbox(const char *a, bool allow_empty)
{
	if (a[0] == '\0')
		return allow_empty ? 0 : -1;
	int ats = 0;
	for (const char *p = a; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch <= 0x20 || ch == 0x7f || ch == '<' || ch == '>')
			return -1;
		ats += ch == '@';
	}
	const char *at = strchr(a, '@');
	if (ats > 1 || at == a || (at != NULL && at[1] == '\0'))
		return -1;
	return 0;
}

static void srv_split(const char *addr, char *local, size_t lcap, char *domain, size_t dcap)
{
	const char *at = strchr(addr, '@');
	size_t n = at != NULL ? (size_t)(at - addr) : strlen(addr);
	snprintf(local, lcap, "%.*s", (int)n, addr);
	snprintf(domain, dcap, "%s", at != NULL ? at + 1 : "");
}

static void srv_cmd_hello(struct srv *s, struct srv_conn *c, const struct verb *v, const char *arg)
{
	if (arg[0] == '\0' || strchr(arg, ' ') != NULL) {
		srv_reply(c, 501, "Syntax: %s <domain> (RFC 821 4.1.1)", v->name);
		return;
	}
	snprintf(c->helo, sizeof c->helo, "%s", arg);
	srv_reset_transaction(c);
	c->state = SMTP_ST_READY;
	if (v->id == VERB_HELO) {
		srv_reply(c, 250, "%s Hello %s, pleased to meet you", s->hostname, arg);
		return;
	}
	srv_reply_more(c, 250, "%s Hello %s, pleased to meet you", s->hostname, arg);
	srv_reply_more(c, 250, "SIZE %zu", s->cfg.max_message_bytes);
	srv_reply_more(c, 250, "8BITMIME");
	srv_reply_more(c, 250, "PIPELINING");
	srv_reply_more(c, 250, "VRFY");
	srv_reply_more(c, 250, "EXPN");
	srv_reply_more(c, 250, "TURN");
	srv_reply(c, 250, "HELP");
}

static void srv_cmd_mail(struct srv *s, struct srv_conn *c, const struct verb *v, const char *arg)
{
	char path[SMTP_COMMAND_LINE_MAX];
	const char *params;
	if (srv_parse_path(arg, "FROM:", path, sizeof path, &params) != 0) {
		srv_reply(c, 501, "Syntax: %s FROM:<reverse-path> (RFC 821 4.1.1)", v->name);
		return;
	}
	if (srv_check_mailbox(path, true) != 0) {
		srv_reply(c, 553, "Requested action not taken: mailbox name not allowed <%s>", path);
		return;
	}
	/* ESMTP parameters (RFC 1870 SIZE, RFC 6152 BODY); others: 504. */
	char pcopy[SMTP_COMMAND_LINE_MAX];
	snprintf(pcopy, sizeof pcopy, "%s", params);
	char *save = NULL;
	for (char *tok = strtok_r(pcopy, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		if (v->id == VERB_MAIL && strncasecmp(tok, "SIZE=", 5) == 0) {
			char *end;
			unsigned long long n = strtoull(tok + 5, &end, 10);
			if (*end != '\0' || end == tok + 5) {
				srv_reply(c, 501, "SIZE needs a number");
				return;
			}
			if (n > s->cfg.max_message_bytes) {
				srv_reply(c, 552, "Message size exceeds fixed maximum message size (%zu)",
				    s->cfg.max_message_bytes);
				return;
			}
		} else if (v->id == VERB_MAIL && (strcasecmp(tok, "BODY=7BIT") == 0 ||
		    strcasecmp(tok, "BODY=8BITMIME") == 0)) {
			continue;
		} else {
			srv_reply(c, 504, "Command parameter not implemented: %s", tok);
			return;
		}
	}
	srv_reset_transaction(c);
	snprintf(c->from, sizeof c->from, "%s", path);
	c->mode = v->id;
	c->state = SMTP_ST_MAIL;
	srv_reply(c, 250, "Sender <%s> OK%s", path,
	    v->id == VERB_SEND ? " (SEND: to the recipients' terminals)" :
	    v->id == VERB_SOML ? " (SOML: terminal if logged in, else mailbox)" :
	    v->id == VERB_SAML ? " (SAML: terminal and mailbox)" : "");
}

/* Close after 421 (RFC 5321 3.8). */
static void srv_shutdown_reply(struct srv *s, struct srv_conn *c)
{
	srv_reply(c, 421, "%s Service not available, closing transmission channel", s->hostname);
	c->closing = true;
	c->state = SMTP_ST_CLOSED;
}

static void srv_cmd_rcpt(struct srv *s, struct srv_conn *c, const char *arg)
{
	char path[SMTP_COMMAND_LINE_MAX];
	const char *params;
	if (srv_parse_path(arg, "TO:", path, sizeof path, &params) != 0) {
		srv_reply(c, 501, "Syntax: RCPT TO:<forward-path> (RFC 821 4.1.1)");
		return;
	}
	if (params[0] != '\0') {
		srv_reply(c, 504, "Command parameter not implemented: %s", params);
		return;
	}
	if (srv_check_mailbox(path, false) != 0) {
		srv_reply(c, 553, "Requested action not taken: mailbox name not allowed <%s>", path);
		return;
	}
	if (c->nrcpt == SRV_RCPT_MAX) {
		srv_reply(c, 452, "Too many recipients (RFC 5321 4.5.3.1.10)");
		return;
	}
	struct srv_rcpt *r = &c->rcpt[c->nrcpt];
	memset(r, 0, sizeof *r);
	snprintf(r->addr, sizeof r->addr, "%s", path);
	srv_split(path, r->local, sizeof r->local, r->domain, sizeof r->domain);
	if (s->accept_all || !srv_is_local_domain(s, r->domain)) {
		r->remote = !s->accept_all;
		c->nrcpt++;
		c->state = SMTP_ST_RCPT;
		srv_reply(c, 250, "Recipient <%s> OK%s", path,
		    r->remote ? " (not local: queued for relay; TURN fetches it)" : "");
		return;
	}
	r->entry = demo_lookup(r->local, strlen(r->local));
	const struct demo_entry *e = r->entry;
	enum demo_kind kind = e != NULL ? e->kind : DEMO_NONE;
	switch (kind) {
	case DEMO_NONE:
		srv_reply(c, 550, "Requested action not taken: mailbox unavailable (no user %s here)", r->local);
		return;
	case DEMO_LIST:
	case DEMO_USER:
	case DEMO_QUOTA:
	case DEMO_REJECT:
		if (c->mode == VERB_SEND && (e == NULL || !e->logged_in)) {
			srv_reply(c, 450, "Requested mail action not taken: %s is not logged in (SEND needs a terminal)", r->local);
			return;
		}
		break;
	case DEMO_MOVED:
		c->nrcpt++;
		c->state = SMTP_ST_RCPT;
		srv_reply(c, 251, "User not local; will forward to <%s>", e->extra);
		return;
	case DEMO_ELSEWHERE:
		srv_reply(c, 551, "User not local; please try <%s>", e->extra);
		return;
	case DEMO_AMBIGUOUS:
		srv_reply(c, 553, "Requested action not taken: mailbox name not allowed (%s is ambiguous; try VRFY %s)", r->local, r->local);
		return;
	case DEMO_BUSY:
		srv_reply(c, 450, "Requested mail action not taken: mailbox unavailable (%s's mailbox is busy)", r->local);
		return;
	case DEMO_FULL:
		srv_reply(c, 452, "Requested action not taken: insufficient system storage");
		return;
	case DEMO_LOCALERR:
		srv_reply(c, 451, "Requested action aborted: local error in processing");
		return;
	case DEMO_SHUTDOWN:
		srv_shutdown_reply(s, c);
		return;
	}
	c->nrcpt++;
	c->state = SMTP_ST_RCPT;
	srv_reply(c, 250, "Recipient <%s> OK", path);
}

/* VRFY/EXPN argument: "alice", "<alice@demo...>", "alice@demo...", or a full name. */
static const struct demo_entry *srv_lookup_string(struct srv *s, const char *arg, bool *remote)
{
	char buf[SMTP_COMMAND_LINE_MAX], local[DEMO_NAME_MAX], domain[256];
	size_t n = strlen(arg);
	if (n >= 2 && arg[0] == '<' && arg[n - 1] == '>')
		snprintf(buf, sizeof buf, "%.*s", (int)(n - 2), arg + 1);
	else
		snprintf(buf, sizeof buf, "%s", arg);
	srv_split(buf, local, sizeof local, domain, sizeof domain);
	*remote = !srv_is_local_domain(s, domain);
	if (*remote)
		return NULL;
	const struct demo_entry *e = demo_lookup(local, strlen(local));
	for (size_t i = 0; e == NULL && i < demo_entry_count(); i++) {
		const struct demo_entry *t = demo_entry_at(i);
		if (t->full_name != NULL && strcasecmp(t->full_name, buf) == 0)
			e = t;
	}
	return e;
}

static void srv_cmd_vrfy(struct srv *s, struct srv_conn *c, const char *arg)
{
	bool remote;
	const struct demo_entry *e = srv_lookup_string(s, arg, &remote);
	if (remote) {
		srv_reply(c, 252, "Cannot VRFY user, but will accept message and attempt delivery");
		return;
	}
	enum demo_kind kind = e != NULL ? e->kind : DEMO_NONE;
	switch (kind) {
	case DEMO_NONE:
		srv_reply(c, 550, "Requested action not taken: mailbox unavailable (%s matches no user)", arg);
		return;
	case DEMO_MOVED:
		srv_reply(c, 251, "User not local; will forward to <%s>", e->extra);
		return;
	case DEMO_ELSEWHERE:
		srv_reply(c, 551, "User not local; please try <%s>", e->extra);
		return;
	case DEMO_AMBIGUOUS: {
		srv_reply_more(c, 553, "User ambiguous; possibilities are");
		char cand[256];
		snprintf(cand, sizeof cand, "%s", e->extra);
		char *save = NULL, *next;
		char *tok = strtok_r(cand, ",", &save);
		while (tok != NULL) {
			next = strtok_r(NULL, ",", &save);
			if (next != NULL)
				srv_reply_more(c, 553, "%s", tok);
			else
				srv_reply(c, 553, "%s", tok);
			tok = next;
		}
		return;
	}
	case DEMO_SHUTDOWN:
		srv_shutdown_reply(s, c);
		return;
	default:
		srv_reply(c, 250, "%s <%s@%s>", e->full_name, e->name, s->hostname);
		return;
	}
}

static void srv_cmd_expn(struct srv *s, struct srv_conn *c, const char *arg)
{
	bool remote;
	const struct demo_entry *e = srv_lookup_string(s, arg, &remote);
	if (e == NULL || remote) {
		srv_reply(c, 550, "Requested action not taken: mailbox unavailable (no list %s)", arg);
		return;
	}
	if (e->kind == DEMO_AMBIGUOUS) {
		srv_reply(c, 553, "Requested action not taken: %s is ambiguous", arg);
		return;
	}
	if (e->kind == DEMO_SHUTDOWN) {
		srv_shutdown_reply(s, c);
		return;
	}
	if (e->kind != DEMO_LIST) {
		srv_reply(c, 550, "Requested action not taken: %s is a user, not a mailing list", arg);
		return;
	}
	char members[256];
	snprintf(members, sizeof members, "%s", e->extra);
	char *save = NULL;
	char *tok = strtok_r(members, ",", &save);
	while (tok != NULL) {
		char *next = strtok_r(NULL, ",", &save);
		const struct demo_entry *m = demo_lookup(tok, strlen(tok));
		const char *full = m != NULL && m->full_name != NULL ? m->full_name : tok;
		if (next != NULL)
			srv_reply_more(c, 250, "%s <%s@%s>", full, tok, s->hostname);
		else
			srv_reply(c, 250, "%s <%s@%s>", full, tok, s->hostname);
		tok = next;
	}
}

static void srv_cmd_help(struct srv *s, struct srv_conn *c, const char *arg)
{
	if (arg[0] == '\0') {
		srv_reply_more(c, 214, "smtpsh teaching server: the commands of RFC 821, and EHLO");
		char line[SMTP_REPLY_LINE_MAX] = "";
		for (size_t i = 0; i < verb_count(); i++) {
			const struct verb *v = verb_at(i);
			if (v->flags & VERB_F_SENSITIVE || v->id == VERB_STARTTLS)
				continue;
			strncat(line, v->name, sizeof line - strlen(line) - 2);
			strncat(line, " ", sizeof line - strlen(line) - 1);
		}
		srv_reply_more(c, 214, "  %s", line);
		srv_reply_more(c, 214, "HELP <command> explains one; HELP STATUS gives 211.");
		srv_reply(c, 214, "End of HELP info");
		return;
	}
	if (strcasecmp(arg, "STATUS") == 0) {
		srv_reply_more(c, 211, "%s system status", s->hostname);
		srv_reply_more(c, 211, "clients connected: %u", s->nclients);
		srv_reply_more(c, 211, "messages accepted: %lu", s->messages);
		srv_reply(c, 211, "messages queued for relay/TURN: %zu", demo_queue_count(&s->dir));
		return;
	}
	const struct verb *v = verb_lookup(arg, strlen(arg));
	if (v == NULL || (v->flags & VERB_F_SENSITIVE) || v->id == VERB_STARTTLS) {
		srv_reply(c, 504, "HELP topic not implemented: %s (try HELP)", arg);
		return;
	}
	srv_reply_more(c, 214, "%s (%s)", v->usage, v->rfc);
	srv_reply(c, 214, "%s", v->summary);
}

static void srv_cmd_turn(struct srv *s, struct srv_conn *c)
{
	if (!demo_queue_has(&s->dir, c->helo)) {
		srv_reply(c, 502, "Command not implemented: no mail queued for %s (try HELO client.example)", c->helo);
		return;
	}
	srv_reply(c, 250, "OK, turning around: I will now send you the mail queued for %s", c->helo);
	srv_turn_begin(s, c);
}

static void srv_finish_body(struct srv *s, struct srv_conn *c)
{
	c->state = SMTP_ST_READY;
	if (c->body_too_big) {
		srv_reply(c, 552, "Requested mail action aborted: exceeded storage allocation (limit %zu bytes)",
		    s->cfg.max_message_bytes);
		srv_reset_transaction(c);
		return;
	}
	if (c->body_line_too_long) {
		srv_reply(c, 500, "Line too long (RFC 5321 4.5.3.1.6: 1000 octets): message refused");
		srv_reset_transaction(c);
		return;
	}
	for (size_t i = 0; i < c->nrcpt; i++) {
		const struct demo_entry *e = c->rcpt[i].entry;
		if (e != NULL && e->kind == DEMO_QUOTA) {
			srv_reply(c, 552, "Requested mail action aborted: exceeded storage allocation (%s is over quota)", e->name);
			srv_reset_transaction(c);
			return;
		}
		if (e != NULL && e->kind == DEMO_REJECT) {
			srv_reply(c, 554, "Transaction failed (the message to %s looks like spam)", e->name);
			srv_reset_transaction(c);
			return;
		}
	}
	const char *text = strbuf_str(&c->body);
	size_t len = c->body.len;
	const char *via = verb_by_id(c->mode)->name;
	for (size_t i = 0; i < c->nrcpt; i++) {
		struct srv_rcpt *r = &c->rcpt[i];
		if (r->remote) {
			demo_queue_add(&s->dir, r->domain, r->addr, c->from, text, len);
			continue;
		}
		if (s->accept_all || r->entry == NULL)
			continue;
		const struct demo_entry *e = r->entry;
		if (e->kind == DEMO_LIST) {
			char members[256];
			snprintf(members, sizeof members, "%s", e->extra);
			char *save = NULL;
			for (char *m = strtok_r(members, ",", &save); m != NULL; m = strtok_r(NULL, ",", &save))
				demo_deliver_mailbox(&s->dir, m, c->from, text, len, via);
			continue;
		}
		bool term = c->mode == VERB_SEND || c->mode == VERB_SAML ||
		    (c->mode == VERB_SOML && e->logged_in);
		bool box = c->mode == VERB_MAIL || c->mode == VERB_SAML ||
		    (c->mode == VERB_SOML && !e->logged_in);
		if (term && e->logged_in)
			demo_deliver_terminal(&s->dir, e->name, c->from, text, len, via);
		if (box)
			demo_deliver_mailbox(&s->dir, e->name, c->from, text, len, via);
	}
	s->messages++;
	srv_reply(c, 250, "Requested mail action okay, completed: %zu bytes for %zu recipient%s",
	    len, c->nrcpt, c->nrcpt == 1 ? "" : "s");
	if (c->on_exchange != NULL) {
		const char *rep = strbuf_str(&c->out) + c->reply_mark;
		c->on_exchange(c->exchange_ctx, text, len, rep, c->out.len - c->reply_mark);
		c->reply_mark = c->out.len;
	}
	srv_reset_transaction(c);
}

static void srv_body_line(struct srv *s, struct srv_conn *c, const char *line, size_t len, size_t cut)
{
	const char *t;
	size_t tn;
	bool end = dotstuff_decode_line(line, len, &t, &tn);
	if (end && cut == 0) {
		srv_finish_body(s, c);
		return;
	}
	if (cut > 0)
		c->body_line_too_long = true;
	if (c->body_too_big)
		return;
	if (c->body.len + tn + 2 > s->cfg.max_message_bytes) {
		c->body_too_big = true;
		strbuf_free(&c->body);
		return;
	}
	if (strbuf_append(&c->body, t, tn) != SMTP_OK || strbuf_append(&c->body, "\r\n", 2) != SMTP_OK) {
		c->body_too_big = true;
		strbuf_free(&c->body);
	}
}

static void srv_command(struct srv *s, struct srv_conn *c, const char *line, size_t len, size_t cut)
{
	if (cut > 0 || len > SMTP_COMMAND_LINE_MAX - 2) {
		srv_reply(c, 500, "Syntax error, command unrecognized (line too long: RFC 5321 4.5.3.1.4 allows 512 octets)");
		return;
	}
	if (memchr(line, '\0', len) != NULL) {
		srv_reply(c, 500, "Syntax error, command unrecognized (NUL byte in command)");
		return;
	}
	size_t vlen = 0;
	while (vlen < len && line[vlen] != ' ')
		vlen++;
	const char *arg = vlen < len ? line + vlen + 1 : "";
	const struct verb *v = verb_lookup(line, vlen);
	if (v == NULL) {
		srv_reply(c, 500, "Syntax error, command unrecognized: \"%.*s\"", (int)(vlen > 32 ? 32 : vlen), line);
		return;
	}
	if ((s->cfg.disabled_verbs & (1u << v->id)) != 0) {
		srv_reply(c, 502, "Command not implemented (%s is disabled on this server)", v->name);
		return;
	}
	if (v->id == VERB_STARTTLS || v->id == VERB_AUTH) {
		srv_reply(c, 502, "Command not implemented (the teaching server speaks RFC 821 in clear)");
		return;
	}
	if (!verb_allowed_in(v, c->state)) {
		const char *need = c->state == SMTP_ST_GREETED ? "HELO or EHLO first" :
		    v->id == VERB_RCPT ? "MAIL first" : v->id == VERB_DATA ?
		    (c->state == SMTP_ST_MAIL ? "at least one accepted RCPT first" : "MAIL and RCPT first") :
		    c->state == SMTP_ST_MAIL || c->state == SMTP_ST_RCPT ? "RSET or the end of this transaction first" :
		    "another command first";
		srv_reply(c, 503, "Bad sequence of commands: %s needs %s (state: %s)", v->name, need,
		    smtp_state_name(c->state));
		return;
	}
	if (v->arg == VERB_ARG_NONE && arg[0] != '\0') {
		srv_reply(c, 501, "Syntax error in parameters or arguments: %s takes none", v->name);
		return;
	}
	if (v->arg == VERB_ARG_REQUIRED && arg[0] == '\0' && v->id != VERB_RCPT) {
		srv_reply(c, 501, "Syntax error in parameters or arguments: %s", v->usage);
		return;
	}
	switch (v->id) {
	case VERB_HELO:
	case VERB_EHLO:
		srv_cmd_hello(s, c, v, arg);
		break;
	case VERB_MAIL:
	case VERB_SEND:
	case VERB_SOML:
	case VERB_SAML:
		srv_cmd_mail(s, c, v, arg);
		break;
	case VERB_RCPT:
		srv_cmd_rcpt(s, c, arg);
		break;
	case VERB_DATA:
		c->state = SMTP_ST_DATA;
		strbuf_init(&c->body, s->cfg.max_message_bytes + 2);
		srv_reply_std(c, 354, NULL);
		break;
	case VERB_RSET:
		srv_reset_transaction(c);
		if (c->state != SMTP_ST_GREETED)
			c->state = SMTP_ST_READY;
		srv_reply(c, 250, "Requested mail action okay, completed (transaction reset)");
		break;
	case VERB_VRFY:
		srv_cmd_vrfy(s, c, arg);
		break;
	case VERB_EXPN:
		srv_cmd_expn(s, c, arg);
		break;
	case VERB_HELP:
		srv_cmd_help(s, c, arg);
		break;
	case VERB_NOOP:
		srv_reply(c, 250, "Requested mail action okay, completed (NOOP)");
		break;
	case VERB_QUIT:
		srv_reply(c, 221, "%s Service closing transmission channel", s->hostname);
		c->closing = true;
		c->state = SMTP_ST_CLOSED;
		break;
	case VERB_TURN:
		srv_cmd_turn(s, c);
		break;
	case VERB_STARTTLS:
	case VERB_AUTH:
	case VERB__COUNT:
		break;
	}
}

size_t srv_conn_input(struct srv *s, struct srv_conn *c, const char *in, size_t len)
{
	size_t off = 0;
	while (off < len && !c->closing) {
		if (c->turn != TURN_NONE)
			return off + srv_turn_input(s, c, in + off, len - off);
		off += linebuf_feed(&c->line, in + off, len - off);
		if (!c->line.complete)
			break;
		c->reply_mark = c->out.len;
		if (c->state == SMTP_ST_DATA) {
			srv_body_line(s, c, c->line.data, c->line.len, c->line.cut);
		} else {
			srv_command(s, c, c->line.data, c->line.len, c->line.cut);
			if (c->on_exchange != NULL && c->out.len > c->reply_mark) {
				c->on_exchange(c->exchange_ctx, c->line.data, c->line.len,
				    strbuf_str(&c->out) + c->reply_mark, c->out.len - c->reply_mark);
				c->reply_mark = c->out.len;
			}
		}
		linebuf_reset(&c->line);
	}
	return off;
}
