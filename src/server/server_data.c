/*
 * server_data.c - the mail transaction on the teaching server: its state
 * (srv_reset_transaction forgets sender, recipients and body) and DATA's
 * body: body lines un-stuffed (RFC 5321 4.5.2) into the connection's body
 * buffer, bounded by the message size limit (552), lines over 1000 octets
 * refused at the end (RFC 5321 4.5.3.1.6), then delivery to mailboxes,
 * terminals and the relay queue (demo_dir.h) and the final 250.
 *
 * Memory: the body buffer grows by doubling, each step taken from the
 * server's ceiling (msgstore.h), dropping the oldest stored mail to make
 * room; when even that is not enough the body is thrown away and the end
 * of DATA gets 552.  The finished body becomes one shared srv_msg that
 * every recipient's mailbox refers to: it is never copied.
 */
#include <stdio.h>
#include <string.h>

#include "dotstuff.h"
#include "server_int.h"
#include "unused.h"

bool srv_mem_reserve(struct srv *s, size_t n)
{
	/* When even dropping every stored message would not do, keep them. */
	if (n > srv_mem_room(&s->mem))
		return false;
	while (!srv_mem_take(&s->mem, n))
		if (!demo_drop_oldest(&s->dir))
			return false;
	return true;
}

void srv_reset_transaction(struct srv_conn *c)
{
	c->from[0] = '\0';
	c->nrcpt = 0;
	c->mode = VERB_MAIL;
	if (c->mem != NULL)
		srv_mem_give(c->mem, c->body.max);
	strbuf_free(&c->body);
	strbuf_init(&c->body, 0);
	c->body_no_room = false;
	c->body_too_big = false;
	c->body_line_too_long = false;
}

/* Forget the body so far (refused: too big, or no room) and give its
 * bytes back; the rest is read up to the final dot and dropped. */
static void srv_body_drop(struct srv_conn *c)
{
	srv_mem_give(c->mem, c->body.max);
	strbuf_free(&c->body);
	strbuf_init(&c->body, 0);
}

void srv_body_begin(SMTPSH_UNUSED struct srv *s, struct srv_conn *c)
{
	srv_body_drop(c);
	c->body_no_room = false;
	c->body_too_big = false;
	c->body_line_too_long = false;
}

/* Room for n more bytes in the body: body.max (the bytes taken from the
 * ceiling) grows to double, or at least to what is needed. */
static bool srv_body_room(struct srv *s, struct srv_conn *c, size_t n)
{
	size_t need = c->body.len + n;
	if (need <= c->body.max)
		return true;
	size_t want = c->body.max * 2 > SRV_BODY_STEP ? c->body.max * 2 : SRV_BODY_STEP;
	if (want > s->cfg.max_message_bytes)
		want = s->cfg.max_message_bytes;
	if (want < need)
		want = need;
	if (!srv_mem_reserve(s, want - c->body.max)) {
		want = (need + SRV_BODY_STEP - 1) / SRV_BODY_STEP * SRV_BODY_STEP;
		if (want > s->cfg.max_message_bytes)
			want = need;
		if (!srv_mem_reserve(s, want - c->body.max))
			return false;
	}
	c->body.max = want;
	return true;
}

static void srv_deliver(struct srv *s, struct srv_conn *c, struct srv_msg *msg)
{
	const char *via = verb_by_id(c->mode)->name;
	for (size_t i = 0; i < c->nrcpt; i++) {
		struct srv_rcpt *r = &c->rcpt[i];
		if (r->remote) {
			demo_queue_add(&s->dir, r->domain, r->addr, msg);
			continue;
		}
		if (s->accept_all || r->entry == NULL)
			continue;
		const struct demo_entry *e = r->entry;
		if (e->kind == DEMO_LIST) {
			char members[256];
			snprintf(members, sizeof members, "%s", e->extra);
			char *save = NULL;
			for (char *m = strtok_r(members, ",", &save); m != NULL; m = strtok_r(NULL, ",", &save))
				demo_deliver_mailbox(&s->dir, m, msg, via);
			continue;
		}
		bool term = c->mode == VERB_SEND || c->mode == VERB_SAML ||
		    (c->mode == VERB_SOML && e->logged_in);
		bool box = c->mode == VERB_MAIL || c->mode == VERB_SAML ||
		    (c->mode == VERB_SOML && !e->logged_in);
		if (term && e->logged_in)
			demo_deliver_terminal(&s->dir, e->name, msg, via);
		if (box)
			demo_deliver_mailbox(&s->dir, e->name, msg, via);
	}
}

