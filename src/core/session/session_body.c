/*
 * session_body.c - the DATA body for a session (session.h): streamed from
 * the caller's reader through a fixed buffer, dot-stuffed with the state
 * carried across chunk edges (dotstuff.h; RFC 5321 4.5.2), ended with
 * CRLF.CRLF, so memory does not grow with the body.
 *
 * The reply to the body is owed from its first byte: a server that answers
 * in the middle of the body (a 552 once it has stopped reading) is heard,
 * sending stops, its reply is credited to the body, and the connection is
 * closed after it (session.c), because half a message must never be
 * completed.  Any other failure while sending closes the connection too.
 * Each chunk must be written within RFC 5321 4.5.3.2.5's data block time;
 * the reply to the final dot has 4.5.3.2.6's.
 */
#include "session_int.h"

#include <stdio.h>

#include "dotstuff.h"
#include "smtp_limits.h"

/* The reply (or replies) to the body: their deadline from now. */
static void session_owed_deadline_all(struct session *s, unsigned secs)
{
	for (size_t i = 0; i < s->owed_count; i++)
		s->owed[(s->owed_head + i) % SESSION_OWED_MAX].deadline_ms = session_deadline(s, secs);
}

static enum smtp_errkind session_body_failed(struct session *s, enum smtp_errkind k,
    struct smtp_error *err)
{
	if (k == SMTP_ERR_CLOSED)
		return session_lost(s, err);
	session_end_with(s, SESSION_END_LOCAL);
	if (k == SMTP_ERR_CANCELLED)
		return smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "the body was interrupted; the "
		    "connection was closed so that no half message is delivered");
	return k;
}

enum smtp_errkind session_body_ready(struct session *s, struct smtp_error *err)
{
	if (s->state != SMTP_ST_DATA || !session_is_open(s) || s->owed_count > 0)
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "no 354 from the server: the body was not sent (RFC 5321 4.1.1.4)");
	if (!session_pull_available(s))
		return session_lost(s, err);
	if (s->inpos < s->inlen || !reply_parser_idle(&s->parser))
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "the server spoke after its 354: "
		    "the body was not sent");
	return SMTP_OK;
}

enum smtp_errkind session_send_body(struct session *s, body_reader_fn read_body,
    void *ctx, unsigned long *seq, bool *interrupted, struct smtp_error *err)
{
	*interrupted = false;
	*seq = 0;
	enum smtp_errkind ready = session_body_ready(s, err);
	if (ready != SMTP_OK)
		return ready;
	s->body_done = false;
	session_owe_body(s, true, session_deadline(s, SMTP_TIMEOUT_DATA_BLOCK));
	*seq = s->owed[(s->owed_head + s->owed_count - 1) % SESSION_OWED_MAX].seq;

	char in[SMTP_DATA_CHUNK];
	char outbuf[DOTSTUFF_ENCODE_MAX(SMTP_DATA_CHUNK) + DOTSTUFF_FINISH_MAX];
	struct dotstuff ds;
	dotstuff_init(&ds);
	for (;;) {
		size_t got = 0;
		enum smtp_errkind k = read_body(ctx, in, sizeof in, &got, err);
		if (k != SMTP_OK)
			return session_body_failed(s, k, err);
		size_t n = got > 0 ? dotstuff_encode(&ds, in, got, outbuf)
		                   : dotstuff_finish(&ds, outbuf);
		long long deadline = session_deadline(s, SMTP_TIMEOUT_DATA_BLOCK);
		for (size_t off = 0; off < n;) {
			if (transport_readable_now(&s->tr)) {
				if (!session_pull_available(s))
					return session_body_failed(s, SMTP_ERR_CLOSED, err);
				if (s->inpos < s->inlen) {
					/* The server answered before the end: it is not
					 * reading.  Its reply is the body's. */
					s->body_cut = true;
					*interrupted = true;
					session_owed_deadline_all(s, SMTP_TIMEOUT_DATA_TERM);
					return SMTP_OK;
				}
			}
			size_t written = 0;
			k = transport_write_watching(&s->tr, outbuf + off, n - off, deadline,
			    &written, err);
			off += written;
			if (k != SMTP_OK && k != SMTP_ERR_AGAIN)
				return session_body_failed(s, k, err);
		}
		if (got == 0)
			break;
	}
	s->body_done = true;
	session_owed_deadline_all(s, SMTP_TIMEOUT_DATA_TERM);
	return SMTP_OK;
}
