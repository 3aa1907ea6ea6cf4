/*
 * session_send.c - sending for a session (session.h): one command line, a
 * pipelined group of them in one write (RFC 2920), and a BDAT chunk
 * (RFC 3030).  Each command sent is pushed on the owed queue with the
 * stream offset it was sent at (session_read.c credits replies by it), its
 * deadline, and the form in which it may be shown -- decided here from the
 * wire text, so a secret line is redacted however it was typed.
 *
 * Nothing is sent unless every line of a group is clean (no CR, LF or NUL;
 * RFC 5321 4.5.3.1.4's 512 octets); a write cut short leaves half a command
 * on the wire, so the connection is then closed.
 */
#include "session_int.h"

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "smtp_limits.h"

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

/* The verb a line is sent as: AUTH's while a challenge waits, else the
 * given one, else the line's first word. */
static const struct verb *session_line_verb(const struct session *s, const struct verb *v,
    const char *line, size_t len)
{
	if (s->in_auth)
		return verb_by_id(VERB_AUTH);      /* a response to the challenge */
	if (v != NULL)
		return v;
	size_t w = 0;
	while (w < len && line[w] != ' ')
		w++;
	return verb_lookup(line, w);
}

/* Whether anything may be sent now, and n more commands owed. */
static enum smtp_errkind session_may_send(struct session *s, size_t n, struct smtp_error *err)
{
	if (!session_is_open(s))
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "not connected (use `open HOST [PORT]`); nothing was sent");
	if (s->tls_pending)
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "STARTTLS was accepted: the TLS handshake comes first; nothing was sent");
	if (session_check_flood(s, err) != SMTP_OK)
		return SMTP_ERR_LIMIT;
	if (s->owed_count + n > SESSION_OWED_MAX)
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "%d commands are already waiting for replies; nothing was sent", SESSION_OWED_MAX);
	return SMTP_OK;
}

/* Write what was prepared; on failure, nothing is owed and a partial write
 * closes the connection. */
static enum smtp_errkind session_write(struct session *s, const char *buf, size_t len,
    long long deadline, size_t pushed, struct smtp_error *err)
{
	size_t written = 0;
	enum smtp_errkind k = transport_write_all(&s->tr, buf, len, deadline, &written, err);
	if (k == SMTP_OK)
		return SMTP_OK;
	s->owed_count -= pushed;            /* they were the last pushed */
	if (k == SMTP_ERR_CLOSED)
		return session_lost(s, err);
	if (written > 0 || k == SMTP_ERR_TIMEOUT)
		session_end_with(s, SESSION_END_LOCAL);   /* never half a command */
	return k;
}

/* Push an owed entry for a line just prepared. */
static struct session_owed *session_owe(struct session *s, const struct verb *v,
    const char *shown, size_t shown_len, long long deadline)
{
	bool behind = s->owed_count > 0;
	struct session_owed *o = session_owed_push(s);
	o->pipelined = behind;
	o->verb = v;
	memcpy(o->shown, shown, shown_len + 1);
	o->shown_len = shown_len;
	o->deadline_ms = deadline;
	return o;
}

enum smtp_errkind session_send_group(struct session *s, struct session_line *lines, size_t n,
    struct smtp_error *err)
{
	if (n == 0)
		return SMTP_OK;
	for (size_t i = 0; i < n; i++) {
		if (!session_line_clean(lines[i].line, lines[i].len))
			return smtp_error_set(err, SMTP_ERR_REFUSED, 0,
			    "the command holds a CR, LF or NUL byte; nothing was sent");
		/* RFC 4954 4: a response to an AUTH challenge may be longer. */
		if (s->in_auth && n == 1 && lines[i].len > AUTH_RESPONSE_LINE_MAX - 2)
			return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "the AUTH response is longer "
			    "than %d octets (RFC 4954 4); nothing was sent", AUTH_RESPONSE_LINE_MAX);
		if (!(s->in_auth && n == 1) && lines[i].len > SMTP_COMMAND_LINE_MAX - 2)
			return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "the command is longer than %d "
			    "octets (RFC 5321 4.5.3.1.4); nothing was sent", SMTP_COMMAND_LINE_MAX);
	}
	enum smtp_errkind k = session_may_send(s, n, err);
	if (k != SMTP_OK)
		return k;
	if (s->state == SMTP_ST_DATA && s->owed_count == 0)
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "the server is waiting for the message body; nothing was sent");
	if (n > 1 && s->in_auth)
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "an AUTH challenge waits for one response; nothing was sent");
	if (n > SESSION_GROUP_MAX)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0,
		    "more than %d commands in one group; nothing was sent", SESSION_GROUP_MAX);
	/* (Also holds one AUTH response: 128 * 512 > 12288.) */
	char buf[SESSION_GROUP_MAX * SMTP_COMMAND_LINE_MAX];
	size_t len = 0;
	bool secret = false;
	long long deadline = 0;
	for (size_t i = 0; i < n; i++) {
		struct session_line *l = &lines[i];
		l->verb = session_line_verb(s, l->verb, l->line, l->len);
		bool sec;
		size_t shown_len;
		session_shown_form(s, l->verb, l->line, l->len, l->shown, &shown_len, &sec);
		secret = secret || sec;
		memcpy(buf + len, l->line, l->len);
		buf[len + l->len] = '\r';
		buf[len + l->len + 1] = '\n';
		len += l->len + 2;
	}
	/* Everything the server has sent so far arrived before these
	 * commands: none of it can be their reply.  (An EOF seen here is met
	 * by the reader, after what was sent before it.) */
	(void)session_pull_available(s);
	if (secret && s->opt.wire_redact != NULL)
		s->opt.wire_redact(s->opt.wire_ctx, lines[0].shown);
	for (size_t i = 0; i < n; i++) {
		const struct verb *v = lines[i].verb;
		long long d = session_deadline(s, v != NULL ? v->timeout_s : SMTP_TIMEOUT_OTHER);
		struct session_owed *o = session_owe(s, v, lines[i].shown, strlen(lines[i].shown), d);
		lines[i].seq = o->seq;
		if (d > deadline)
			deadline = d;
	}
	k = session_write(s, buf, len, deadline, n, err);
	if (k != SMTP_OK)
		return k;
	s->in_auth = false;                 /* the next reply decides */
	s->unsolicited_run = 0;
	for (size_t i = 0; i < n; i++) {
		const struct verb *v = lines[i].verb;
		if (v != NULL && (v->flags & VERB_F_HELLO))   /* "HELO ", "EHLO ", "LHLO " */
			snprintf(s->helo_domain, sizeof s->helo_domain, "%.*s",
			    lines[i].len > 5 ? (int)(lines[i].len - 5) : 0, lines[i].line + 5);
	}
	return SMTP_OK;
}

