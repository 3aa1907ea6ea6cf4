/*
 * exchange.c - one command to the server and every reply it brings, as
 * the shell does it: before sending, show what the server has said on its
 * own and wait for every reply still owed (a late reply is shown as such,
 * never credited to the next command); send; then read and show replies
 * until the command's own reply.  Also the exit status (the worst outcome
 * seen, and the first stage that went wrong), local errors reported once,
 * --stop-on-error, and ending a script on a signal.
 *
 * Uses session.h and output.h only.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "clock.h"
#include "exit_status.h"
#include "shell.h"
#include "signals.h"
#include "smtp_limits.h"

void shell_message_status(struct shell *sh, int worst_before, const struct out_message *m)
{
	if (sh->outcome.worst == SHELL_EXIT_LOCAL && worst_before != SHELL_EXIT_LOCAL)
		return;                 /* a local error decided */
	/* The refusals of single recipients are the message's outcome now. */
	sh->outcome.worst = worst_before;
	if (m->nto > 0 && render_message_taken(m) == m->nto)
		return;
	if (render_message_taken(m) > 0)
		shell_note_status(sh, SHELL_EXIT_PARTIAL, "rcpt");
	else
		shell_note_status(sh, m->permanent || m->final_code / 100 == 5 ? SHELL_EXIT_5XX
		    : SHELL_EXIT_4XX, m->mail_refused ? "mail" : "rcpt");
}

void shell_note_status(struct shell *sh, int status, const char *stage)
{
	if (status == SHELL_EXIT_OK)
		return;
	/* The summary names the step that decided the exit status (a TLS
	 * failure after a 5xx to VRFY is "tls", not "vrfy"). */
	bool worse = exit_status_rank(status) > exit_status_rank(sh->outcome.worst);
	if (worse || sh->outcome.failed_stage[0] == '\0')
		snprintf(sh->outcome.failed_stage, sizeof sh->outcome.failed_stage, "%s",
		    stage != NULL ? stage : "shell");
	if (worse)
		sh->outcome.worst = status;
}

void shell_fail(struct shell *sh, const char *stage, const struct smtp_error *err)
{
	out_error(&sh->out, stage, err);
	bool usage = err->kind == SMTP_ERR_USAGE || err->kind == SMTP_ERR_REFUSED;
	/* A close right after a permanent refusal is the server ending the
	 * session: the refusal already set the status.  So does any end the
	 * server chose (221, 421, a drop) for the commands that find the
	 * connection gone. */
	/* (No session yet when the options are checked.) */
	enum session_end end = sh->sess != NULL ? session_end(sh->sess) : SESSION_END_NONE;
	if (err->kind == SMTP_ERR_CLOSED && end == SESSION_END_AFTER_REFUSAL)
		return;
	if (err->kind == SMTP_ERR_STATE && sh->sess != NULL && !session_is_open(sh->sess) &&
	    end != SESSION_END_NONE && end != SESSION_END_LOCAL)
		return;
	shell_note_status(sh, usage ? SHELL_EXIT_USAGE : SHELL_EXIT_LOCAL, stage);
	shell_transcript_note(sh, "error: %s", err->msg);
}

__attribute__((format(printf, 2, 3)))
void shell_usage_error(struct shell *sh, const char *fmt, ...)
{
	struct smtp_error err;
	va_list ap;
	va_start(ap, fmt);
	smtp_error_clear(&err);
	err.kind = SMTP_ERR_USAGE;
	/* Callers mark fmt N_(): English in JSON, translated for a person. */
	vsnprintf(err.msg, sizeof err.msg, out_translates(&sh->out) ? _(fmt) : fmt, ap);
	va_end(ap);
	out_error(&sh->out, "shell", &err);
	shell_note_status(sh, SHELL_EXIT_USAGE, "shell");
}

