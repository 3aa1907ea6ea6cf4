/*
 * shellcmd.c - what a typed line does.  The shell-command table (commands
 * that are not SMTP verbs: open, close, exit, ?, explain, raw, state, ext,
 * mailbox, terminal) and the dispatch of SMTP verbs through the core's verb
 * table (verbs.h) and session (session.h).  Every line is tokenized first
 * (tokenize.h): a refusal sends nothing.  Output goes to stdout (replies,
 * or --json records) and stderr (one line per local error).
 */
#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codes.h"
#include "enhanced.h"
#include "escape.h"
#include "render.h"
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

/* ---- status and output ---- */

static int shell_status_rank(int st)
{
	switch (st) {
	case SHELL_EXIT_LOCAL: return 4;
	case SHELL_EXIT_USAGE: return 3;
	case SHELL_EXIT_5XX: return 2;
	case SHELL_EXIT_4XX: return 1;
	default: return 0;
	}
}

void shell_note_status(struct shell *sh, int status)
{
	if (shell_status_rank(status) > shell_status_rank(sh->worst))
		sh->worst = status;
}

void shell_error(struct shell *sh, const struct smtp_error *err)
{
	fflush(stdout);
	fprintf(stderr, "smtpsh: %s\n", err->msg[0] != '\0' ? err->msg : smtp_errkind_name(err->kind));
	shell_note_status(sh, err->kind == SMTP_ERR_USAGE || err->kind == SMTP_ERR_REFUSED
	    ? SHELL_EXIT_USAGE : SHELL_EXIT_LOCAL);
}

__attribute__((format(printf, 2, 3)))
static void shell_usage_error(struct shell *sh, const char *fmt, ...)
{
	struct smtp_error err;
	va_list ap;
	va_start(ap, fmt);
	smtp_error_clear(&err);
	err.kind = SMTP_ERR_USAGE;
	vsnprintf(err.msg, sizeof err.msg, fmt, ap);
	va_end(ap);
	shell_error(sh, &err);
}

static void shell_flush(struct strbuf *sb)
{
	if (sb->len > 0) {
		fwrite(sb->data, 1, sb->len, stdout);
		fflush(stdout);
	}
	strbuf_reset(sb);
}

static double shell_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Show a reply (human or JSON) and note its status. */
static void shell_show_reply(struct shell *sh, const struct verb *v, const char *cmd,
    size_t cmdlen, const struct smtp_reply *r, enum verdict vd, enum smtp_state prior,
    double elapsed_ms)
{
	struct strbuf sb;
	strbuf_init(&sb, 8u << 20);
	if (sh->json)
		render_json(sh, cmd, cmdlen, r, vd, elapsed_ms, &sb);
	else
		render_reply(sh, v, r, vd, prior, sh->sess.state, &sb);
	shell_flush(&sb);
	strbuf_free(&sb);
	int cls = r->code / 100;
	if (cls == 4)
		shell_note_status(sh, SHELL_EXIT_4XX);
	else if (cls == 5)
		shell_note_status(sh, SHELL_EXIT_5XX);
	else if (cls >= 6 || cls < 1)
		shell_note_status(sh, SHELL_EXIT_LOCAL);
}

void shell_show_reply_public(struct shell *sh, const struct verb *v, const char *cmd,
    size_t cmdlen, const struct smtp_reply *r, enum verdict vd, enum smtp_state prior,
    double elapsed_ms)
{
	shell_show_reply(sh, v, cmd, cmdlen, r, vd, prior, elapsed_ms);
}

void shell_print_sent(struct shell *sh, const char *line, size_t len)
{
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	render_sent(sh, line, len, &sb);
	shell_flush(&sb);
	strbuf_free(&sb);
}

/* --stop-on-error: after a 4xx/5xx/local reply, QUIT and stop. */
static void shell_maybe_stop(struct shell *sh, const struct smtp_reply *r)
{
	if (!sh->stop_on_error || (r->code >= 100 && r->code < 400))
		return;
	sh->stop = true;
	if (!session_is_open(&sh->sess))
		return;
	struct smtp_reply q;
	smtp_reply_init(&q);
	struct smtp_error err;
	enum verdict vd;
	const struct verb *quit = verb_by_id(VERB_QUIT);
	enum smtp_state prior = sh->sess.state;
	if (!sh->json) {
		struct strbuf sb;
		strbuf_init(&sb, 1024);
		strbuf_appendf(&sb, "! --stop-on-error: sending QUIT\n");
		render_sent(sh, "QUIT", 4, &sb);
		shell_flush(&sb);
		strbuf_free(&sb);
	}
	if (session_command(&sh->sess, quit, "QUIT", 4, &q, &vd, &err) == SMTP_OK)
		shell_show_reply(sh, quit, "QUIT", 4, &q, vd, prior, 0);
	smtp_reply_free(&q);
}

