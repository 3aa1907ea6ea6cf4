/*
 * server_cmd.c - the teaching server's command engine: one command line
 * in, the reply out, after RFC 821's state diagram (RFC 821 4.1, 4.3) with
 * RFC 5321's refinements.  The verb table (verbs.h) decides what a verb is
 * and where it is allowed (503 otherwise); reply texts come from the one
 * code table (codes.h) unless a more specific text helps a learner.  This
 * file holds the dispatch - the checks every command passes, then one
 * handler table indexed by verb id (srv_cmd_table, after Postfix
 * smtp-sink's command_table) - and the commands that change the session
 * (HELO, EHLO, MAIL/SEND/SOML/SAML, RCPT, DATA, RSET, NOOP, QUIT,
 * STARTTLS); the questions (VRFY, EXPN, HELP, TURN) are in server_ask.c,
 * AUTH in server_auth.c, DATA's body in server_data.c.
 *
 * Codes and the inputs that produce them are listed in
 * docs/teaching-server.md (and checked by test/server/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server_int.h"

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

/* HELO and EHLO (EHLO lists the extensions, RFC 1869). */
static void srv_cmd_hello(const struct srv_cmd *cmd)
{
	struct srv *s = cmd->s;
	struct srv_conn *c = cmd->c;
	const struct verb *v = cmd->v;
	const char *arg = cmd->arg;
	if (arg[0] == '\0' || strchr(arg, ' ') != NULL) {
		srv_reply(c, 501, "Syntax: %s <domain> (RFC 821 4.1.1)", v->name);
		return;
	}
	snprintf(c->helo, sizeof c->helo, "%s", arg);
	srv_reset_transaction(c);
	srv_set_state(c, SMTP_ST_READY);
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
	/* RFC 3207 4.2: STARTTLS not offered once TLS is on; AUTH only over
	 * TLS (the passwords are the demo's, the habit is real). */
	if (c->tls != SRV_TLS_ON && (s->cfg.disabled_verbs & (1u << VERB_STARTTLS)) == 0)
		srv_reply_more(c, 250, "STARTTLS");
	if (c->tls == SRV_TLS_ON && (s->cfg.disabled_verbs & (1u << VERB_AUTH)) == 0)
		srv_reply_more(c, 250, "AUTH " SRV_AUTH_MECHS);
	srv_reply(c, 250, "HELP");
}

/* STARTTLS (RFC 3207 4): 220, then the handshake once the 220 is written
 * (server.c); whatever the client sent after the command line is dropped
 * unread (server_conn.c), so no plaintext command rides into the TLS
 * session (CVE-2011-0411).  Again under TLS: 503 (RFC 3207 4.2 forbids
 * it; Postfix says 554, a bad sequence is what it is).  454 when TLS
 * cannot be offered: OpenSSL not loadable (SMTPSH_LIBSSL=/nonexistent
 * shows it) or the certificate not made. */
static void srv_cmd_starttls(const struct srv_cmd *cmd)
{
	struct srv_conn *c = cmd->c;
	if (c->tls == SRV_TLS_ON) {
		srv_reply(c, 503, "Bad sequence of commands: TLS is already active (RFC 3207 4.2)");
		return;
	}
	const char *why = NULL;
	if (!srv_tls_ready(cmd->s, &why)) {
		srv_reply_std_in(c, 454, VERB_STARTTLS, " (%s)", why);
		return;
	}
	srv_reply_std_in(c, 220, VERB_STARTTLS, "%s", "");
	c->tls = SRV_TLS_FLUSH;
}

/* 452 when the bodies being received leave too little under the memory
 * ceiling for a new message (stored mail counts as room: it is dropped,
 * oldest first, when a body needs the space). */
static bool srv_no_room(struct srv *s, struct srv_conn *c)
{
	if (srv_mem_room(&s->mem) >= SRV_MEM_MIN_FREE)
		return false;
	srv_reply_stdf(c, 452, " (the server's memory for mail is in use; try again later)");
	return true;
}

