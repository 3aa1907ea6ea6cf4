/*
 * lookup_results.c - where the lookup engine's answers go (lookup_int.h):
 * the ring of results, a reply taken as a name's answer (final; held
 * while a 5xx may yet turn out to be the session's end; or asked again
 * after a back-off, --retries), a name left untested with the reason, and
 * the caller's hooks: each result reported once, in input order, and
 * counted by verdict in the summary; the notes (events) with the progress
 * they carry.
 *
 * The leaf of the engine's chain (lookup.c -> lookup_rcpt.c ->
 * lookup_probe.c -> lookup_conn.c -> here): it calls no other lookup file
 * but the pure lookup_verdict.c, so the others may all report through it.
 */
#include "lookup_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"

struct lookup_result *lookup_slot(struct lookup *lk, size_t i)
{
	return &lk->slots[i % LOOKUP_PENDING_MAX];
}

struct lookup_result *lookup_fresh(struct lookup *lk, size_t i)
{
	struct lookup_result *r = lookup_slot(lk, i);
	if (lookup_item(lk, i)->attempts == 0 && lookup_item(lk, i)->temp_tries == 0) {
		memset(r, 0, sizeof *r);
		r->index = i;
		r->name = lookup_item(lk, i)->name;
	}
	return r;
}

void lookup_event(struct lookup *lk, enum lookup_event_kind kind, const char *current,
    const char *fmt, ...)
{
	if (lk->h->event == NULL)
		return;
	struct lookup_event e;
	memset(&e, 0, sizeof e);
	e.kind = kind;
	e.done = lk->emit;
	e.total = lk->n;
	e.connections = lk->sum->connections;
	e.current = current;
	e.routine = lk->event_routine;
	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e.message, sizeof e.message, fmt, ap);
		va_end(ap);
	}
	lk->h->event(lk->h->ctx, &e);
}

/* Report every final result that has no unreported name before it. */
void lookup_flush(struct lookup *lk)
{
	bool any = false;
	while (lk->emit < lk->n && lookup_item(lk, lk->emit)->final) {
		struct lookup_result *r = lookup_slot(lk, lk->emit);
		lk->sum->by_verdict[r->verdict]++;
		lk->h->result(lk->h->ctx, r);
		lk->emit++;
		any = true;
	}
	if (any)
		lookup_event(lk, LOOKUP_EV_PROGRESS, NULL, NULL);
}

static void lookup_final(struct lookup *lk, size_t i)
{
	struct lookup_result *r = lookup_slot(lk, i);
	r->attempts = lookup_item(lk, i)->attempts;
	lookup_item(lk, i)->final = true;
}

void lookup_untested(struct lookup *lk, size_t i, const char *reason)
{
	struct lookup_result *r = lookup_fresh(lk, i);
	r->verdict = LOOKUP_UNTESTED;
	r->code = 0;
	r->enhanced[0] = '\0';
	r->nlines = r->naddresses = r->lines_dropped = 0;
	snprintf(r->reason, sizeof r->reason, "%s", reason);
	lookup_final(lk, i);
}

void lookup_commit_held(struct lookup *lk)
{
	if (!lk->held_valid)
		return;
	lk->held_valid = false;
	lookup_final(lk, lk->held);
}

void lookup_take(struct lookup *lk, size_t i, enum lookup_method m, const struct smtp_reply *r,
    bool catch_all)
{
	lookup_commit_held(lk);
	struct lookup_item *it = lookup_item(lk, i);
	struct lookup_result *res = lookup_slot(lk, i);
	res->method = m;
	res->reason[0] = '\0';
	enum lookup_verdict v = lookup_classify(m, r, catch_all, res);
	lk->conn_progress = true;
	lk->futile_connections = 0;
	lk->answered_any = true;
	lk->blamed = false;
	lk->backoff_ms = 0;
	if (v == LOOKUP_TEMPORARY) {
		if (++it->temp_tries <= lk->cfg->retries) {
			long long wait = LOOKUP_BACKOFF_FIRST_MS;
			for (unsigned t = 1; t < it->temp_tries && wait < LOOKUP_BACKOFF_MAX_MS; t++)
				wait *= 2;          /* doubled each time, up to the ceiling */
			it->not_before = clock_now_ms() +
			    (wait > LOOKUP_BACKOFF_MAX_MS ? LOOKUP_BACKOFF_MAX_MS : wait);
			return;
		}
		snprintf(res->reason, sizeof res->reason, "only temporary answers, %u times",
		    it->temp_tries);
	} else if (v == LOOKUP_UNTESTED) {
		snprintf(res->reason, sizeof res->reason, "the reply (%03d) is no answer to %s",
		    r->code, lookup_method_name(m));
	}
	if (r->code / 100 == 5) {
		lk->held_valid = true;
		lk->held = i;
		lk->held_was_error = 1;
		return;
	}
	lookup_final(lk, i);
}
