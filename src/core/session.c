/*
 * session.c - one client SMTP session (session.h): connect and read the
 * greeting, send a command and read exactly its reply, stream a DATA body,
 * and keep the state after RFC 821's diagram.  session_set_state() is the
 * only writer of s->state.
 *
 * Bytes read but not yet parsed stay in s->inbuf across replies, so a
 * pipelined or unsolicited reply is never lost (security-cases RP-10).  A
 * reply that is 600, 621 or carries mixed codes never advances the state
 * (RP-01).  A 421 or an EOF closes the session (RFC 5321 3.8; a close
 * without 221/421 is treated as 421, as SwiftMailer's notes and the scsh
 * client do).  The body is dot-stuffed through a fixed buffer, so memory
 * does not grow with the body (RFC 5321 4.5.2).
 */
#include "session.h"

#include <stdio.h>
#include <string.h>

#include "dotstuff.h"
#include "smtp_limits.h"

void session_init(struct session *s, const struct session_options *opt)
{
	memset(s, 0, sizeof *s);
	if (opt != NULL)
		s->opt = *opt;
	else
		s->opt.cancel_fd = -1;
	transport_init(&s->tr);
	s->tr.cancel_fd = s->opt.cancel_fd;
	s->tr.wire_hook = s->opt.wire_hook;
	s->tr.wire_ctx = s->opt.wire_ctx;
	reply_parser_init(&s->parser);
	s->state = SMTP_ST_DISCONNECTED;
}

void session_set_state(struct session *s, enum smtp_state st)
{
	enum smtp_state from = s->state;
	s->state = st;
	if (st != SMTP_ST_RCPT && st != SMTP_ST_DATA)
		s->nrcpt = 0;          /* a transaction's recipients end with it */
	if (from != st && s->on_state != NULL)
		s->on_state(s->on_state_ctx, from, st);
}

void session_close(struct session *s)
{
	transport_close(&s->tr);
	reply_parser_free(&s->parser);
	reply_parser_init(&s->parser);
	s->inpos = s->inlen = 0;
	if (s->state != SMTP_ST_DISCONNECTED)
		session_set_state(s, SMTP_ST_CLOSED);
}

void session_free(struct session *s)
{
	transport_close(&s->tr);
	reply_parser_free(&s->parser);
}

bool session_is_open(const struct session *s)
{
	return transport_is_open(&s->tr);
}

static unsigned session_timeout_ms(const struct session *s, unsigned verb_default_s)
{
	unsigned secs = s->opt.reply_timeout_s != 0 ? s->opt.reply_timeout_s : verb_default_s;
	return secs * 1000u;
}

/* Read until one reply is complete.  SMTP_OK with *out set (maybe a 621),
 * or a local error. */
static enum smtp_errkind session_read_one(struct session *s, unsigned timeout_ms,
    struct smtp_reply *out, struct smtp_error *err)
{
	for (;;) {
		if (s->inpos < s->inlen) {
			size_t used = 0;
			enum reply_feed_result fr = reply_parser_feed(&s->parser,
			    s->inbuf + s->inpos, s->inlen - s->inpos, &used, out);
			s->inpos += used;
			if (s->inpos == s->inlen)
				s->inpos = s->inlen = 0;
			if (fr == REPLY_COMPLETE) {
				s->replies_read++;
				return SMTP_OK;
			}
		}
		if (!transport_is_open(&s->tr))
			return smtp_error_set(err, SMTP_ERR_STATE, 0, "not connected");
		size_t got = 0;
		enum smtp_errkind k = transport_read_some(&s->tr, s->inbuf, sizeof s->inbuf,
		    &got, timeout_ms, err);
		if (k == SMTP_ERR_CLOSED)
			got = 0;               /* a reset is an end of stream too */
		else if (k != SMTP_OK)
			return k;
		if (got == 0) {
			bool partial = reply_parser_eof(&s->parser, out);
			session_close(s);
			if (partial) {
				s->replies_read++;
				return SMTP_OK;    /* the 621 reply */
			}
			return smtp_error_set(err, SMTP_ERR_CLOSED, 0,
			    "connection closed by server without 221/421 (treated as 421: transient failure)");
		}
		s->inpos = 0;
		s->inlen = got;
	}
}

