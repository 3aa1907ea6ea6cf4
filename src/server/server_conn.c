/*
 * server_conn.c - one teaching-server connection as a session: its buffers
 * (allocated at accept, bounded, freed by srv_conn_free), its limits (the
 * idle and line deadlines, the error limit: 421 and close), and the input
 * loop that cuts received bytes into command lines or body lines and hands
 * them to server_cmd.c, server_auth.c (an AUTH exchange's responses) or
 * server_data.c (or the reply bytes of a turned session to server_turn.c).
 * After STARTTLS's 220 the rest of the bytes read are dropped (RFC 3207
 * 5), and after the handshake the session starts from the greeting.
 *
 * Never prints; replies go through server_reply.c to the connection's
 * bounded output buffer, which server.c (or the TURN receiver) writes out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server_int.h"

int srv_conn_init(struct srv_conn *c, int fd, struct srv *s)
{
	struct srv_mem *mem = &s->mem;
	memset(c, 0, sizeof *c);
	c->fd = fd;
	c->domain = s->hostname;
	srv_set_state(c, SMTP_ST_GREETED);
	c->last_io_ms = c->progress_ms = srv_now_ms();
	strbuf_init(&c->out, SRV_OUT_MAX);
	strbuf_init(&c->body, 0);
	c->mem = mem;
	if (linebuf_init(&c->line, SMTP_TEXT_LINE_MAX) != SMTP_OK)
		return -1;
	c->fixed_charge = SMTP_TEXT_LINE_MAX + 1;
	srv_mem_force(mem, c->fixed_charge);
	return 0;
}

void srv_conn_free(struct srv_conn *c)
{
	srv_tls_conn_free(c);
	linebuf_free(&c->line);
	strbuf_free(&c->out);
	srv_reset_transaction(c);
	srv_mem_give(c->mem, c->fixed_charge + c->out_charge + c->rcpt_cap * sizeof *c->rcpt);
	free(c->rcpt);
	if (c->turn_parser != NULL) {
		reply_parser_free(c->turn_parser);
		free(c->turn_parser);
	}
	srv_msg_unref(c->turn_msg.msg);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

void srv_conn_charge_out(struct srv_conn *c)
{
	if (c->out.cap > c->out_charge) {
		srv_mem_force(c->mem, c->out.cap - c->out_charge);
		c->out_charge = c->out.cap;
	}
}

void srv_conn_greet(struct srv_conn *c)
{
	srv_reply_stdf(c, 220, " (smtpsh teaching server; try HELP)");
}

/* Postfix's smtpd_hard_error_limit: a session that has earned this many
 * error replies is not going anywhere (a confused script, a scan, or a
 * turned peer answering our replies): 421 and close (RFC 5321 3.8). */
static void srv_check_error_limit(struct srv *s, struct srv_conn *c)
{
	if (c->closing || c->errors < s->cfg.error_limit)
		return;
	size_t mark = c->out.len;
	srv_reply_stdf(c, 421, " (too many errors: %u)", c->errors);
	srv_set_state(c, SMTP_ST_CLOSED);
	if (c->on_exchange != NULL)
		c->on_exchange(c->exchange_ctx, NULL, 0, strbuf_str(&c->out) + mark, c->out.len - mark);
	c->reply_mark = c->out.len;
}

uint64_t srv_conn_deadline(const struct srv *s, const struct srv_conn *c, enum srv_limit *why)
{
	uint64_t due = c->last_io_ms + (uint64_t)s->cfg.idle_timeout_s * 1000u;
	*why = SRV_LIMIT_IDLE;
	if (c->line_start_ms != 0) {
		uint64_t line_due = c->line_start_ms + (uint64_t)s->cfg.command_timeout_s * 1000u;
		if (line_due < due) {
			due = line_due;
			*why = SRV_LIMIT_COMMAND;
		}
	}
	return due;
}

