/*
 * lookup.h - checking a list of names against a server (issue 11): which
 * addresses it knows, by VRFY, EXPN or RCPT probes, whatever it does to
 * stop a long list.  A library like the rest of the core: it never prints
 * and never touches the terminal.  Results go out through a callback, once
 * per name, in input order; notes (the method chosen, a catch-all domain, a
 * tarpit, a reconnect) through another; errors are values.
 *
 * The session is the caller's and is passed explicitly.  When it is closed
 * (or the server closes it) the engine asks the caller's connect hook for a
 * new connection: the caller knows how the first one was made (EHLO,
 * STARTTLS, AUTH) and replays it.
 *
 * Files: lookup_verdict.c (a reply's verdict: pure), lookup.c (the run:
 * names, windows, the method table), lookup_rcpt.c (pipelined RCPT
 * groups), lookup_probe.c (VRFY and EXPN, auto's method choice, catch-all
 * probes, the RCPT transaction), lookup_conn.c (connections, commands,
 * learned limits, back-off, tarpits, the rate), lookup_results.c (results
 * in order and events, through the hooks).  lookup_int.h is their shared
 * private part, and says the order they call each other in.
 *
 * RFCs: 5321 3.5 (VRFY, EXPN; 3.5.3: 252 means "cannot verify"), 4.1.1.3
 * (RCPT), 4.5.3.1.8 (100 recipients); 2920 (PIPELINING: RCPTs in groups,
 * replies in order; VRFY and EXPN end a group, so they go one at a time).
 */
#ifndef SMTPSH_LOOKUP_H
#define SMTPSH_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "reply.h"
#include "session.h"

/* RFC 5321 4.5.3.1.3: a path is at most 256 octets; a name is one. */
#define LOOKUP_NAME_MAX 256
/* A name as given (the source's bound: a names file line, say); a longer
 * one is reported untested, cut to this length. */
#define LOOKUP_INPUT_MAX 1024
/* Reply lines kept per result (RFC 5321 4.5.3.1.5: 512 octets a line);
 * the rest of a longer reply is counted in lines_dropped. */
#define LOOKUP_LINES_KEEP 8
#define LOOKUP_LINE_KEEP 512
/* Addresses kept per result (an EXPN of a big list keeps the first ones). */
#define LOOKUP_ADDRESSES_MAX 16
/* RCPTs in one pipelined group (RFC 2920 leaves the size to the client;
 * 50 short lines, about 2 KiB, stay far below any socket buffer, so
 * neither side can block the other). */
#define LOOKUP_GROUP_MAX 50
/* RSET after this many RCPTs in one transaction: RFC 5321 4.5.3.1.8
 * promises 100 recipients per message, no more. */
#define LOOKUP_RCPT_PER_TXN 100
/* Names between the first one not yet reported and the furthest one
 * asked: results are held this far ahead so they come out in order. */
#define LOOKUP_PENDING_MAX 256
/* Back-off after a 421, a refused connection or a 4xx: doubled each time
 * in a row, never above the ceiling. */
#define LOOKUP_BACKOFF_FIRST_MS 250
#define LOOKUP_BACKOFF_MAX_MS 30000
/* Connection attempts in a row that fail before the rest is untested. */
#define LOOKUP_CONNECT_TRIES 4
/* Connections in a row that end (a close, a 421) before any name is
 * answered, before the rest is untested: a server that ends every
 * connection early would otherwise be reconnected to forever. */
#define LOOKUP_FUTILE_CONNECTIONS 3
/* Times one name may be asked before it is left untested (each lost
 * connection costs the names in flight one attempt). */
#define LOOKUP_ATTEMPTS_MAX 6
/* A reply over smtpsh's budget (smtp_limits.h) breaks the protocol:
 * the connection is closed, and the name is asked at most this many
 * times in all before it is left untested ("reply too large"). */
#define LOOKUP_TOO_LARGE_TRIES 2
/* A 5xx followed at once by the end of the connection ends the session
 * (Exim's 554 after 10 non-mail commands), not the name: it is asked
 * again, at most this many times, before the 5xx is taken as its answer. */
#define LOOKUP_SESSION_END_TRIES 2
/* A tarpit: a reply that takes at least this long, and this many times the
 * usual latency of the connection (Sendmail: 1 s, 2, 4 ... 32 s; Postfix:
 * 1 s per reply past its soft error limit). */