static void srv_finish_body(struct srv *s, struct srv_conn *c)
{
	srv_set_state(c, SMTP_ST_READY);
	if (c->body_too_big) {
		srv_reply_stdf(c, 552, " (limit %zu bytes)", s->cfg.max_message_bytes);
		srv_reset_transaction(c);
		return;
	}
	if (c->body_no_room) {
		srv_reply_stdf(c, 552, " (the server's memory for mail, %zu bytes, is in use; try again later)",
		    s->mem.max);
		srv_reset_transaction(c);
		return;
	}
	if (c->body_line_too_long) {
		srv_reply(c, 500, "Line too long (RFC 5321 4.5.3.1.6: 1000 octets): message refused");
		srv_reset_transaction(c);
		return;
	}
	for (size_t i = 0; i < c->nrcpt; i++) {
		const struct demo_entry *e = c->rcpt[i].entry;
		if (e != NULL && e->kind == DEMO_QUOTA) {
			srv_reply_stdf(c, 552, " (%s is over quota)", e->name);
			srv_reset_transaction(c);
			return;
		}
		if (e != NULL && e->kind == DEMO_REJECT) {
			srv_reply_stdf(c, 554, " (the message to %s looks like spam)", e->name);
			srv_reset_transaction(c);
			return;
		}
	}
	/* The body's buffer and its bytes under the ceiling become the message. */
	struct srv_msg *msg = srv_msg_from_body(&s->mem, c->from, &c->body, c->body.max);
	strbuf_init(&c->body, 0);        /* max 0: nothing left to give back */
	if (msg == NULL) {
		srv_reply_stdf(c, 451, " (out of memory)");
		srv_reset_transaction(c);
		return;
	}
	srv_deliver(s, c, msg);
	s->messages++;
	srv_reply_stdf(c, 250, ": %zu bytes for %zu recipient%s",
	    msg->len, c->nrcpt, c->nrcpt == 1 ? "" : "s");
	if (c->on_exchange != NULL) {
		const char *rep = strbuf_str(&c->out) + c->reply_mark;
		c->on_exchange(c->exchange_ctx, msg->text, msg->len, rep, c->out.len - c->reply_mark);
		c->reply_mark = c->out.len;
	}
	srv_msg_unref(msg);
	srv_reset_transaction(c);
}

void srv_body_line(struct srv *s, struct srv_conn *c, const char *line, size_t len, size_t cut)
{
	const char *t;
	size_t tn;
	bool end = dotstuff_decode_line(line, len, &t, &tn);
	if (end && cut == 0) {
		srv_finish_body(s, c);
		return;
	}
	if (cut > 0)
		c->body_line_too_long = true;
	if (c->body_too_big || c->body_no_room)
		return;
	if (c->body.len + tn + 2 > s->cfg.max_message_bytes) {
		c->body_too_big = true;
		srv_body_drop(c);
		return;
	}
	if (!srv_body_room(s, c, tn + 2)) {
		c->body_no_room = true;
		srv_body_drop(c);
		return;
	}
	if (strbuf_append(&c->body, t, tn) != SMTP_OK || strbuf_append(&c->body, "\r\n", 2) != SMTP_OK) {
		c->body_no_room = true;       /* malloc failed */
		srv_body_drop(c);
	}
}