enum smtp_errkind session_open(struct session *s, const char *host, const char *port,
    struct smtp_reply *greeting, struct smtp_error *err)
{
	if (session_is_open(s))
		session_close(s);
	snprintf(s->host, sizeof s->host, "%s", host);
	snprintf(s->port, sizeof s->port, "%s", port != NULL ? port : SMTP_DEFAULT_PORT);
	ehlo_set_clear(&s->ehlo);
	s->helo_domain[0] = '\0';
	s->inpos = s->inlen = 0;
	reply_parser_free(&s->parser);
	reply_parser_init(&s->parser);
	s->tr.cancel_fd = s->opt.cancel_fd;
	s->tr.wire_hook = s->opt.wire_hook;
	s->tr.wire_ctx = s->opt.wire_ctx;
	unsigned cto = (s->opt.connect_timeout_s != 0 ? s->opt.connect_timeout_s
	                                              : SMTP_TIMEOUT_CONNECT) * 1000u;
	enum smtp_errkind k = transport_connect(&s->tr, s->host, s->port, s->opt.family, cto, err);
	if (k != SMTP_OK) {
		session_set_state(s, SMTP_ST_DISCONNECTED);
		return k;
	}
	session_set_state(s, SMTP_ST_CONNECTED);
	if (s->opt.after_connect != NULL) {
		k = s->opt.after_connect(s->opt.after_connect_ctx, &s->tr, err);
		if (k != SMTP_OK) {
			session_close(s);
			return k;
		}
	}
	k = session_read_one(s, session_timeout_ms(s, SMTP_TIMEOUT_GREETING), greeting, err);
	if (k != SMTP_OK)
		return k;
	session_apply_reply(s, NULL, greeting);
	return SMTP_OK;
}

static bool session_reply_trusted(const struct smtp_reply *r)
{
	return r->code >= 100 && r->code <= 599 &&
	    (r->flags & (REPLY_F_MIXED_CODES | REPLY_F_MALFORMED)) == 0;
}

void session_apply_reply(struct session *s, const struct verb *v, const struct smtp_reply *r)
{
	if (r->code == 421 || r->code == SMTP_CODE_EOF) {
		session_close(s);
		return;
	}
	if (v == NULL) {               /* the greeting (RFC 5321 3.1) */
		if (s->state == SMTP_ST_CONNECTED)
			session_set_state(s, r->code == 220 ? SMTP_ST_GREETED : SMTP_ST_CONNECTED);
		return;
	}
	if (!session_reply_trusted(r))
		return;
	enum verdict vd = verb_verdict(v, r->code);
	if (v->id == VERB_DATA && s->state == SMTP_ST_DATA) {
		/* The reply to the end of the body: the transaction is over. */
		session_set_state(s, SMTP_ST_READY);
		return;
	}
	if (vd == VERDICT_SUCCESS && v->id == VERB_QUIT) {
		session_close(s);
		return;
	}
	if (v->id == VERB_DATA) {
		if (vd == VERDICT_INTERMEDIATE)
			session_set_state(s, SMTP_ST_DATA);
		return;
	}
	if (vd != VERDICT_SUCCESS)
		return;
	switch (v->id) {
	case VERB_EHLO:
		ehlo_set_parse(&s->ehlo, r);
		session_set_state(s, SMTP_ST_READY);
		return;
	case VERB_HELO:
		ehlo_set_clear(&s->ehlo);
		session_set_state(s, SMTP_ST_READY);
		return;
	case VERB_RSET:
		if (s->state >= SMTP_ST_READY && s->state <= SMTP_ST_RCPT)
			session_set_state(s, SMTP_ST_READY);
		return;
	case VERB_RCPT:
		if (s->state == SMTP_ST_MAIL || s->state == SMTP_ST_RCPT) {
			session_set_state(s, SMTP_ST_RCPT);
			s->nrcpt++;
		}
		return;
	default:
		if (v->success_state != SMTP_ST__COUNT)
			session_set_state(s, v->success_state);
		return;
	}
}

static bool session_line_clean(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] == '\r' || line[i] == '\n' || line[i] == '\0')
			return false;
	return true;
}