#define LOOKUP_TARPIT_MIN_MS 250
#define LOOKUP_TARPIT_FACTOR 8
/* A pipelined group whose first reply has not come after this long (and
 * LOOKUP_TARPIT_FACTOR times the usual wait) is given up, once a run: a
 * server that sleeps per RCPT and flushes only at the group's end
 * (Sendmail's bad-RCPT throttle, 1 s each) would hold it for the whole
 * group's sleeps. */
#define LOOKUP_GROUP_LATE_MS 1000
/* Default --retries: a temporary (4xx) answer is asked again this often. */
#define LOOKUP_RETRIES_DEFAULT 2
/* Distinct domains whose catch-all status is remembered (RCPT probes). */
#define LOOKUP_DOMAINS_MAX 32

enum lookup_method {
	LOOKUP_AUTO,        /* probe: VRFY if it gives real answers, else RCPT */
	LOOKUP_VRFY,
	LOOKUP_EXPN,
	LOOKUP_RCPT,
	LOOKUP_METHOD__COUNT
};

enum lookup_verdict {
	LOOKUP_EXISTS,          /* 250/251 */
	LOOKUP_AMBIGUOUS,       /* 553 listing the possibilities */
	LOOKUP_UNKNOWN,         /* 550, 5.1.x, 551 (not here: try elsewhere) */
	LOOKUP_CANNOT_VERIFY,   /* 252, or VRFY/EXPN not implemented */
	LOOKUP_ACCEPTED,        /* RCPT accepted by a catch-all: no proof */
	LOOKUP_REJECTED,        /* policy: 5.7.x, 554, other refusals */
	LOOKUP_TEMPORARY,       /* 4xx after the retries */
	LOOKUP_UNTESTED,        /* never answered: reason says why */
	LOOKUP_VERDICT__COUNT
};

const char *lookup_method_name(enum lookup_method m);   /* "auto", "vrfy", ... */
bool lookup_method_parse(const char *s, enum lookup_method *m);
const char *lookup_verdict_name(enum lookup_verdict v); /* "cannot-verify" ... */
bool lookup_verdict_parse(const char *s, size_t len, enum lookup_verdict *v);
/* One paragraph: what the verdict means and which replies give it (for
 * `explain` and the man page); English, marked for translation. */
const char *lookup_verdict_meaning(enum lookup_verdict v);

struct lookup_text {
	char text[LOOKUP_LINE_KEEP];  /* untrusted bytes (may hold NUL: len) */
	size_t len;
};

/* One name's final answer. */
struct lookup_result {
	size_t index;                 /* 0-based, in the input */
	const char *name;             /* as given (valid during the callback) */
	enum lookup_method method;    /* that answered; LOOKUP_AUTO: never asked */
	enum lookup_verdict verdict;
	int code;                     /* 0 when never answered */
	char enhanced[16];            /* "2.1.5", or "" */
	struct lookup_text lines[LOOKUP_LINES_KEEP];
	size_t nlines, lines_dropped;
	struct lookup_text addresses[LOOKUP_ADDRESSES_MAX];
	size_t naddresses;
	unsigned attempts;            /* commands sent for it */
	char reason[SMTP_ERROR_MSG_MAX]; /* untested, temporary: why; else "" */
};

/* The verdict of reply r to a lookup by method m (pure).  Fills code,
 * enhanced, lines, addresses and verdict of *out (name, index, attempts
 * and reason are left alone); catch_all turns an RCPT "exists" into
 * "accepted".  A 4xx is LOOKUP_TEMPORARY (the engine retries it); a
 * reply that is not one (600, 621) is LOOKUP_UNTESTED. */
enum lookup_verdict lookup_classify(enum lookup_method m, const struct smtp_reply *r,
    bool catch_all, struct lookup_result *out);
/* The addresses a reply names: "<...>" on each line, else a word holding
 * '@'.  Returns how many were kept in out (at most max). */
size_t lookup_addresses(const struct smtp_reply *r, struct lookup_text *out, size_t max);
/* Whether r asks for a domain rather than answering about the name:
 * a 501 that says "domain" (Exim: "501 5.5.2 VRFY argument must contain a
 * domain"; "domain missing or malformed").  Never a verdict (pure). */
bool lookup_wants_domain(const struct smtp_reply *r);
/* The address an RCPT probe sends for name: "<...>" unwrapped, domain
 * appended to a bare name when given.  False when it does not fit. */
bool lookup_rcpt_address(const char *name, const char *domain, char *out, size_t cap);

