/*
 * lookup_conn.c - the lookup engine's connections (lookup_int.h): opening
 * one through the caller's hook (with back-off, LOOKUP_CONNECT_TRIES in a
 * row, --max-connections), ending one politely (QUIT) before the server's
 * limit, and what a connection that ended under us teaches: the number of
 * commands and of errors the server allows (Postfix: 20 errors; Exim: 10
 * non-mail commands), learned as the most that were answered before the
 * end.  A tarpit (replies slowing down: Sendmail, Postfix's soft error
 * limit) teaches the same; when a pipelined group hid where it began
 * (Sendmail's bad-RCPT throttle, replies flushed only at the group's end),
 * RCPTs go alone until it shows (lookup_pin).  Also the waits: back-off and --rate, both
 * watching the cancel fd; one command and its own reply, counted for the
 * connection's limits and timed for a tarpit; and what a command that
 * could not be sent or answered means for its name and the connection
 * (lookup_failed).
 */
#include "lookup_int.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "verbs.h"

enum smtp_errkind lookup_sleep_until(struct lookup *lk, long long t)
{
	/* A poll() that fails ends the sleep early: pacing is a courtesy. */
	return clock_wait(NULL, 0, t, lk->cfg->cancel_fd) == CLOCK_CANCELLED ?
	    SMTP_ERR_CANCELLED : SMTP_OK;
}

enum smtp_errkind lookup_backoff(struct lookup *lk, const char *why)
{
	lk->backoff_ms = lk->backoff_ms == 0 ? LOOKUP_BACKOFF_FIRST_MS :
	    lk->backoff_ms * 2 > LOOKUP_BACKOFF_MAX_MS ? LOOKUP_BACKOFF_MAX_MS : lk->backoff_ms * 2;
	lookup_event(lk, LOOKUP_EV_BACKOFF, NULL, "%s: waiting %lld ms before going on", why,
	    lk->backoff_ms);
	return lookup_sleep_until(lk, clock_now_ms() + lk->backoff_ms);
}

enum smtp_errkind lookup_rate_wait(struct lookup *lk)
{
	if (lk->cfg->rate <= 0)
		return SMTP_OK;
	long long interval = (long long)(1000.0 / lk->cfg->rate);
	long long now = clock_now_ms();
	long long at = lk->next_send_ms > now ? lk->next_send_ms : now;
	lk->next_send_ms = at + interval;
	return lookup_sleep_until(lk, at);
}

void lookup_count_reply(struct lookup *lk, int code)
{
	lk->conn_cmds++;
	if (code >= 400)
		lk->conn_errors++;
}

enum smtp_errkind lookup_command(struct lookup *lk, const struct verb *v, const char *arg,
    struct session_reply *out, struct smtp_error *err)
{
	char wire[SMTP_COMMAND_LINE_MAX];
	size_t wlen = 0;
	enum smtp_errkind k = verb_format_command(v, arg, strlen(arg), wire, sizeof wire, &wlen, err);
	if (k != SMTP_OK)
		return k;
	unsigned long seq = 0;
	k = session_send(lk->s, v, wire, wlen, &seq, NULL, err);
	while (k == SMTP_OK) {
		k = session_next_reply(lk->s, SESSION_WAIT_OWED, out, err);
		if (k != SMTP_OK || out->seq == seq)
			break;
	}
	if (k != SMTP_OK)
		return k;
	const struct smtp_reply *r = &out->reply;
	if (r->code == 421 || out->closed) {
		const struct reply_line *l = r->nlines > 0 ? &r->lines[0] : NULL;
		return smtp_error_set(err, SMTP_ERR_CLOSED, 0, "%03d %.*s", r->code,
		    l != NULL ? (int)(l->len > 200 ? 200 : l->len) : 0, l != NULL ? l->text : "");
	}
	if (lookup_note_latency(lk, out->elapsed_ms, true))
		(void)lookup_slow(lk);
	lookup_count_reply(lk, r->code);
	return SMTP_OK;
}

/* One command as a line of a group, its wire form in wire. */
enum smtp_errkind lookup_line(enum verb_id id, const char *arg, struct session_line *l,
    char *wire, struct smtp_error *err)
{
	size_t wlen = 0;
	const struct verb *v = verb_by_id(id);
	enum smtp_errkind k = verb_format_command(v, arg, strlen(arg), wire, SMTP_COMMAND_LINE_MAX,
	    &wlen, err);
	memset(l, 0, sizeof *l);
	l->verb = v;
	l->line = wire;
	l->len = wlen;
	return k;
}

