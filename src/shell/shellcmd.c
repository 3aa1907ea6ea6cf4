/*
 * shellcmd.c - what a typed line does.  The shell-command table (commands
 * that are not SMTP verbs), and the dispatch of every line: a body line
 * while a body is typed; the response to an AUTH challenge while one
 * waits (never tokenized, never echoed, never in history); otherwise
 * tokenized (tokenize.h; a refusal sends nothing), then a shell command or
 * an SMTP verb from the core's verb table (verbcmd.c).  Also `?` (built
 * from both tables), Tab completion words, the prompt, and which lines
 * must never be saved to history.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "escape.h"
#include "options.h"
#include "server.h"
#include "profile.h"
#include "shell.h"
#include "smtp_limits.h"
#include "tokenize.h"

struct shell_cmd {
	const char *name;
	const char *usage;
	const char *summary;
	void (*run)(const struct shell_call *call);
};

static void cmd_help(const struct shell_call *call);

static void cmd_open(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	const struct tokens *t = call->t;
	if (t->count == 1 && sh->recipe.host[0] != '\0') {
		shell_reconnect(sh);           /* the last connection's recipe again */
		return;
	}
	if (t->count == 1 && sh->conn.demo != NULL) {     /* --demo: the teaching server again */
		(void)shell_open(sh, demo_server_host(sh->conn.demo),
		    demo_server_port(sh->conn.demo));
		return;
	}
	if (t->count < 2 || t->count > 3) {
		shell_usage_error(sh, N_("usage: open DOMAIN | HOST [PORT] | unix:PATH | PROFILE"));
		return;
	}
	/* A profile's name: its host and port (its other settings are the
	 * command line's, read at the start: `smtpsh NAME`). */
	int sec = t->count == 2 && strcmp(t->word[1], "default") != 0 && sh->conn.profiles != NULL
	    ? profiles_find(sh->conn.profiles, t->word[1]) : -1;
	const char *host = profiles_get(sh->conn.profiles, sec, "host");
	if (host != NULL) {
		(void)shell_open(sh, host, profiles_get(sh->conn.profiles, sec, "port"));
		return;
	}
	(void)shell_open(sh, t->word[1], t->count == 3 ? t->word[2] : NULL);
}

static void cmd_reconnect(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	if (call->t->count > 1) {
		shell_usage_error(sh, N_("reconnect takes no argument (open HOST [PORT] for another)"));
		return;
	}
	shell_reconnect(sh);
}

static void cmd_close(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	if (!session_is_open(sh->sess)) {
		shell_usage_error(sh, N_("not connected"));
		return;
	}
	shell_close(sh, N_("closed (without QUIT)"));
}

static void cmd_exit(const struct shell_call *call)
{
	call->sh->stop = true;
}

static void cmd_raw(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	const struct tokens *t = call->t;
	if (t->count < 2) {
		shell_usage_error(sh, N_("usage: raw LINE"));
		return;
	}
	const char *rest = call->line + t->start[1];
	size_t rlen = call->len - t->start[1];
	while (rlen > 0 && (rest[rlen - 1] == ' ' || rest[rlen - 1] == '\t'))
		rlen--;
	size_t w = 0;
	while (w < rlen && rest[w] != ' ')
		w++;
	const struct verb *v = verb_lookup(rest, w);
	if (v != NULL && (v->flags & VERB_F_CHUNK)) {
		/* The server would wait for the chunk's bytes: a hang, not a probe. */
		shell_usage_error(sh, N_("raw %s would leave the server waiting for the chunk's bytes: "
		    "use bdat FILE; nothing was sent"), v->name);
		return;
	}
	bool auth = v != NULL && v->id == VERB_AUTH;
	if (auth)
		shell_auth_mask_typed(sh, rest, rlen);
	struct session_reply r;
	session_reply_init(&r);
	int code = shell_exchange(sh, NULL, rest, rlen, &r);
	if (auth && !session_in_auth(sh->sess))
		shell_mask_standing(sh);
	if (code == 354 && session_state(sh->sess) == SMTP_ST_DATA)
		(void)shell_body_begin(sh);
	if (code != 0)
		shell_maybe_stop(sh, &r);
	session_reply_free(&r);
}

static void cmd_pipeline(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	const struct tokens *t = call->t;
	const char *w = t->count == 2 ? t->word[1] : "";
	if (strcmp(w, "{") == 0 || strcmp(w, "on") == 0)
		pipeline_begin(sh);
	else if (strcmp(w, "}") == 0 || strcmp(w, "off") == 0)
		pipeline_end(sh);
	else
		shell_usage_error(sh, N_("usage: pipeline { (or on) ... } (or pipeline off)"));
}