__attribute__((format(printf, 2, 3)))
void shell_transcript_note(struct shell *sh, const char *fmt, ...)
{
	if (!transcript_is_open(&sh->transcript))
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	transcript_note(&sh->transcript, "%s", msg);
}

/* What the status bar shows: the round trip, the transaction's sender. */
static void shell_track(struct shell *sh, const struct session_reply *r)
{
	if (r->origin == SESSION_REPLY_COMMAND || r->origin == SESSION_REPLY_GREETING)
		sh->seen.last_rtt_ms = r->elapsed_ms;
	if (r->origin != SESSION_REPLY_UNSOLICITED)
		sh->seen.last_code = r->reply.code;
	sh->seen.replies += r->origin != SESSION_REPLY_UNSOLICITED;
	if (r->verb != NULL && (r->verb->flags & VERB_F_OPENS_MAIL) && r->verdict == VERDICT_SUCCESS) {
		const char *lt = strchr(r->command, '<');
		const char *gt = lt != NULL ? strchr(lt, '>') : NULL;
		snprintf(sh->seen.sender, sizeof sh->seen.sender, "%.*s",
		    gt != NULL ? (int)(gt - lt + 1) : 0, lt != NULL ? lt : "");
	}
	enum smtp_state st = r->state;
	if (st != SMTP_ST_MAIL && st != SMTP_ST_RCPT && st != SMTP_ST_DATA)
		sh->seen.sender[0] = '\0';
}

void shell_show_reply(struct shell *sh, const struct session_reply *r)
{
	shell_show_reply_counted(sh, r, true);
}

void shell_show_reply_counted(struct shell *sh, const struct session_reply *r, bool counted)
{
	const struct ehlo_set *ext = NULL;
	if (r->verb != NULL && (r->verb->flags & VERB_F_EXTENSIONS) && r->verdict == VERDICT_SUCCESS &&
	    !r->body_end)
		ext = session_extensions(sh->sess);
	shell_track(sh, r);
	out_reply(&sh->out, r, ext);
	if (r->closed)
		shell_transcript_note(sh, "connection closed after the %03d reply", r->reply.code);
	char stage[32];
	const char *st = out_reply_stage(r, stage, sizeof stage);
	int cls = r->reply.code / 100;
	if (!counted)
		return;
	if (cls == 4)
		shell_note_status(sh, SHELL_EXIT_4XX, st);
	else if (cls == 5)
		shell_note_status(sh, SHELL_EXIT_5XX, st);
	else if (cls >= 6 || cls < 1)
		shell_note_status(sh, SHELL_EXIT_LOCAL, st);
}

void shell_close(struct shell *sh, const char *why)
{
	if (session_is_open(sh->sess))
		session_close(sh->sess);
	out_closed(&sh->out, why);
	shell_transcript_note(sh, "%s", why);
}

/* A signal that is not Ctrl-C at the prompt stops the shell. */
static void shell_signal_stops(struct shell *sh, int sig)
{
	sh->stop = true;
	if (sig == 0)
		sig = SIGNALS_INT;
	if (!sh->interactive && sh->signal == 0)
		sh->signal = signals_number(sig);
	if (sh->interactive && (sig & (SIGNALS_TERM | SIGNALS_HUP)))
		sh->signal = signals_number(sig);
}

void shell_cancelled(struct shell *sh, const char *stage)
{
	int sig = signals_take();
	if (sh->interactive && sig == SIGNALS_INT) {
		struct smtp_error err;
		smtp_error_set(&err, SMTP_ERR_CANCELLED, 0, "the wait was abandoned; the reply, "
		    "when it comes, will be shown as a late reply before anything else is sent");
		out_error(&sh->out, stage, &err);
		return;
	}
	shell_signal_stops(sh, sig);
}

