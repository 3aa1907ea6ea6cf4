/*
 * lookup.c - the lookup run (lookup.h): names are asked in batches, the way
 * the method table says (one struct lookup_method_ops per method: one VRFY
 * or EXPN at a time, RFC 2920 3.1: they end a pipelined group; RCPTs in
 * groups when the server advertises PIPELINING, inside a MAIL
 * transaction), and every reply is matched to its name by the session's
 * owed queue (a refused group element never shifts the others).  Each
 * name ends with exactly one result, reported in input order: results are
 * held in a ring of LOOKUP_PENDING_MAX slots until every name before them
 * is final (taking and reporting them is lookup_results.c's).  The asking
 * itself is the methods' (lookup_rcpt.c, lookup_probe.c).
 *
 * A temporary answer is asked again after a back-off (--retries); a name
 * whose reply was lost with its connection is asked again on the next one
 * (LOOKUP_ATTEMPTS_MAX in all); a 5xx is held until the connection shows
 * it did not end the session (lookup_conn.c).  On cancel, or when no
 * connection can be had, the rest is reported untested with the reason.
 *
 * Names come from the caller's source one at a time and are copied into
 * a ring of LOOKUP_PENDING_MAX items, read no further ahead than the ring
 * holds: memory stays flat whatever the number of names.
 *
 * Owns: the item ring and the result ring (freed before lookup_run
 * returns).
 */
#include "lookup_int.h"
#include "clock.h"
#include "mailbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verbs.h"

static const struct lookup_method_ops lookup_auto_ops = {
	.begin = lookup_auto_begin,
};

static const struct lookup_method_ops lookup_vrfy_ops = {
	.begin = lookup_vrfy_begin,
	.ask = lookup_vrfy_ask,
};

static const struct lookup_method_ops lookup_expn_ops = {
	.ask = lookup_expn_ask,
};

static const struct lookup_method_ops lookup_rcpt_ops = {
	.ask = lookup_ask_group,
	.groups = true,
	.needs_txn = true,
};

static const struct lookup_method_ops *const lookup_methods[] = {
	[LOOKUP_AUTO] = &lookup_auto_ops,
	[LOOKUP_VRFY] = &lookup_vrfy_ops,
	[LOOKUP_EXPN] = &lookup_expn_ops,
	[LOOKUP_RCPT] = &lookup_rcpt_ops,
};
_Static_assert(sizeof lookup_methods / sizeof lookup_methods[0] == LOOKUP_METHOD__COUNT,
    "one lookup_method_ops for each enum lookup_method");

/* Up to max names that may be asked now, in order; 0 and *wait_until
 * when the only ones left are backing off. */
static size_t lookup_pick(struct lookup *lk, size_t *idx, size_t max, long long *wait_until)
{
	size_t cnt = 0;
	long long now = clock_now_ms();
	*wait_until = 0;
	size_t end = lk->emit + LOOKUP_PENDING_MAX < lk->n ? lk->emit + LOOKUP_PENDING_MAX : lk->n;
	for (size_t i = lk->emit; i < end && cnt < max; i++) {
		struct lookup_item *it = lookup_item(lk, i);
		if (it->final || (lk->held_valid && lk->held == i))
			continue;
		(void)lookup_fresh(lk, i);
		if (it->attempts >= LOOKUP_ATTEMPTS_MAX || it->ends_connections) {
			char why[SMTP_ERROR_MSG_MAX];
			snprintf(why, sizeof why, "asked %u times, and each time the connection ended "
			    "first (%.160s)", it->attempts, lk->last_loss);
			lookup_untested(lk, i, why);
			continue;
		}
		if (it->not_before > now) {
			if (*wait_until == 0 || it->not_before < *wait_until)
				*wait_until = it->not_before;
			continue;
		}
		idx[cnt++] = i;
	}
	return cnt;
}

/* Read names from the source until LOOKUP_PENDING_MAX are unreported. */
static void lookup_fill(struct lookup *lk)
{
	while (!lk->src_end && lk->n < lk->emit + LOOKUP_PENDING_MAX) {
		const char *name = NULL;
		enum smtp_errkind k = lk->src->next(lk->src->ctx, &name, &lk->src_err);
		if (k != SMTP_OK || name == NULL) {
			lk->src_end = true;
			lk->src_kind = k;
			if (k != SMTP_OK && !lk->stop) {
				lk->stop = true;
				snprintf(lk->stop_reason, sizeof lk->stop_reason, "not asked: the names "
				    "could not be read (%.180s)", lk->src_err.msg);
			}
			return;
		}
		size_t i = lk->n++;
		struct lookup_item *it = lookup_item(lk, i);
		memset(it, 0, sizeof *it);
		size_t len = strlen(name);
		memcpy(it->name, name, len > LOOKUP_INPUT_MAX ? LOOKUP_INPUT_MAX : len);
		const char *why = NULL;
		if (len > LOOKUP_INPUT_MAX)
			lookup_untested(lk, i, "not asked: the name is longer than 1024 bytes");
		else if ((why = mailbox_check(name, len, MAILBOX_LOCAL_OK)) != NULL) {
			/* A ">" or a space would end the path and smuggle ESMTP
			 * parameters in (RFC 5321 4.1.2): nothing of it is sent. */
			char reason[160];
			snprintf(reason, sizeof reason, "not asked: not a mailbox (%s)", why);
			lookup_untested(lk, i, reason);
		}
	}
}

