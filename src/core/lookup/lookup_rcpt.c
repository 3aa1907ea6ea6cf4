/*
 * lookup_rcpt.c - RCPT probes in groups (lookup_int.h): when the server
 * advertises PIPELINING (RFC 2920), up to LOOKUP_GROUP_MAX RCPTs go in one
 * write, led by RSET and MAIL when a transaction starts (3.1 allows both at
 * the head of a group), and each reply is matched to its name through the
 * session's owed queue, so a refused element never shifts the others.  A
 * MAIL that is refused makes the group's replies meaningless (503): the
 * names are not charged for them.  A tarpit noticed in a group ends the
 * connection there; the names not yet answered are asked on the next one.
 * A group whose replies all come late and together (Sendmail's bad-RCPT
 * throttle: it flushes only when it must read) hides where the slowdown
 * began: its verdicts stand, and RCPTs go alone until it shows
 * (lookup_pin).
 *
 * A pipelined group ends with NOOP (RFC 2920 3.1 allows it last) and its
 * verdicts are kept until NOOP's reply is read: a server that sends more
 * replies than commands shifts every reply after the surplus onto the
 * wrong command, which NOOP's reply (not 250) or a reply that answers no
 * command shows.  Then the group's verdicts are thrown away, the
 * connection (out of step) is closed, the names are not charged, and
 * from then on every RCPT goes alone.
 */
#include "lookup_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "verbs.h"

/* A group's replies, kept until NOOP's reply shows they are in step. */
struct lookup_group_got {
	struct session_reply r[LOOKUP_GROUP_MAX];
	bool have[LOOKUP_GROUP_MAX];
	size_t unsolicited;               /* replies that answered no command */
};

/* Keep *r (moved: *r is left empty) as the reply for group element g. */
static void lookup_group_keep(struct lookup_group_got *got, size_t g, struct session_reply *r)
{
	got->r[g] = *r;
	got->have[g] = true;
	session_reply_init(r);
}

/* A slow reply (*r, for element g, wait_ms after the one before it or the
 * send) in a pipelined group.  A server may hold fast replies while it
 * sleeps before a slow one, then send them all at once: the replies that
 * came in the same burst are taken too.  When none came with it, the
 * slow one is the one the tarpit slowed (the counts just before it are
 * the ones kept, lookup_slow); when some did, where the slowdown began is
 * hidden in the group (lookup_pin).  Returns the index of the last reply
 * taken. */
static size_t lookup_group_burst(struct lookup *lk, const unsigned long *seq,
    size_t g, size_t sent, struct session_reply *r, struct lookup_group_got *got,
    double wait_ms)
{
	size_t slow_g = g;
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
		lookup_group_keep(got, g, r);
		*r = next;
		g++;
	}
	bool hidden = g != slow_g && !lk->sum->tarpit;
	if (!hidden)
		(void)lookup_slow(lk);
	lookup_count_reply(lk, r->reply.code);
	lookup_group_keep(got, g, r);
	if (hidden)
		lookup_pin(lk, wait_ms, 0);
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

/* A group's lines: the head (RSET, MAIL), up to LOOKUP_GROUP_MAX RCPTs
 * and NOOP. */
struct lookup_group_buf {
	struct session_line line[LOOKUP_GROUP_MAX + 3];
	char wire[LOOKUP_GROUP_MAX + 3][SMTP_COMMAND_LINE_MAX];
};

/* Send gb's lines [0, n): the head (its first `head` lines) and the RCPTs,
 * all in one write (RFC 2920 3.1), so that the server reads the group
 * whole and answers it in one flush -- sent one write each, a server that
 * answered the first alone held its next flush for our delayed ACK, 40 ms
 * a group against Postfix.  Under --rate, the head, then each RCPT at its
 * turn.  seq[who[j]] gets RCPT j's reply number; NOOP (when noop) is line
 * n.  On an error, *failed_at
 * is the group index of the first name not sent (SIZE_MAX: the head, and
 * with it the group, was not sent); a cancel while waiting for the rate
 * leaves the rest unsent and returns SMTP_OK. */
