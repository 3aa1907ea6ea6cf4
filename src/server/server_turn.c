/*
 * server_turn.c - TURN both ways (RFC 821 3.8 and 4.1.1 TURN).
 *
 * The teaching server as sender: after answering 250 the
 * teaching server becomes the sender-SMTP on the same connection, as if the
 * channel had just opened: it waits for the client's 220 greeting, then
 * sends HELO, MAIL, RCPT, DATA, the dot-stuffed body and QUIT for each
 * message queued for the client's HELO domain.  Replies are read with the
 * core's one reply reader; the body is stuffed with the core's dot-stuffer
 * and streamed in SRV_TURN_CHUNK pieces as the client reads (srv_turn_pump),
 * so a message of any size passes through a bounded output buffer.  A
 * message whose delivery fails goes back into the queue.
 *
 * smtpsh as receiver (demo_server_receive_turned): after the server it
 * talks to accepted TURN, the same protocol engine serves that one socket
 * until QUIT, EOF, cancel, or a limit (idle, line deadline, error limit:
 * 421 first).  Errors are returned as values.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dotstuff.h"
#include "server_int.h"

static void turn_send_next_mail(struct srv *s, struct srv_conn *c)
{
	if (!demo_queue_take(&s->dir, c->helo, c->turn_rcpt, sizeof c->turn_rcpt, &c->turn_msg)) {
		strbuf_appendf(&c->out, "QUIT\r\n");
		c->turn = TURN_QUIT;
		return;
	}
	strbuf_appendf(&c->out, "MAIL FROM:<%s>\r\n", c->turn_msg.msg->from);
	c->turn = TURN_MAIL;
}

void srv_turn_requeue(struct srv *s, struct srv_conn *c)
{
	if (c->turn_msg.msg != NULL)
		demo_queue_add(&s->dir, c->helo, c->turn_rcpt, c->turn_msg.msg);
	srv_msg_unref(c->turn_msg.msg);
	memset(&c->turn_msg, 0, sizeof c->turn_msg);
}

void srv_turn_begin(struct srv *s, struct srv_conn *c)
{
	c->turn_parser = calloc(1, sizeof *c->turn_parser);
	if (c->turn_parser == NULL || reply_parser_init(c->turn_parser) != SMTP_OK) {
		free(c->turn_parser);
		c->turn_parser = NULL;
		c->closing = true;
		return;
	}
	srv_set_state(c, SMTP_ST_TURNED);
	c->turn = TURN_WAIT_GREETING;
	(void)s;
}

static void turn_on_reply(struct srv *s, struct srv_conn *c, const struct smtp_reply *r)
{
	bool ok = r->code >= 200 && r->code < 400;
	switch (c->turn) {
	case TURN_WAIT_GREETING:
		if (r->code != 220)
			goto give_up;
		strbuf_appendf(&c->out, "HELO %s\r\n", s->hostname);
		c->turn = TURN_HELO;
		return;
	case TURN_HELO:
		if (!ok)
			goto give_up;
		turn_send_next_mail(s, c);
		return;
	case TURN_MAIL:
		if (!ok)
			goto give_up;
		strbuf_appendf(&c->out, "RCPT TO:<%s>\r\n", c->turn_rcpt);
		c->turn = TURN_RCPT;
		return;
	case TURN_RCPT:
		if (!ok)
			goto give_up;
		strbuf_appendf(&c->out, "DATA\r\n");
		c->turn = TURN_DATA;
		return;
	case TURN_DATA:
		if (r->code != 354)
			goto give_up;
		dotstuff_init(&c->turn_ds);
		c->turn_off = 0;
		c->turn_body_done = false;
		c->turn = TURN_BODY;
		srv_turn_pump(s, c);
		return;
	case TURN_BODY:
		if (!ok) {
			srv_turn_requeue(s, c);
		} else {
			srv_msg_unref(c->turn_msg.msg);
			memset(&c->turn_msg, 0, sizeof c->turn_msg);
			c->turn_sent++;
		}
		turn_send_next_mail(s, c);
		return;
	case TURN_QUIT:
		srv_set_state(c, SMTP_ST_CLOSED);
		return;
	case TURN_NONE:
		return;
	}
	return;
give_up:
	srv_turn_requeue(s, c);
	strbuf_appendf(&c->out, "QUIT\r\n");
	c->turn = TURN_QUIT;
}

void srv_turn_pump(struct srv *s, struct srv_conn *c)
{
	(void)s;
	if (c->turn != TURN_BODY || c->turn_body_done)
		return;
	srv_out_compact(c);
	char buf[DOTSTUFF_ENCODE_MAX(SRV_TURN_CHUNK) + DOTSTUFF_FINISH_MAX];
	const struct srv_msg *msg = c->turn_msg.msg;
	while (!c->turn_body_done && c->out.len < SRV_OUT_PAUSE) {
		size_t n = msg->len - c->turn_off;
		if (n > SRV_TURN_CHUNK)
			n = SRV_TURN_CHUNK;
		size_t o = dotstuff_encode(&c->turn_ds, msg->text + c->turn_off, n, buf);
		c->turn_off += n;
		if (c->turn_off == msg->len) {
			o += dotstuff_finish(&c->turn_ds, buf + o);
			c->turn_body_done = true;
		}
		if (strbuf_append(&c->out, buf, o) != SMTP_OK) {
			c->closing = true;       /* cannot happen: out has room */
			return;
		}
	}
}