static void cmd_view(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	if (!sh->interactive) {
		shell_usage_error(sh, N_("view is for the interactive shell (or start with --tui)"));
		return;
	}
	sh->tui.want_view = true;   /* the loop that read this line switches views */
}

static void cmd_tour(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	const struct tokens *t = call->t;
	if (sh->conn.demo == NULL) {
		shell_usage_error(sh, N_("the tour runs against the teaching server: smtpsh --demo --tour"));
		return;
	}
	const char *const *typed = tour_command(sh, t->count > 1 ? t->word[1] : "");
	for (; typed != NULL && *typed != NULL; typed++) {
		out_note(&sh->out, N_("tour next: typed for you: %s"), *typed);
		shell_run_line(sh, *typed, strlen(*typed));
	}
}

static void cmd_tls(const struct shell_call *call)
{
	shell_tls_command(call->sh, call->t);
}

static const struct shell_cmd shell_cmds[] = {
	{ "?", "? [NAME]", N_("this help: shell commands and SMTP verbs"), cmd_help },
	{ "open", "open DOMAIN | HOST [PORT] | unix:PATH | PROFILE", N_("connect and show the greeting; a "
	  "name without a port is a mail domain, reached through its MX hosts (--no-mx: not); "
	  "open alone reconnects, as reconnect does"), cmd_open },
	{ "reconnect", "reconnect", N_("a new connection to the last host, brought to where the last "
	  "one stood: the same HELO/EHLO, STARTTLS and AUTH, each shown"), cmd_reconnect },
	{ "close", "close", N_("drop the connection without QUIT"), cmd_close },
	{ "exit", "exit", N_("leave smtpsh (Ctrl-D too)"), cmd_exit },
	{ "explain", "explain CODE | X.Y.Z | REPLY | VERDICT", N_("what a reply code, an enhanced "
	  "code, a pasted reply line or a lookup verdict means, offline"), cmd_explain },
	{ "raw", "raw LINE", N_("send one line exactly as typed (CR, LF and NUL still refused)"), cmd_raw },
	{ "message", "message --from A --to B [--to C] [--subject S] [--attach F] ...",
	  N_("build and send a test message, MAIL to DATA, and list the recipients refused"), cmd_message },
	{ "state", "state", N_("where the session stands and what RFC 821 allows next"), cmd_state },
	{ "diagram", "diagram", N_("RFC 821's state diagram, where this session stands marked"),
	  cmd_diagram },
	{ "ext", "ext", N_("the ESMTP extensions the last EHLO announced, explained"), cmd_ext },
	{ "pipeline", "pipeline { | on   ...   } | pipeline off", N_("send the SMTP commands typed "
	  "in between in one write (RFC 2920) and match every reply"), cmd_pipeline },
	{ "mx", "mx DOMAIN", N_("the domain's MX hosts, preferences and addresses, in the order "
	  "they are tried (RFC 5321 5.1, null MX RFC 7505)"), cmd_mx },
	{ "tls", "tls [--save FILE]", N_("the TLS version, cipher, certificate and verification "
	  "result; --save: the server's certificates to FILE as PEM"), cmd_tls },
	{ "tour", "tour [next|off]", N_("--demo: the guided tour of RFC 821, step by step (again, do "
	  "the step for me, or stop)"), cmd_tour },
	{ "view", "view", N_("switch between line mode and the full-screen view (status, transcript, "
	  "state diagram)"), cmd_view },
	{ "profiles", "profiles", N_("the profiles of the config file (open NAME connects to one)"),
	  cmd_profiles },
	{ "set", "set insecure on|off", N_("probe servers whose certificate does not verify"), cmd_set },
	{ "timing", "timing [on|off]", N_("show each reply's latency (also --timing)"), cmd_timing },
	{ "audit", "audit [--starttls] [--to ADDR] [HOST [PORT]]", N_("a security and configuration scorecard "
	  "of the server (open relay, VRFY/EXPN, AUTH before TLS, STARTTLS, banner ...): never "
	  "delivers mail"), cmd_audit },
	{ "lookup", "lookup [--method M --domain D --csv|--json --output F ...] FILE | NAME...", N_("check every name (a file: one a line) "
	  "by VRFY, EXPN or RCPT, reconnecting as the server needs; a verdict for each"), cmd_lookup },
	{ "mailbox", "mailbox [USER]", N_("--demo: the messages the teaching server delivered"), cmd_mailbox },
	{ "terminal", "terminal [USER]", N_("--demo: what SEND/SOML/SAML wrote to users' terminals"), cmd_terminal },
};

