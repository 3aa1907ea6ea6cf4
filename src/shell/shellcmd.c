/*
 * shellcmd.c - what a typed line does.  The shell-command table (commands
 * that are not SMTP verbs: ?, open, close, exit, explain, raw, state, ext,
 * tls, set, mailbox, terminal), and the dispatch of every line: tokenized
 * first (tokenize.h; a refusal sends nothing), then a shell command, an
 * SMTP verb from the core's verb table (handed to exchange.c), or a body
 * line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "codes.h"
#include "enhanced.h"
#include "escape.h"
#include "server.h"
#include "shell.h"
#include "smtp_limits.h"
#include "tokenize.h"

struct shell_cmd {
	const char *name;
	const char *usage;
	const char *summary;
	void (*run)(struct shell *sh, const struct tokens *t, const char *line, size_t len);
};

static const struct shell_cmd *shell_cmd_lookup(const char *name);

/* ---- shell commands ---- */

static void cmd_open(struct shell *sh, const struct tokens *t, const char *line, size_t len)
{
	if (t->count < 2 || t->count > 3) {
		shell_usage_error(sh, "usage: %s", "open HOST [PORT]");
		return;
	}
	shell_open(sh, t->word[1], t->count == 3 ? t->word[2] : SMTP_DEFAULT_PORT);
}

static void cmd_close(struct shell *sh, const struct tokens *t, const char *line, size_t len)
{
	if (!session_is_open(&sh->sess)) {
		shell_usage_error(sh, "%s", "not connected");
		return;
	}
	session_close(&sh->sess);
	if (!sh->json)
		printf("closed (without QUIT)\n");
}

static void cmd_exit(struct shell *sh, const struct tokens *t, const char *line, size_t len)
{
	sh->stop = true;
}

static void cmd_explain(struct shell *sh, const struct tokens *t, const char *line, size_t len)
{
	if (t->count != 2) {
		shell_usage_error(sh, "usage: %s", "explain CODE | explain X.Y.Z");
		return;
	}
	const char *w = t->word[1];
	struct enhanced_code ec;
	size_t used;
	if (enhanced_parse(w, t->len[1], &ec, &used) && used == t->len[1]) {
		char buf[256];
		enhanced_explain(&ec, buf, sizeof buf);
		printf("%s (RFC 3463)\n", buf);
		return;
	}
	if (t->len[1] != 3 || w[0] < '0' || w[0] > '9' || w[1] < '0' || w[1] > '9' ||
	    w[2] < '0' || w[2] > '9') {
		shell_usage_error(sh, "explain: \"%s\" is not a three-digit code or an X.Y.Z code", w);
		return;
	}
	int code = atoi(w);
	const struct code_info *ci = code_lookup(code);
	char buf[256];
	code_explain(code, buf, sizeof buf);
	printf("%03d %s\n", code, buf);
	if (ci != NULL && ci->note != NULL)
		printf("    %s\n", ci->note);
	if (ci != NULL)
		printf("    (%s)\n", ci->source);
	const char *cls = code_class_meaning(code);
	const char *cat = code_category_meaning(code);
	if (cls != NULL && cls[0] != '\0')
		printf("    first digit %d: %s\n", code / 100, cls);
	if (cat != NULL && cat[0] != '\0')
		printf("    second digit %d: %s\n", (code / 10) % 10, cat);
	printf("    a reply to:");
	for (size_t i = 0; i < verb_count(); i++) {
		const struct verb *v = verb_at(i);
		enum verdict vd = verb_verdict(v, code);
		if (vd != VERDICT_UNEXPECTED)
			printf(" %s (%s)", v->name, verdict_name(vd));
	}
	printf("\n");
}

