/*
 * session.c - one client SMTP session (session.h): its life (new, open,
 * close, free), sending a command and owing it a reply, the state machine
 * after RFC 821's diagram driven by the verb table's flags, and the
 * accessors.  Reading and crediting replies is session_read.c's, the DATA
 * body session_body.c's, STARTTLS starttls.c's.
 *
 * session_set_state() is the only writer of s->state.  A reply that is 600,
 * 621 or carries mixed codes never advances the state (RP-01).  A 421 or an
 * EOF closes the session (RFC 5321 3.8; a close without 221/421 is treated
 * as 421, as SwiftMailer's notes and the scsh client do).
 *
 * Owns: the transport (and its TLS state), the reply parser, the owed queue.
 */
#include "session_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "smtp_limits.h"

void session_reply_init(struct session_reply *r)
{
	memset(r, 0, sizeof *r);
	smtp_reply_init(&r->reply);
}

void session_reply_free(struct session_reply *r)
{
	smtp_reply_free(&r->reply);
	session_reply_init(r);
}

struct session *session_new(const struct session_options *opt)
{
	struct session *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	if (opt != NULL)
		s->opt = *opt;
	else
		s->opt.cancel_fd = -1;
	transport_init(&s->tr);
	if (reply_parser_init(&s->parser) != SMTP_OK) {
		free(s);
		return NULL;
	}
	s->state = SMTP_ST_DISCONNECTED;
	return s;
}

void session_set_state(struct session *s, enum smtp_state st)
{
	enum smtp_state from = s->state;
	s->state = st;
	if (st != SMTP_ST_RCPT && st != SMTP_ST_DATA)
		s->nrcpt = 0;          /* a transaction's recipients end with it */
	if (from != st && s->opt.on_state != NULL)
		s->opt.on_state(s->opt.on_state_ctx, from, st);
}

void session_owed_clear(struct session *s)
{
	s->owed_head = s->owed_count = 0;
}

struct session_owed *session_owed_head(struct session *s)
{
	return s->owed_count > 0 ? &s->owed[s->owed_head] : NULL;
}

void session_owed_pop(struct session *s)
{
	if (s->owed_count == 0)
		return;
	s->owed_head = (s->owed_head + 1) % SESSION_OWED_MAX;
	s->owed_count--;
}

struct session_owed *session_owed_push(struct session *s)
{
	if (s->owed_count == SESSION_OWED_MAX)
		return NULL;
	struct session_owed *o = &s->owed[(s->owed_head + s->owed_count) % SESSION_OWED_MAX];
	memset(o, 0, sizeof *o);
	o->seq = ++s->next_seq;
	o->sent_offset = s->received;
	o->sent_ms = transport_now_ms();
	o->sent_us = session_now_us();
	s->owed_count++;
	return o;
}

static void session_reset_input(struct session *s)
{
	reply_parser_free(&s->parser);
	reply_parser_init(&s->parser);
	s->inpos = s->inlen = 0;
	s->reply_bytes = 0;
}

void session_end_with(struct session *s, enum session_end why)
{
	bool was_open = transport_is_open(&s->tr);
	transport_close(&s->tr);
	session_reset_input(s);
	session_owed_clear(s);
	s->in_auth = s->tls_pending = s->body_cut = false;
	if (was_open && s->end == SESSION_END_NONE)
		s->end = why;
	if (s->state != SMTP_ST_DISCONNECTED)
		session_set_state(s, SMTP_ST_CLOSED);
}

void session_close(struct session *s)
{
	session_end_with(s, SESSION_END_LOCAL);
}

void session_free(struct session *s)
{
	if (s == NULL)
		return;
	transport_close(&s->tr);
	reply_parser_free(&s->parser);
	free(s);
}

bool session_is_open(const struct session *s)
{
	return transport_is_open(&s->tr);
}

long long session_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long session_deadline(const struct session *s, unsigned verb_default_s)
{
	unsigned secs = s->opt.reply_timeout_s != 0 ? s->opt.reply_timeout_s : verb_default_s;
	return transport_now_ms() + (long long)secs * 1000;
}

