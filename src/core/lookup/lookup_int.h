/*
 * lookup_int.h - the lookup engine's private parts, shared by its files,
 * which call one way only, each the ones after it (issue 18):
 *
 *   lookup.c          the run: names, batches, the method table
 *   lookup_rcpt.c     RCPT: pipelined groups
 *   lookup_probe.c    VRFY and EXPN, one name at a time; auto's choice;
 *                     the RCPT transaction and catch-all probes
 *   lookup_conn.c     connections, one command and its reply, learned
 *                     limits, back-off, tarpits, the rate
 *   lookup_results.c  taking replies as results, reporting them and the
 *                     events through the caller's hooks
 *
 * (and lookup_verdict.c, pure, under them all).  Nothing outside src/core
 * includes this.
 */
#ifndef SMTPSH_LOOKUP_INT_H
#define SMTPSH_LOOKUP_INT_H

#include "lookup.h"
#include "smtp_limits.h"
#include "verbs.h"

/* How long the QUIT at the end of a connection may take before it is
 * closed anyway (the server may be a tarpit). */
#define LOOKUP_QUIT_WAIT_MS 2000
/* Why the probe names cannot exist: random, and marked as ours. */
#define LOOKUP_PROBE_PREFIX "smtpsh-probe-"

struct lookup_item {
	char name[LOOKUP_INPUT_MAX + 1];
	unsigned attempts;             /* commands sent for it */
	unsigned temp_tries;           /* temporary answers so far */
	unsigned end_tries;            /* 5xx-then-close retractions */
	unsigned too_large;            /* replies over the budget */
	bool ends_connections;         /* asked first on LOOKUP_FUTILE_CONNECTIONS
	                                * that ended: given up */
	long long not_before;          /* back-off: not asked before (ms) */
	bool final;
};

struct lookup_domain {
	char name[SMTP_DOMAIN_MAX + 1];
	bool catch_all;
};

struct lookup {
	struct session *s;
	const struct lookup_config *cfg;
	const struct lookup_hooks *h;
	const struct lookup_source *src;
	size_t n;                      /* names read from it so far */
	bool src_end;                  /* it has no more (or failed: src_kind) */
	enum smtp_errkind src_kind;
	struct smtp_error src_err;
	struct lookup_item *items;     /* LOOKUP_PENDING_MAX, by index % max */
	struct lookup_result *slots;   /* LOOKUP_PENDING_MAX, by index % max */
	size_t emit;                   /* the first name not yet reported */
	enum lookup_method method;     /* never LOOKUP_AUTO once chosen */
	bool method_known;
	struct lookup_summary *sum;
	long long start_ms;

	/* The connection in use. */
	unsigned conn_cmds;            /* our commands answered on it */
	unsigned conn_errors;          /* ... of which 4xx/5xx */
	unsigned conn_names;           /* names asked on it */
	size_t conn_first;             /* the first of them (when conn_names > 0) */
	bool conn_progress;            /* a name got an answer on it */
	bool txn;                      /* MAIL accepted (RCPT probes) */
	unsigned txn_rcpts;
	double latency_ms;             /* the usual wait for a reply on it */
	double slow_ms;                /* the wait that looked like a tarpit */
	bool suspect;                  /* the last reply was slow: one more is a tarpit */
	unsigned suspect_cmds;         /* the counts before the first slow reply */
	unsigned suspect_errors;
	bool pinning;                  /* a pipelined group came late all at once:
	                                * where the slowdown begins is hidden, so
	                                * RCPTs go alone until it shows ... */
	unsigned pin_cmds;             /* ... or this many are answered on a
	                                * fresh connection without it */
	double pin_ms;                 /* the late group's wait */
	bool pin_done;                 /* a search found nothing: late groups
	                                * are this server's way, not a tarpit */
	bool latency_known;
	bool run_latency_known;        /* some connection's usual wait ... */
	double run_latency_ms;         /* ... the last one measured */
	bool reconnect;                /* end it before the next command */
	bool held_valid;               /* a 5xx answer not yet final ... */
	size_t held;                   /* ... for this name */
	unsigned held_was_error;       /* it counted in conn_errors */

	/* Across connections. */
	unsigned connect_failures;     /* in a row */
	unsigned futile_connections;   /* in a row, ended before any answer */
	bool answered_any;             /* some name was answered in this run */
	bool blamed;                   /* a name was given up for ending them,
	                                * and no name was answered since */
	unsigned limit_cmds;           /* learned: at most this many; 0 none */
	unsigned limit_errors;
	bool tarpit_useless;           /* slow from the start: reconnecting won't help */
	long long backoff_ms;
	long long next_send_ms;        /* --rate */
	struct lookup_domain domains[LOOKUP_DOMAINS_MAX];
	size_t ndomains;
	bool vrfy_catch_all;           /* VRFY said yes to a random name */
	bool pipelining_off;           /* a group got more replies than commands */
	unsigned methods_off;          /* 1 << method: answered 500/502 (auto
	                                * does not choose it again) */
	/* "" or the domain bare names get since the server asked for one (501). */
	char qualify[SMTP_DOMAIN_MAX + 1];
	bool cancelled;
	bool stop;                     /* the rest is untested, for stop_reason */
	char stop_reason[SMTP_ERROR_MSG_MAX];
	char last_loss[SMTP_ERROR_MSG_MAX];  /* why the last connection ended */
	bool last_quit;                      /* ... with our QUIT, as planned */
	bool event_routine;                  /* the event being sent is routine */
};

