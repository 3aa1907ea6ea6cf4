/*
 * sendcmd.c - a test message in one command (issue 12; the scsh seed's
 * `sendmail` with its list of losers): `smtpsh --from A --to B ... HOST`
 * and the shell's `message --to B ...`.  It builds the message (core
 * message.c), sends MAIL with the parameters the server advertised (SIZE,
 * BODY=8BITMIME, SMTPUTF8; RET, ENVID, NOTIFY, ORCPT and REQUIRETLS when
 * asked), one RCPT per recipient, and DATA or BDAT chunks -- MAIL, the
 * RCPTs and DATA in one pipelined group when the server advertises
 * PIPELINING (RFC 2920) -- and reports the recipients refused while the
 * message goes to the rest (under LMTP, RFC 2033, the reply for each
 * recipient after the body decides).  The result is one record
 * (out_message) and the exit status: 0 all, 6 some, 5 or 4 none.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "exit_status.h"
#include "message.h"
#include "options.h"
#include "shell.h"
#include "smtp_limits.h"
#include "tokenize.h"

/* The chunk size for BDAT (RFC 3030 leaves it to the client). */
#define SEND_BDAT_CHUNK (1024 * 1024)

struct send_state {
	struct out_message *res;
	struct message *msg;
	const struct message_opts *mo;
	/* MAIL, each RCPT, then DATA (unless BDAT). */
	char (*lines)[SMTP_COMMAND_LINE_MAX];
	size_t nlines;
};

static bool send_has(struct shell *sh, const char *ext)
{
	const struct ehlo_set *e = session_extensions(sh->sess);
	return e->valid && ehlo_find(e, ext) != NULL;
}

static bool send_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* Append to a command line; false when it would pass RFC 5321's limit. */
__attribute__((format(printf, 2, 3)))
static bool send_put(char *line, const char *fmt, ...)
{
	size_t len = strlen(line);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line + len, SMTP_COMMAND_LINE_MAX - len, fmt, ap);
	va_end(ap);
	return n >= 0 && len + (size_t)n < SMTP_COMMAND_LINE_MAX - 2;
}

/* MAIL and the RCPTs with their parameters; false (reported) when they
 * cannot be sent. */