/* Room for one more recipient (the list grows by doubling, counted). */
static bool srv_rcpt_grow(struct srv *s, struct srv_conn *c)
{
	if (c->nrcpt < c->rcpt_cap)
		return true;
	size_t cap = c->rcpt_cap == 0 ? 4 : c->rcpt_cap * 2;
	if (cap > SRV_RCPT_MAX)
		cap = SRV_RCPT_MAX;
	struct srv_rcpt *r = NULL;
	if (srv_mem_reserve(s, (cap - c->rcpt_cap) * sizeof *r)) {
		r = realloc(c->rcpt, cap * sizeof *r);
		if (r == NULL)
			srv_mem_give(&s->mem, (cap - c->rcpt_cap) * sizeof *r);
	}
	if (r == NULL) {
		srv_reply_std(c, 452);
		return false;
	}
	c->rcpt = r;
	c->rcpt_cap = cap;
	return true;
}

/* MAIL, SEND, SOML and SAML: the verb becomes the transaction's mode. */
static void srv_cmd_mail(const struct srv_cmd *cmd)
{
	struct srv *s = cmd->s;
	struct srv_conn *c = cmd->c;
	const struct verb *v = cmd->v;
	const char *arg = cmd->arg;
	char path[SMTP_COMMAND_LINE_MAX];
	const char *params;
	if (srv_parse_path(arg, "FROM:", path, sizeof path, &params) != 0) {
		srv_reply(c, 501, "Syntax: %s FROM:<reverse-path> (RFC 821 4.1.1)", v->name);
		return;
	}
	if (srv_check_mailbox(path, true) != 0) {
		srv_reply_stdf(c, 553, " <%s>", path);
		return;
	}
	/* ESMTP parameters (RFC 1870 SIZE, RFC 6152 BODY); others: 555
	 * (RFC 5321 4.1.1.11: parameters not recognized or not implemented). */
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
			/* RFC 1870 6.1: fits the limit, but not the room there is now. */
			if (n > srv_mem_room(&s->mem)) {
				srv_reply(c, 452, "Insufficient system storage for %llu bytes now; try again later", n);
				return;
			}
		} else if (v->id == VERB_MAIL && (strcasecmp(tok, "BODY=7BIT") == 0 ||
		    strcasecmp(tok, "BODY=8BITMIME") == 0)) {
			continue;
		} else {
			srv_reply_stdf(c, 555, ": %s", tok);
			return;
		}
	}
	if (srv_no_room(s, c))
		return;
	srv_reset_transaction(c);
	snprintf(c->from, sizeof c->from, "%s", path);
	c->mode = v->id;
	srv_set_state(c, SMTP_ST_MAIL);
	srv_reply(c, 250, "Sender <%s> OK%s", path,
	    v->id == VERB_SEND ? " (SEND: to the recipients' terminals)" :
	    v->id == VERB_SOML ? " (SOML: terminal if logged in, else mailbox)" :
	    v->id == VERB_SAML ? " (SAML: terminal and mailbox)" : "");
}