#define SHELL_NCMDS (sizeof shell_cmds / sizeof shell_cmds[0])

static const struct shell_cmd *shell_cmd_lookup(const char *name)
{
	for (size_t i = 0; i < SHELL_NCMDS; i++)
		if (strcmp(shell_cmds[i].name, name) == 0)
			return &shell_cmds[i];
	return NULL;
}

/* Edits between a and b, a swap of neighbours counting as one (optimal
 * string alignment), case-insensitive; words of up to SUGGEST_MAX bytes. */
#define SUGGEST_MAX 24
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > SUGGEST_MAX || lb > SUGGEST_MAX)
		return SIZE_MAX;
	size_t d[SUGGEST_MAX + 1][SUGGEST_MAX + 1];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			size_t best = d[i - 1][j - 1] + cost;
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 2]) && tolower((unsigned char)a[i - 2]) ==
			    tolower((unsigned char)b[j - 1]) && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/* The one command (shell command or SMTP verb) a mistyped word is closest
 * to: one edit away, or two for words of six letters or more; NULL when
 * none is, or two are equally close.  out gets the verb in lower case. */
static const char *shell_suggest(const char *typed, char *out, size_t cap)
{
	size_t limit = strlen(typed) >= 6 ? 2 : 1, best = SIZE_MAX;
	const char *found = NULL;
	bool tie = false;
	size_t n = SHELL_NCMDS + verb_count();
	for (size_t i = 0; i < n; i++) {
		const char *name = i < SHELL_NCMDS ? shell_cmds[i].name : verb_at(i - SHELL_NCMDS)->name;
		size_t dist = edit_distance(typed, name);
		if (dist > limit || dist > best)
			continue;
		tie = dist == best && found != NULL && strcasecmp(found, name) != 0;
		best = dist;
		found = name;
	}
	if (found == NULL || tie)
		return NULL;
	size_t k = 0;
	for (; found[k] != '\0' && k + 1 < cap; k++)
		out[k] = (char)tolower((unsigned char)found[k]);
	out[k] = '\0';
	return out;
}

static void cmd_help(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	const struct tokens *t = call->t;
	struct out_help_row verbs[VERB__COUNT], cmds[SHELL_NCMDS];
	struct out_help h = { verbs, 0, cmds, 0, NULL };
	if (t->count > 1) {
		const struct shell_cmd *c = shell_cmd_lookup(t->word[1]);
		const struct verb *v = verb_lookup(t->word[1], t->len[1]);
		if (c == NULL && v == NULL) {
			shell_usage_error(sh, N_("?: no command or verb \"%s\""), t->word[1]);
			return;
		}
		if (v != NULL)
			verbs[h.nverbs++] = (struct out_help_row){ v->name, v->usage, v->summary, v->rfc };
		if (c != NULL)
			cmds[h.ncommands++] = (struct out_help_row){ c->name, c->usage, c->summary, NULL };
		out_help(&sh->out, &h);
		return;
	}
	for (size_t i = 0; i < verb_count(); i++) {
		const struct verb *v = verb_at(i);
		verbs[h.nverbs++] = (struct out_help_row){ v->name, v->usage, v->summary, v->rfc };
	}
	for (size_t i = 0; i < SHELL_NCMDS; i++)
		cmds[h.ncommands++] = (struct out_help_row){ shell_cmds[i].name, shell_cmds[i].usage,
		    shell_cmds[i].summary, NULL };
	h.footer = N_("Quote with \"...\" or '...'; \\n, \\r and \\0 are refused inside commands.");
	out_help(&sh->out, &h);
}

size_t shell_command_count(void)
{
	return SHELL_NCMDS;
}

void shell_command_at(size_t i, const char **name, const char **usage, const char **summary)
{
	*name = i < SHELL_NCMDS ? shell_cmds[i].name : NULL;
	*usage = i < SHELL_NCMDS ? shell_cmds[i].usage : NULL;
	*summary = i < SHELL_NCMDS ? shell_cmds[i].summary : NULL;
}

/* ---- entry points ---- */

void shell_init(struct shell *sh)
{
	memset(sh, 0, sizeof *sh);
	sh->sopt.cancel_fd = -1;
	out_init(&sh->out, false);
	transcript_init(&sh->transcript);
}