enum smtp_errkind session_command(struct session *s, const struct verb *v,
    const char *line, size_t len, struct smtp_reply *out, enum verdict *vd,
    struct smtp_error *err)
{
	if (!session_line_clean(line, len))
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0,
		    "the command holds a CR, LF or NUL byte; nothing was sent");
	if (len > SMTP_COMMAND_LINE_MAX - 2)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0,
		    "the command is longer than %d octets (RFC 5321 4.5.3.1.4); nothing was sent",
		    SMTP_COMMAND_LINE_MAX);
	if (!session_is_open(s))
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "not connected (use `open HOST [PORT]`)");
	if (v == NULL) {
		size_t w = 0;
		while (w < len && line[w] != ' ')
			w++;
		v = verb_lookup(line, w);
	}
	char buf[SMTP_COMMAND_LINE_MAX];
	memcpy(buf, line, len);
	buf[len] = '\r';
	buf[len + 1] = '\n';
	unsigned to = session_timeout_ms(s, v != NULL ? v->timeout_s : SMTP_TIMEOUT_OTHER);
	enum smtp_errkind k = transport_write_all(&s->tr, buf, len + 2, to, err);
	if (k != SMTP_OK) {
		if (k == SMTP_ERR_CLOSED)
			session_close(s);
		return k;
	}
	if (v != NULL && (v->id == VERB_HELO || v->id == VERB_EHLO)) {
		/* "HELO " and "EHLO " are both five octets. */
		snprintf(s->helo_domain, sizeof s->helo_domain, "%.*s",
		    len > 5 ? (int)(len - 5) : 0, line + 5);
	}
	k = session_read_one(s, to, out, err);
	if (k != SMTP_OK)
		return k;
	session_apply_reply(s, v, out);
	if (vd != NULL)
		*vd = verb_verdict(v, out->code);
	return SMTP_OK;
}

enum smtp_errkind session_send_body(struct session *s, body_reader_fn read_body,
    void *ctx, struct smtp_reply *out, enum verdict *vd, struct smtp_error *err)
{
	if (s->state != SMTP_ST_DATA || !session_is_open(s))
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "no 354 from the server: the body was not sent (RFC 5321 4.1.1.4)");
	static const size_t chunk = SMTP_DATA_CHUNK;
	char in[SMTP_DATA_CHUNK];
	char outbuf[DOTSTUFF_ENCODE_MAX(SMTP_DATA_CHUNK) + DOTSTUFF_FINISH_MAX];
	struct dotstuff ds;
	dotstuff_init(&ds);
	unsigned to = session_timeout_ms(s, SMTP_TIMEOUT_DATA_BLOCK);
	for (;;) {
		size_t got = 0;
		enum smtp_errkind k = read_body(ctx, in, chunk, &got, err);
		if (k != SMTP_OK) {
			/* Half a body cannot be taken back: end the connection. */
			session_close(s);
			return k;
		}
		if (got == 0)
			break;
		size_t n = dotstuff_encode(&ds, in, got, outbuf);
		k = transport_write_all(&s->tr, outbuf, n, to, err);
		if (k != SMTP_OK) {
			session_close(s);
			return k;
		}
	}
	size_t n = dotstuff_finish(&ds, outbuf);
	enum smtp_errkind k = transport_write_all(&s->tr, outbuf, n, to, err);
	if (k != SMTP_OK) {
		session_close(s);
		return k;
	}
	k = session_read_one(s, session_timeout_ms(s, SMTP_TIMEOUT_DATA_TERM), out, err);
	if (k != SMTP_OK)
		return k;
	const struct verb *data = verb_by_id(VERB_DATA);
	session_apply_reply(s, data, out);
	if (vd != NULL)
		*vd = verb_verdict(data, out->code);
	return SMTP_OK;
}

enum smtp_errkind session_read_reply(struct session *s, unsigned timeout_s,
    struct smtp_reply *out, struct smtp_error *err)
{
	enum smtp_errkind k = session_read_one(s, timeout_s * 1000u, out, err);
	if (k == SMTP_OK && (out->code == 421 || out->code == SMTP_CODE_EOF))
		session_close(s);
	return k;
}

bool session_unsolicited_pending(struct session *s)
{
	return s->inpos < s->inlen || transport_readable_now(&s->tr);
}

size_t session_discard_buffered(struct session *s)
{
	size_t n = s->inlen - s->inpos;
	s->inpos = s->inlen = 0;
	reply_parser_free(&s->parser);
	reply_parser_init(&s->parser);
	return n;
}