/* Replies nobody asked for: show them before sending anything (RP-10). */
static void shell_show_unsolicited(struct shell *sh)
{
	while (session_is_open(&sh->sess) && session_unsolicited_pending(&sh->sess)) {
		struct smtp_reply r;
		smtp_reply_init(&r);
		struct smtp_error err;
		enum smtp_state prior = sh->sess.state;
		if (session_read_reply(&sh->sess, 1, &r, &err) != SMTP_OK) {
			if (err.kind != SMTP_ERR_TIMEOUT)
				shell_error(sh, &err);
			smtp_reply_free(&r);
			return;
		}
		if (!sh->json)
			fputs("! the server sent a reply before any command asked for it:\n", stdout);
		shell_show_reply(sh, NULL, NULL, 0, &r, VERDICT_UNEXPECTED, prior, 0);
		smtp_reply_free(&r);
	}
}

/* Send a wire line, show it and its reply.  Returns the reply code, or 0
 * on a local error (already reported).  The reply stays in *r. */
static int shell_exchange(struct shell *sh, const struct verb *v, const char *wire,
    size_t len, struct smtp_reply *r)
{
	if (!session_is_open(&sh->sess)) {
		struct smtp_error err;
		smtp_error_set(&err, SMTP_ERR_STATE, 0, "not connected (use `open HOST [PORT]`); nothing was sent");
		shell_error(sh, &err);
		return 0;
	}
	shell_show_unsolicited(sh);
	if (!session_is_open(&sh->sess))
		return 0;
	if (!sh->json && !sh->quiet_echo) {
		struct strbuf sb;
		strbuf_init(&sb, 4096);
		render_sent(sh, wire, len, &sb);
		shell_flush(&sb);
		strbuf_free(&sb);
	}
	enum smtp_state prior = sh->sess.state;
	struct smtp_error err;
	enum verdict vd = VERDICT_UNEXPECTED;
	double t0 = shell_now_ms();
	enum smtp_errkind k = session_command(&sh->sess, v, wire, len, r, &vd, &err);
	if (k != SMTP_OK) {
		shell_error(sh, &err);
		if (k == SMTP_ERR_CANCELLED)
			fputs("smtpsh: the wait was abandoned; a late reply will be shown before the next command\n", stderr);
		return 0;
	}
	if (v == NULL)
		vd = verb_verdict(NULL, r->code);
	shell_show_reply(sh, v, wire, len, r, vd, prior, shell_now_ms() - t0);
	return r->code;
}

bool shell_open(struct shell *sh, const char *host, const char *port)
{
	struct smtp_reply r;
	smtp_reply_init(&r);
	struct smtp_error err;
	double t0 = shell_now_ms();
	if (session_is_open(&sh->sess))
		session_close(&sh->sess);
	shell_prepare_connect(sh, host);
	enum smtp_errkind k = session_open(&sh->sess, host, port, &r, &err);
	if (k != SMTP_OK) {
		shell_error(sh, &err);
		smtp_reply_free(&r);
		return false;
	}
	if (!sh->json) {
		printf("%sconnected to %s port %s (%s)%s\n", sh->col_dim, host, sh->sess.port,
		    sh->sess.tr.peer_addr, sh->col_off);
	}
	shell_report_implicit_tls(sh);
	shell_show_reply(sh, NULL, NULL, 0, &r, r.code == 220 ? VERDICT_SUCCESS :
	    r.code == 554 ? VERDICT_FAILURE : VERDICT_ERROR, SMTP_ST_CONNECTED, shell_now_ms() - t0);
	shell_maybe_stop(sh, &r);
	smtp_reply_free(&r);
	return true;
}