static bool send_build_lines(struct shell *sh, struct send_state *st)
{
	const struct message_opts *mo = st->mo;
	bool utf8 = !send_ascii(mo->from);
	for (size_t i = 0; i < mo->nto; i++)
		utf8 = utf8 || !send_ascii(mo->to[i]);
	if (utf8 && !send_has(sh, "SMTPUTF8")) {
		shell_usage_error(sh, N_("a UTF-8 address needs SMTPUTF8 (RFC 6531), which the server did "
		    "not advertise; nothing was sent"));
		return false;
	}
	if (mo->requiretls && (!session_tls_active(sh->sess) || !send_has(sh, "REQUIRETLS"))) {
		shell_usage_error(sh, N_("REQUIRETLS needs TLS and a server that advertises it (RFC 8689); "
		    "nothing was sent"));
		return false;
	}
	/* RFC 1870 6: a client should not send a message larger than the
	 * limit the server declared (SIZE 0 or no number: none declared). */
	const struct ehlo_set *ext = session_extensions(sh->sess);
	const struct ehlo_ext *size = ext->valid ? ehlo_find(ext, "SIZE") : NULL;
	unsigned long long limit = size != NULL ? strtoull(size->params, NULL, 10) : 0;
	if (limit > 0 && message_size(st->msg) > limit && !mo->force) {
		shell_usage_error(sh, N_("the message is %llu bytes, more than the %llu the server "
		    "accepts (SIZE, RFC 1870); nothing was sent (--force sends it anyway)"),
		    message_size(st->msg), limit);
		return false;
	}
	if (message_8bit(st->msg) && !send_has(sh, "8BITMIME"))
		out_warning(&sh->out, N_("the message holds 8-bit text but the server did not advertise "
		    "8BITMIME (RFC 6152): it may mangle or refuse it"));
	if ((mo->notify || mo->ret || mo->envid || mo->orcpt) && !send_has(sh, "DSN"))
		out_note(&sh->out, N_("the server did not advertise DSN (RFC 3461), so it may refuse the "
		    "DSN parameters"));
	char xt[SMTP_COMMAND_LINE_MAX];
	char *mail = st->lines[0];
	bool ok = send_put(mail, "MAIL FROM:<%s>", mo->from);
	if (send_has(sh, "SIZE"))
		ok = ok && send_put(mail, " SIZE=%llu", message_size(st->msg));
	if (message_8bit(st->msg) && send_has(sh, "8BITMIME"))
		ok = ok && send_put(mail, " BODY=8BITMIME");
	if (utf8)
		ok = ok && send_put(mail, " SMTPUTF8");
	if (mo->ret != NULL)
		ok = ok && send_put(mail, " RET=%s", mo->ret);
	if (mo->envid != NULL)
		ok = ok && dsn_xtext(mo->envid, xt, sizeof xt) && send_put(mail, " ENVID=%s", xt);
	if (mo->requiretls)
		ok = ok && send_put(mail, " REQUIRETLS");
	st->nlines = 1;
	for (size_t i = 0; ok && i < mo->nto; i++) {
		char *rcpt = st->lines[st->nlines++];
		ok = send_put(rcpt, "RCPT TO:<%s>", mo->to[i]);
		if (mo->notify != NULL)
			ok = ok && send_put(rcpt, " NOTIFY=%s", mo->notify);
		if (mo->orcpt)
			ok = ok && dsn_xtext(mo->to[i], xt, sizeof xt) &&
			    send_put(rcpt, " ORCPT=%s;%s", utf8 ? "utf-8" : "rfc822", xt);
	}
	if (!ok)
		shell_usage_error(sh, N_("a MAIL or RCPT line would pass 512 octets (RFC 5321 4.5.3.1.4); "
		    "nothing was sent"));
	return ok;
}

static void send_loser(struct out_message *res, const char *addr, const struct session_reply *r,
    const char *stage)
{
	if (r->reply.code / 100 == 5)
		res->permanent = true;
	if (res->nrefused == OUT_MESSAGE_MAX)
		return;
	struct out_message_loser *l = &res->refused[res->nrefused++];
	l->address = addr;
	l->stage = stage;
	l->code = r->reply.code;
	snprintf(l->enhanced, sizeof l->enhanced, "%s", r->reply.enhanced);
	snprintf(l->text, sizeof l->text, "%.*s", r->reply.nlines > 0 ? (int)r->reply.lines[0].len : 0,
	    r->reply.nlines > 0 ? r->reply.lines[0].text : "");
}

/* The body's replies: one, or under LMTP one per accepted recipient. */
static void send_body_replies(struct shell *sh, struct send_state *st, unsigned long last,
    struct session_reply *r)
{
	struct out_message *res = st->res;
	size_t n = session_lmtp(sh->sess) ? res->naccepted : 1;
	for (size_t i = 0; i < n; i++) {
		if (shell_collect(sh, last - (n - 1 - i), r) == 0)
			return;
		if (!session_lmtp(sh->sess)) {
			res->nbody_accepted = r->verdict == VERDICT_SUCCESS ? res->naccepted : 0;
			for (size_t k = 0; r->verdict != VERDICT_SUCCESS && k < res->naccepted; k++)
				send_loser(res, res->accepted[k], r, "data");
		} else if (r->verdict == VERDICT_SUCCESS) {
			res->nbody_accepted++;
		} else {
			send_loser(res, res->accepted[i], r, "data");
		}
	}
}

