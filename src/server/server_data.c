/*
 * server_data.c - DATA's body on the teaching server: body lines un-stuffed
 * (RFC 5321 4.5.2) into the connection's body buffer, bounded by the message
 * size limit (552), lines over 1000 octets refused at the end (RFC 5321
 * 4.5.3.1.6), then delivery to mailboxes, terminals and the relay queue
 * (demo_dir.h) and the final 250.
 */
#include <stdio.h>
#include <string.h>

#include "dotstuff.h"
#include "server_int.h"

static void srv_finish_body(struct srv *s, struct srv_conn *c)
{
	c->state = SMTP_ST_READY;
	if (c->body_too_big) {
		srv_reply(c, 552, "Requested mail action aborted: exceeded storage allocation (limit %zu bytes)",
		    s->cfg.max_message_bytes);
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
			srv_reply(c, 552, "Requested mail action aborted: exceeded storage allocation (%s is over quota)", e->name);
			srv_reset_transaction(c);
			return;
		}
		if (e != NULL && e->kind == DEMO_REJECT) {
			srv_reply(c, 554, "Transaction failed (the message to %s looks like spam)", e->name);
			srv_reset_transaction(c);
			return;
		}
	}
	const char *text = strbuf_str(&c->body);
	size_t len = c->body.len;
	const char *via = verb_by_id(c->mode)->name;
	for (size_t i = 0; i < c->nrcpt; i++) {
		struct srv_rcpt *r = &c->rcpt[i];
		if (r->remote) {
			demo_queue_add(&s->dir, r->domain, r->addr, c->from, text, len);
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
				demo_deliver_mailbox(&s->dir, m, c->from, text, len, via);
			continue;
		}
		bool term = c->mode == VERB_SEND || c->mode == VERB_SAML ||
		    (c->mode == VERB_SOML && e->logged_in);
		bool box = c->mode == VERB_MAIL || c->mode == VERB_SAML ||
		    (c->mode == VERB_SOML && !e->logged_in);
		if (term && e->logged_in)
			demo_deliver_terminal(&s->dir, e->name, c->from, text, len, via);
		if (box)
			demo_deliver_mailbox(&s->dir, e->name, c->from, text, len, via);
	}
	s->messages++;
	srv_reply(c, 250, "Requested mail action okay, completed: %zu bytes for %zu recipient%s",
	    len, c->nrcpt, c->nrcpt == 1 ? "" : "s");
	if (c->on_exchange != NULL) {
		const char *rep = strbuf_str(&c->out) + c->reply_mark;
		c->on_exchange(c->exchange_ctx, text, len, rep, c->out.len - c->reply_mark);
		c->reply_mark = c->out.len;
	}
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
	if (c->body_too_big)
		return;
	if (c->body.len + tn + 2 > s->cfg.max_message_bytes) {
		c->body_too_big = true;
		strbuf_free(&c->body);
		return;
	}
	if (strbuf_append(&c->body, t, tn) != SMTP_OK || strbuf_append(&c->body, "\r\n", 2) != SMTP_OK) {
		c->body_too_big = true;
		strbuf_free(&c->body);
	}
}
