/*
 * starttls.c - STARTTLS on a session (RFC 3207 sections 4, 4.2 and 5, see
 * session.h's session_start_tls) and implicit TLS at connect (RFC 8314
 * 3.3, starttls.h).  The STARTTLS command itself goes through session_send
 * and its reply through session_next_reply like any other: a trusted 220
 * leaves the session waiting for the handshake (s->tls_pending), and
 * nothing else can be sent or read until session_start_tls() has run.
 *
 * Owns nothing: the TLS state belongs to the session's transport once
 * tls_start() succeeds.
 */
#include "starttls.h"

#include <string.h>

#include "clock.h"
#include "session_int.h"
#include "smtp_limits.h"

/* The most plaintext bytes after the 220 that are read to be thrown away;
 * more than this and the server is not going to do TLS. */
#define STARTTLS_DISCARD_MAX (64 * 1024)

/* Read and drop whatever the server has sent that is readable right now:
 * before our ClientHello, a TLS server has nothing to say, so any byte here
 * is plaintext injected after the 220 (ST-03).  Bounded by the deadline and
 * STARTTLS_DISCARD_MAX. */
static size_t drain_readable(struct session *s, long long deadline, struct strbuf *injected)
{
	char buf[4096];
	size_t total = 0;

	while (transport_is_open(&s->tr) && transport_readable_now(&s->tr) &&
	    total < STARTTLS_DISCARD_MAX && clock_now_ms() < deadline) {
		size_t got = 0;
		struct smtp_error e;
		if (transport_read_some(&s->tr, buf, sizeof buf, &got, 0, &e) != SMTP_OK ||
		    got == 0)
			break;
		if (injected != NULL)
			(void)strbuf_append(injected, buf, got);  /* bounded; cut is fine */
		total += got;
		s->received += got;
	}
	return total;
}

enum smtp_errkind session_start_tls(struct session *s, const struct tls_options *o,
    struct tls_info *info, size_t *discarded, struct strbuf *injected,
    struct smtp_error *err)
{
	struct tls_options opt = *o;

	if (discarded != NULL)
		*discarded = 0;
	if (!session_is_open(s))
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "not connected");
	if (!s->tls_pending)
		return smtp_error_set(err, SMTP_ERR_STATE, 0, tls_active(&s->tr)
		    ? "TLS is already active; RFC 3207 4.2 forbids a second STARTTLS"
		    : "no 220 to STARTTLS: there is no handshake to start");
	if (opt.timeout_ms == 0)
		opt.timeout_ms = (s->opt.reply_timeout_s != 0 ? s->opt.reply_timeout_s
		                                              : SMTP_TIMEOUT_TLS) * 1000u;
	long long deadline = clock_now_ms() + opt.timeout_ms;

	/* Bytes after the 220: already in the session's buffer (a whole or
	 * partial line), or readable now.  Never parsed as replies. */
	size_t dropped = s->inlen - s->inpos;
	if (injected != NULL && dropped > 0)
		(void)strbuf_append(injected, s->inbuf + s->inpos, dropped);
	reply_parser_free(&s->parser);
	reply_parser_init(&s->parser);
	s->inpos = s->inlen = 0;
	dropped += drain_readable(s, deadline, injected);
	if (discarded != NULL)
		*discarded = dropped;
	s->tls_pending = false;

	if (opt.host == NULL || opt.host[0] == '\0')
		opt.host = s->host;
	enum smtp_errkind k = tls_start(&s->tr, &opt, info, err);
	if (k != SMTP_OK) {
		/* tls_start closed the transport: no plaintext after a 220. */
		session_end_with(s, SESSION_END_LOCAL);
		return k;
	}
	/* RFC 3207 4.2: discard all knowledge not obtained from TLS itself. */
	ehlo_set_clear(&s->ehlo);
	s->helo_domain[0] = '\0';
	session_set_state(s, SMTP_ST_GREETED);
	return SMTP_OK;
}

enum smtp_errkind implicit_tls_after_connect(void *ctx, struct transport *t,
    struct smtp_error *err)
{
	struct implicit_tls *it = ctx;

	it->done = true;
	return tls_start(t, &it->opt, &it->info, err);
}