static enum smtp_errkind lookup_group_send(struct lookup *lk, struct lookup_group_buf *gb,
    size_t head, size_t n, bool noop, const size_t *idx, const size_t *who, unsigned long *seq,
    size_t *failed_at, struct smtp_error *err)
{
	bool paced = lk->cfg->rate > 0;
	size_t upto = paced ? head : n + noop;     /* what the first write takes */
	for (size_t j = head; j < n && !paced; j++)
		lookup_event(lk, LOOKUP_EV_PROGRESS, lookup_item(lk, idx[who[j - head]])->name, NULL);
	enum smtp_errkind k = upto > 0 ? session_send_group(lk->s, gb->line, upto, err) : SMTP_OK;
	if (k != SMTP_OK) {
		*failed_at = head > 0 || n == head ? SIZE_MAX : who[0];
		return k;
	}
	for (size_t j = head; j < n; j++) {
		size_t g = who[j - head];
		if (paced) {
			if (lookup_rate_wait(lk) != SMTP_OK) {
				lk->cancelled = true;
				return SMTP_OK;
			}
			lookup_event(lk, LOOKUP_EV_PROGRESS, lookup_item(lk, idx[g])->name, NULL);
			k = session_send_group(lk->s, &gb->line[j], 1, err);
			if (k != SMTP_OK) {
				*failed_at = g;
				return k;
			}
		}
		seq[g] = gb->line[j].seq;
		lookup_item(lk, idx[g])->attempts++;
		if (lk->conn_names++ == 0)
			lk->conn_first = idx[g];
		lk->txn_rcpts++;
	}
	if (paced && noop) {
		k = session_send_group(lk->s, &gb->line[n], 1, err);
		if (k != SMTP_OK)
			gb->line[n].seq = 0;
	}
	return SMTP_OK;
}

/* The reply to seq, unsolicited ones counted and skipped; a 421 or a
 * close is SMTP_ERR_CLOSED. */
static enum smtp_errkind lookup_group_next(struct lookup *lk, unsigned long seq, long long until,
    struct session_reply *r, struct lookup_group_got *got, struct smtp_error *err)
{
	enum smtp_errkind k;
	for (;;) {
		k = session_next_reply(lk->s, until, r, err);
		if (k != SMTP_OK || r->seq == seq)
			break;
		if (r->origin == SESSION_REPLY_UNSOLICITED)
			got->unsolicited++;
	}
	if (k == SMTP_ERR_AGAIN && until != SESSION_WAIT_OWED)
		k = smtp_error_set(err, SMTP_ERR_TIMEOUT, 0, "no reply in time");
	if (k == SMTP_OK && (r->reply.code == 421 || r->closed))
		k = smtp_error_set(err, SMTP_ERR_CLOSED, 0, "%03d to %s", r->reply.code,
		    r->verb != NULL ? r->verb->name : "RCPT");
	return k;
}

/* The group's first reply did not come in time (lookup_group_late_ms):
 * the names still unanswered are not charged, the connection is dropped,
 * and the search for where the server slows down begins. */
static void lookup_group_late(struct lookup *lk, const size_t *idx, const unsigned long *seq,
    size_t sent, long long sent_at)
{
	unsigned more = 3;                    /* RSET, MAIL, NOOP at most */
	for (size_t g = 0; g < sent; g++) {
		if (seq[g] == 0)
			continue;
		more++;
		if (lookup_item(lk, idx[g])->attempts > 0)
			lookup_item(lk, idx[g])->attempts--;
	}
	lookup_pin(lk, (double)(clock_now_ms() - sent_at), more);
	lookup_dropped(lk, "a pipelined group's replies were late");
}

/* More replies than commands: the kept verdicts are thrown away, the
 * names asked again alone on a new connection. */
static void lookup_group_surplus(struct lookup *lk, const size_t *idx, size_t sent,
    struct lookup_group_got *got, int noop_code)
{
	for (size_t g = 0; g < sent; g++) {
		if (!got->have[g])
			continue;
		session_reply_free(&got->r[g]);
		got->have[g] = false;
		if (lookup_item(lk, idx[g])->attempts > 0)
			lookup_item(lk, idx[g])->attempts--;     /* not charged: no answer came */
	}
	lk->pipelining_off = true;
	lookup_event(lk, LOOKUP_EV_SURPLUS, NULL, "the server sent more replies than commands in "
	    "a pipelined group (NOOP got %03d, %zu repl%s answered no command): the group's "
	    "verdicts were discarded, and its names and the rest are asked one at a time",
	    noop_code, got->unsolicited, got->unsolicited == 1 ? "y" : "ies");
	lookup_dropped(lk, "more replies than commands");
}

