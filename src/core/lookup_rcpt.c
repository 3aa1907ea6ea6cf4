/*
 * lookup_rcpt.c - RCPT probes in groups (lookup_int.h): when the server
 * advertises PIPELINING (RFC 2920), up to LOOKUP_GROUP_MAX RCPTs go in one
 * write, led by RSET and MAIL when a transaction starts (3.1 allows both at
 * the head of a group), and each reply is matched to its name through the
 * session's owed queue, so a refused element never shifts the others.  A
 * MAIL that is refused makes the group's replies meaningless (503): the
 * names are not charged for them.  A tarpit noticed in a group ends the
 * connection there; the names not yet answered are asked on the next one.
 */
#include "lookup_int.h"

#include <stdio.h>
#include <string.h>

#include "verbs.h"

/* A slow reply (*r, for idx[g]) in a pipelined group.  A server may hold
 * fast replies while it sleeps before a slow one, then send them all at
 * once: the replies that came in the same burst are taken too, and the
 * last of them is the one the tarpit slowed (the counts just before it
 * are the ones kept, lookup_slow).  Returns the index of that last reply. */
static size_t lookup_group_burst(struct lookup *lk, const size_t *idx, const unsigned long *seq,
    size_t g, size_t sent, struct session_reply *r)
{
	struct smtp_error err;
	for (;;) {
		struct session_reply next;
		session_reply_init(&next);
		enum smtp_errkind k = SMTP_ERR_AGAIN;
		if (g + 1 < sent && seq[g + 1] != 0) {
			do
				k = session_next_reply(lk->s, 0, &next, &err);
			while (k == SMTP_OK && next.seq != seq[g + 1]);
		}
		if (k != SMTP_OK || next.reply.code == 421 || next.closed) {
			session_reply_free(&next);
			break;
		}
		lookup_count_reply(lk, r->reply.code);
		lookup_take(lk, idx[g], LOOKUP_RCPT, &r->reply);
		session_reply_free(r);
		*r = next;
		g++;
	}
	(void)lookup_slow(lk);
	lookup_count_reply(lk, r->reply.code);
	lookup_take(lk, idx[g], LOOKUP_RCPT, &r->reply);
	session_reply_free(r);
	return g;
}

/* MAIL was not accepted: a 5xx stops the run (no RCPT can be asked), a
 * 4xx backs off, anything else is the connection's end. */
static void lookup_txn_failed(struct lookup *lk, size_t i, enum smtp_errkind k,
    const struct smtp_error *err)
{
	if (k == SMTP_ERR_REFUSED) {
		lk->stop = true;
		snprintf(lk->stop_reason, sizeof lk->stop_reason, "not asked: %.200s", err->msg);
	} else if (k == SMTP_ERR_AGAIN) {
		if (lookup_backoff(lk, err->msg) == SMTP_ERR_CANCELLED)
			lk->cancelled = true;
	} else if (k == SMTP_ERR_CLOSED && !session_is_open(lk->s) && lk->conn_progress) {
		lookup_lost(lk, err->msg);
	} else {
		lookup_failed(lk, i, k, err);
	}
}