/* The reply to seq (unsolicited ones skipped), counted; a 421 or a close
 * is SMTP_ERR_CLOSED. */
enum smtp_errkind lookup_read(struct lookup *lk, unsigned long seq, long long until,
    struct session_reply *r, struct smtp_error *err)
{
	enum smtp_errkind k;
	do
		k = session_next_reply(lk->s, until, r, err);
	while (k == SMTP_OK && r->seq != seq);
	if (k == SMTP_ERR_AGAIN && until != SESSION_WAIT_OWED)
		k = smtp_error_set(err, SMTP_ERR_TIMEOUT, 0, "no reply in time");
	if (k == SMTP_OK && (r->reply.code == 421 || r->closed))
		k = smtp_error_set(err, SMTP_ERR_CLOSED, 0, "%03d", r->reply.code);
	if (k == SMTP_OK)
		lookup_count_reply(lk, r->reply.code);
	return k;
}

unsigned lookup_room(const struct lookup *lk, unsigned head)
{
	unsigned room = UINT_MAX;
	if (lk->cfg->per_connection != 0) {
		room = lk->cfg->per_connection > lk->conn_names ? lk->cfg->per_connection - lk->conn_names : 0;
	} else {
		if (lk->limit_cmds != 0)
			room = lk->limit_cmds > lk->conn_cmds + head ? lk->limit_cmds - lk->conn_cmds - head : 0;
		if (lk->limit_errors != 0) {
			unsigned e = lk->limit_errors > lk->conn_errors ? lk->limit_errors - lk->conn_errors : 0;
			room = e < room ? e : room;
		}
	}
	if (room == 0 && lk->conn_names == 0)
		room = 1;             /* every connection asks at least one name */
	return room;
}

/* Forget everything about the connection that ended. */
static void lookup_conn_reset(struct lookup *lk)
{
	lk->conn_cmds = lk->conn_errors = lk->conn_names = 0;
	lk->conn_progress = lk->txn = lk->latency_known = lk->reconnect = lk->suspect = false;
	lk->txn_rcpts = 0;
	lk->latency_ms = 0;
	lk->held_valid = false;
}

/* Learn the server's limits from what was answered before the end. */
static void lookup_learn(struct lookup *lk, unsigned cmds, unsigned errors, const char *how)
{
	if (lk->cfg->per_connection != 0 || cmds == 0)
		return;
	bool changed = false;
	if (lk->limit_cmds == 0 || cmds < lk->limit_cmds) {
		lk->limit_cmds = cmds;
		changed = true;
	}
	if (errors > 0 && (lk->limit_errors == 0 || errors < lk->limit_errors)) {
		lk->limit_errors = errors;
		changed = true;
	}
	lk->sum->per_connection = lk->limit_cmds;
	if (changed)
		lookup_event(lk, LOOKUP_EV_LIMIT, NULL, "%s after %u command%s (%u of them answered "
		    "with an error): from now on each connection ends before that", how, cmds,
		    cmds == 1 ? "" : "s", errors);
}

enum smtp_errkind lookup_ensure_connection(struct lookup *lk)
{
	if (session_is_open(lk->s) && !lk->reconnect)
		return SMTP_OK;
	if (session_is_open(lk->s))
		lookup_end_connection(lk, !lk->sum->tarpit);   /* a tarpit's 221 is slow too */
	const struct lookup_config *cfg = lk->cfg;
	if (cfg->max_connections != 0 && lk->sum->connections >= cfg->max_connections) {
		lk->stop = true;
		snprintf(lk->stop_reason, sizeof lk->stop_reason, "not asked: the --max-connections "
		    "limit (%u) was reached", cfg->max_connections);
		return SMTP_ERR_LIMIT;
	}
	struct smtp_error err;
	smtp_error_clear(&err);
	enum smtp_errkind k = lk->h->connect(lk->h->ctx, lk->s, &err);
	if (k == SMTP_ERR_CANCELLED)
		return k;
	if (k != SMTP_OK) {
		if (session_is_open(lk->s))
			session_close(lk->s);
		lk->connect_failures++;
		lookup_event(lk, LOOKUP_EV_CONNECT_FAILED, NULL, "could not connect (attempt %u of "
		    "%d): %s", lk->connect_failures, LOOKUP_CONNECT_TRIES, err.msg);
		if (k == SMTP_ERR_REFUSED || lk->connect_failures >= LOOKUP_CONNECT_TRIES) {
			lk->stop = true;
			snprintf(lk->stop_reason, sizeof lk->stop_reason, "not asked: %.200s", err.msg);
			return k;
		}
		k = lookup_backoff(lk, "the connection failed");
		return k == SMTP_ERR_CANCELLED ? k : SMTP_ERR_AGAIN;
	}
	lk->connect_failures = 0;
	lk->sum->connections++;
	lookup_conn_reset(lk);
	if (lk->sum->connections > 1) {
		lk->event_routine = lk->last_quit;
		lookup_event(lk, LOOKUP_EV_RECONNECT, NULL, "connection %u (%s)", lk->sum->connections,
		    lk->last_loss[0] != '\0' ? lk->last_loss : "a new connection");
		lk->event_routine = false;
	}
	return SMTP_OK;
}

