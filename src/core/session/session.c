/*
 * session.c - one client SMTP session (session.h): its life (new, open,
 * close, free), applying each reply's step of RFC 821's diagram (the pure
 * smtp_transition() of transition.c) to the session, and the accessors.
 * A PROXY header (proxy.h), when the options ask for one, is the first
 * write of a connection.  Sending is session_send.c's, reading and crediting replies
 * session_read.c's, the DATA body session_body.c's, STARTTLS starttls.c's.
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
#include <sys/socket.h>

#include "auth.h"
#include "clock.h"
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
	o->sent_ms = clock_now_ms();
	o->sent_us = clock_now_us();
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
	secret_mask_clear(&s->mask);
	free(s);
}

bool session_is_open(const struct session *s)
{
	return transport_is_open(&s->tr);
}

long long session_deadline(const struct session *s, unsigned verb_default_s)
{
	unsigned secs = s->opt.reply_timeout_s != 0 ? s->opt.reply_timeout_s : verb_default_s;
	return clock_now_ms() + (long long)secs * 1000;
}

bool session_port_ok(const char *port)
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
	return session_open_at(s, host, NULL, port, err);
}

/* The PROXY header (proxy.h), the first bytes on the connection: the ends
 * not given are the socket's own.  A write cut short closes the connection
 * (session_open_at), like half a command. */
static enum smtp_errkind session_send_proxy(struct session *s, struct smtp_error *err)
{
	const struct proxy_config *pc = s->opt.proxy;
	struct proxy_endpoint src = pc->source, dst = pc->dest;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	bool known = true;
	if (src.family == 0)
		known = getsockname(s->tr.fd, (struct sockaddr *)&ss, &sl) == 0 &&
		    proxy_endpoint_from_sockaddr(&ss, sl, &src);
	sl = sizeof ss;
	if (known && dst.family == 0)
		known = getpeername(s->tr.fd, (struct sockaddr *)&ss, &sl) == 0 &&
		    proxy_endpoint_from_sockaddr(&ss, sl, &dst);
	if (!known && (pc->source.family != 0 || pc->dest.family != 0))
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "PROXY over a unix: socket: give both "
		    "--proxy-source and --proxy-dest, or neither (PROXY UNKNOWN)");
	uint8_t buf[PROXY_HEADER_MAX];
	size_t len;
	enum smtp_errkind k = proxy_header_build(pc->version, known ? &src : NULL,
	    known ? &dst : NULL, buf, &len, s->proxy_shown, sizeof s->proxy_shown, err);
	if (k != SMTP_OK)
		return k;
	return transport_write_all(&s->tr, buf, len,
	    session_deadline(s, SMTP_TIMEOUT_OTHER), NULL, err);
}

enum smtp_errkind session_open_at(struct session *s, const char *host, const char *address,
    const char *port, struct smtp_error *err)
{
	if (port == NULL || transport_is_unix(host))
		port = transport_is_unix(host) ? "" : SMTP_DEFAULT_PORT;
	if (!transport_is_unix(host) && !session_port_ok(port))
		return smtp_error_set(err, SMTP_ERR_USAGE, 0,
		    "port \"%.20s\" is not a port number (1..65535): refused", port);
	if (session_is_open(s))
		session_close(s);
	snprintf(s->host, sizeof s->host, "%s", host);
	snprintf(s->port, sizeof s->port, "%s", port);
	ehlo_set_clear(&s->ehlo);
	s->helo_domain[0] = '\0';
	s->greeting_domain[0] = '\0';
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
	struct transport_target to = { .host = address != NULL ? address : s->host,
	    .port = s->port, .family = s->opt.family, .timeout_ms = cto,
	    .bind = s->opt.bind_address };
	enum smtp_errkind k = transport_connect(&s->tr, &to, err);
	if (k != SMTP_OK) {
		session_set_state(s, SMTP_ST_DISCONNECTED);
		return k;
	}
	session_set_state(s, SMTP_ST_CONNECTED);
	struct session_owed *g = session_owed_push(s);
	g->greeting = true;
	g->deadline_ms = session_deadline(s, SMTP_TIMEOUT_GREETING);
	s->proxy_shown[0] = '\0';
	if (s->opt.proxy != NULL && s->opt.proxy->version != 0) {
		k = session_send_proxy(s, err);
		if (k != SMTP_OK) {
			session_end_with(s, SESSION_END_LOCAL);
			return k;
		}
	}
	if (s->opt.after_connect != NULL) {
		k = s->opt.after_connect(s->opt.after_connect_ctx, &s->tr, err);
		if (k != SMTP_OK) {
			session_end_with(s, SESSION_END_LOCAL);
			return k;
		}
	}
	return SMTP_OK;
}

/* The address of "RCPT TO:<addr> ...", as sent. */
static void session_keep_recipient(char *dst, const char *line)
{
	const char *lt = strchr(line, '<');
	const char *gt = lt != NULL ? strchr(lt, '>') : NULL;
	if (lt == NULL || gt == NULL)
		snprintf(dst, SESSION_ADDR_MAX, "%.*s", SESSION_ADDR_MAX - 1, line);
	else
		snprintf(dst, SESSION_ADDR_MAX, "%.*s", (int)(gt - lt - 1), lt + 1);
}

