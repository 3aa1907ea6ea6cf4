/*
 * server_reply.c - what a teaching-server connection says and where it
 * stands: the reply lines it queues (srv_reply, srv_reply_more: one line
 * of at most 512 octets, RFC 5321 4.5.3.1.5; 4xx/5xx counted for the error
 * limit), the standard wordings taken from the one code table (codes.h;
 * srv_reply_std, srv_reply_stdf, srv_shutdown_reply), the room in its
 * output buffer (srv_out_compact), and its place in RFC 821's state
 * diagram, which only srv_set_state writes; and what it tells the
 * server's listener (srv_tell: --serve's log).
 *
 * A leaf: it calls nothing else of the server's files, so every file that
 * produces replies depends on this one and not on the others.  Never
 * prints; everything goes to the connection's bounded output buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codes.h"
#include "server_int.h"

__attribute__((format(printf, 4, 0)))
static void srv_vreply(struct srv_conn *c, int code, char sep, const char *fmt, va_list ap)
{
	char text[SMTP_REPLY_LINE_MAX];
	vsnprintf(text, sizeof text, fmt, ap);
	/* RFC 5321 4.5.3.1.5: a reply line is at most 512 octets with CRLF. */
	strbuf_appendf(&c->out, "%03d%c%.*s\r\n", code, sep, SMTP_REPLY_LINE_MAX - 6, text);
	if (sep == ' ' && code >= 400)
		c->errors++;
	if (sep == ' ')
		c->last_code = code;
}

void srv_tell(const struct srv *s, const struct srv_conn *c, enum server_event_kind kind,
    const char *line, size_t len)
{
	if (s->cfg.on_event == NULL)
		return;
	struct server_event e = { .kind = kind, .session = c->session, .peer = c->peer_text,
	    .helo = c->helo, .line = line, .len = len, .code = c->last_code, .state = c->state,
	    .errors = c->errors };
	s->cfg.on_event(s->cfg.event_ctx, &e);
}

void srv_reply(struct srv_conn *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	srv_vreply(c, code, ' ', fmt, ap);
	va_end(ap);
}

void srv_reply_more(struct srv_conn *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	srv_vreply(c, code, '-', fmt, ap);
	va_end(ap);
}

/* The table's own wording for code, with "<domain>" (220, 221, 421) filled
 * in with the connection's domain, then rest (may be ""). */
static void srv_reply_std_rest(struct srv_conn *c, int code, const char *m, const char *rest)
{
	if (m == NULL)
		m = "";
	static const char domain[] = "<domain>";
	if (strncmp(m, domain, sizeof domain - 1) == 0)
		srv_reply(c, code, "%s%s%s", c->domain != NULL ? c->domain : "",
		    m + sizeof domain - 1, rest);
	else
		srv_reply(c, code, "%s%s", m, rest);
}

void srv_reply_std(struct srv_conn *c, int code)
{
	srv_reply_std_rest(c, code, code_meaning(code), "");
}

void srv_reply_stdf(struct srv_conn *c, int code, const char *fmt, ...)
{
	char rest[SMTP_REPLY_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rest, sizeof rest, fmt, ap);
	va_end(ap);
	srv_reply_std_rest(c, code, code_meaning(code), rest);
}

void srv_reply_std_in(struct srv_conn *c, int code, int context, const char *fmt, ...)
{
	char m[SMTP_REPLY_LINE_MAX], rest[SMTP_REPLY_LINE_MAX];
	(void)code_explain_in(code, context, NULL, m, sizeof m, NULL);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rest, sizeof rest, fmt, ap);
	va_end(ap);
	srv_reply_std_rest(c, code, m, rest);
}

void srv_set_state(struct srv_conn *c, enum smtp_state st)
{
	c->state = st;
	if (st == SMTP_ST_CLOSED)
		c->closing = true;
}

void srv_shutdown_reply(struct srv_conn *c)
{
	srv_reply_std(c, 421);
	srv_set_state(c, SMTP_ST_CLOSED);
}

void srv_out_compact(struct srv_conn *c)
{
	if (c->outpos == 0)
		return;
	memmove(c->out.data, c->out.data + c->outpos, c->out.len - c->outpos);
	c->out.len -= c->outpos;
	c->out.data[c->out.len] = '\0';
	c->reply_mark = c->reply_mark > c->outpos ? c->reply_mark - c->outpos : 0;
	c->outpos = 0;
}
