/*
 * records.h - the record types of the output path (output.h): what one
 * out_*() call hands its renderer (render.h) when it is more than a few
 * plain arguments.  Pure data; the renderers include it, and nothing in it
 * knows a format.
 */
#ifndef SMTPSH_RECORDS_H
#define SMTPSH_RECORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "enhanced.h"
#include "state.h"
#include "verbs.h"

/* How a connection was routed, when by MX (RFC 5321 5.1). */
struct out_via {
	const char *domain;           /* the mail domain asked for */
	unsigned preference;
	bool implicit;                /* no MX: the domain's own address */
};

struct out_explain {
	int code;                     /* 0: no reply code given */
	const char *meaning;          /* general meaning */
	const char *note, *source;    /* may be NULL */
	const char *class_meaning, *category_meaning;   /* may be NULL */
	struct { const char *verb; const char *verdict; } replies[VERB__COUNT];
	size_t nreplies;
	struct { const char *context; const char *meaning; const char *source; } contexts[16];
	size_t ncontexts;
	const char *enhanced;         /* "5.7.1" or NULL */
	const char *enh_text;         /* enhanced_explain() line (English) */
	struct enhanced_code enh_code;   /* the same, parsed (text: translated) */
	const char *enh_source;       /* "RFC 3463", or NULL when unregistered */
	const char *pasted;           /* the rest of a pasted reply, or NULL */
	size_t pasted_len;
	const char *verdict;          /* a lookup verdict's name (alone), or NULL */
	const char *verdict_meaning;
};

struct out_state {
	enum smtp_state state;
	bool connected;
	const char *host, *port, *address;
	unsigned recipients;
	bool tls;
	bool in_auth;
	const char *allowed[VERB__COUNT];     /* RFC 821's commands allowed now */
	size_t nallowed;
	/* Allowed now beyond RFC 821: EHLO (RFC 5321), the extensions this
	 * server advertised, LHLO under --lmtp. */
	const char *extended[VERB__COUNT];
	size_t nextended;
	const char *owed[8];          /* commands still owed a reply (first ones) */
	size_t nowed, owed_total;
};

struct out_help_row {
	const char *name, *usage, *summary, *rfc;   /* rfc NULL for shell commands */
};
struct out_help {
	const struct out_help_row *verbs;
	size_t nverbs;
	const struct out_help_row *commands;
	size_t ncommands;
	const char *footer;           /* may be NULL */
};

/* A test message's outcome (sendcmd.c): the recipients accepted, the
 * losers (refused at RCPT, or after the body under LMTP or when the body
 * was refused), and whether it went to all, some or none. */
#define OUT_MESSAGE_MAX 1000
/* What a report keeps of a refusal's first reply line (cut). */
#define OUT_REPLY_TEXT_MAX 256
struct out_message_loser {
	const char *address;
	const char *stage;            /* "rcpt" or "data" */
	int code;
	char enhanced[16];
	char text[OUT_REPLY_TEXT_MAX]; /* the reply's first line (untrusted) */
};
struct out_message {
	size_t nto;
	const char *accepted[OUT_MESSAGE_MAX];    /* at RCPT */
	size_t naccepted;
	size_t nbody_accepted;                    /* the server took the body for
	                                           * these (not "delivered": that
	                                           * is the server's job now) */
	struct out_message_loser refused[OUT_MESSAGE_MAX];
	size_t nrefused;
	bool mail_refused;
	bool envelope_only;                       /* --quit-after rcpt: counted at
	                                           * RCPT, no message sent */
	bool permanent;                           /* a loser got a 5xx */
	int final_code;
	unsigned long long size;
};

struct out_progress {
	size_t done, total;
	double per_s;             /* names a second so far */
	unsigned reconnects;
	double eta_s;             /* < 0: not known yet */
	const char *current;      /* the name being asked (untrusted), or NULL */
	bool steps_only;          /* an audit's: done/total and current, no rate */
};

/* One exchange of a turned session (TURN): what the peer sent (NULL for
 * our greeting) and what we replied. */
struct out_turn {
	const char *command;
	size_t clen;
	const char *reply;
	size_t rlen;
	const char *kept;             /* where the whole command is, or NULL */
};

/* A step of the tour: before (title, before, type; an exercise: goal, the
 * code to bring about, and no type) or after (after). */
struct out_tour {
	size_t step, of;
	const char *title, *before, *type, *after;
	int goal;
};

#endif