/* Every name not yet final, read or still to be read, is untested. */
static void lookup_rest_untested(struct lookup *lk, const char *reason)
{
	lookup_commit_held(lk);
	for (;;) {
		for (size_t i = lk->emit; i < lk->n; i++)
			if (!lookup_item(lk, i)->final)
				lookup_untested(lk, i, reason);
		lookup_flush(lk);
		if (lk->src_end)
			break;
		lookup_fill(lk);
	}
}

/* The method: the configured one, after its begin (auto's chooses). */
static enum smtp_errkind lookup_begin(struct lookup *lk, struct smtp_error *err)
{
	const struct lookup_method_ops *ops = lookup_methods[lk->cfg->method];
	lk->method = lk->cfg->method;
	enum smtp_errkind k = ops->begin != NULL ? ops->begin(lk, err) : SMTP_OK;
	if (k == SMTP_ERR_CLOSED || k == SMTP_ERR_CANCELLED)
		return k;
	lk->method_known = true;
	return SMTP_OK;
}

/* One step: a connection, the method, then a batch of names. */
static void lookup_step(struct lookup *lk)
{
	enum smtp_errkind k = lookup_ensure_connection(lk);
	if (k == SMTP_ERR_CANCELLED)
		lk->cancelled = true;
	if (k != SMTP_OK)
		return;
	struct smtp_error err;
	if (!lk->method_known) {
		k = lookup_begin(lk, &err);
		if (k == SMTP_ERR_CANCELLED)
			lk->cancelled = true;
		else if (k != SMTP_OK)
			lookup_lost(lk, err.msg);
		if (k == SMTP_OK)
			lk->sum->method = lk->method;
		return;
	}
	const struct lookup_method_ops *ops = lookup_methods[lk->method];
	unsigned room = lookup_room(lk, ops->needs_txn && lookup_txn_needed(lk) ? (lk->txn ? 2 : 1) : 0);
	if (room == 0 || lk->reconnect) {
		lk->reconnect = true;               /* the limit we learned: end it now */
		return;
	}
	bool pipelining = !lk->cfg->no_pipelining && !lk->pipelining_off &&
	    ehlo_find(session_extensions(lk->s), "PIPELINING") != NULL;
	if (lk->pinning && lk->conn_cmds > lk->pin_cmds) {
		lk->pinning = false;                /* no slowdown this far: none */
		lk->pin_done = true;
	}
	size_t max = ops->groups && pipelining && !lk->pinning ? LOOKUP_GROUP_MAX : 1;
	if (max > 1 && max >= room)
		max = room > 1 ? room - 1 : 1;      /* a group's NOOP counts too */
	if (ops->needs_txn) {
		unsigned used = lookup_txn_needed(lk) ? 0 : lk->txn_rcpts;
		if (max > LOOKUP_RCPT_PER_TXN - used)
			max = LOOKUP_RCPT_PER_TXN - used;
	}
	size_t idx[LOOKUP_GROUP_MAX];
	long long wait_until;
	size_t cnt = lookup_pick(lk, idx, max, &wait_until);
	if (cnt == 0) {
		if (wait_until != 0 && lookup_sleep_until(lk, wait_until) == SMTP_ERR_CANCELLED)
			lk->cancelled = true;
		else if (wait_until == 0)
			lookup_commit_held(lk);     /* the last answer: nothing follows it */
		return;
	}
	ops->ask(lk, idx, cnt);
}

enum smtp_errkind lookup_run(struct session *s, const struct lookup_config *cfg,
    const struct lookup_hooks *hooks, const struct lookup_source *src,
    struct lookup_summary *sum, struct smtp_error *err)
{
	struct lookup lk;
	memset(&lk, 0, sizeof lk);
	memset(sum, 0, sizeof *sum);
	sum->catch_all = -1;
	sum->method = cfg->method;
	lk.s = s;
	lk.cfg = cfg;
	lk.h = hooks;
	lk.src = src;
	lk.sum = sum;
	lk.start_ms = clock_now_ms();
	lk.items = calloc(LOOKUP_PENDING_MAX, sizeof *lk.items);
	lk.slots = calloc(LOOKUP_PENDING_MAX, sizeof *lk.slots);
	if (lk.items == NULL || lk.slots == NULL) {
		free(lk.items);
		free(lk.slots);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory for the names");
	}
	if (session_is_open(s) && session_state(s) >= SMTP_ST_READY)
		sum->connections = 1;           /* the caller's connection */
	lk.cancelled = cfg->stopped;
	for (;;) {
		lookup_fill(&lk);
		lookup_flush(&lk);
		if (lk.src_end && lk.emit >= lk.n)
			break;
		if (lk.cancelled) {
			sum->cancelled = true;
			lookup_rest_untested(&lk, "not asked: the run was stopped (signal)");
			break;
		}
		if (lk.stop) {
			lookup_rest_untested(&lk, lk.stop_reason);
			break;
		}
		lookup_step(&lk);
	}
	sum->total = lk.n;
	if (!lk.cancelled && session_is_open(s)) {
		if (lk.txn && session_owed(s) == 0 && (lk.limit_cmds == 0 || lk.conn_cmds < lk.limit_cmds)) {
			struct session_reply r;
			session_reply_init(&r);
			(void)lookup_command(&lk, verb_by_id(VERB_RSET), "", &r, err);
			session_reply_free(&r);
		}
		if (cfg->keep_open)
			lookup_commit_held(&lk);
		else
			lookup_end_connection(&lk, true);
	}
	sum->elapsed_ms = (double)(clock_now_ms() - lk.start_ms);
	free(lk.items);
	free(lk.slots);
	if (lk.src_kind != SMTP_OK) {
		*err = lk.src_err;
		return lk.src_kind;
	}
	return lk.cancelled ? smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "the lookup was stopped")
	                    : SMTP_OK;
}
