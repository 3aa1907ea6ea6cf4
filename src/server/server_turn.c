/*
 * server_turn.c - TURN, the teaching server as sender (RFC 821 3.8 and
 * 4.1.1 TURN): after answering 250 the teaching server becomes the
 * sender-SMTP on the same connection, as if the channel had just opened:
 * it waits for the client's 220 greeting, then
 * sends HELO, MAIL, RCPT, DATA, the dot-stuffed body and QUIT for each
 * message queued for the client's HELO domain.  Replies are read with the
 * core's one reply reader; the body is stuffed with the core's dot-stuffer
 * and streamed in SRV_TURN_CHUNK pieces as the client reads (srv_turn_pump),
 * so a message of any size passes through a bounded output buffer.  A
 * message whose delivery fails goes back into the queue.
 *
 * The other way round (smtpsh as receiver) is server_turned.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dotstuff.h"
#include "server_int.h"
#include "unused.h"

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

void srv_turn_begin(SMTPSH_UNUSED struct srv *s, struct srv_conn *c)
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

void srv_turn_pump(SMTPSH_UNUSED struct srv *s, struct srv_conn *c)
{
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
