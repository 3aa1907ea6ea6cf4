/*
 * session_read.c - reading replies for a session (session.h): the one loop
 * that turns the server's bytes into replies, credits each to the command
 * it answers, and enforces the reply's absolute deadline and its budget.
 *
 * Crediting (issue 9): the reply parser is fed from s->inbuf, and the
 * stream offset of each reply's first byte is kept (s->reply_start).  A
 * complete reply answers the oldest owed command only if it started at or
 * after that command's sent_offset (the bytes received when it went out);
 * otherwise it answers no command.  So a partial unsolicited line buffered
 * before a command was sent can never be taken for that command's reply,
 * and an abandoned wait leaves its command owed until its reply arrives.
 *
 * Secrets: every reply's lines are masked (session_mask_reply, the list of
 * secret_mask.h the caller fills) before the reply is applied or handed
 * out, so no sink ever sees what the server echoed.
 *
 * Deadlines: the oldest owed command's deadline bounds every wait, and is
 * also checked between reads, so a server that keeps the socket busy cannot
 * outlive it.  Budgets: bytes and lines of one reply, counted whether kept
 * or not (reply.h keeps a bounded part).  Past either, the connection is
 * closed: the rest of a reply that was not read cannot be told from the
 * next one.
 */
#include "session_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "smtp_limits.h"

enum smtp_errkind session_mask_add(struct session *s, const void *secret, size_t len,
    bool with_base64, struct smtp_error *err)
{
	return secret_mask_add(&s->mask, secret, len, with_base64, err);
}

void session_mask_clear(struct session *s)
{
	secret_mask_clear(&s->mask);
}

const struct secret_mask *session_mask(const struct session *s)
{
	return &s->mask;
}

/* Every secret in the reply's lines replaced, before any sink sees them.
 * A line that cannot be rewritten (out of memory) is emptied rather than
 * shown as it came. */
static size_t session_mask_reply(const struct session *s, struct smtp_reply *r)
{
	size_t replaced = 0;
	if (secret_mask_empty(&s->mask))
		return 0;
	for (size_t i = 0; i < r->nlines; i++) {
		struct reply_line *ln = &r->lines[i];
		struct strbuf out;
		size_t used = 0, here = 0;
		strbuf_init(&out, 2 * ln->len + 16);
		enum smtp_errkind k = secret_mask_feed(&s->mask, ln->text, ln->len, true, &out,
		    &used, &here);
		if (here == 0 && k == SMTP_OK) {
			strbuf_free(&out);
			continue;
		}
		char *text = k == SMTP_OK ? malloc(out.len + 1) : NULL;
		if (text != NULL) {
			memcpy(text, out.data, out.len);
			text[out.len] = '\0';
		}
		memset(ln->text, 0, ln->len);
		free(ln->text);
		ln->text = text != NULL ? text : calloc(1, 1);
		ln->len = text != NULL ? out.len : 0;
		replaced += here > 0 ? here : 1;
		strbuf_free(&out);
	}
	return replaced;
}

static void session_fill_reply(struct session *s, const struct session_owed *o,
    enum session_origin origin, struct smtp_reply *r, struct session_reply *out)
{
	enum smtp_state prior = s->state;
	/* Masked first: what the session keeps of a reply (the EHLO
	 * extensions) is shown too. */
	size_t masked = session_mask_reply(s, r);
	struct smtp_step step = session_apply_reply(s, o, r);
	session_reply_free(out);
	out->reply = *r;
	smtp_reply_init(r);
	out->masked = masked;
	out->origin = origin;
	out->prior = prior;
	out->state = s->state;
	out->closed = !transport_is_open(&s->tr);
	out->verdict = step.verdict;
	if (o == NULL)
		return;
	out->seq = o->seq;
	out->verb = o->verb;
	out->body_end = o->body_end;
	out->pipelined = o->pipelined;
	memcpy(out->command, o->shown, o->shown_len + 1);
	out->command_len = o->shown_len;
	out->elapsed_ms = (double)(clock_now_us() - o->sent_us) / 1000.0;
}

