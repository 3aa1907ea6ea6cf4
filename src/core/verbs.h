/*
 * verbs.h - the one SMTP command table: every RFC 821 command, EHLO, and the
 * ESMTP verbs smtpsh speaks.  For each: wire name, argument form, the states
 * RFC 821's sequence allows it in, the state a success leads to, and its
 * Success / Intermediate / Failure / Error reply codes from RFC 821's state
 * diagram (RFC 821 4.3) extended with RFC 5321's additions.
 *
 * Help, Tab completion, the teaching server, verdicts and the docs all walk
 * this table.
 */
#ifndef SMTPSH_VERBS_H
#define SMTPSH_VERBS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "state.h"

enum verb_id {
	VERB_HELO, VERB_EHLO, VERB_MAIL, VERB_RCPT, VERB_DATA, VERB_RSET,
	VERB_SEND, VERB_SOML, VERB_SAML, VERB_VRFY, VERB_EXPN, VERB_HELP,
	VERB_NOOP, VERB_QUIT, VERB_TURN, VERB_STARTTLS, VERB_AUTH,
	VERB_BDAT, VERB_LHLO, VERB_XCLIENT,
	VERB__COUNT
};

enum verb_arg {
	VERB_ARG_NONE,      /* no argument allowed */
	VERB_ARG_OPTIONAL,
	VERB_ARG_REQUIRED,
};

enum verdict {
	VERDICT_SUCCESS,      /* S in the diagram */
	VERDICT_INTERMEDIATE, /* I: 354 to DATA, 334 to AUTH */
	VERDICT_FAILURE,      /* F */
	VERDICT_ERROR,        /* E */
	VERDICT_UNEXPECTED,   /* a code the diagram does not list for the verb */
};

/* What a verb does, as the session, the shell and the teaching server act
 * on it: behaviour is read from these flags, never from a verb's name. */
enum verb_flags {
	VERB_F_RFC821       = 1u << 0,  /* one of RFC 821's fourteen */
	VERB_F_ESMTP        = 1u << 1,  /* an extension verb */
	VERB_F_SENSITIVE    = 1u << 2,  /* arguments and the exchange that follows
	                                 * may hold secrets (AUTH, RFC 4954) */
	VERB_F_BODY         = 1u << 3,  /* 354 is followed by a body (DATA) */
	VERB_F_CLOSES       = 1u << 4,  /* success closes the connection (QUIT) */
	VERB_F_HELLO        = 1u << 5,  /* says who we are; DOMAIN defaults to
	                                 * this machine's name (HELO, EHLO) */
	VERB_F_EXTENSIONS   = 1u << 6,  /* success lists ESMTP extensions (EHLO) */
	VERB_F_OPENS_MAIL   = 1u << 7,  /* success opens a mail transaction */
	VERB_F_RECIPIENT    = 1u << 8,  /* success adds a recipient (RCPT) */
	VERB_F_RESETS       = 1u << 9,  /* success ends the transaction (RSET) */
	VERB_F_SWAPS_ROLES  = 1u << 10, /* success makes us the receiver (TURN) */
	VERB_F_STARTS_TLS   = 1u << 11, /* 220 is followed by a TLS handshake */
	VERB_F_CHALLENGE    = 1u << 12, /* 3xx is a challenge to answer (AUTH) */
	VERB_F_ADDRESS_ARG  = 1u << 13, /* the argument is an address to check
	                                 * (VRFY, EXPN) */
	VERB_F_CHUNK        = 1u << 14, /* carries a message chunk (BDAT) */
	VERB_F_LMTP         = 1u << 15, /* LMTP's (LHLO): one reply per
	                                 * recipient after the body */
	VERB_F_RESTARTS     = 1u << 16, /* success starts the session over as
	                                 * another client: the hello follows
	                                 * (XCLIENT) */
};

#define VERB_CODES_MAX 12