/* BDAT chunks; every chunk but the last must get 250. */
static void send_bdat(struct shell *sh, struct send_state *st, struct session_reply *r)
{
	char *buf = malloc(SEND_BDAT_CHUNK);
	if (buf == NULL)
		return;
	for (bool last = false; !last;) {
		size_t have = 0, got = 0;
		struct smtp_error err;
		do {
			if (message_read(st->msg, buf + have, SEND_BDAT_CHUNK - have, &got, &err) != SMTP_OK) {
				shell_fail(sh, "body", &err);
				free(buf);
				return;
			}
			have += got;
		} while (got > 0 && have < SEND_BDAT_CHUNK);
		last = got == 0;
		unsigned long seq;
		if (!shell_send_chunk(sh, buf, have, last, &seq))
			break;
		if (last)
			send_body_replies(sh, st, seq, r);
		else if (shell_collect(sh, seq, r) == 0 || r->verdict != VERDICT_SUCCESS)
			break;
	}
	free(buf);
}

/* MAIL, the RCPTs and (unless BDAT) DATA: one group when pipelining, one
 * at a time otherwise (then DATA only when a recipient was accepted).
 * The reply to the last command sent is left in *r. */
static bool send_envelope(struct shell *sh, struct send_state *st, struct session_reply *r)
{
	struct out_message *res = st->res;
	const struct message_opts *mo = st->mo;
	bool pipelined = !mo->no_pipelining && send_has(sh, "PIPELINING");
	size_t n = st->nlines, step = pipelined ? n : 1;
	struct session_line *group = calloc(n, sizeof *group);
	if (group == NULL)
		return false;
	bool ok = true;
	for (size_t i = 0; ok && i < n; i += step) {
		if (!pipelined && i == 1 + mo->nto && res->naccepted == 0)
			break;                      /* no DATA without a recipient */
		for (size_t k = i; k < i + step; k++)
			group[k] = (struct session_line){ .line = st->lines[k], .len = strlen(st->lines[k]) };
		if (!shell_send_group(sh, group + i, step)) {
			ok = false;
			break;
		}
		for (size_t k = i; ok && k < i + step; k++) {
			if (shell_collect(sh, group[k].seq, r) == 0) {
				ok = false;
			} else if (k == 0 && r->verdict != VERDICT_SUCCESS) {
				res->mail_refused = true;
			} else if (k >= 1 && k <= mo->nto) {
				if (r->verdict == VERDICT_SUCCESS)
					res->accepted[res->naccepted++] = mo->to[k - 1];
				else
					send_loser(res, mo->to[k - 1], r, "rcpt");
			}
		}
		if (res->mail_refused)
			break;
	}
	free(group);
	return ok && !res->mail_refused;
}

/* --stage-status: MAIL refused, or no recipient accepted. */
static void send_stage(struct shell *sh, const struct out_message *res, bool envelope)
{
	if (res->mail_refused)
		shell_stage_failed(sh, STAGE_EXIT_MAIL);
	else if (envelope && res->naccepted == 0)
		shell_stage_failed(sh, STAGE_EXIT_RCPT);
}