void srv_conn_expire(struct srv *s, struct srv_conn *c, enum srv_limit why)
{
	if (c->tls == SRV_TLS_FLUSH || c->tls == SRV_TLS_HANDSHAKE) {
		/* A handshake that did not finish in time: no reply can be
		 * read in the middle of one, so the connection just ends. */
		strbuf_reset(&c->out);
		c->outpos = 0;
		srv_set_state(c, SMTP_ST_CLOSED);
		return;
	}
	size_t mark = c->out.len;
	if (why == SRV_LIMIT_IDLE)
		srv_reply_stdf(c, 421, " (idle for %u s)", s->cfg.idle_timeout_s);
	else
		srv_reply_stdf(c, 421, " (a line must arrive whole within %u s)", s->cfg.command_timeout_s);
	srv_set_state(c, SMTP_ST_CLOSED);
	if (c->on_exchange != NULL)
		c->on_exchange(c->exchange_ctx, NULL, 0, strbuf_str(&c->out) + mark, c->out.len - mark);
	c->reply_mark = c->out.len;
}

/* "AUTH" or "AUTH ...": its initial response is a secret. */
static bool srv_is_auth_command(const char *line, size_t len)
{
	return len >= 4 && strncasecmp(line, "AUTH", 4) == 0 && (len == 4 || line[4] == ' ');
}

/* The teacher's log sees an AUTH line as the client's own screen shows it
 * (auth_line_display: "AUTH PLAIN <secret>", "<secret>", "*"). */
static void srv_tell_secret(struct srv *s, struct srv_conn *c, const char *line, size_t len)
{
	struct strbuf shown;
	strbuf_init(&shown, SMTP_COMMAND_LINE_MAX);
	if (auth_line_display(line, len, &shown) != SMTP_OK)
		strbuf_reset(&shown);
	srv_tell(s, c, SERVER_EV_COMMAND, shown.data != NULL ? shown.data : "", shown.len);
	strbuf_free(&shown);
}

void srv_conn_tls_done(struct srv *s, struct srv_conn *c)
{
	srv_reset_transaction(c);
	c->helo[0] = '\0';
	c->authed = false;
	c->auth = SRV_AUTH_NONE;
	c->auth_user[0] = '\0';
	c->line_start_ms = 0;
	c->progress_ms = srv_now_ms();
	linebuf_reset(&c->line);
	srv_set_state(c, SMTP_ST_GREETED);
	const char *v = srv_tls_version(c);
	srv_tell(s, c, SERVER_EV_TLS, v, strlen(v));
}

size_t srv_conn_input(struct srv *s, struct srv_conn *c, const char *in, size_t len)
{
	size_t off = 0;
	uint64_t now = srv_now_ms();
	c->last_io_ms = now;
	while (off < len && !c->closing) {
		if (c->turn != TURN_NONE)
			return off + srv_turn_input(s, c, in + off, len - off);
		off += linebuf_feed(&c->line, in + off, len - off);
		if (!c->line.complete) {
			if (c->line_start_ms == 0 && linebuf_partial(&c->line))
				c->line_start_ms = now;
			break;
		}
		c->line_start_ms = 0;
		c->progress_ms = now;
		c->reply_mark = c->out.len;
		bool in_body = c->state == SMTP_ST_DATA;
		if (in_body) {
			srv_body_line(s, c, c->line.data, c->line.len, c->line.cut);
			if (c->state != SMTP_ST_DATA)      /* the "." that ends it */
				srv_tell(s, c, SERVER_EV_COMMAND, c->line.data, c->line.len);
		} else if (c->auth != SRV_AUTH_NONE) {
			srv_auth_line(c, c->line.data, c->line.len, c->line.cut);
			srv_tell_secret(s, c, c->line.data, c->line.len);
		} else {
			srv_command(s, c, c->line.data, c->line.len, c->line.cut);
			if (srv_is_auth_command(c->line.data, c->line.len))
				srv_tell_secret(s, c, c->line.data, c->line.len);
			else
				srv_tell(s, c, SERVER_EV_COMMAND, c->line.data, c->line.len);
			if (c->on_exchange != NULL && c->out.len > c->reply_mark) {
				c->on_exchange(c->exchange_ctx, c->line.data, c->line.len,
				    strbuf_str(&c->out) + c->reply_mark, c->out.len - c->reply_mark);
				c->reply_mark = c->out.len;
			}
		}
		linebuf_reset(&c->line);
		srv_check_error_limit(s, c);
		if (c->tls == SRV_TLS_FLUSH) {
			/* RFC 3207 5 (CVE-2011-0411): bytes sent after STARTTLS
			 * before the handshake are not commands; dropped unread.
			 * The handshake has the line deadline (slowloris). */
			off = len;
			c->line_start_ms = now;
			break;
		}
	}
	srv_conn_charge_out(c);
	return off;
}