struct verb {
	enum verb_id id;
	const char *name;          /* "MAIL" */
	const char *path_prefix;   /* "FROM:" / "TO:" when `mail ADDR` is wrapped
	                            * as "MAIL FROM:<ADDR>", else NULL */
	enum verb_arg arg;
	const char *usage;         /* "mail ADDR | mail FROM:<ADDR> [PARAMS]" */
	const char *summary;       /* one line for help and completion hints */
	const char *rfc;           /* "RFC 821 4.1.1" */
	unsigned allowed_states;   /* SMTP_ST_BIT()s where the sequence allows it */
	enum smtp_state success_state; /* where S leads; SMTP_ST__COUNT = unchanged */
	unsigned timeout_s;        /* RFC 5321 4.5.3.2 reply timeout */
	unsigned flags;            /* enum verb_flags */
	short success[VERB_CODES_MAX];      /* 0-terminated */
	short intermediate[VERB_CODES_MAX];
	short failure[VERB_CODES_MAX];
	short error[VERB_CODES_MAX];
	const char *syntax;        /* the wire syntax as the RFCs write it */
};

size_t verb_count(void);
const struct verb *verb_at(size_t i);
const struct verb *verb_by_id(enum verb_id id);
/* Case-insensitive; NULL when not a verb. */
const struct verb *verb_lookup(const char *name, size_t len);
/* The command's wire syntax as the RFCs write it ("MAIL FROM:<reverse-path>
 * [<mail-parameters>]"), for a server's HELP; `usage` is the shell's form. */
const char *verb_syntax(const struct verb *v);

/* Whether RFC 821 4.3 itself lists `code` for v (its 14 commands); the
 * verb table's other codes were added later (RFC 5321 4.3.2, extensions). */
bool verb_code_in_rfc821(const struct verb *v, int code);
/* The EHLO keyword that advertises v (STARTTLS, AUTH, CHUNKING for
 * BDAT); NULL for a verb no keyword stands for. */
const char *verb_ehlo_keyword(const struct verb *v);
/* Whether v is one of RFC 821's commands. */
bool verb_in_rfc821(const struct verb *v);

/* S/I/F/E for `code` answering `v`.  Codes the diagram does not list are
 * VERDICT_UNEXPECTED; 421 is an error for every verb; 600/621 are errors.
 * v NULL (a raw line with no known verb): 2xx success, 3xx intermediate,
 * x0z negatives (syntax: 500, 502, 504...) error, other 4xx/5xx failure. */
enum verdict verb_verdict(const struct verb *v, int code);
/* "success", "intermediate", "failure", "error", "unexpected". */
const char *verdict_name(enum verdict vd);

/* Build the wire line (no CRLF) for `v` and the user's argument text `arg`
 * (arglen bytes, may be empty).  Rules: the verb is sent upper-case; for a
 * verb with a path_prefix, an argument that does not already start with the
 * prefix (case-insensitively) is wrapped: "bob@x" -> "FROM:<bob@x>",
 * "<bob@x>" -> "FROM:<bob@x>", "" -> "FROM:<>" for MAIL only; an argument
 * that starts with the prefix is sent as typed; otherwise the first word is
 * the address and the rest (ESMTP parameters) follows it: "bob@x SIZE=10" ->
 * "FROM:<bob@x> SIZE=10".  Refuses (SMTP_ERR_REFUSED)
 * CR, LF or NUL anywhere, a line over SMTP_COMMAND_LINE_MAX - 2, a missing
 * required argument or an argument to a verb that takes none
 * (SMTP_ERR_USAGE).  On failure nothing is written to out but the error. */
enum smtp_errkind verb_format_command(const struct verb *v, const char *arg,
    size_t arglen, char *out, size_t cap, size_t *outlen, struct smtp_error *err);

/* True when RFC 821's sequence allows v in state st. */
bool verb_allowed_in(const struct verb *v, enum smtp_state st);

#endif
