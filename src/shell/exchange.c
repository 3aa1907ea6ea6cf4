/*
 * exchange.c - one SMTP exchange as the shell does it: show the line sent,
 * send it through the session, show every reply (human or --json), keep
 * the exit status, and handle what follows a reply -- the DATA body (typed
 * or from a file, in constant memory), TURN (we become the receiver), the
 * EHLO-to-HELO fallback and --stop-on-error.  Local errors are reported
 * here, once, as one line on stderr.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "render.h"
#include "server.h"
#include "shell.h"
#include "smtp_limits.h"

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
void shell_usage_error(struct shell *sh, const char *fmt, ...)
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

void shell_flush(struct strbuf *sb)
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
void shell_show_reply(struct shell *sh, const struct verb *v, const char *cmd,
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

void shell_print_sent(struct shell *sh, const char *line, size_t len)
{
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	render_sent(sh, line, len, &sb);
	shell_flush(&sb);
	strbuf_free(&sb);
}

/* --stop-on-error: after a 4xx/5xx/local reply, QUIT and stop. */
void shell_maybe_stop(struct shell *sh, const struct smtp_reply *r)
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
int shell_exchange(struct shell *sh, const struct verb *v, const char *wire,
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

void shell_body_line(struct shell *sh, const char *line, size_t len)
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

void shell_run_verb(struct shell *sh, const struct verb *v, const char *arg, size_t arglen)
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