static void cmd_raw(struct shell *sh, const struct tokens *t, const char *line, size_t len)
{
	if (t->count < 2) {
		shell_usage_error(sh, "usage: %s", "raw LINE");
		return;
	}
	const char *rest = line + t->start[1];
	size_t rlen = len - t->start[1];
	while (rlen > 0 && (rest[rlen - 1] == ' ' || rest[rlen - 1] == '\t'))
		rlen--;
	if (rlen > SMTP_COMMAND_LINE_MAX - 2) {
		shell_usage_error(sh, "%s", "raw: the line is longer than 510 octets; nothing was sent");
		return;
	}
	struct smtp_reply r;
	smtp_reply_init(&r);
	size_t w = 0;
	while (w < rlen && rest[w] != ' ')
		w++;
	const struct verb *v = verb_lookup(rest, w);
	int code = shell_exchange(sh, v, rest, rlen, &r);
	if (v != NULL && v->id == VERB_DATA && code == 354) {
		sh->body = tmpfile();
		sh->in_body = sh->body != NULL;
	}
	if (code != 0)
		shell_maybe_stop(sh, &r);
	smtp_reply_free(&r);
}

static void cmd_state(struct shell *sh, const struct tokens *t, const char *line, size_t len)
{
	enum smtp_state st = sh->sess.state;
	printf("state: %s\n  %s\n", smtp_state_name(st), smtp_state_describe(st));
	if (session_is_open(&sh->sess))
		printf("  connected to %s port %s (%s); %u recipient%s in this transaction\n",
		    sh->sess.host, sh->sess.port, sh->sess.tr.peer_addr, sh->sess.nrcpt,
		    sh->sess.nrcpt == 1 ? "" : "s");
	printf("  commands RFC 821 allows now:");
	for (size_t i = 0; i < verb_count(); i++)
		if (verb_allowed_in(verb_at(i), st))
			printf(" %s", verb_at(i)->name);
	printf("\n");
}

static void cmd_ext(struct shell *sh, const struct tokens *t, const char *line, size_t len)
{
	const struct ehlo_set *set = &sh->sess.ehlo;
	if (!set->valid) {
		printf("no EHLO reply yet in this session (type ehlo)\n");
		return;
	}
	struct strbuf sb;
	strbuf_init(&sb, 1 << 20);
	for (size_t i = 0; i < set->count; i++) {
		const struct ehlo_ext *e = &set->ext[i];
		const char *m = ehlo_keyword_meaning(e->keyword);
		strbuf_appendf(&sb, "  %-20s ", e->keyword);
		escape_terminal(&sb, e->params, strlen(e->params));
		if (strcmp(e->keyword, "SIZE") == 0 && e->params[0] != '\0')
			strbuf_appendf(&sb, " (%.1f MB)", strtod(e->params, NULL) / 1e6);
		strbuf_appendf(&sb, "%s%s\n", m != NULL ? "  - " : "", m != NULL ? m : "");
	}
	if (set->dropped > 0)
		strbuf_appendf(&sb, "  (%zu malformed or extra lines not counted as extensions)\n", set->dropped);
	shell_flush(&sb);
	strbuf_free(&sb);
}

static void cmd_demo_box(struct shell *sh, const struct tokens *t, bool terminal)
{
	if (sh->demo == NULL) {
		shell_usage_error(sh, "%s", "mailboxes live in the teaching server: start smtpsh --demo");
		return;
	}
	struct strbuf sb;
	strbuf_init(&sb, 64u << 20);
	const char *user = t->count > 1 ? t->word[1] : NULL;
	struct strbuf esc;
	strbuf_init(&esc, 128u << 20);
	if (terminal)
		demo_server_terminal(sh->demo, user, &sb);
	else
		demo_server_mailbox(sh->demo, user, &sb);
	/* Message text came from a client: escape it like any peer bytes, but
	 * keep the line structure readable. */
	const char *p = strbuf_str(&sb);
	size_t n = sb.len;
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t l = nl != NULL ? (size_t)(nl - p) : n;
		size_t tl = l > 0 && p[l - 1] == '\r' ? l - 1 : l;
		escape_terminal(&esc, p, tl);
		strbuf_appendc(&esc, '\n');
		if (nl == NULL)
			break;
		p += l + 1;
		n -= l + 1;
	}
	shell_flush(&esc);
	strbuf_free(&esc);
	strbuf_free(&sb);
}