void shell_fail_step(struct shell *sh, const char *stage, const struct smtp_error *err)
{
	if (err->kind != SMTP_ERR_CANCELLED) {
		shell_fail(sh, stage, err);
		return;
	}
	out_error(&sh->out, stage, err);
	shell_transcript_note(sh, "error: %s", err->msg);
	int sig = signals_take();
	if (sh->interactive && (sig == SIGNALS_INT || sig == 0))
		shell_note_status(sh, SHELL_EXIT_LOCAL, stage);
	else
		shell_signal_stops(sh, sig);
}

void shell_show_arrived(struct shell *sh)
{
	while (session_is_open(sh->sess) && session_input_pending(sh->sess)) {
		struct session_reply r;
		session_reply_init(&r);
		struct smtp_error err;
		enum smtp_errkind k = session_next_reply(sh->sess, 0, &r, &err);
		if (k == SMTP_OK)
			shell_show_reply(sh, &r);
		session_reply_free(&r);
		if (k == SMTP_ERR_AGAIN)
			return;
		if (k != SMTP_OK) {
			if (k != SMTP_ERR_STATE)
				shell_fail(sh, NULL, &err);
			return;
		}
	}
}

bool shell_ask(struct shell *sh, const char *question)
{
	if (sh->tui.suspend != NULL)
		sh->tui.suspend(sh->tui.suspend_ctx);
	char prompt[512];
	snprintf(prompt, sizeof prompt, "%s [y/N] ", question);
	out_prompt(&sh->out, prompt);
	char answer[16];
	bool yes = fgets(answer, sizeof answer, stdin) != NULL && (answer[0] == 'y' || answer[0] == 'Y');
	(void)signals_take();
	if (sh->tui.resume != NULL)
		sh->tui.resume(sh->tui.suspend_ctx);
	return yes;
}

/* Interactive, a second Ctrl-C while a late reply is awaited. */
static bool shell_ask_drop(struct shell *sh, const char *owed)
{
	if (!sh->interactive)
		return false;
	out_note(&sh->out, N_("still no reply to %s."), owed);
	return shell_ask(sh, "  Drop the connection?");
}

bool shell_settle(struct shell *sh)
{
	if (!session_is_open(sh->sess))
		return true;     /* session_send says "not connected" */
	shell_show_arrived(sh);
	while (session_is_open(sh->sess) && session_owed(sh->sess) > 0) {
		char owed[SESSION_SHOWN_MAX];
		snprintf(owed, sizeof owed, "%s", session_owed_command(sh->sess, 0));
		out_note(&sh->out, N_("waiting for the late reply to %s before sending anything else "
		    "(Ctrl-C to stop waiting)"), owed);
		struct session_reply r;
		session_reply_init(&r);
		struct smtp_error err;
		enum smtp_errkind k = session_next_reply(sh->sess, SESSION_WAIT_OWED, &r, &err);
		if (k == SMTP_OK)
			shell_show_reply(sh, &r);
		session_reply_free(&r);
		if (k == SMTP_ERR_CANCELLED) {
			int sig = signals_take();
			if (sh->interactive && sig == SIGNALS_INT && shell_ask_drop(sh, owed)) {
				shell_close(sh, N_("connection dropped at your request (no QUIT)"));
				return false;
			}
			if (!sh->interactive || sig != SIGNALS_INT) {
				sh->stop = true;
				sh->signal = signals_number(sig != 0 ? sig : SIGNALS_INT);
			}
			out_note(&sh->out, N_("nothing was sent: the reply to %s is still owed"), owed);
			return false;
		}
		if (k != SMTP_OK) {
			shell_fail(sh, NULL, &err);
			return false;
		}
	}
	shell_show_arrived(sh);
	return true;
}