enum lookup_event_kind {
	LOOKUP_EV_METHOD,       /* auto chose a method (why) */
	LOOKUP_EV_CATCH_ALL,    /* a domain accepts any recipient */
	LOOKUP_EV_TARPIT,       /* replies slowed down */
	LOOKUP_EV_LIMIT,        /* a per-connection limit was learned */
	LOOKUP_EV_RECONNECT,    /* a new connection (why) */
	LOOKUP_EV_BACKOFF,      /* waiting before going on */
	LOOKUP_EV_CONNECT_FAILED,
	LOOKUP_EV_PROGRESS,     /* a name is being asked, or one was answered */
	LOOKUP_EV_SURPLUS,      /* more replies than commands: one at a time now */
	LOOKUP_EV__COUNT
};

struct lookup_event {
	enum lookup_event_kind kind;
	char message[512];            /* one line (may quote server text) */
	size_t done, total;           /* names reported so far, of total */
	unsigned connections;         /* opened so far */
	const char *current;          /* the name being asked, or NULL */
	bool routine;                 /* LOOKUP_EV_RECONNECT after our own QUIT
	                               * at a learned or given limit: counted,
	                               * not worth a line each */
};

struct lookup_config {
	enum lookup_method method;
	const char *from;             /* MAIL FROM for RCPT probes; NULL: <> */
	const char *domain;           /* appended to bare names for RCPT; NULL */
	double rate;                  /* commands per second; 0: no limit */
	unsigned per_connection;      /* names per connection; 0: learn */
	unsigned max_connections;     /* 0: no cap */
	unsigned retries;             /* for temporary answers */
	int cancel_fd;                /* -1, or readable on cancel (waits watch it) */
	bool stopped;                 /* cancelled already (the caller took the
	                               * signal): nothing is sent, all untested */
	bool keep_open;               /* leave the last connection open (RSET, no QUIT) */
	bool no_pipelining;           /* one RCPT at a time even with PIPELINING */
};

struct lookup_hooks {
	/* Open s and bring it to where the first connection stood (greeting,
	 * EHLO, STARTTLS, AUTH).  SMTP_ERR_CANCELLED stops the run; any other
	 * error is a failed attempt (retried with back-off, LOOKUP_CONNECT_TRIES
	 * in a row); SMTP_ERR_REFUSED means "never again" (a 5xx greeting). */
	enum smtp_errkind (*connect)(void *ctx, struct session *s, struct smtp_error *err);
	/* Each name's result, exactly once, in input order. */
	void (*result)(void *ctx, const struct lookup_result *r);
	/* Notes and progress; may be NULL. */
	void (*event)(void *ctx, const struct lookup_event *e);
	void *ctx;
};

struct lookup_summary {
	size_t total;
	size_t by_verdict[LOOKUP_VERDICT__COUNT];
	unsigned connections;         /* connections opened (the first included) */
	double elapsed_ms;
	int catch_all;                /* -1 not probed, 0 no, 1 a catch-all seen */
	enum lookup_method method;    /* the method used for most names */
	bool cancelled;               /* stopped: the rest is untested */
	unsigned per_connection;      /* the learned limit, 0 when none */
	bool tarpit;                  /* a tarpit was noticed */
};

/* Where the names come from, in input order, one at a time: the engine
 * reads at most LOOKUP_PENDING_MAX ahead of the first name not yet
 * reported and copies each, so memory stays flat whatever their number. */
struct lookup_source {
	/* The next name (*name; NULL at the end), copied before the next
	 * call.  An error other than SMTP_OK stops the run: the names read
	 * are reported (the rest of them untested), and lookup_run returns
	 * it. */
	enum smtp_errkind (*next)(void *ctx, const char **name, struct smtp_error *err);
	void *ctx;
};

/* Ask about every name of src and report each through hooks->result.  A
 * session that is open and past EHLO is used as it is; otherwise
 * hooks->connect is called.  Returns SMTP_OK when every name was reported
 * (some may be untested), SMTP_ERR_CANCELLED when cfg->cancel_fd stopped it
 * (every name still reported: the rest untested), the source's error, or
 * SMTP_ERR_NOMEM. */
enum smtp_errkind lookup_run(struct session *s, const struct lookup_config *cfg,
    const struct lookup_hooks *hooks, const struct lookup_source *src,
    struct lookup_summary *sum, struct smtp_error *err);

#endif