static void cmd_mailbox(struct shell *sh, const struct tokens *t, const char *line, size_t len)
{
	cmd_demo_box(sh, t, false);
}

static void cmd_terminal(struct shell *sh, const struct tokens *t, const char *line, size_t len)
{
	cmd_demo_box(sh, t, true);
}

static void cmd_tls(struct shell *sh, const struct tokens *t, const char *line, size_t len)
{
	shell_tls_show(sh);
}

static void cmd_set(struct shell *sh, const struct tokens *t, const char *line, size_t len)
{
	if (t->count == 3 && strcmp(t->word[1], "insecure") == 0 &&
	    (strcmp(t->word[2], "on") == 0 || strcmp(t->word[2], "off") == 0)) {
		sh->insecure = strcmp(t->word[2], "on") == 0;
		printf("insecure: %s (TLS verification failures %s)\n", sh->insecure ? "on" : "off",
		    sh->insecure ? "are reported but do not stop the connection" : "end the connection");
		return;
	}
	if (t->count == 1) {
		printf("insecure: %s\n", sh->insecure ? "on" : "off");
		return;
	}
	shell_usage_error(sh, "usage: %s", "set insecure on|off");
}

static void cmd_help(struct shell *sh, const struct tokens *t, const char *line, size_t len);

static const struct shell_cmd shell_cmds[] = {
	{ "?", "? [NAME]", "this help: shell commands and SMTP verbs", cmd_help },
	{ "open", "open HOST [PORT]", "connect (port 25 by default) and show the greeting", cmd_open },
	{ "close", "close", "drop the connection without QUIT", cmd_close },
	{ "exit", "exit", "leave smtpsh (Ctrl-D too)", cmd_exit },
	{ "explain", "explain CODE | explain X.Y.Z", "what a reply code or enhanced code means, offline", cmd_explain },
	{ "raw", "raw LINE", "send one line exactly as typed (CR, LF and NUL still refused)", cmd_raw },
	{ "state", "state", "where the session stands and what RFC 821 allows next", cmd_state },
	{ "ext", "ext", "the ESMTP extensions the last EHLO announced, explained", cmd_ext },
	{ "tls", "tls", "the TLS version, cipher, certificate and verification result", cmd_tls },
	{ "set", "set insecure on|off", "probe servers whose certificate does not verify", cmd_set },
	{ "mailbox", "mailbox [USER]", "--demo: the messages the teaching server delivered", cmd_mailbox },
	{ "terminal", "terminal [USER]", "--demo: what SEND/SOML/SAML wrote to users' terminals", cmd_terminal },
};

#define SHELL_NCMDS (sizeof shell_cmds / sizeof shell_cmds[0])

static const struct shell_cmd *shell_cmd_lookup(const char *name)
{
	for (size_t i = 0; i < SHELL_NCMDS; i++)
		if (strcmp(shell_cmds[i].name, name) == 0)
			return &shell_cmds[i];
	return NULL;
}

static void cmd_help(struct shell *sh, const struct tokens *t, const char *line, size_t len)
{
	if (t->count > 1) {
		const struct shell_cmd *c = shell_cmd_lookup(t->word[1]);
		const struct verb *v = verb_lookup(t->word[1], t->len[1]);
		if (c != NULL)
			printf("%s\n    %s\n", c->usage, c->summary);
		if (v != NULL)
			printf("%s\n    %s (%s)\n", v->usage, v->summary, v->rfc);
		if (c == NULL && v == NULL)
			shell_usage_error(sh, "?: no command or verb \"%s\"", t->word[1]);
		return;
	}
	printf("SMTP verbs (sent to the server; case does not matter):\n");
	for (size_t i = 0; i < verb_count(); i++) {
		const struct verb *v = verb_at(i);
		printf("  %-38s %s\n", v->usage, v->summary);
	}
	printf("Shell commands (never sent):\n");
	for (size_t i = 0; i < SHELL_NCMDS; i++)
		printf("  %-38s %s\n", shell_cmds[i].usage, shell_cmds[i].summary);
	printf("Quote with \"...\" or '...'; \\n, \\r and \\0 are refused inside commands.\n");
}