enum smtp_errkind session_send(struct session *s, const struct verb *v,
    const char *line, size_t len, unsigned long *seq, char *shown,
    struct smtp_error *err)
{
	struct session_line l = { .verb = v, .line = line, .len = len };
	enum smtp_errkind k = session_send_group(s, &l, 1, err);
	if (k != SMTP_OK)
		return k;
	if (seq != NULL)
		*seq = l.seq;
	if (shown != NULL)
		memcpy(shown, l.shown, strlen(l.shown) + 1);
	return SMTP_OK;
}

void session_owe_body(struct session *s, bool data, long long deadline)
{
	/* LMTP (RFC 2033 4.2): one reply per accepted recipient, in order. */
	size_t n = s->lmtp && s->nrcpt > 0 ? s->nrcpt : 1;
	for (size_t i = 0; i < n; i++) {
		char shown[SESSION_SHOWN_MAX];
		int len;
		if (s->lmtp && s->nrcpt > 0 && i < SESSION_RCPT_KEEP)
			len = snprintf(shown, sizeof shown, "<end of data for %s>", s->rcpt_addr[i]);
		else if (s->lmtp && s->nrcpt > 0)
			len = snprintf(shown, sizeof shown, "<end of data for recipient %zu>", i + 1);
		else
			len = snprintf(shown, sizeof shown, "<end of data>");
		struct session_owed *o = session_owe(s, verb_by_id(data ? VERB_DATA : VERB_BDAT),
		    shown, (size_t)len, deadline);
		o->body_end = true;
	}
}

enum smtp_errkind session_send_chunk(struct session *s, const char *data, size_t len,
    bool last, unsigned long *seq, struct smtp_error *err)
{
	enum smtp_errkind k = session_may_send(s, last && s->lmtp ? s->nrcpt + 1 : 1, err);
	if (k != SMTP_OK)
		return k;
	if (s->state != SMTP_ST_RCPT)
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "BDAT needs an accepted recipient "
		    "first (RFC 3030 2); nothing was sent");
	char head[64];
	int hlen = snprintf(head, sizeof head, "BDAT %zu%s", len, last ? " LAST" : "");
	(void)session_pull_available(s);
	size_t before = s->owed_count;
	long long deadline = session_deadline(s, last ? SMTP_TIMEOUT_DATA_TERM : SMTP_TIMEOUT_DATA_BLOCK);
	if (last) {
		session_owe_body(s, false, deadline);
		struct session_owed *first = &s->owed[(s->owed_head + before) % SESSION_OWED_MAX];
		if (!s->lmtp || s->nrcpt == 0) {
			memcpy(first->shown, head, (size_t)hlen + 1);
			first->shown_len = (size_t)hlen;
		}
	} else {
		(void)session_owe(s, verb_by_id(VERB_BDAT), head, (size_t)hlen, deadline);
	}
	if (seq != NULL)
		*seq = s->owed[(s->owed_head + s->owed_count - 1) % SESSION_OWED_MAX].seq;
	head[hlen] = '\r';
	head[hlen + 1] = '\n';
	size_t pushed = s->owed_count - before;
	k = session_write(s, head, (size_t)hlen + 2, deadline, pushed, err);
	if (k == SMTP_OK && len > 0) {
		size_t written = 0;
		k = transport_write_all(&s->tr, data, len, deadline, &written, err);
		if (k != SMTP_OK) {
			s->owed_count -= pushed;
			/* Half a chunk cannot be taken back. */
			if (k == SMTP_ERR_CLOSED)
				return session_lost(s, err);
			session_end_with(s, SESSION_END_LOCAL);
			return k;
		}
	}
	if (k == SMTP_OK)
		s->unsolicited_run = 0;
	return k;
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