size_t srv_turn_input(struct srv *s, struct srv_conn *c, const char *in, size_t len)
{
	size_t off = 0;
	struct smtp_reply r;
	smtp_reply_init(&r);
	while (off < len && !c->closing) {
		size_t used = 0;
		enum reply_feed_result fr = reply_parser_feed(c->turn_parser, in + off, len - off, &used, &r);
		off += used;
		if (fr == REPLY_COMPLETE)
			turn_on_reply(s, c, &r);
		else if (used == 0)
			break;
	}
	smtp_reply_free(&r);
	return off;
}

/* ---- TURN, receiving side ---- */

/* Write all of c->out, waiting for the socket at most the idle limit. */
static enum smtp_errkind turned_flush(struct srv *s, struct srv_conn *c, struct smtp_error *err)
{
	while (c->outpos < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->outpos, c->out.len - c->outpos, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd w = { .fd = c->fd, .events = POLLOUT };
			if (poll(&w, 1, (int)s->cfg.idle_timeout_s * 1000) == 0)
				return smtp_error_set(err, SMTP_ERR_TIMEOUT, 0,
				    "the turned sender has not read our replies for %u s", s->cfg.idle_timeout_s);
			continue;
		}
		if (n <= 0)
			return smtp_error_set(err, SMTP_ERR_CLOSED, errno, "connection lost while answering");
		c->outpos += (size_t)n;
		c->last_io_ms = srv_now_ms();
	}
	strbuf_reset(&c->out);
	c->outpos = 0;
	c->reply_mark = 0;
	return SMTP_OK;
}

enum smtp_errkind demo_server_receive_turned(int fd, const char *pre, size_t pre_len,
    const struct server_config *cfg, server_exchange_fn on_exchange, void *ctx,
    int cancel_fd, struct smtp_error *err)
{
	struct srv *s = calloc(1, sizeof *s);
	struct srv_conn *c = calloc(1, sizeof *c);
	if (s == NULL || c == NULL) {
		free(s);
		free(c);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	}
	s->cfg = cfg != NULL ? *cfg : (struct server_config){ 0 };
	srv_apply_defaults(&s->cfg, s->hostname, sizeof s->hostname, false);
	srv_mem_init(&s->mem, s->cfg.max_memory_bytes);
	if (demo_dir_init(&s->dir, &s->mem) != 0) {
		free(s);
		free(c);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	}
	if (cfg == NULL || cfg->hostname == NULL)
		snprintf(s->hostname, sizeof s->hostname, "smtpsh.turned");
	s->accept_all = true;
	enum smtp_errkind rc = SMTP_OK;
	if (srv_conn_init(c, fd, s) != 0) {
		rc = smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	c->on_exchange = on_exchange;
	c->exchange_ctx = ctx;
	/* RFC 821 4.1.1 TURN: the new receiver opens with its 220 greeting. */
	srv_conn_greet(c);
	if (on_exchange != NULL)
		on_exchange(ctx, NULL, 0, c->out.data, c->out.len);
	c->reply_mark = c->out.len;
	if (pre_len > 0)
		srv_conn_input(s, c, pre, pre_len);
	for (;;) {
		enum smtp_errkind frc = turned_flush(s, c, err);
		if (frc != SMTP_OK) {
			rc = frc;
			break;
		}
		if (c->closing)
			break;
		enum srv_limit why;
		uint64_t due = srv_conn_deadline(s, c, &why), now = srv_now_ms();
		if (due <= now) {
			/* 421 first (RFC 5321 3.8), then report why we stopped. */
			srv_conn_expire(s, c, why);
			rc = why == SRV_LIMIT_IDLE ?
			    smtp_error_set(err, SMTP_ERR_TIMEOUT, 0, "the turned sender went silent for %u s",
				s->cfg.idle_timeout_s) :
			    smtp_error_set(err, SMTP_ERR_TIMEOUT, 0, "the turned sender took over %u s to send one line",
				s->cfg.command_timeout_s);
			(void)turned_flush(s, c, NULL);
			break;
		}
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = cancel_fd, .events = POLLIN } };
		int pr = poll(p, cancel_fd >= 0 ? 2 : 1, (int)(due - now));
		if (pr == 0)
			continue;
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			rc = smtp_error_set(err, SMTP_ERR_IO, errno, "poll: %s", strerror(errno));
			break;
		}
		if (cancel_fd >= 0 && (p[1].revents & POLLIN)) {
			rc = smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "cancelled");
			break;
		}
		char buf[16384];
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n <= 0)
			break;          /* the sender closed after QUIT: done */
		srv_conn_input(s, c, buf, (size_t)n);
	}
out:
	srv_conn_free(c);
	demo_dir_free(&s->dir);
	free(s);
	free(c);
	return rc;
}