/* ---- entry points ---- */

void shell_init(struct shell *sh)
{
	memset(sh, 0, sizeof *sh);
	sh->sopt.cancel_fd = -1;
	sh->col_ok = sh->col_mid = sh->col_warn = sh->col_bad = "";
	sh->col_local = sh->col_dim = sh->col_off = "";
}

void shell_free(struct shell *sh)
{
	if (sh->body != NULL)
		fclose(sh->body);
	session_free(&sh->sess);
}

const char *shell_completion_word(size_t i)
{
	static char lower[VERB__COUNT][16];
	if (i < verb_count()) {
		const char *n = verb_at(i)->name;
		size_t k = 0;
		for (; n[k] != '\0' && k < sizeof lower[i] - 1; k++)
			lower[i][k] = (char)(n[k] | 0x20);
		lower[i][k] = '\0';
		return lower[i];
	}
	i -= verb_count();
	return i < SHELL_NCMDS ? shell_cmds[i].name : NULL;
}

bool shell_line_sensitive(const char *line, size_t len)
{
	struct tokens *t = malloc(sizeof *t);
	bool sensitive = false;
	if (t != NULL && tokenize_line(line, len, t, NULL) == TOK_OK && t->count > 0) {
		size_t w = 0;
		if (strcmp(t->word[0], "raw") == 0)
			w = 1;
		if (w < t->count) {
			const struct verb *v = verb_lookup(t->word[w], t->len[w]);
			sensitive = v != NULL && (v->flags & VERB_F_SENSITIVE) != 0;
		}
	}
	free(t);
	return sensitive;
}

void shell_prompt(struct shell *sh, char *buf, size_t cap)
{
	if (sh->in_body)
		snprintf(buf, cap, "data> ");
	else if (session_is_open(&sh->sess))
		snprintf(buf, cap, "smtpsh %s:%s [%s]> ", sh->sess.host, sh->sess.port,
		    smtp_state_name(sh->sess.state));
	else
		snprintf(buf, cap, "smtpsh (not connected)> ");
}

void shell_run_line(struct shell *sh, const char *line, size_t len)
{
	if (sh->in_body) {
		shell_body_line(sh, line, len);
		return;
	}
	struct tokens *t = malloc(sizeof *t);
	if (t == NULL)
		return;
	size_t pos = 0;
	enum tok_status st = tokenize_line(line, len, t, &pos);
	if (st != TOK_OK) {
		struct smtp_error err;
		smtp_error_set(&err, SMTP_ERR_USAGE, 0, "%s (at column %zu); nothing was sent",
		    tok_status_message(st), pos + 1);
		shell_error(sh, &err);
		free(t);
		return;
	}
	if (t->count == 0 || t->word[0][0] == '#') {
		free(t);
		return;
	}
	const struct shell_cmd *c = shell_cmd_lookup(t->word[0]);
	if (c != NULL) {
		c->run(sh, t, line, len);
		free(t);
		return;
	}
	const struct verb *v = verb_lookup(t->word[0], t->len[0]);
	if (v == NULL) {
		shell_usage_error(sh, "unknown command \"%s\": type ? for the list (nothing was sent)", t->word[0]);
		free(t);
		return;
	}
	/* The argument: the words after the verb, joined by single spaces. */
	char arg[TOK_MAX_BYTES + TOK_MAX_WORDS];
	size_t alen = 0;
	for (size_t i = 1; i < t->count; i++) {
		if (i > 1)
			arg[alen++] = ' ';
		memcpy(arg + alen, t->word[i], t->len[i]);
		alen += t->len[i];
	}
	arg[alen] = '\0';
	shell_run_verb(sh, v, arg, alen);
	free(t);
}
