/*
 * starttls.c - STARTTLS on a session (RFC 3207 sections 4 and 4.2), see
 * starttls.h.  Uses only session.h's public API; owns nothing (the TLS state
 * belongs to the session's transport once tls_start() succeeds).
 */
#include "starttls.h"

#include <string.h>

#include "smtp_limits.h"
#include "verbs.h"

/* Read and drop whatever the server has sent that is readable right now:
 * before our ClientHello, a TLS server has nothing to say, so any byte here
 * is plaintext injected after the 220 (ST-03). */
static size_t drain_readable(struct session *s, struct strbuf *injected)
{
	char buf[4096];
	size_t total = 0;

	while (transport_is_open(&s->tr) && transport_readable_now(&s->tr)) {
		size_t got = 0;
		struct smtp_error e;
		if (transport_read_some(&s->tr, buf, sizeof buf, &got, 0, &e) != SMTP_OK ||
		    got == 0)
			break;
		if (injected != NULL)
			(void)strbuf_append(injected, buf, got);  /* bounded; cut is fine */
		total += got;
	}
	return total;
}

enum smtp_errkind session_starttls(struct session *s, const struct tls_options *o,
    struct smtp_reply *out, struct tls_info *info, size_t *discarded,
    struct strbuf *injected, struct smtp_error *err)
{
	const struct verb *v = verb_by_id(VERB_STARTTLS);
	struct tls_options opt = *o;
	enum verdict vd;
	enum smtp_errkind k;
	size_t dropped;

	if (discarded != NULL)
		*discarded = 0;
	if (!session_is_open(s))
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "not connected");
	if (tls_active(&s->tr))
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "TLS is already active; RFC 3207 4.2 forbids a second STARTTLS");

	k = session_command(s, v, "STARTTLS", 8, out, &vd, err);
	if (k != SMTP_OK)
		return k;
	if (out->code != 220)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0,
		    "server refused STARTTLS (%d): the connection is still plaintext",
		    out->code);

	/* Bytes after the 220: already in the session's buffer (a whole or
	 * partial line), or readable now.  Never parsed as replies. */
	if (injected != NULL && s->inlen > s->inpos)
		(void)strbuf_append(injected, s->inbuf + s->inpos, s->inlen - s->inpos);
	dropped = session_discard_buffered(s);
	dropped += drain_readable(s, injected);
	if (discarded != NULL)
		*discarded = dropped;

	if (opt.host == NULL || opt.host[0] == '\0')
		opt.host = s->host;
	k = tls_start(&s->tr, &opt, info, err);
	if (k != SMTP_OK) {
		/* tls_start closed the transport: no plaintext after a 220. */
		session_close(s);
		session_set_state(s, SMTP_ST_CLOSED);
		return k;
	}
	/* RFC 3207 4.2: discard all knowledge not obtained from TLS itself. */
	ehlo_set_clear(&s->ehlo);
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
