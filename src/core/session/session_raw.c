/*
 * session_raw.c - the one place a DATA body leaves without dot-stuffing
 * (session.h's session_send_raw_body): the audit's SMTP smuggling probe
 * sends bodies whose bytes are the test -- malformed ends of data such as
 * LF.LF -- so they must reach the server as they are.  Bounded to
 * SESSION_RAW_BODY_MAX bytes, written in one go; the body's reply is owed
 * as for session_send_body.  Every other body goes through
 * session_body.c (dotstuff.h).
 */
#include "session_int.h"

#include "smtp_limits.h"

enum smtp_errkind session_send_raw_body(struct session *s, const char *data, size_t len,
    unsigned long *seq, struct smtp_error *err)
{
	*seq = 0;
	if (len > SESSION_RAW_BODY_MAX)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "a raw body is at most %d bytes",
		    SESSION_RAW_BODY_MAX);
	enum smtp_errkind ready = session_body_ready(s, err);
	if (ready != SMTP_OK)
		return ready;
	s->body_done = false;
	session_owe_body(s, true, session_deadline(s, SMTP_TIMEOUT_DATA_TERM));
	*seq = s->owed[(s->owed_head + s->owed_count - 1) % SESSION_OWED_MAX].seq;
	size_t written = 0;
	enum smtp_errkind k = transport_write_all(&s->tr, data, len,
	    session_deadline(s, SMTP_TIMEOUT_DATA_BLOCK), &written, err);
	if (k == SMTP_ERR_CLOSED)
		return session_lost(s, err);
	if (k != SMTP_OK) {
		session_end_with(s, SESSION_END_LOCAL);
		return k;
	}
	s->body_done = true;
	return SMTP_OK;
}