/* A numeric port must be 1..65535; a service name is left to getaddrinfo. */
static bool session_port_ok(const char *port)
{
	if (port[0] == '\0')
		return false;
	if (strspn(port, "0123456789") != strlen(port))
		return true;
	if (strlen(port) > 5)
		return false;
	long v = strtol(port, NULL, 10);
	return v >= 1 && v <= 65535;
}

enum smtp_errkind session_open(struct session *s, const char *host, const char *port,
    struct smtp_error *err)
{
	if (port == NULL)
		port = SMTP_DEFAULT_PORT;
	if (!session_port_ok(port))
		return smtp_error_set(err, SMTP_ERR_USAGE, 0,
		    "port \"%.20s\" is not a port number (1..65535): refused", port);
	if (session_is_open(s))
		session_close(s);
	snprintf(s->host, sizeof s->host, "%s", host);
	snprintf(s->port, sizeof s->port, "%s", port);
	ehlo_set_clear(&s->ehlo);
	s->helo_domain[0] = '\0';
	s->last_code = 0;
	s->last_command[0] = '\0';
	s->end = SESSION_END_NONE;
	s->unsolicited_run = 0;
	session_reset_input(s);
	session_owed_clear(s);
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
	struct session_owed *g = session_owed_push(s);
	g->greeting = true;
	g->deadline_ms = session_deadline(s, SMTP_TIMEOUT_GREETING);
	if (s->opt.after_connect != NULL) {
		k = s->opt.after_connect(s->opt.after_connect_ctx, &s->tr, err);
		if (k != SMTP_OK) {
			session_end_with(s, SESSION_END_LOCAL);
			return k;
		}
	}
	return SMTP_OK;
}

static bool session_reply_trusted(const struct smtp_reply *r)
{
	return r->code >= 100 && r->code <= 599 &&
	    (r->flags & (REPLY_F_MIXED_CODES | REPLY_F_MALFORMED)) == 0;
}

void session_apply_reply(struct session *s, const struct session_owed *o,
    const struct smtp_reply *r)
{
	const struct verb *v = o != NULL ? o->verb : NULL;
	if (r->code == 421) {
		session_end_with(s, SESSION_END_421);
		return;
	}
	if (r->code == SMTP_CODE_EOF) {
		session_end_with(s, o != NULL && o->body_end ? SESSION_END_AFTER_DOT
		                                             : SESSION_END_DROPPED);
		return;
	}
	bool trusted = session_reply_trusted(r);
	if (o == NULL)
		return;                /* unsolicited: no state change */
	if (trusted) {
		s->last_code = r->code;
		snprintf(s->last_command, sizeof s->last_command, "%s",
		    o->body_end ? "the message" : v != NULL ? v->name : "the command");
	}
	if (o->greeting) {
		if (s->state == SMTP_ST_CONNECTED && trusted && r->code == 220)
			session_set_state(s, SMTP_ST_GREETED);
		return;
	}
	if (o->body_end) {
		/* The reply to the end of the body: the transaction is over. */
		bool cut = s->body_cut;
		s->body_cut = false;
		if (cut)
			session_end_with(s, SESSION_END_LOCAL);
		else if (s->state == SMTP_ST_DATA)
			session_set_state(s, SMTP_ST_READY);
		return;
	}
	s->in_auth = trusted && v != NULL && (v->flags & VERB_F_CHALLENGE) != 0 &&
	    r->code / 100 == 3;
	if (!trusted || v == NULL)
		return;
	enum verdict vd = verb_verdict(v, r->code);
	if (v->flags & VERB_F_BODY) {
		if (vd == VERDICT_INTERMEDIATE)
			session_set_state(s, SMTP_ST_DATA);
		return;
	}
	if (vd != VERDICT_SUCCESS)
		return;
	if (v->flags & VERB_F_CLOSES) {
		session_end_with(s, SESSION_END_QUIT);
		return;
	}
	if (v->flags & VERB_F_STARTS_TLS) {
		s->tls_pending = true;
		return;
	}
	if (v->flags & VERB_F_HELLO) {
		if (v->flags & VERB_F_EXTENSIONS)
			ehlo_set_parse(&s->ehlo, r);
		else
			ehlo_set_clear(&s->ehlo);
		session_set_state(s, SMTP_ST_READY);
		return;
	}
	if (v->flags & VERB_F_RESETS) {
		if (s->state >= SMTP_ST_READY && s->state <= SMTP_ST_RCPT)
			session_set_state(s, SMTP_ST_READY);
		return;
	}
	if (v->flags & VERB_F_RECIPIENT) {
		if (s->state == SMTP_ST_MAIL || s->state == SMTP_ST_RCPT) {
			session_set_state(s, SMTP_ST_RCPT);
			s->nrcpt++;
		}
		return;
	}
	if (v->success_state != SMTP_ST__COUNT)
		session_set_state(s, v->success_state);
}