void shell_free(struct shell *sh)
{
	if (sh->body.file != NULL)
		fclose(sh->body.file);
	sh->body.file = NULL;
	session_free(sh->sess);
	sh->sess = NULL;
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

/* Case-insensitive: does the line hold the word "auth" anywhere (quotes
 * and escapes ignored)?  Used when a line does not even tokenize. */
static bool shell_mentions_auth(const char *line, size_t len)
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (strncasecmp(line + i, "auth", 4) == 0)
			return true;
	return false;
}

bool shell_line_sensitive(const struct shell *sh, const char *line, size_t len)
{
	if (sh->sess != NULL && (session_in_auth(sh->sess) || session_auth_owed(sh->sess)))
		return true;          /* the response to a challenge, or maybe one */
	struct tokens *t = malloc(sizeof *t);
	if (t == NULL)
		return true;
	bool sensitive;
	if (tokenize_line(line, len, t, NULL) != TOK_OK) {
		sensitive = shell_mentions_auth(line, len);
	} else {
		sensitive = false;
		size_t w = t->count > 0 && strcmp(t->word[0], "raw") == 0 ? 1 : 0;
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
	if (sh->body.on) {
		snprintf(buf, cap, "data> ");
		return;
	}
	if (sh->pipe.on) {
		snprintf(buf, cap, "pipeline (} sends)> ");
		return;
	}
	if (session_is_open(sh->sess) && session_in_auth(sh->sess)) {
		snprintf(buf, cap, "auth (response, or * to cancel)> ");
		return;
	}
	if (!session_is_open(sh->sess)) {
		snprintf(buf, cap, "smtpsh (not connected)> ");
		return;
	}
	/* The host as typed may hold anything: escaped, and kept short. */
	struct strbuf host;
	strbuf_init(&host, 200);
	(void)escape_terminal(&host, session_host(sh->sess), strlen(session_host(sh->sess)));
	const char *port = session_port(sh->sess);
	snprintf(buf, cap, "smtpsh %.120s%s%s [%s]> ", strbuf_str(&host), port[0] != '\0' ? ":" : "",
	    port, smtp_state_name(session_state(sh->sess)));
	strbuf_free(&host);
}

static void shell_run_one(struct shell *sh, const char *line, size_t len);

void shell_run_line(struct shell *sh, const char *line, size_t len)
{
	bool was_body = sh->body.on;
	shell_run_one(sh, line, len);
	/* The tour looks at each line: the end of a body counts as DATA's. */
	if (sh->tour.on && was_body && !sh->body.on)
		tour_after_line(sh, "data", 4);
	else if (sh->tour.on && !was_body)
		tour_after_line(sh, line, len);
}

static void shell_run_one(struct shell *sh, const char *line, size_t len)
{
	if (sh->body.on) {
		shell_body_line(sh, line, len);
		return;
	}
	/* A late 334 that arrived while the prompt was back (its wait was
	 * abandoned): shown first, and this line answers it. */
	if (session_is_open(sh->sess) && !session_in_auth(sh->sess) &&
	    session_auth_owed(sh->sess))
		shell_show_arrived(sh);
	if (session_is_open(sh->sess) && session_in_auth(sh->sess)) {
		shell_auth_response(sh, line, len);
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
		shell_fail(sh, "shell", &err);
		free(t);
		return;
	}
	if (t->count == 0 || t->word[0][0] == '#') {
		free(t);
		return;
	}
	if (sh->pipe.on && t->count == 1 && strcmp(t->word[0], "}") == 0) {
		pipeline_end(sh);
		free(t);
		return;
	}
	const struct shell_cmd *c = shell_cmd_lookup(t->word[0]);
	if (c != NULL) {
		c->run(&(struct shell_call){ .sh = sh, .t = t, .line = line, .len = len });
		free(t);
		return;
	}
	const struct verb *v = verb_lookup(t->word[0], t->len[0]);
	char near[SUGGEST_MAX + 1];
	if (v == NULL && shell_suggest(t->word[0], near, sizeof near) != NULL) {
		shell_usage_error(sh, N_("unknown command \"%.60s\": did you mean \"%s\"? (nothing was "
		    "sent)"), t->word[0], near);
		free(t);
		return;
	}
	if (v == NULL) {
		shell_usage_error(sh, N_("unknown command \"%.60s\": type ? for the list (nothing was sent)"),
		    t->word[0]);
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
	if (sh->pipe.on)
		(void)pipeline_add(sh, v, arg, alen);
	else
		shell_run_verb(sh, v, arg, alen);
	free(t);
}