/* One way of asking: lookup.c's table holds one per enum lookup_method,
 * and the run does what the method in use says instead of branching on
 * it.  The functions are the method files' (lookup_rcpt.c, lookup_probe.c),
 * called from lookup.c only, so the calls still go down the chain. */
struct lookup_method_ops {
	/* Before the first name is asked: auto chooses the method (sets
	 * lk->method; again when its choice turns out not to be implemented),
	 * VRFY asks a random name whether it says yes to anything.  NULL:
	 * nothing to do.  SMTP_ERR_CLOSED and SMTP_ERR_CANCELLED leave the
	 * method unknown (tried again on the next connection); any other error
	 * does not stop the names being asked. */
	enum smtp_errkind (*begin)(struct lookup *lk, struct smtp_error *err);
	/* Ask names idx[0..cnt) and take each one's answer (lookup_take) or
	 * its failure (lookup_failed).  NULL for auto, which only chooses. */
	void (*ask)(struct lookup *lk, const size_t *idx, size_t cnt);
	/* Up to LOOKUP_GROUP_MAX names in one pipelined group when the server
	 * allows it (RFC 2920); false: one at a time (3.1: VRFY and EXPN end
	 * a group). */
	bool groups;
	/* Asked inside a MAIL transaction: its RSET and MAIL count against the
	 * connection's room, and one holds LOOKUP_RCPT_PER_TXN names. */
	bool needs_txn;
};

/* Name i's item (i in [emit, n): the ring holds those only). */
static inline struct lookup_item *lookup_item(const struct lookup *lk, size_t i)
{
	return &lk->items[i % LOOKUP_PENDING_MAX];
}

/* lookup_rcpt.c: RCPTs for names idx[0..cnt), pipelined when cnt > 1. */
void lookup_ask_group(struct lookup *lk, const size_t *idx, size_t cnt);

/* lookup_probe.c */
/* The domain bare names get: --domain, or the one the server's 501 made
 * us take (its EHLO domain); NULL when none. */
const char *lookup_name_domain(const struct lookup *lk);
/* The server asked for a domain (r): its EHLO domain (else its greeting's)
 * is given to bare names from now on.  False when it has none (or one is already used). */
bool lookup_qualify(struct lookup *lk, const struct smtp_reply *r);
/* The methods' parts (lookup_method_ops): auto's choice, VRFY's probe
 * of a random name, and the asks of VRFY (a list it names is expanded by
 * EXPN) and EXPN, one name at a time. */
enum smtp_errkind lookup_auto_begin(struct lookup *lk, struct smtp_error *err);
enum smtp_errkind lookup_vrfy_begin(struct lookup *lk, struct smtp_error *err);
void lookup_vrfy_ask(struct lookup *lk, const size_t *idx, size_t cnt);
void lookup_expn_ask(struct lookup *lk, const size_t *idx, size_t cnt);
/* RCPT: a MAIL transaction is open (RSET and MAIL again after
 * LOOKUP_RCPT_PER_TXN recipients). */
enum smtp_errkind lookup_ensure_txn(struct lookup *lk, struct smtp_error *err);
/* The same in two halves, for a pipelined group (RFC 2920 3.1: RSET and
 * MAIL may lead one): whether it is needed, RSET (when a transaction is
 * open: *rset) and MAIL as the group's first *n lines (their wire forms in
 * wire[0..*n)), and reading their replies (SMTP_OK: MAIL accepted;
 * SMTP_ERR_AGAIN a 4xx, SMTP_ERR_REFUSED a 5xx to it). */
bool lookup_txn_needed(const struct lookup *lk);
enum smtp_errkind lookup_txn_lines(struct lookup *lk, struct session_line *lines,
    char (*wire)[SMTP_COMMAND_LINE_MAX], size_t *n, bool *rset, struct smtp_error *err);
/* until: SESSION_WAIT_OWED, or when a reply not come by then is
 * SMTP_ERR_TIMEOUT. */
enum smtp_errkind lookup_txn_read(struct lookup *lk, unsigned long rset_seq,
    unsigned long mail_seq, long long until, struct smtp_error *err);
/* RCPT: the catch-all status of the domain of name i, probed once. */
enum smtp_errkind lookup_catch_all(struct lookup *lk, size_t i, bool *catch_all,
    struct smtp_error *err);
/* RCPT: whether the domain of name i is known to be a catch-all (no
 * probe). */
bool lookup_is_catch_all(const struct lookup *lk, size_t i);

/* lookup_conn.c */
/* Send one command and read its own reply (unsolicited ones skipped);
 * counts it for the connection's limits and watches for a tarpit.  A 421
 * comes back as SMTP_ERR_CLOSED with *out holding it. */