static void srv_cmd_rcpt(const struct srv_cmd *cmd)
{
	struct srv *s = cmd->s;
	struct srv_conn *c = cmd->c;
	const char *arg = cmd->arg;
	char path[SMTP_COMMAND_LINE_MAX];
	const char *params;
	if (srv_parse_path(arg, "TO:", path, sizeof path, &params) != 0) {
		srv_reply(c, 501, "Syntax: RCPT TO:<forward-path> (RFC 821 4.1.1)");
		return;
	}
	if (params[0] != '\0') {          /* RFC 5321 4.1.1.11 */
		srv_reply_stdf(c, 555, ": %s", params);
		return;
	}
	if (srv_check_mailbox(path, false) != 0) {
		srv_reply_stdf(c, 553, " <%s>", path);
		return;
	}
	if (c->nrcpt == SRV_RCPT_MAX) {
		srv_reply(c, 452, "Too many recipients (RFC 5321 4.5.3.1.10)");
		return;
	}
	if (srv_no_room(s, c) || !srv_rcpt_grow(s, c))
		return;
	struct srv_rcpt *r = &c->rcpt[c->nrcpt];
	memset(r, 0, sizeof *r);
	snprintf(r->addr, sizeof r->addr, "%s", path);
	srv_split(path, r->local, sizeof r->local, r->domain, sizeof r->domain);
	if (s->accept_all || !srv_is_local_domain(s, r->domain)) {
		r->remote = !s->accept_all;
		c->nrcpt++;
		srv_set_state(c, SMTP_ST_RCPT);
		srv_reply(c, 250, "Recipient <%s> OK%s", path,
		    r->remote ? " (not local: queued for relay; TURN fetches it)" : "");
		return;
	}
	r->entry = demo_lookup(r->local, strlen(r->local));
	const struct demo_entry *e = r->entry;
	enum demo_kind kind = e != NULL ? e->kind : DEMO_NONE;
	switch (kind) {
	case DEMO_NONE:
		srv_reply_stdf(c, 550, " (no user %s here)", r->local);
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
		srv_set_state(c, SMTP_ST_RCPT);
		srv_reply(c, 251, "User not local; will forward to <%s>", e->extra);
		return;
	case DEMO_ELSEWHERE:
		srv_reply(c, 551, "User not local; please try <%s>", e->extra);
		return;
	case DEMO_AMBIGUOUS:
		srv_reply_stdf(c, 553, " (%s is ambiguous; try VRFY %s)", r->local, r->local);
		return;
	case DEMO_BUSY:
		srv_reply_stdf(c, 450, " (%s's mailbox is busy)", r->local);
		return;
	case DEMO_FULL:
		srv_reply_std(c, 452);
		return;
	case DEMO_LOCALERR:
		srv_reply_std(c, 451);
		return;
	case DEMO_SHUTDOWN:
		srv_shutdown_reply(c);
		return;
	case DEMO_PRIVATE:
		if (!c->authed) {
			srv_reply_stdf(c, 530, " (%s takes mail only from a signed-in sender: "
			    "STARTTLS, EHLO, AUTH first)", r->local);
			return;
		}
		break;
	}
	c->nrcpt++;
	srv_set_state(c, SMTP_ST_RCPT);
	srv_reply(c, 250, "Recipient <%s> OK", path);
}

static void srv_cmd_data(const struct srv_cmd *cmd)
{
	srv_set_state(cmd->c, SMTP_ST_DATA);
	srv_body_begin(cmd->s, cmd->c);
	srv_reply_std(cmd->c, 354);
}

static void srv_cmd_rset(const struct srv_cmd *cmd)
{
	srv_reset_transaction(cmd->c);
	if (cmd->c->state != SMTP_ST_GREETED)
		srv_set_state(cmd->c, SMTP_ST_READY);
	srv_reply_stdf(cmd->c, 250, " (transaction reset)");
}

static void srv_cmd_noop(const struct srv_cmd *cmd)
{
	srv_reply_stdf(cmd->c, 250, " (NOOP)");
}

static void srv_cmd_quit(const struct srv_cmd *cmd)
{
	srv_reply_std(cmd->c, 221);
	srv_set_state(cmd->c, SMTP_ST_CLOSED);
}

/* What each verb does, in the shape of Postfix smtp-sink's command_table:
 * one row per verb id.  srv_command has checked the verb is known,
 * enabled, implemented (srv_implements) and allowed in this state, and
 * its argument against the verb table, before the handler runs.  A row
 * without a handler is a verb the teaching server does not speak (502). */
struct srv_cmd_row {
	srv_cmd_fn fn;
	bool own_syntax;      /* a missing argument is the handler's to answer
	                       * (RCPT's 501 names the path it wants) */
};