/* RCPTs for names idx[0..cnt), pipelined when cnt > 1. */
void lookup_ask_group(struct lookup *lk, const size_t *idx, size_t cnt)
{
	struct smtp_error err;
	bool ca;
	for (size_t g = 0; g < cnt; g++) {
		enum smtp_errkind k = lookup_catch_all(lk, idx[g], &ca, &err);
		if (k != SMTP_OK) {
			lookup_txn_failed(lk, idx[g], k, &err);   /* MAIL refused, or the end */
			return;
		}
	}
	/* The transaction: opened first, or at the head of the group. */
	unsigned long rset_seq = 0, mail_seq = 0;
	bool opened = false;
	if (lookup_txn_needed(lk)) {
		opened = cnt > 1;
		enum smtp_errkind k = opened ? lookup_txn_send(lk, &rset_seq, &mail_seq, &err)
		                             : lookup_ensure_txn(lk, &err);
		if (k != SMTP_OK) {
			lookup_txn_failed(lk, idx[0], k, &err);
			return;
		}
	}
	enum smtp_errkind k;
	unsigned long seq[LOOKUP_GROUP_MAX];
	size_t sent = 0;
	for (; sent < cnt; sent++) {
		size_t i = idx[sent];
		char addr[LOOKUP_NAME_MAX * 2], wire[LOOKUP_NAME_MAX * 3];
		size_t wlen = 0;
		if (lookup_rate_wait(lk) != SMTP_OK) {
			lk->cancelled = true;
			break;
		}
		lookup_event(lk, LOOKUP_EV_PROGRESS, lk->names[i], NULL);
		if (!lookup_rcpt_address(lk->names[i], lk->cfg->domain, addr, sizeof addr))
			k = smtp_error_set(&err, SMTP_ERR_REFUSED, 0, "the name is too long to send");
		else
			k = verb_format_command(verb_by_id(VERB_RCPT), addr, strlen(addr), wire,
			    sizeof wire, &wlen, &err);
		if (k == SMTP_OK)
			k = session_send(lk->s, verb_by_id(VERB_RCPT), wire, wlen, &seq[sent], NULL, &err);
		if (k != SMTP_OK) {
			lookup_failed(lk, i, k, &err);
			if (k != SMTP_ERR_REFUSED && k != SMTP_ERR_USAGE)
				break;
			seq[sent] = 0;
			continue;
		}
		lk->items[i].attempts++;
		lk->conn_names++;
		lk->txn_rcpts++;
	}
	if (opened && session_is_open(lk->s) && !lk->cancelled) {
		k = lookup_txn_read(lk, rset_seq, mail_seq, &err);
		if (k != SMTP_OK) {
			/* The RCPTs went without a transaction: their replies say
			 * nothing of the names, which are not charged for them. */
			for (size_t g = 0; g < sent; g++)
				if (seq[g] != 0 && lk->items[idx[g]].attempts > 0)
					lk->items[idx[g]].attempts--;
			if (k != SMTP_ERR_CANCELLED && session_is_open(lk->s))
				session_close(lk->s);
			lookup_txn_failed(lk, idx[0], k, &err);
			return;
		}
	}
	long long last = transport_now_ms();
	bool first = true;
	for (size_t g = 0; g < sent && session_is_open(lk->s) && !lk->cancelled; g++) {
		if (seq[g] == 0)
			continue;
		struct session_reply r;
		session_reply_init(&r);
		do
			k = session_next_reply(lk->s, SESSION_WAIT_OWED, &r, &err);
		while (k == SMTP_OK && r.seq != seq[g]);
		long long now = transport_now_ms();
		if (k == SMTP_OK && (r.reply.code == 421 || r.closed)) {
			smtp_error_set(&err, SMTP_ERR_CLOSED, 0, "%03d to RCPT", r.reply.code);
			k = SMTP_ERR_CLOSED;
		}
		if (k != SMTP_OK) {
			session_reply_free(&r);
			lookup_failed(lk, idx[g], k, &err);
			break;
		}
		bool slow = lookup_note_latency(lk, (double)(now - last), first);
		first = false;
		last = now;
		if (slow && !lk->suspect) {
			g = lookup_group_burst(lk, idx, seq, g, sent, &r);
			last = transport_now_ms();
			continue;
		}
		if (slow && lookup_slow(lk)) {
			lookup_count_reply(lk, r.reply.code);
			lookup_take(lk, idx[g], LOOKUP_RCPT, &r.reply);
			session_reply_free(&r);
			if (g + 1 < sent) {
				/* The rest of the group would come as slowly: drop
				 * it and ask those names on a new connection. */
				lookup_commit_held(lk);
				session_close(lk->s);
			}
			break;
		}
		lookup_count_reply(lk, r.reply.code);
		lookup_take(lk, idx[g], LOOKUP_RCPT, &r.reply);
		session_reply_free(&r);
	}
}