enum smtp_errkind session_attach(struct session *s, const struct transport_ops *ops, void *ctx,
    int fd, const char *label, struct smtp_error *err)
{
	if (session_is_open(s))
		session_close(s);
	snprintf(s->host, sizeof s->host, "%s", label);
	snprintf(s->port, sizeof s->port, "-");
	ehlo_set_clear(&s->ehlo);
	s->helo_domain[0] = '\0';
	s->greeting_domain[0] = '\0';
	s->last_code = 0;
	s->end = SESSION_END_NONE;
	s->unsolicited_run = 0;
	session_reset_input(s);
	session_owed_clear(s);
	transport_init(&s->tr);
	s->tr.ops = ops;
	s->tr.ctx = ctx;
	s->tr.fd = fd;
	s->tr.cancel_fd = s->opt.cancel_fd;
	snprintf(s->tr.peer_addr, sizeof s->tr.peer_addr, "replay");
	session_set_state(s, SMTP_ST_CONNECTED);
	struct session_owed *g = session_owed_push(s);
	g->greeting = true;
	g->deadline_ms = session_deadline(s, SMTP_TIMEOUT_GREETING);
	(void)err;
	return SMTP_OK;
}

void session_tls_replayed(struct session *s)
{
	if (!s->tls_pending)
		return;
	s->tls_pending = false;
	session_reset_input(s);
	ehlo_set_clear(&s->ehlo);
	s->helo_domain[0] = '\0';
	s->greeting_domain[0] = '\0';
	session_set_state(s, SMTP_ST_GREETED);
}

static bool session_reply_trusted(const struct smtp_reply *r)
{
	return r->code >= 100 && r->code <= 599 &&
	    (r->flags & (REPLY_F_MIXED_CODES | REPLY_F_MALFORMED)) == 0;
}

struct smtp_step session_apply_reply(struct session *s, const struct session_owed *o,
    const struct smtp_reply *r)
{
	const struct verb *v = o != NULL ? o->verb : NULL;
	bool trusted = session_reply_trusted(r);
	enum smtp_answers what = o == NULL ? SMTP_ANSWERS_NOTHING :
	    o->greeting ? SMTP_ANSWERS_GREETING :
	    o->body_end ? SMTP_ANSWERS_BODY : SMTP_ANSWERS_COMMAND;
	struct smtp_step st = smtp_transition(s->state, what, v, r->code, trusted);
	if (st.effect == SMTP_EFFECT_CLOSE_421) {
		session_end_with(s, SESSION_END_421);
		return st;
	}
	if (st.effect == SMTP_EFFECT_CLOSE_EOF) {
		session_end_with(s, o != NULL && o->body_end ? SESSION_END_AFTER_DOT
		                                             : SESSION_END_DROPPED);
		return st;
	}
	if (o == NULL)
		return st;             /* unsolicited: no state change */
	if (trusted) {
		s->last_code = r->code;
		snprintf(s->last_command, sizeof s->last_command, "%s",
		    o->body_end ? "the message" : v != NULL ? v->name : "the command");
	}
	if (what == SMTP_ANSWERS_COMMAND)
		s->in_auth = st.effect == SMTP_EFFECT_CHALLENGE;
	if (what == SMTP_ANSWERS_BODY && s->body_cut) {
		/* The server spoke mid-body: its reply ends the session. */
		s->body_cut = false;
		session_end_with(s, SESSION_END_LOCAL);
		return st;
	}
	switch (st.effect) {
	case SMTP_EFFECT_CLOSE_QUIT:
		session_end_with(s, SESSION_END_QUIT);
		return st;
	case SMTP_EFFECT_TLS_PENDING:
		s->tls_pending = true;
		break;
	case SMTP_EFFECT_HELLO:
		s->lmtp = (v->flags & VERB_F_LMTP) != 0;
		if (v->flags & VERB_F_EXTENSIONS)
			ehlo_set_parse(&s->ehlo, r);
		else
			ehlo_set_clear(&s->ehlo);
		break;
	default:
		break;
	}
	if (st.state != s->state)
		session_set_state(s, st.state);
	if (st.effect == SMTP_EFFECT_GREETED && r->nlines > 0)
		ehlo_domain_word(r->lines[0].text, r->lines[0].len, s->greeting_domain,
		    sizeof s->greeting_domain);
	if (st.effect == SMTP_EFFECT_RECIPIENT) {
		if (s->nrcpt < SESSION_RCPT_KEEP)
			session_keep_recipient(s->rcpt_addr[s->nrcpt], o->shown);
		s->nrcpt++;
	}
	return st;
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
const char *session_proxy_shown(const struct session *s) { return s->proxy_shown; }
const char *session_helo_domain(const struct session *s) { return s->helo_domain; }
const char *session_greeting_domain(const struct session *s) { return s->greeting_domain; }
bool session_tls_active(const struct session *s) { return tls_active(&s->tr); }
enum smtp_errkind session_tls_chain_pem(const struct session *s, struct strbuf *out,
    size_t *count, struct smtp_error *err)
{
	return tls_chain_pem(&s->tr, out, count, err);
}
bool session_tls_pending(const struct session *s) { return s->tls_pending; }
bool session_in_auth(const struct session *s) { return s->in_auth; }

bool session_auth_owed(const struct session *s)
{
	for (size_t i = 0; i < s->owed_count; i++) {
		const struct verb *v = s->owed[(s->owed_head + i) % SESSION_OWED_MAX].verb;
		if (v != NULL && v->id == VERB_AUTH)
			return true;
	}
	return false;
}
bool session_lmtp(const struct session *s) { return s->lmtp; }
enum session_end session_end(const struct session *s) { return s->end; }
size_t session_owed(const struct session *s) { return s->owed_count; }

const char *session_owed_command(const struct session *s, size_t i)
{
	if (i >= s->owed_count)
		return NULL;
	const struct session_owed *o = &s->owed[(s->owed_head + i) % SESSION_OWED_MAX];
	return o->greeting ? "the greeting" : o->shown;
}

int session_watch_fd(const struct session *s)
{
	return s->tr.fd;
}

bool session_input_pending(struct session *s)
{
	return s->inpos < s->inlen || !reply_parser_idle(&s->parser) ||
	    transport_readable_now(&s->tr);
}