static bool session_line_clean(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] == '\r' || line[i] == '\n' || line[i] == '\0')
			return false;
	return true;
}

/* The form of a line that may be shown: decided from the wire text. */
static void session_shown_form(const struct session *s, const struct verb *v,
    const char *line, size_t len, char *shown, size_t *shown_len, bool *secret)
{
	*secret = false;
	if (s->in_auth || (v != NULL && (v->flags & VERB_F_SENSITIVE))) {
		struct strbuf sb;
		strbuf_init(&sb, SESSION_SHOWN_MAX - 1);
		if (s->in_auth)
			(void)strbuf_appendf(&sb, "%s", len == 1 && line[0] == '*' ? "*" : AUTH_PLACEHOLDER);
		else
			(void)auth_line_display(line, len, &sb);
		*secret = sb.len != len || memcmp(sb.data != NULL ? sb.data : "", line, len) != 0;
		memcpy(shown, strbuf_str(&sb), sb.len + 1);
		*shown_len = sb.len;
		strbuf_free(&sb);
		return;
	}
	memcpy(shown, line, len);
	shown[len] = '\0';
	*shown_len = len;
}

bool session_pull_available(struct session *s)
{
	if (!transport_is_open(&s->tr))
		return false;
	if (s->inpos > 0 && s->inpos < s->inlen)
		memmove(s->inbuf, s->inbuf + s->inpos, s->inlen - s->inpos);
	s->inlen -= s->inpos;
	s->inpos = 0;
	while (s->inlen < sizeof s->inbuf && transport_readable_now(&s->tr)) {
		size_t got = 0;
		struct smtp_error e;
		enum smtp_errkind k = transport_read_some(&s->tr, s->inbuf + s->inlen,
		    sizeof s->inbuf - s->inlen, &got, 0, &e);
		if (k == SMTP_ERR_TIMEOUT)
			break;             /* TLS records with no data for us */
		if (k == SMTP_ERR_CLOSED || (k == SMTP_OK && got == 0))
			return false;
		if (k != SMTP_OK)
			break;             /* met again by the reader */
		s->inlen += got;
		s->received += got;
	}
	return true;
}

