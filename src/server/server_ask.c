/*
 * server_ask.c - the teaching server's questions: VRFY and EXPN against the
 * built-in directory (RFC 821 3.3, 4.1.1; 252 for remote names, RFC 5321
 * 3.5.3), HELP (214, or 211 for HELP STATUS), and TURN (RFC 821 4.1.1:
 * 250 then server_turn.c takes the connection, 502 when nothing is queued);
 * and what they share with the commands of server_cmd.c: which domains are
 * the server's own and how an address splits (RCPT too), which verbs the
 * server implements (HELP lists them, the others get 502).  Replies go to
 * the connection's output buffer; nothing is kept.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server_int.h"

bool srv_is_local_domain(const struct srv *s, const char *d)
{
	return d[0] == '\0' || strcasecmp(d, s->hostname) == 0 ||
	    strcasecmp(d, "localhost") == 0 || strcmp(d, "[127.0.0.1]") == 0 ||
	    strcasecmp(d, "[IPv6:::1]") == 0;
}

void srv_split(const char *addr, char *local, size_t lcap, char *domain, size_t dcap)
{
	const char *at = strchr(addr, '@');
	size_t n = at != NULL ? (size_t)(at - addr) : strlen(addr);
	snprintf(local, lcap, "%.*s", (int)n, addr);
	snprintf(domain, dcap, "%s", at != NULL ? at + 1 : "");
}

bool srv_implements(const struct verb *v)
{
	return (v->flags & (VERB_F_RFC821 | VERB_F_STARTS_TLS | VERB_F_CHALLENGE)) != 0 ||
	    ((v->flags & VERB_F_EXTENSIONS) != 0 && (v->flags & VERB_F_LMTP) == 0);
}

/* VRFY/EXPN argument: "alice", "<alice@demo...>", "alice@demo...", or a full name. */
static const struct demo_entry *srv_lookup_string(struct srv *s, const char *arg, bool *remote)
{
	char buf[SMTP_COMMAND_LINE_MAX], local[DEMO_NAME_MAX], domain[SMTP_DOMAIN_MAX + 1];
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

void srv_cmd_vrfy(const struct srv_cmd *cmd)
{
	struct srv *s = cmd->s;
	struct srv_conn *c = cmd->c;
	const char *arg = cmd->arg;
	bool remote;
	const struct demo_entry *e = srv_lookup_string(s, arg, &remote);
	if (remote) {
		srv_reply_std(c, 252);
		return;
	}
	enum demo_kind kind = e != NULL ? e->kind : DEMO_NONE;
	switch (kind) {
	case DEMO_NONE:
		srv_reply_stdf(c, 550, " (%s matches no user)", arg);
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
		srv_shutdown_reply(c);
		return;
	default:
		srv_reply(c, 250, "%s <%s@%s>", e->full_name, e->name, s->hostname);
		return;
	}
}

void srv_cmd_expn(const struct srv_cmd *cmd)
{
	struct srv *s = cmd->s;
	struct srv_conn *c = cmd->c;
	const char *arg = cmd->arg;
	bool remote;
	const struct demo_entry *e = srv_lookup_string(s, arg, &remote);
	if (e == NULL || remote) {
		srv_reply_stdf(c, 550, " (no list %s)", arg);
		return;
	}
	if (e->kind == DEMO_AMBIGUOUS) {
		srv_reply(c, 553, "Requested action not taken: %s is ambiguous", arg);
		return;
	}
	if (e->kind == DEMO_SHUTDOWN) {
		srv_shutdown_reply(c);
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

/* "success 250; intermediate 354; ..." from the verb table's S/I/F/E
 * lists: the codes RFC 821 4.3 lists for v (rfc821 true), or those added
 * after it (false).  Empty when there are none. */
static void srv_help_codes(char *out, size_t cap, const struct verb *v, bool rfc821)
{
	static const char *const kind[] = { "success", "intermediate", "failure", "error" };
	const short *lists[] = { v->success, v->intermediate, v->failure, v->error };
	size_t n = 0;
	out[0] = '\0';
	for (size_t k = 0; k < 4; k++) {
		bool named = false;
		for (size_t i = 0; i < VERB_CODES_MAX && lists[k][i] != 0; i++) {
			if (verb_code_in_rfc821(v, lists[k][i]) != rfc821)
				continue;
			if (!named)
				n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s",
				    n > 0 ? "; " : "", kind[k]);
			named = true;
			n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, " %d", lists[k][i]);
		}
	}
}

/* HELP speaks SMTP (RFC 821 4.1.2 syntax), not the shell's commands. */
void srv_cmd_help(const struct srv_cmd *cmd)
{
	struct srv *s = cmd->s;
	struct srv_conn *c = cmd->c;
	const char *arg = cmd->arg;
	if (arg[0] == '\0') {
		srv_reply_more(c, 214, "smtpsh teaching server: the commands of RFC 821, and EHLO");
		for (size_t i = 0; i < verb_count(); i++) {
			const struct verb *v = verb_at(i);
			if (!srv_implements(v))
				continue;
			srv_reply_more(c, 214, "  %s", verb_syntax(v));
		}
		srv_reply_more(c, 214, "HELP <command> explains one; HELP STATUS gives 211.");
		srv_reply(c, 214, "End of HELP info");
		return;
	}
	if (strcasecmp(arg, "STATUS") == 0) {
		srv_reply_more(c, 211, "%s system status", s->hostname);
		srv_reply_more(c, 211, "clients connected: %u", s->nclients);
		srv_reply_more(c, 211, "messages accepted: %lu", s->messages);
		srv_reply_more(c, 211, "memory for mail and buffers: %zu of %zu bytes in use (peak %zu)",
		    atomic_load(&s->mem.used), s->mem.max, atomic_load(&s->mem.peak));
		srv_reply(c, 211, "messages queued for relay/TURN: %zu", demo_queue_count(&s->dir));
		return;
	}
	const struct verb *v = verb_lookup(arg, strlen(arg));
	if (v == NULL || !srv_implements(v)) {
		srv_reply(c, 504, "HELP topic not implemented: %s (try HELP)", arg);
		return;
	}
	/* RFC 821's own lists as RFC 821 has them; what came later apart,
	 * attributed to the RFC that added it. */
	char codes[SMTP_REPLY_LINE_MAX];
	srv_reply_more(c, 214, "%s", verb_syntax(v));
	if (verb_in_rfc821(v)) {
		srv_help_codes(codes, sizeof codes, v, true);
		srv_reply_more(c, 214, "Replies in RFC 821 4.3: %s", codes);
	}
	srv_help_codes(codes, sizeof codes, v, false);
	if (codes[0] != '\0')
		srv_reply_more(c, 214, "%s RFC 5321 4.3.2: %s", verb_in_rfc821(v) ? "Added by" :
		    "Replies in", codes);
	srv_reply(c, 214, "See %s", v->rfc);
}

void srv_cmd_turn(const struct srv_cmd *cmd)
{
	struct srv *s = cmd->s;
	struct srv_conn *c = cmd->c;
	if (!demo_queue_has(&s->dir, c->helo)) {
		srv_reply_stdf(c, 502, ": no mail queued for %s (try HELO client.example)", c->helo);
		return;
	}
	srv_reply(c, 250, "OK, turning around: I will now send you the mail queued for %s", c->helo);
	srv_turn_begin(s, c);
}