/* A reply is complete: credit it and hand it out. */
static enum smtp_errkind session_deliver(struct session *s, struct smtp_reply *r,
    struct session_reply *out, struct smtp_error *err)
{
	struct session_owed *head = session_owed_head(s);
	if (head != NULL && s->reply_start >= head->sent_offset) {
		struct session_owed o = *head;
		session_owed_pop(s);
		enum session_origin origin = o.greeting ? SESSION_REPLY_GREETING :
		    o.abandoned ? SESSION_REPLY_LATE : SESSION_REPLY_COMMAND;
		session_fill_reply(s, &o, origin, r, out);
		return SMTP_OK;
	}
	session_fill_reply(s, NULL, SESSION_REPLY_UNSOLICITED, r, out);
	s->unsolicited_run++;
	(void)err;
	return SMTP_OK;
}

/* A server that floods replies nobody asked for is cut off (the next read
 * or send says so). */
enum smtp_errkind session_check_flood(struct session *s, struct smtp_error *err)
{
	if (s->unsolicited_run <= SESSION_UNSOLICITED_MAX || !transport_is_open(&s->tr))
		return SMTP_OK;
	session_end_with(s, SESSION_END_LOCAL);
	return smtp_error_set(err, SMTP_ERR_LIMIT, 0, "the server sent more than %d replies "
	    "that answer no command; the connection was closed", SESSION_UNSOLICITED_MAX);
}

enum smtp_errkind session_lost(struct session *s, struct smtp_error *err)
{
	struct session_owed *head = session_owed_head(s);
	char what[SESSION_SHOWN_MAX + 32] = "";
	if (head != NULL)
		snprintf(what, sizeof what, "; %.60s got no reply",
		    head->greeting ? "the greeting" : head->shown);
	enum session_end why = SESSION_END_DROPPED;
	if (head != NULL && head->body_end && s->body_done)
		why = SESSION_END_AFTER_DOT;
	else if (s->last_code >= 500 && s->last_code <= 599)
		why = SESSION_END_AFTER_REFUSAL;
	int code = s->last_code;
	char cmd[sizeof s->last_command];
	memcpy(cmd, s->last_command, sizeof cmd);
	session_end_with(s, why);
	switch (why) {
	case SESSION_END_AFTER_DOT:
		return smtp_error_set(err, SMTP_ERR_CLOSED, 0, "the connection was lost after the "
		    "final dot: the message may or may not have been accepted");
	case SESSION_END_AFTER_REFUSAL:
		return smtp_error_set(err, SMTP_ERR_CLOSED, 0, "the server closed the connection "
		    "after refusing %s (%d): it ended the session%s", cmd, code, what);
	default:
		return smtp_error_set(err, SMTP_ERR_CLOSED, 0, "the server closed the connection "
		    "without 221/421 (treated as 421: a transient failure)%s", what);
	}
}

static enum smtp_errkind session_over_budget(struct session *s, struct smtp_error *err)
{
	size_t max_bytes = s->opt.reply_budget_bytes != 0 ? s->opt.reply_budget_bytes
	                                                  : SMTP_REPLY_BUDGET_BYTES;
	size_t max_lines = s->opt.reply_budget_lines != 0 ? s->opt.reply_budget_lines
	                                                  : SMTP_REPLY_BUDGET_LINES;
	size_t lines = s->parser.cur.nlines + s->parser.cur.lines_dropped;
	if (s->reply_bytes <= max_bytes && lines <= max_lines)
		return SMTP_OK;
	session_end_with(s, SESSION_END_LOCAL);
	return smtp_error_set(err, SMTP_ERR_LIMIT, 0, "the server's reply went past smtpsh's "
	    "budget of %zu bytes and %zu lines for one reply; the connection was closed",
	    max_bytes, max_lines);
}

static enum smtp_errkind session_timed_out(struct session *s, struct smtp_error *err)
{
	struct session_owed *head = session_owed_head(s);
	char what[SESSION_SHOWN_MAX + 16];
	snprintf(what, sizeof what, "%.80s", head == NULL ? "the command" :
	    head->greeting ? "the greeting" : head->shown);
	long long waited = head != NULL ? clock_now_ms() - head->sent_ms : 0;
	session_end_with(s, SESSION_END_LOCAL);
	return smtp_error_set(err, SMTP_ERR_TIMEOUT, 0, "timeout: no complete reply to %s "
	    "within %lld.%lld s of sending it; the connection was closed", what,
	    waited / 1000, (waited % 1000) / 100);
}