enum smtp_errkind lookup_command(struct lookup *lk, const struct verb *v, const char *arg,
    struct session_reply *out, struct smtp_error *err);
/* The reply to seq (unsolicited ones skipped), counted; a 421 or a close
 * is SMTP_ERR_CLOSED; until: SESSION_WAIT_OWED, or when a reply not come
 * by then is SMTP_ERR_TIMEOUT. */
enum smtp_errkind lookup_read(struct lookup *lk, unsigned long seq, long long until,
    struct session_reply *r, struct smtp_error *err);
/* Count an answered command for the connection's limits. */
void lookup_count_reply(struct lookup *lk, int code);
/* One command as a group's line (its wire form written to wire, of
 * SMTP_COMMAND_LINE_MAX bytes). */
enum smtp_errkind lookup_line(enum verb_id id, const char *arg, struct session_line *l,
    char *wire, struct smtp_error *err);
/* A command for name i could not be sent or answered (a cancel, a name
 * that cannot be sent, or the connection's end). */
void lookup_failed(struct lookup *lk, size_t i, enum smtp_errkind k, const struct smtp_error *err);
/* Wait until t (clock_now_ms clock); SMTP_ERR_CANCELLED on cancel. */
enum smtp_errkind lookup_sleep_until(struct lookup *lk, long long t);
/* Back off (doubling, capped) after a refusal without progress. */
enum smtp_errkind lookup_backoff(struct lookup *lk, const char *why);
/* --rate: wait for the next command's turn. */
enum smtp_errkind lookup_rate_wait(struct lookup *lk);
/* A usable connection: SMTP_OK; SMTP_ERR_AGAIN (a failed attempt, backed
 * off: try again); SMTP_ERR_CANCELLED; anything else sets lk->stop. */
enum smtp_errkind lookup_ensure_connection(struct lookup *lk);
/* The connection ended under us (421, a close): learn, retract a held
 * answer the close belongs to, back off when it made no progress. */
void lookup_lost(struct lookup *lk, const char *why);
/* We closed the connection for a protocol violation (a reply over the
 * budget): nothing is learned from it, and it is no futile connection. */
void lookup_dropped(struct lookup *lk, const char *why);
/* End the connection ourselves: QUIT (waited for briefly when wait). */
void lookup_end_connection(struct lookup *lk, bool wait);
/* How many names may still be asked on this connection (at least 1 on a
 * fresh one); head: the commands the next batch sends before its first
 * name (RSET, MAIL), which count against a learned limit too. */
unsigned lookup_room(const struct lookup *lk, unsigned head);
/* A reply arrived gap_ms after its command (or the reply before it):
 * true when it is much slower than the connection's usual. */
bool lookup_note_latency(struct lookup *lk, double gap_ms, bool first_of_batch);
/* A slow reply is about to be counted.  The first in a row is only a
 * suspicion (a loaded machine has spikes): the counts so far are kept.
 * The second is a tarpit: the limits are learned from the counts kept,
 * and the connection is to end before the next command (true). */
bool lookup_slow(struct lookup *lk);
/* A pipelined group's replies came late (wait_ms) and all at once, or
 * not at all by the group's deadline: the point where the server slowed
 * down is somewhere in the group.  The connection is to end, and RCPTs go
 * alone (each reply's own wait shows it) until lookup_slow finds it, or
 * as many commands as now (and `more`, the group's unanswered ones) are
 * answered on a fresh one without it (a slow moment, no tarpit: late
 * groups are let be from then on). */
void lookup_pin(struct lookup *lk, double wait_ms, unsigned more);
/* How long a pipelined group's first reply may take before the group is
 * given up (lookup_pin); 0: no limit (no wait measured yet, a tarpit
 * known, or a search on or done). */
long long lookup_group_late_ms(const struct lookup *lk);

/* lookup_results.c */
/* Name i's result (i in [emit, n)). */
struct lookup_result *lookup_slot(struct lookup *lk, size_t i);
/* The same, emptied (index and name set) when name i was never asked. */
struct lookup_result *lookup_fresh(struct lookup *lk, size_t i);
/* A reply r for name i, asked by method m: final, held (a 5xx, until the
 * connection shows it did not end the session), or to be asked again
 * after a back-off (a 4xx, --retries).  catch_all: the asking method knows
 * its "exists" proves nothing (lookup_classify). */
void lookup_take(struct lookup *lk, size_t i, enum lookup_method m, const struct smtp_reply *r,
    bool catch_all);
/* Name i is final, untested, for reason. */
void lookup_untested(struct lookup *lk, size_t i, const char *reason);
/* The held 5xx answer is final: a reply came after it, or we ended the
 * connection ourselves. */
void lookup_commit_held(struct lookup *lk);
/* Report every final result with no unreported name before it (the
 * result hook, the summary's counts), then a progress event. */
void lookup_flush(struct lookup *lk);
/* A note through the event hook (when there is one); fmt NULL: none. */
void lookup_event(struct lookup *lk, enum lookup_event_kind kind, const char *current,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