static const struct srv_cmd_row srv_cmd_table[] = {
	[VERB_HELO] = { .fn = srv_cmd_hello },
	[VERB_EHLO] = { .fn = srv_cmd_hello },
	[VERB_MAIL] = { .fn = srv_cmd_mail },
	[VERB_RCPT] = { .fn = srv_cmd_rcpt, .own_syntax = true },
	[VERB_DATA] = { .fn = srv_cmd_data },
	[VERB_RSET] = { .fn = srv_cmd_rset },
	[VERB_SEND] = { .fn = srv_cmd_mail },
	[VERB_SOML] = { .fn = srv_cmd_mail },
	[VERB_SAML] = { .fn = srv_cmd_mail },
	[VERB_VRFY] = { .fn = srv_cmd_vrfy },
	[VERB_EXPN] = { .fn = srv_cmd_expn },
	[VERB_HELP] = { .fn = srv_cmd_help },
	[VERB_NOOP] = { .fn = srv_cmd_noop },
	[VERB_QUIT] = { .fn = srv_cmd_quit },
	[VERB_TURN] = { .fn = srv_cmd_turn },
	[VERB_STARTTLS] = { .fn = srv_cmd_starttls },
	[VERB_AUTH] = { .fn = srv_cmd_auth },
	[VERB_BDAT] = { .fn = NULL },
	[VERB_LHLO] = { .fn = NULL },       /* LMTP's, not SMTP's */
	[VERB_XCLIENT] = { .fn = NULL },    /* Postfix's, for trusted clients */
};

_Static_assert(sizeof srv_cmd_table / sizeof srv_cmd_table[0] == VERB__COUNT,
    "srv_cmd_table needs one row per verb id");

void srv_command(struct srv *s, struct srv_conn *c, const char *line, size_t len, size_t cut)
{
	if (cut > 0 || len > SMTP_COMMAND_LINE_MAX - 2) {
		srv_reply_stdf(c, 500, " (line too long: RFC 5321 4.5.3.1.4 allows 512 octets)");
		return;
	}
	if (memchr(line, '\0', len) != NULL) {
		srv_reply_stdf(c, 500, " (NUL byte in command)");
		return;
	}
	size_t vlen = 0;
	while (vlen < len && line[vlen] != ' ')
		vlen++;
	const char *arg = vlen < len ? line + vlen + 1 : "";
	const struct verb *v = verb_lookup(line, vlen);
	if (v == NULL) {
		srv_reply_stdf(c, 500, ": \"%.*s\"", (int)(vlen > 32 ? 32 : vlen), line);
		return;
	}
	const struct srv_cmd_row *row = &srv_cmd_table[v->id];
	if ((s->cfg.disabled_verbs & (1u << v->id)) != 0) {
		srv_reply_stdf(c, 502, " (%s is disabled on this server)", v->name);
		return;
	}
	if (!srv_implements(v) || row->fn == NULL) {
		srv_reply_stdf(c, 502, " (the teaching server speaks RFC 821, EHLO, STARTTLS and AUTH)");
		return;
	}
	if (!verb_allowed_in(v, c->state)) {
		const char *need = c->state == SMTP_ST_GREETED ? "HELO or EHLO first" :
		    v->id == VERB_RCPT ? "MAIL first" : v->id == VERB_DATA ?
		    (c->state == SMTP_ST_MAIL ? "at least one accepted RCPT first" : "MAIL and RCPT first") :
		    c->state == SMTP_ST_MAIL || c->state == SMTP_ST_RCPT ? "RSET or the end of this transaction first" :
		    "another command first";
		srv_reply_stdf(c, 503, ": %s needs %s (state: %s)", v->name, need,
		    smtp_state_name(c->state));
		return;
	}
	if (v->arg == VERB_ARG_NONE && arg[0] != '\0') {
		srv_reply_stdf(c, 501, ": %s takes none", v->name);
		return;
	}
	if (v->arg == VERB_ARG_REQUIRED && arg[0] == '\0' && !row->own_syntax) {
		srv_reply_stdf(c, 501, ": %s", verb_syntax(v));
		return;
	}
	const struct srv_cmd cmd = { .s = s, .c = c, .v = v, .arg = arg };
	row->fn(&cmd);
}