void shell_message(struct shell *sh, const struct message_opts *mo)
{
	if (mo->from == NULL || mo->nto == 0) {
		shell_usage_error(sh, N_("a message needs --from ADDR and at least one --to ADDR"));
		return;
	}
	if (mo->nto > OUT_MESSAGE_MAX) {
		shell_usage_error(sh, N_("at most %d recipients in one message"), OUT_MESSAGE_MAX);
		return;
	}
	if (!session_is_open(sh->sess) || session_state(sh->sess) != SMTP_ST_READY) {
		shell_usage_error(sh, N_("a message needs a greeted session with no transaction open "
		    "(ehlo first); nothing was sent"));
		return;
	}
	struct send_state st = { .mo = mo };
	st.res = calloc(1, sizeof *st.res);
	st.lines = calloc(mo->nto + 2, sizeof *st.lines);
	if (st.res == NULL || st.lines == NULL)
		goto out;
	char host[SMTP_DOMAIN_MAX + 1];
	(void)shell_local_domain(sh, host, sizeof host);
	struct message_spec spec = { .from = mo->from, .to = mo->to, .nto = mo->nto,
	    .subject = mo->subject, .headers = mo->headers, .nheaders = mo->nheaders,
	    .body_text = mo->body, .body_file = mo->body_file, .attach = mo->attach,
	    .nattach = mo->nattach, .hostname = host };
	struct smtp_error err;
	if (message_open(&st.msg, &spec, &err) != SMTP_OK) {
		shell_fail(sh, "message", &err);
		goto out;
	}
	if (mo->bdat && !send_has(sh, "CHUNKING"))
		out_note(&sh->out, N_("the server did not advertise CHUNKING (RFC 3030): BDAT may be refused"));
	if (!send_build_lines(sh, &st))
		goto out;
	if (mo->quit_after == STAGE_MAIL)
		st.nlines = 1;                      /* --quit-after mail */
	else if (!mo->bdat && mo->quit_after != STAGE_RCPT)
		snprintf(st.lines[st.nlines++], SMTP_COMMAND_LINE_MAX, "DATA");
	int worst = sh->outcome.worst;
	struct session_reply r;
	session_reply_init(&r);
	bool whole = mo->quit_after != STAGE_MAIL && mo->quit_after != STAGE_RCPT;
	bool envelope = send_envelope(sh, &st, &r);
	send_stage(sh, st.res, envelope);
	if (envelope && st.res->naccepted > 0 && whole) {
		if (mo->bdat) {
			send_bdat(sh, &st, &r);
		} else if (r.reply.code == 354 && session_state(sh->sess) == SMTP_ST_DATA) {
			unsigned long seq;
			if (shell_send_body(sh, message_read, st.msg, "the message built", &seq))
				send_body_replies(sh, &st, seq, &r);
		} else {
			shell_stage_failed(sh, STAGE_EXIT_DATA);
		}
		if (st.res->nbody_accepted == 0)
			shell_stage_failed(sh, STAGE_EXIT_BODY);
	} else if (session_state(sh->sess) == SMTP_ST_DATA) {
		shell_close(sh, N_("the server said 354 though no recipient was accepted: the "
		    "connection was closed so that no message is sent to nobody"));
	}
	/* A transaction left open (a refusal midway) is reset. */
	enum smtp_state now = session_state(sh->sess);
	if (whole && session_is_open(sh->sess) && (now == SMTP_ST_MAIL || now == SMTP_ST_RCPT))
		(void)shell_exchange(sh, verb_by_id(VERB_RSET), "RSET", 4, NULL);
	st.res->nto = mo->nto;
	st.res->size = message_size(st.msg);
	st.res->final_code = r.reply.code;
	/* --quit-after rcpt: the same summary and status as a whole run,
	 * counted at RCPT (no message was sent). */
	st.res->envelope_only = mo->quit_after == STAGE_RCPT;
	if (whole || st.res->envelope_only) {
		out_message(&sh->out, st.res);
		shell_message_status(sh, worst, st.res);
	}
	session_reply_free(&r);
out:
	message_close(st.msg);
	free(st.res);
	free(st.lines);
}

/* `message --to B [--subject S] ...`: the same options as the command
 * line's test message, parsed by the same parser. */
void cmd_message(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	const struct tokens *t = call->t;
	char *argv[TOK_MAX_WORDS + 1];
	for (size_t i = 0; i < t->count; i++)
		argv[i] = t->word[i];
	argv[t->count] = NULL;
	struct smtpsh_args a;
	if (!shell_parse_options(sh, "message", (int)t->count, argv, &a))
		return;
	if (a.host != NULL || a.ncmds > 0 || a.json || a.demo || a.serve != NULL ||
	    a.transcript != NULL || a.msg.quit_after != STAGE_NONE || a.msg.starttls ||
	    a.msg.auth_mech != NULL) {
		shell_usage_error(sh, N_("message takes the message's options only (--from --to --subject "
		    "--header --body --body-file --attach --bdat --no-pipelining and the DSN ones)"));
	} else {
		shell_message(sh, &a.msg);
	}
	options_free(&a);
}