int shell_collect(struct shell *sh, unsigned long seq, struct session_reply *own)
{
	for (;;) {
		struct session_reply r;
		session_reply_init(&r);
		struct smtp_error err;
		enum smtp_errkind k = session_next_reply(sh->sess, SESSION_WAIT_OWED, &r, &err);
		if (k != SMTP_OK) {
			session_reply_free(&r);
			if (k == SMTP_ERR_CANCELLED)
				shell_cancelled(sh, NULL);
			else
				shell_fail(sh, NULL, &err);
			return 0;
		}
		shell_show_reply(sh, &r);
		if (r.seq == seq) {
			int code = r.reply.code;
			if (own != NULL) {
				session_reply_free(own);
				*own = r;
			} else {
				session_reply_free(&r);
			}
			/* LMTP-style or pipelined extras that came with it -- but
			 * not while other replies are owed (they are collected
			 * for their own commands), and not after a 3xx: what
			 * follows a 354 or a 334 is ours to send, and a server
			 * that spoke first is dealt with there. */
			if (code / 100 != 3 && session_owed(sh->sess) == 0)
				shell_show_arrived(sh);
			return code;
		}
		session_reply_free(&r);
	}
}

bool shell_send_line(struct shell *sh, const struct verb *v, const char *line, size_t len,
    unsigned long *seq)
{
	if (!shell_settle(sh))
		return false;
	char shown[SESSION_SHOWN_MAX];
	struct smtp_error err;
	if (session_send(sh->sess, v, line, len, seq, shown, &err) != SMTP_OK) {
		if (err.kind == SMTP_ERR_CANCELLED)
			shell_cancelled(sh, NULL);
		else
			shell_fail(sh, NULL, &err);
		return false;
	}
	if (!sh->quiet_echo)
		out_sent(&sh->out, shown, strlen(shown));
	return true;
}

bool shell_send_group(struct shell *sh, struct session_line *lines, size_t n)
{
	if (!shell_settle(sh))
		return false;
	struct smtp_error err;
	if (session_send_group(sh->sess, lines, n, &err) != SMTP_OK) {
		if (err.kind == SMTP_ERR_CANCELLED)
			shell_cancelled(sh, NULL);
		else
			shell_fail(sh, NULL, &err);
		return false;
	}
	for (size_t i = 0; i < n && !sh->quiet_echo; i++)
		out_sent(&sh->out, lines[i].shown, strlen(lines[i].shown));
	return true;
}

bool shell_send_chunk(struct shell *sh, const char *data, size_t len, bool last,
    unsigned long *seq)
{
	if (!shell_settle(sh))
		return false;
	struct smtp_error err;
	if (session_send_chunk(sh->sess, data, len, last, seq, &err) != SMTP_OK) {
		if (err.kind == SMTP_ERR_CANCELLED)
			shell_cancelled(sh, "body");
		shell_fail(sh, "body", &err);
		return false;
	}
	if (!sh->quiet_echo) {
		char shown[96];
		int n = snprintf(shown, sizeof shown, "BDAT %zu%s [%zu bytes as they are]", len,
		    last ? " LAST" : "", len);
		out_sent(&sh->out, shown, (size_t)n);
	}
	return true;
}

int shell_exchange(struct shell *sh, const struct verb *v, const char *line, size_t len,
    struct session_reply *own)
{
	unsigned long seq;
	if (!shell_send_line(sh, v, line, len, &seq))
		return 0;
	return shell_collect(sh, seq, own);
}

void shell_maybe_stop(struct shell *sh, const struct session_reply *r)
{
	shell_maybe_stop_code(sh, r->reply.code);
}

void shell_maybe_stop_code(struct shell *sh, int code)
{
	if (!sh->stop_on_error || (code >= 100 && code < 400))
		return;
	sh->stop = true;
	if (!session_is_open(sh->sess))
		return;
	out_note(&sh->out, N_("--stop-on-error: sending QUIT"));
	(void)shell_exchange(sh, verb_by_id(VERB_QUIT), "QUIT", 4, NULL);
}

/* QUIT, and its reply waited for at most SMTP_TIMEOUT_QUIT_ON_SIGNAL
 * seconds (replies still owed before it are shown as they come). */