/* This machine's fully qualified name (RFC 5321 4.1.1.1 wants one). */
static void shell_fqdn(struct shell *sh, char *out, size_t cap)
{
	char host[256] = "localhost";
	if (gethostname(host, sizeof host - 1) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	struct addrinfo hints = { .ai_flags = AI_CANONNAME, .ai_family = AF_UNSPEC };
	struct addrinfo *res = NULL;
	if (getaddrinfo(host, NULL, &hints, &res) == 0 && res != NULL && res->ai_canonname != NULL &&
	    strchr(res->ai_canonname, '.') != NULL) {
		snprintf(out, cap, "%s", res->ai_canonname);
	} else {
		snprintf(out, cap, "%s", host);
		if (!sh->json && strchr(host, '.') == NULL && fflush(stdout) == 0)
			fprintf(stderr, "smtpsh: no fully qualified name for this machine; using \"%s\" "
			    "(give one: helo DOMAIN)\n", host);
	}
	if (res != NULL)
		freeaddrinfo(res);
}

/* ---- the DATA body ---- */

struct file_reader {
	FILE *f;
	const char *name;
};

static enum smtp_errkind shell_read_file(void *ctx, char *buf, size_t cap, size_t *got,
    struct smtp_error *err)
{
	struct file_reader *fr = ctx;
	*got = fread(buf, 1, cap, fr->f);
	if (*got == 0 && ferror(fr->f))
		return smtp_error_set(err, SMTP_ERR_FILE, errno, "reading %s: %s", fr->name, strerror(errno));
	return SMTP_OK;
}

static void shell_send_body(struct shell *sh, FILE *f, const char *name)
{
	struct file_reader fr = { f, name };
	struct smtp_reply r;
	smtp_reply_init(&r);
	struct smtp_error err;
	enum verdict vd;
	enum smtp_state prior = sh->sess.state;
	if (!sh->json && !sh->quiet_echo)
		printf("%s> [message body from %s, dot-stuffed, then <CRLF>.<CRLF>]%s\n",
		    sh->col_dim, name, sh->col_off);
	double t0 = shell_now_ms();
	enum smtp_errkind k = session_send_body(&sh->sess, shell_read_file, &fr, &r, &vd, &err);
	if (k != SMTP_OK)
		shell_error(sh, &err);
	else
		shell_show_reply(sh, verb_by_id(VERB_DATA), "<end of data>", 13, &r, vd, prior,
		    shell_now_ms() - t0);
	if (k == SMTP_OK)
		shell_maybe_stop(sh, &r);
	smtp_reply_free(&r);
}

static void shell_body_line(struct shell *sh, const char *line, size_t len)
{
	if (len == 1 && line[0] == '.') {
		sh->in_body = false;
		rewind(sh->body);
		shell_send_body(sh, sh->body, "the lines typed");
		fclose(sh->body);
		sh->body = NULL;
		return;
	}
	if (fwrite(line, 1, len, sh->body) != len || fputc('\n', sh->body) == EOF) {
		struct smtp_error err;
		smtp_error_set(&err, SMTP_ERR_FILE, errno, "cannot keep the body: %s", strerror(errno));
		shell_error(sh, &err);
	}
}

/* ---- TURN: we become the receiver (RFC 821 4.1.1) ---- */

static void shell_turn_exchange(void *ctx, const char *cmd, size_t cmdlen,
    const char *reply, size_t replylen)
{
	struct shell *sh = ctx;
	struct strbuf sb;
	strbuf_init(&sb, 16u << 20);
	if (cmd != NULL) {
		strbuf_appendf(&sb, "%s(turned) they sent:%s ", sh->col_dim, sh->col_off);
		escape_terminal(&sb, cmd, cmdlen);
		strbuf_appendc(&sb, '\n');
	}
	strbuf_appendf(&sb, "%s(turned) we replied:%s ", sh->col_dim, sh->col_off);
	escape_terminal(&sb, reply, replylen);
	strbuf_appendc(&sb, '\n');
	if (!sh->json)
		shell_flush(&sb);
	strbuf_free(&sb);
}

static void shell_turned(struct shell *sh)
{
	if (!sh->json)
		printf("! TURN accepted: we are now the receiving server on this connection "
		    "(RFC 821 4.1.1); every command they send and our reply follow\n");
	struct smtp_error err;
	size_t pre = sh->sess.inlen - sh->sess.inpos;
	enum smtp_errkind k = demo_server_receive_turned(sh->sess.tr.fd,
	    sh->sess.inbuf + sh->sess.inpos, pre, NULL, shell_turn_exchange, sh,
	    sh->sopt.cancel_fd, &err);
	sh->sess.inpos = sh->sess.inlen = 0;
	if (k != SMTP_OK)
		shell_error(sh, &err);
	session_close(&sh->sess);
	if (!sh->json)
		printf("! the turned session is over; the connection is closed\n");
}

/* ---- SMTP verbs ---- */

static void shell_run_verb(struct shell *sh, const struct verb *v, const char *arg, size_t arglen)
{
	char wire[SMTP_COMMAND_LINE_MAX];
	size_t wlen = 0;
	struct smtp_error err;
	char fqdn[256];
	FILE *body = NULL;
	const char *body_name = NULL;
	char name[4096];

	if ((v->id == VERB_HELO || v->id == VERB_EHLO) && arglen == 0) {
		shell_fqdn(sh, fqdn, sizeof fqdn);
		arg = fqdn;
		arglen = strlen(fqdn);
	}
	if (v->id == VERB_DATA && arglen > 0) {
		/* data FILE: the file must open before DATA is sent. */
		snprintf(name, sizeof name, "%.*s", (int)arglen, arg);
		body = fopen(name, "rb");
		struct stat st;
		if (body != NULL && (fstat(fileno(body), &st) != 0 || S_ISDIR(st.st_mode))) {
			fclose(body);
			body = NULL;
			errno = EISDIR;
		}
		if (body == NULL) {
			smtp_error_set(&err, SMTP_ERR_FILE, errno, "cannot read %s: %s; nothing was sent",
			    name, strerror(errno));
			shell_error(sh, &err);
			return;
		}
		body_name = name;
		arglen = 0;
	}
	if (v->id == VERB_STARTTLS) {
		if (arglen > 0) {
			shell_usage_error(sh, "%s", "starttls takes no argument");
			return;
		}
		shell_starttls(sh);
		return;
	}
	if (v->id == VERB_AUTH) {
		char mech[64] = "", user[SMTP_COMMAND_LINE_MAX] = "";
		const char *sp = memchr(arg, ' ', arglen);
		size_t mlen = sp != NULL ? (size_t)(sp - arg) : arglen;
		snprintf(mech, sizeof mech, "%.*s", (int)mlen, arg);
		if (sp != NULL)
			snprintf(user, sizeof user, "%.*s", (int)(arglen - mlen - 1), sp + 1);
		shell_auth(sh, mech[0] != '\0' ? mech : NULL, user);
		return;
	}
	if (verb_format_command(v, arg, arglen, wire, sizeof wire, &wlen, &err) != SMTP_OK) {
		shell_error(sh, &err);
		if (body != NULL)
			fclose(body);
		return;
	}
	struct smtp_reply r;
	smtp_reply_init(&r);
	int code = shell_exchange(sh, v, wire, wlen, &r);
	if (v->id == VERB_EHLO && (code == 500 || code == 502) && session_is_open(&sh->sess)) {
		if (!sh->json)
			printf("! the server does not know EHLO (%d): it is not ESMTP; trying HELO with the same domain\n", code);
		char helo[SMTP_COMMAND_LINE_MAX];
		int n = snprintf(helo, sizeof helo, "HELO %.*s", (int)arglen, arg);
		code = shell_exchange(sh, verb_by_id(VERB_HELO), helo, (size_t)n, &r);
	}
	if (v->id == VERB_DATA && code == 354) {
		if (body != NULL) {
			shell_send_body(sh, body, body_name);
		} else {
			sh->body = tmpfile();
			if (sh->body == NULL) {
				smtp_error_set(&err, SMTP_ERR_FILE, errno, "no temporary file for the body: %s",
				    strerror(errno));
				shell_error(sh, &err);
				session_close(&sh->sess);
			} else {
				sh->in_body = true;
				if (sh->interactive)
					printf("Type the message; a line with a lone \".\" ends it.\n");
			}
		}
	} else if (v->id == VERB_TURN && code == 250) {
		shell_turned(sh);
	}
	if (body != NULL)
		fclose(body);
	if (code != 0)
		shell_maybe_stop(sh, &r);
	smtp_reply_free(&r);
}

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