enum smtp_errkind session_send(struct session *s, const struct verb *v,
    const char *line, size_t len, unsigned long *seq, char *shown,
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
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "not connected (use `open HOST [PORT]`); nothing was sent");
	if (s->tls_pending)
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "STARTTLS was accepted: the TLS handshake comes first; nothing was sent");
	if (s->state == SMTP_ST_DATA && s->owed_count == 0)
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "the server is waiting for the message body; nothing was sent");
	if (session_check_flood(s, err) != SMTP_OK)
		return SMTP_ERR_LIMIT;
	if (s->owed_count == SESSION_OWED_MAX)
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "%d commands are already waiting for replies; nothing was sent", SESSION_OWED_MAX);
	if (s->in_auth)
		v = verb_by_id(VERB_AUTH);      /* a response to the challenge */
	else if (v == NULL) {
		size_t w = 0;
		while (w < len && line[w] != ' ')
			w++;
		v = verb_lookup(line, w);
	}
	struct session_owed tmp;
	bool secret;
	session_shown_form(s, v, line, len, tmp.shown, &tmp.shown_len, &secret);

	/* Everything the server has sent so far arrived before this command:
	 * none of it can be its reply.  (An EOF seen here is met by the
	 * reader, after what was sent before it.) */
	(void)session_pull_available(s);

	char buf[SMTP_COMMAND_LINE_MAX];
	memcpy(buf, line, len);
	buf[len] = '\r';
	buf[len + 1] = '\n';
	long long deadline = session_deadline(s, v != NULL ? v->timeout_s : SMTP_TIMEOUT_OTHER);
	if (secret && s->opt.wire_redact != NULL)
		s->opt.wire_redact(s->opt.wire_ctx, tmp.shown);
	struct session_owed *o = session_owed_push(s);
	size_t written = 0;
	enum smtp_errkind k = transport_write_all(&s->tr, buf, len + 2, deadline, &written, err);
	if (k != SMTP_OK) {
		s->owed_count--;        /* it was the last pushed */
		if (k == SMTP_ERR_CLOSED)
			return session_lost(s, err);
		if (written > 0 || k == SMTP_ERR_TIMEOUT)
			session_end_with(s, SESSION_END_LOCAL);   /* never half a command */
		return k;
	}
	o->verb = v;
	memcpy(o->shown, tmp.shown, tmp.shown_len + 1);
	o->shown_len = tmp.shown_len;
	o->deadline_ms = deadline;
	s->in_auth = false;                 /* the next reply decides */
	s->unsolicited_run = 0;
	if (v != NULL && (v->flags & VERB_F_HELLO))
		snprintf(s->helo_domain, sizeof s->helo_domain, "%.*s",
		    len > 5 ? (int)(len - 5) : 0, line + 5);   /* "HELO " and "EHLO " */
	if (seq != NULL)
		*seq = o->seq;
	if (shown != NULL)
		memcpy(shown, o->shown, o->shown_len + 1);
	return SMTP_OK;
}

enum smtp_errkind session_command(struct session *s, const struct verb *v,
    const char *line, size_t len, struct session_reply *out,
    void (*on_other)(void *ctx, const struct session_reply *r), void *ctx,
    struct smtp_error *err)
{
	unsigned long seq;
	enum smtp_errkind k = session_send(s, v, line, len, &seq, NULL, err);
	while (k == SMTP_OK) {
		k = session_next_reply(s, SESSION_WAIT_OWED, out, err);
		if (k != SMTP_OK || out->seq == seq)
			break;
		if (on_other != NULL)
			on_other(ctx, out);
	}
	return k;
}

enum smtp_errkind session_hand_over(struct session *s, int *fd, char *pre,
    size_t cap, size_t *pre_len, struct smtp_error *err)
{
	if (!session_is_open(s) || s->state != SMTP_ST_TURNED)
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "no TURN was accepted");
	if (tls_active(&s->tr))
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "the connection is under TLS: the turned session cannot be served");
	size_t n = s->inlen - s->inpos;
	if (n > cap)
		n = cap;
	memcpy(pre, s->inbuf + s->inpos, n);
	*pre_len = n;
	*fd = s->tr.fd;
	s->tr.fd = -1;                      /* the caller owns the socket now */
	session_end_with(s, SESSION_END_LOCAL);
	return SMTP_OK;
}

enum smtp_state session_state(const struct session *s) { return s->state; }
unsigned session_recipients(const struct session *s) { return s->nrcpt; }
const struct ehlo_set *session_extensions(const struct session *s) { return &s->ehlo; }
const char *session_host(const struct session *s) { return s->host; }
const char *session_port(const struct session *s) { return s->port; }
const char *session_peer_address(const struct session *s) { return s->tr.peer_addr; }
const char *session_helo_domain(const struct session *s) { return s->helo_domain; }
bool session_tls_active(const struct session *s) { return tls_active(&s->tr); }
bool session_tls_pending(const struct session *s) { return s->tls_pending; }
bool session_in_auth(const struct session *s) { return s->in_auth; }
enum session_end session_end(const struct session *s) { return s->end; }
size_t session_owed(const struct session *s) { return s->owed_count; }

const char *session_owed_command(const struct session *s, size_t i)
{
	if (i >= s->owed_count)
		return NULL;
	const struct session_owed *o = &s->owed[(s->owed_head + i) % SESSION_OWED_MAX];
	return o->greeting ? "the greeting" : o->shown;
}

bool session_input_pending(struct session *s)
{
	return s->inpos < s->inlen || !reply_parser_idle(&s->parser) ||
	    transport_readable_now(&s->tr);
}