static void shell_send_quit_bounded(struct shell *sh, bool shown_)
{
	char shown[SESSION_SHOWN_MAX];
	unsigned long seq;
	struct smtp_error err;
	if (session_send(sh->sess, verb_by_id(VERB_QUIT), "QUIT", 4, &seq, shown, &err) != SMTP_OK)
		return;
	if (shown_)
		out_sent(&sh->out, shown, strlen(shown));
	long long until = clock_now_ms() + SMTP_TIMEOUT_QUIT_ON_SIGNAL * 1000LL;
	for (;;) {
		struct session_reply r;
		session_reply_init(&r);
		enum smtp_errkind k = session_next_reply(sh->sess, until, &r, &err);
		if (k == SMTP_OK && shown_)
			shell_show_reply(sh, &r);
		bool done = k != SMTP_OK || r.seq == seq;
		session_reply_free(&r);
		if (done)
			break;
	}
}

void shell_quit_on_signal(struct shell *sh)
{
	out_note(&sh->out, N_("stopped by signal %d: no more commands are sent"), sh->signal);
	(void)signals_take();
	if (session_is_open(sh->sess)) {
		shell_send_quit_bounded(sh, true);
		if (session_is_open(sh->sess))
			shell_close(sh, N_("connection closed after the signal"));
	}
	sh->outcome.worst = SHELL_EXIT_SIGNAL_BASE + sh->signal;
}

bool shell_parse_options(struct shell *sh, const char *what, int argc, char **argv,
    struct smtpsh_args *a)
{
	memset(a, 0, sizeof *a);
	char *msg = NULL;
	size_t msglen = 0;
	FILE *err = open_memstream(&msg, &msglen);
	bool ok = err != NULL && options_parse(argc, argv, a, err);
	if (err != NULL)
		fclose(err);
	if (!ok) {
		const char *text = msg != NULL ? msg : "out of memory";
		size_t n = msg != NULL ? msglen : strlen(text);
		if (n >= 8 && strncmp(text, "smtpsh: ", 8) == 0) {
			text += 8;                   /* the parser's own prefix */
			n -= 8;
		}
		while (n > 0 && text[n - 1] == '\n')
			n--;
		shell_usage_error(sh, N_("%s: %.*s"), what, (int)n, text);
		options_free(a);
	}
	free(msg);
	return ok;
}

/* What shell_leave does, shown or not (a lookup's run: rows only). */
static void shell_leave_as(struct shell *sh, bool shown)
{
	if (sh->pipe.on && sh->pipe.n > 0 && shown) {
		char text[160];
		snprintf(text, sizeof text, P_("the pipeline's %zu queued command was not sent: no "
		    "closing }", "the pipeline's %zu queued commands were not sent: no closing }",
		    sh->pipe.n), sh->pipe.n);
		out_note(&sh->out, "%s", text);
	}
	sh->pipe.on = false;
	if (!session_is_open(sh->sess))
		return;
	enum smtp_state st = session_state(sh->sess);
	if (st == SMTP_ST_DATA || st == SMTP_ST_TURNED || st == SMTP_ST_CONNECTED) {
		/* QUIT would be body text, or there is no one to say it to. */
		if (!shown)
			session_close(sh->sess);
		else
			shell_close(sh, st == SMTP_ST_DATA ? N_("closed without QUIT: the server was "
			    "waiting for the message body, which was not finished") :
			    N_("closed without QUIT"));
		return;
	}
	shell_send_quit_bounded(sh, shown);
	if (session_is_open(sh->sess) && !shown)
		session_close(sh->sess);
	if (session_is_open(sh->sess))
		shell_close(sh, N_("closed without QUIT's 221: the server did not answer in time"));
}

void shell_leave(struct shell *sh)
{
	shell_leave_as(sh, true);
}

void shell_leave_quiet(struct shell *sh)
{
	shell_leave_as(sh, false);
}