void lookup_end_connection(struct lookup *lk, bool wait)
{
	lookup_commit_held(lk);
	if (!session_is_open(lk->s))
		return;
	unsigned long seq = 0;
	struct smtp_error err;
	if (session_owed(lk->s) == 0 &&
	    session_send(lk->s, verb_by_id(VERB_QUIT), "QUIT", 4, &seq, NULL, &err) == SMTP_OK && wait) {
		long long until = clock_now_ms() + LOOKUP_QUIT_WAIT_MS;
		for (;;) {
			struct session_reply r;
			session_reply_init(&r);
			enum smtp_errkind k = session_next_reply(lk->s, until, &r, &err);
			bool done = k != SMTP_OK || r.seq == seq;
			session_reply_free(&r);
			if (done)
				break;
		}
	}
	if (session_is_open(lk->s))
		session_close(lk->s);
	snprintf(lk->last_loss, sizeof lk->last_loss, "the last one ended with our QUIT");
	lk->last_quit = true;
}

void lookup_dropped(struct lookup *lk, const char *why)
{
	lookup_commit_held(lk);            /* the reply after it came, if too long */
	if (session_is_open(lk->s))
		session_close(lk->s);
	lookup_conn_reset(lk);
	snprintf(lk->last_loss, sizeof lk->last_loss, "the last one was closed by smtpsh: %.200s", why);
	lk->last_quit = false;
}

void lookup_lost(struct lookup *lk, const char *why)
{
	unsigned cmds = lk->conn_cmds, errors = lk->conn_errors;
	size_t first = lk->conn_names > 0 ? lk->conn_first : SIZE_MAX;
	if (lk->held_valid) {
		/* A 5xx and then the end: the refusal ended the session, it
		 * said nothing of the name (Exim's 554 after 10 non-mail
		 * commands).  Ask again, a bounded number of times. */
		struct lookup_item *it = lookup_item(lk, lk->held);
		lk->held_valid = false;
		cmds--;
		errors -= lk->held_was_error;
		if (++it->end_tries > LOOKUP_SESSION_END_TRIES) {
			lk->held_valid = true;
			lookup_commit_held(lk);
		}
	}
	snprintf(lk->last_loss, sizeof lk->last_loss, "the last one ended: %.200s", why);
	lk->last_quit = false;
	lookup_learn(lk, cmds, errors, "the server ended the connection");
	bool progress = lk->conn_progress;
	if (session_is_open(lk->s))
		session_close(lk->s);
	lookup_conn_reset(lk);
	if (progress) {
		lk->backoff_ms = 0;
		lk->futile_connections = 0;
		return;
	}
	if (++lk->futile_connections >= LOOKUP_FUTILE_CONNECTIONS && lk->answered_any &&
	    !lk->blamed && first != SIZE_MAX && first >= lk->emit &&
	    !lookup_item(lk, first)->final) {
		/* Names were answered before: the name asked first on each of
		 * these connections is the one that ends them (the teaching
		 * server's "shutdown").  It is left untested (lookup_pick), the
		 * rest goes on; one more such run in a row stops it all. */
		lookup_item(lk, first)->ends_connections = true;
		lk->blamed = true;
		lk->futile_connections = 0;
	} else if (lk->futile_connections >= LOOKUP_FUTILE_CONNECTIONS) {
		lk->stop = true;
		snprintf(lk->stop_reason, sizeof lk->stop_reason, "not asked: %u connections in a row "
		    "ended before any name was answered (the last: %.120s)", lk->futile_connections, why);
		return;
	}
	(void)lookup_backoff(lk, "the server ended the connection before answering any name");
}