/* Name i went bare and the server asked for a domain (r): no verdict.
 * It is asked again as name@domain, uncharged, when a domain is known. */
static void lookup_group_unqualified(struct lookup *lk, size_t i, const struct smtp_reply *r)
{
	if (lookup_name_domain(lk) != NULL || lookup_qualify(lk, r)) {
		lookup_item(lk, i)->attempts--;
		return;
	}
	struct smtp_error e;
	smtp_error_set(&e, SMTP_ERR_REFUSED, 0, "the server wants name@domain (%03d) and none is "
	    "known: give --domain", r->code);
	lookup_failed(lk, i, SMTP_ERR_REFUSED, &e);
}

/* Read the group's replies (seq[g] for idx[g]; then NOOP's, noop_seq, when
 * not 0) and take them, unless they turn out to be out of step.  bare: the
 * names went without a domain. */
static void lookup_group_read(struct lookup *lk, const size_t *idx, const unsigned long *seq,
    size_t sent, unsigned long noop_seq, bool bare, long long sent_at, long long until,
    struct lookup_group_got *got)
{
	struct smtp_error err, ferr;
	enum smtp_errkind fk = SMTP_OK;
	size_t fail_g = SIZE_MAX;
	bool cut = false;                     /* a tarpit: the rest is dropped */
	long long last = sent_at;             /* RSET's and MAIL's waits count */
	bool first = true;
	size_t g;
	for (g = 0; g < sent && session_is_open(lk->s) && !lk->cancelled; g++) {
		if (seq[g] == 0)
			continue;
		struct session_reply r;
		session_reply_init(&r);
		enum smtp_errkind k = lookup_group_next(lk, seq[g], first ? until : SESSION_WAIT_OWED,
		    &r, got, &err);
		long long now = clock_now_ms();
		if (k == SMTP_ERR_TIMEOUT && first && until != SESSION_WAIT_OWED) {
			session_reply_free(&r);
			lookup_group_late(lk, idx, seq, sent, sent_at);
			return;
		}
		if (k != SMTP_OK) {
			session_reply_free(&r);
			fk = k;
			ferr = err;
			fail_g = g;
			break;
		}
		double gap = (double)(now - last);
		bool slow = lookup_note_latency(lk, gap, first);
		first = false;
		last = now;
		if (slow && !lk->suspect) {
			g = lookup_group_burst(lk, seq, g, sent, &r, got, gap);
			last = clock_now_ms();
			continue;
		}
		bool tarpit = slow && lookup_slow(lk);
		lookup_count_reply(lk, r.reply.code);
		lookup_group_keep(got, g, &r);
		if (tarpit) {
			cut = g + 1 < sent;
			break;
		}
	}
	bool complete = fk == SMTP_OK && !cut && g >= sent;
	if (complete && noop_seq != 0 && session_is_open(lk->s) && !lk->cancelled) {
		struct session_reply r;
		session_reply_init(&r);
		enum smtp_errkind k = lookup_group_next(lk, noop_seq, SESSION_WAIT_OWED, &r, got, &err);
		int code = r.reply.code;
		session_reply_free(&r);
		if (k == SMTP_OK) {
			lookup_count_reply(lk, code);
			if (code != 250 || got->unsolicited > 0) {
				lookup_group_surplus(lk, idx, sent, got, code);
				return;
			}
		} else {
			fk = k;
			ferr = err;
		}
	}
	for (size_t j = 0; j < sent; j++) {
		if (!got->have[j])
			continue;
		if (bare && strchr(lookup_item(lk, idx[j])->name, '@') == NULL &&
		    lookup_wants_domain(&got->r[j].reply))
			lookup_group_unqualified(lk, idx[j], &got->r[j].reply);
		else
			lookup_take(lk, idx[j], LOOKUP_RCPT, &got->r[j].reply,
			    lookup_is_catch_all(lk, idx[j]));
		session_reply_free(&got->r[j]);
	}
	if (cut) {
		/* The rest of the group would come as slowly: drop it and ask
		 * those names on a new connection. */
		lookup_commit_held(lk);
		session_close(lk->s);
	}
	if (fk != SMTP_OK && fail_g != SIZE_MAX)
		lookup_failed(lk, idx[fail_g], fk, &ferr);
	else if (fk == SMTP_ERR_CANCELLED)
		lk->cancelled = true;
	else if (fk != SMTP_OK)
		lookup_lost(lk, ferr.msg);
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
	/* The group's lines: RSET and MAIL at its head when it opens the
	 * transaction, then one RCPT per name. */
	struct lookup_group_buf *gb = malloc(sizeof *gb);
	if (gb == NULL) {
		smtp_error_set(&err, SMTP_ERR_NOMEM, 0, "out of memory for a group");
		lookup_failed(lk, idx[0], SMTP_ERR_NOMEM, &err);
		return;
	}
	bool opened = false, rset = false;
	size_t head = 0;
	if (lookup_txn_needed(lk)) {
		opened = cnt > 1;
		enum smtp_errkind k = opened ?
		    lookup_txn_lines(lk, gb->line, gb->wire, &head, &rset, &err) :
		    lookup_ensure_txn(lk, &err);
		if (k != SMTP_OK) {
			free(gb);
			lookup_txn_failed(lk, idx[0], k, &err);
			return;
		}
	}
	bool bare = lookup_name_domain(lk) == NULL;
	size_t who[LOOKUP_GROUP_MAX];        /* line head + j asks for name idx[who[j]] */
	size_t n = head;
	for (size_t g = 0; g < cnt; g++) {
		char addr[LOOKUP_NAME_MAX * 2];
		enum smtp_errkind k;
		if (!lookup_rcpt_address(lookup_item(lk, idx[g])->name, lookup_name_domain(lk), addr, sizeof addr))
			k = smtp_error_set(&err, SMTP_ERR_REFUSED, 0, "the name is too long to send");
		else
			k = lookup_line(VERB_RCPT, addr, &gb->line[n], gb->wire[n], &err);
		if (k != SMTP_OK) {
			lookup_failed(lk, idx[g], k, &err);    /* answered here: never sent */
			continue;
		}
		who[n++ - head] = g;
	}
	unsigned long seq[LOOKUP_GROUP_MAX] = { 0 };
	size_t failed_at = SIZE_MAX;
	bool noop = n - head > 1;            /* pipelined: NOOP closes the group */
	if (noop && lookup_line(VERB_NOOP, "", &gb->line[n], gb->wire[n], &err) != SMTP_OK)
		noop = false;
	enum smtp_errkind k = lookup_group_send(lk, gb, head, n, noop, idx, who, seq, &failed_at, &err);
	unsigned long rset_seq = opened && rset ? gb->line[0].seq : 0;
	unsigned long mail_seq = opened ? gb->line[head - 1].seq : 0;
	unsigned long noop_seq = noop && k == SMTP_OK ? gb->line[n].seq : 0;
	long long sent_at = clock_now_ms();
	long long late = noop ? lookup_group_late_ms(lk) : 0;
	long long until = late > 0 ? sent_at + late : SESSION_WAIT_OWED;
	free(gb);
	if (k != SMTP_OK && failed_at == SIZE_MAX && opened) {
		lookup_txn_failed(lk, idx[0], k, &err);    /* nothing of the group went */
		return;
	}
	if (k != SMTP_OK)
		lookup_failed(lk, idx[failed_at != SIZE_MAX ? failed_at : 0], k, &err);
	size_t sent = cnt;                    /* the names with a seq are read below */
	if (opened && session_is_open(lk->s) && !lk->cancelled) {
		k = lookup_txn_read(lk, rset_seq, mail_seq, until, &err);
		if (k == SMTP_ERR_TIMEOUT && until != SESSION_WAIT_OWED) {
			lookup_group_late(lk, idx, seq, sent, sent_at);
			return;
		}
		if (k != SMTP_OK) {
			/* The RCPTs went without a transaction: their replies say
			 * nothing of the names, which are not charged for them. */
			for (size_t g = 0; g < sent; g++)
				if (seq[g] != 0 && lookup_item(lk, idx[g])->attempts > 0)
					lookup_item(lk, idx[g])->attempts--;
			if (k != SMTP_ERR_CANCELLED && session_is_open(lk->s))
				session_close(lk->s);
			lookup_txn_failed(lk, idx[0], k, &err);
			return;
		}
	}
	struct lookup_group_got *got = calloc(1, sizeof *got);
	if (got == NULL) {
		smtp_error_set(&err, SMTP_ERR_NOMEM, 0, "out of memory for a group's replies");
		lookup_lost(lk, err.msg);
		return;
	}
	lookup_group_read(lk, idx, seq, sent, noop_seq, bare, sent_at, until, got);
	free(got);
}