/* Feed buffered bytes to the parser.  True when a reply completed (in *r). */
static bool session_parse_buffered(struct session *s, struct smtp_reply *r)
{
	if (s->inpos >= s->inlen)
		return false;
	if (reply_parser_idle(&s->parser)) {
		s->reply_start = s->received - (s->inlen - s->inpos);
		s->reply_bytes = 0;
	}
	size_t used = 0;
	enum reply_feed_result fr = reply_parser_feed(&s->parser, s->inbuf + s->inpos,
	    s->inlen - s->inpos, &used, r);
	s->inpos += used;
	s->reply_bytes += used;
	if (s->inpos == s->inlen)
		s->inpos = s->inlen = 0;
	if (fr == REPLY_COMPLETE)
		s->reply_bytes = 0;      /* the budget is per reply */
	return fr == REPLY_COMPLETE;
}

enum smtp_errkind session_next_reply(struct session *s, long long until_ms,
    struct session_reply *out, struct smtp_error *err)
{
	struct smtp_reply r;
	smtp_reply_init(&r);
	if (s->tls_pending)
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "STARTTLS was accepted: the TLS handshake comes next");
	if (session_check_flood(s, err) != SMTP_OK)
		return SMTP_ERR_LIMIT;
	for (;;) {
		if (session_parse_buffered(s, &r))
			return session_deliver(s, &r, out, err);
		if (session_over_budget(s, err) != SMTP_OK)
			return SMTP_ERR_LIMIT;
		if (s->inpos < s->inlen)
			continue;
		if (!transport_is_open(&s->tr))
			return smtp_error_set(err, SMTP_ERR_STATE, 0, "not connected");
		struct session_owed *head = session_owed_head(s);
		if (head == NULL && until_ms == SESSION_WAIT_OWED)
			return smtp_error_set(err, SMTP_ERR_STATE, 0, "no reply is owed");
		long long hard = head != NULL ? head->deadline_ms : TRANSPORT_NO_DEADLINE;
		long long now = clock_now_ms();
		/* Past the deadline, only bytes already waiting are read (a late
		 * reply that arrived while nobody was asking is still taken); a
		 * server that never lets the socket idle meets the budget. */
		if (head != NULL && now >= hard && !transport_readable_now(&s->tr))
			return session_timed_out(s, err);
		long long wait = hard;
		bool soft = false;
		if (until_ms != SESSION_WAIT_OWED && (head == NULL || until_ms < hard)) {
			wait = until_ms;
			soft = true;
		}
		/* More of this reply, or more replies, to come: ACK what came
		 * at once (transport_ack_now); in lockstep there is no need. */
		if (s->owed_count > 1 || !reply_parser_idle(&s->parser))
			transport_ack_now(&s->tr);
		size_t got = 0;
		enum smtp_errkind k = transport_read_some(&s->tr, s->inbuf, sizeof s->inbuf,
		    &got, wait, err);
		if (k == SMTP_ERR_TIMEOUT) {
			if (soft)
				return smtp_error_set(err, SMTP_ERR_AGAIN, 0, "no complete reply yet");
			return session_timed_out(s, err);
		}
		if (k == SMTP_ERR_CANCELLED) {
			for (size_t i = 0; i < s->owed_count; i++)
				s->owed[(s->owed_head + i) % SESSION_OWED_MAX].abandoned = true;
			return k;
		}
		if (k != SMTP_OK && k != SMTP_ERR_CLOSED)
			return k;
		if (got == 0) {                /* EOF, or a reset */
			if (reply_parser_eof(&s->parser, &r))
				return session_deliver(s, &r, out, err);   /* a 621: closes */
			return session_lost(s, err);
		}
		s->inpos = 0;
		s->inlen = got;
		s->received += got;
	}
}