void lookup_failed(struct lookup *lk, size_t i, enum smtp_errkind k, const struct smtp_error *err)
{
	if (k == SMTP_ERR_CANCELLED) {
		lk->cancelled = true;
	} else if (k == SMTP_ERR_REFUSED || k == SMTP_ERR_USAGE) {
		lookup_untested(lk, i, err->msg);          /* the name cannot be sent */
	} else if (k == SMTP_ERR_LIMIT) {
		/* Over the reply budget: a protocol violation, not a lost
		 * connection (no limit is learned, no back-off).  One more
		 * try, then the name is untested. */
		lookup_dropped(lk, err->msg);
		if (++lookup_item(lk, i)->too_large >= LOOKUP_TOO_LARGE_TRIES) {
			char why[SMTP_ERROR_MSG_MAX];
			snprintf(why, sizeof why, "reply too large, %u times (%.180s)",
			    lookup_item(lk, i)->too_large, err->msg);
			lookup_untested(lk, i, why);
		}
	} else {
		lookup_lost(lk, err->msg);
	}
}

bool lookup_note_latency(struct lookup *lk, double gap_ms, bool first_of_batch)
{
	if (!lk->latency_known) {
		if (first_of_batch) {
			lk->latency_ms = lk->run_latency_ms = gap_ms;
			lk->latency_known = lk->run_latency_known = true;
		}
		return false;
	}
	double usual = lk->latency_ms;
	bool slow = gap_ms >= LOOKUP_TARPIT_MIN_MS && gap_ms >= LOOKUP_TARPIT_FACTOR * usual;
	if (!slow) {
		if (first_of_batch)
			lk->latency_ms = lk->run_latency_ms = 0.8 * lk->latency_ms + 0.2 * gap_ms;
		lk->suspect = false;              /* one slow reply was a spike */
		return false;
	}
	if (lk->tarpit_useless)
		return false;
	if (lk->sum->tarpit && lk->limit_cmds != 0 && lk->conn_cmds < lk->limit_cmds) {
		/* Slow again before the point we learned: the server is slow,
		 * and a new connection does not help. */
		lk->tarpit_useless = true;
		lookup_event(lk, LOOKUP_EV_TARPIT, NULL, "replies are slow on a fresh connection too "
		    "(%.0f ms): not a tarpit that reconnecting avoids; going on", gap_ms);
		return false;
	}
	lk->slow_ms = gap_ms;
	return true;
}

bool lookup_slow(struct lookup *lk)
{
	if (!lk->suspect) {
		lk->suspect = true;
		lk->suspect_cmds = lk->conn_cmds;
		lk->suspect_errors = lk->conn_errors;
		return false;
	}
	lk->suspect = false;
	if (!lk->sum->tarpit && lk->pinning)
		lookup_event(lk, LOOKUP_EV_TARPIT, NULL, "a tarpit: a pipelined group's first reply "
		    "took %.0f ms or more, hiding where it began; asked one at a time, replies slowed "
		    "from %.0f ms to "
		    "%.0f ms after %u command%s (%u refused): reconnecting before that point from "
		    "now on", lk->pin_ms, lk->latency_ms, lk->slow_ms, lk->suspect_cmds,
		    lk->suspect_cmds == 1 ? "" : "s", lk->suspect_errors);
	else if (!lk->sum->tarpit)
		lookup_event(lk, LOOKUP_EV_TARPIT, NULL, "the server slowed its replies from %.0f ms "
		    "to %.0f ms after %u command%s on this connection (a tarpit): reconnecting "
		    "before that point from now on", lk->latency_ms, lk->slow_ms, lk->suspect_cmds,
		    lk->suspect_cmds == 1 ? "" : "s");
	lk->sum->tarpit = true;
	lk->pinning = false;
	lookup_learn(lk, lk->suspect_cmds, lk->suspect_errors, "the server slowed down");
	lk->reconnect = true;
	snprintf(lk->last_loss, sizeof lk->last_loss, "the last one had become a tarpit");
	lk->last_quit = false;
	return true;
}

long long lookup_group_late_ms(const struct lookup *lk)
{
	if (lk->sum->tarpit || lk->tarpit_useless || lk->pinning || lk->pin_done || lk->cfg->rate > 0)
		return 0;
	if (!lk->latency_known && !lk->run_latency_known)
		return 0;
	double usual = lk->latency_known ? lk->latency_ms : lk->run_latency_ms;
	double late = LOOKUP_TARPIT_FACTOR * usual;
	return late > LOOKUP_GROUP_LATE_MS ? (long long)late : LOOKUP_GROUP_LATE_MS;
}

void lookup_pin(struct lookup *lk, double wait_ms, unsigned more)
{
	if (lk->pin_done)
		return;
	lk->suspect = false;
	lk->reconnect = true;
	if (lk->pinning)
		return;
	lk->pinning = true;
	lk->pin_cmds = lk->conn_cmds + more;
	lk->pin_ms = wait_ms;
}
