/*
 * recipe.h - one connection recipe: how a connection is brought to where
 * the user wants it, and how it is brought there again.  The steps:
 * connect (the host as given, or a mail domain by its MX route, RFC 5321
 * 5.1; a PROXY header first when asked, proxy.h) and read the greeting;
 * hello (EHLO, then HELO once when the server does not know EHLO, RFC 5321
 * 4.1.1.1; LHLO under LMTP); STARTTLS, with
 * EHLO again after the handshake (RFC 3207 4.2); XCLIENT (Postfix), with
 * the hello again after it; AUTH (RFC 4954).
 *
 * Each step returns an error value (error.h) and says what it sent, what
 * came back and what it noticed to an optional observer; without one it is
 * silent (a lookup's reconnect).  The shell's open, ehlo, starttls, auth and
 * reconnect, a test message's steps and a lookup's reconnect all go through
 * these functions, and struct recipe records the steps that succeeded, so
 * that recipe_replay() can do them again on a new connection.
 */
#ifndef SMTPSH_RECIPE_H
#define SMTPSH_RECIPE_H

#include <stdbool.h>
#include <stddef.h>

#include "auth.h"
#include "mx.h"
#include "session.h"
#include "smtp_limits.h"

/* Where a step failed, for the caller's one report. */
enum recipe_step {
	RECIPE_STEP_MX, RECIPE_STEP_CONNECT, RECIPE_STEP_GREETING, RECIPE_STEP_HELLO,
	RECIPE_STEP_TLS, RECIPE_STEP_XCLIENT, RECIPE_STEP_AUTH,
	RECIPE_STEP__COUNT
};
const char *recipe_step_name(enum recipe_step step);    /* "mx", "connect", ... */

/* XCLIENT commands a recipe remembers (--xclient is repeatable). */
#define RECIPE_XCLIENT_MAX 4

/* What a connection was brought up with; filled in as steps succeed. */
struct recipe {
	char host[SMTP_DOMAIN_MAX + 1];     /* as given: a host, an address or a domain */
	char port[16];                      /* "" for the default (or a unix: socket) */
	bool by_route;                      /* a mail domain through its MX hosts */
	/* Not NULL: connect to this MX host's addresses only, in turn (the
	 * caller's, found before; an audit of each of a domain's hosts). */
	const struct mx_host *pin;
	bool greeted;                       /* connected and a greeting read */
	char hello[SMTP_COMMAND_LINE_MAX];  /* the HELO/EHLO argument; "" none yet */
	enum verb_id hello_verb;            /* VERB_EHLO, VERB_HELO or VERB_LHLO */
	bool starttls;                      /* STARTTLS succeeded */
	bool auth;                          /* AUTH succeeded as mech and user */
	enum auth_mech mech;
	char user[AUTH_CREDENTIAL_MAX + 1];
	/* XCLIENT commands that got their 220, in order, each with whether
	 * it was sent under TLS (a replay sends it at the same point). */
	struct recipe_xclient_done {
		char arg[SMTP_COMMAND_LINE_MAX];
		bool under_tls;
	} xclient[RECIPE_XCLIENT_MAX];
	size_t nxclient;
};

enum recipe_event_kind {
	RECIPE_EV_CONNECTING,      /* host: a connect begins (arm implicit TLS for it) */
	RECIPE_EV_MX_ROUTE,        /* route: the MX hosts found */
	RECIPE_EV_NEXT_ADDRESS,    /* host, text: it did not answer; the next address */
	RECIPE_EV_NEXT_HOST,       /* host, text: it did not answer; the next MX host */
	RECIPE_EV_CONNECTED,       /* host, port, address; via_domain when by route;
	                            * text: the PROXY header sent first (proxy.h), shown */
	RECIPE_EV_GREETING_SLOW,   /* no greeting after SMTP_GREETING_HINT_S; still waiting */
	RECIPE_EV_HELO_FALLBACK,   /* code: EHLO not known; HELO follows */
	RECIPE_EV_INJECTED,        /* count, text/len: bytes after STARTTLS's 220 discarded */
	RECIPE_EV_TLS,             /* tls: the handshake's findings (also when it failed) */
	RECIPE_EV_EHLO_AGAIN,      /* RFC 3207 4.2: EHLO follows the handshake */
	RECIPE_EV_CHALLENGE,       /* text/len: an AUTH challenge, decoded (secrets masked) */
	RECIPE_EV_XCLIENT_AGAIN,   /* XCLIENT's 220: the session starts over; the hello follows */
};

struct recipe_event {
	enum recipe_event_kind kind;
	const char *host, *port, *address, *text;
	size_t len, count;
	int code;
	const struct mx_route *route;
	const char *via_domain;             /* CONNECTED by route: the domain */
	unsigned via_preference;
	bool via_implicit;                  /* the domain itself (no MX record) */
	const struct tls_info *tls;
};

/* Every member may be NULL. */
struct recipe_observer {
	void (*sent)(void *ctx, const char *shown, size_t len);
	/* A reply to a step's command, or the greeting.  tentative: another
	 * command follows whatever it says (EHLO's 500 before HELO). */
	void (*reply)(void *ctx, const struct session_reply *r, bool tentative);
	void (*event)(void *ctx, const struct recipe_event *e);
	void *ctx;
};

/* What the steps need from their caller. */
struct recipe_env {
	const struct mx_options *mx;        /* by_route: how to resolve */
	char local_domain[SMTP_DOMAIN_MAX + 1]; /* EHLO after STARTTLS with no hello before */
	struct tls_options tls;             /* STARTTLS (host is set by the step) */
	/* AUTH in a replay: the secret for rc->user into buf (NUL-ended). */
	enum smtp_errkind (*secret)(void *ctx, const struct recipe *rc, char *buf, size_t cap,
	    struct smtp_error *err);
	void *secret_ctx;
};

/* Connect to rc->host (rc->port, default 25), by MX when rc->by_route, and
 * read the greeting, whatever it says (the observer hears it; rc->greeted
 * when the state is GREETED).  *failed says which step an error comes from. */
enum smtp_errkind recipe_open(struct session *s, struct recipe *rc, const struct recipe_env *env,
    const struct recipe_observer *obs, enum recipe_step *failed, struct smtp_error *err);

/* Send verb (EHLO, HELO or LHLO) with domain; after EHLO's 500 or 502, HELO
 * once with the same domain.  *code gets the last reply's code (0: none);
 * on 250 the recipe records the hello.  An error is a local one (the
 * command could not be sent or its reply read); a refusal is a code. */
enum smtp_errkind recipe_hello(struct session *s, struct recipe *rc, enum verb_id verb,
    const char *domain, const struct recipe_observer *obs, int *code, struct smtp_error *err);

/* After a 220 to STARTTLS (session_tls_pending): the handshake, the bytes
 * the server sent too soon reported, then EHLO again with the domain of the
 * last hello (domain when there was none).  *info gets the findings.  A failed handshake has closed
 * the connection (session_start_tls). */
enum smtp_errkind recipe_tls_handshake(struct session *s, struct recipe *rc,
    const struct tls_options *o, const char *domain, const struct recipe_observer *obs,
    struct tls_info *info, struct smtp_error *err);

/* How an AUTH exchange ended, beyond its error value. */
struct recipe_auth_result {
	int code;                  /* the last reply's code; 0: none was read */
	bool refused;              /* the server said no: its reply says it all */
	enum recipe_auth_closed {
		RECIPE_AUTH_OPEN,          /* the connection is as the server left it */
		RECIPE_AUTH_NO_END,        /* closed: the server went on after "*" */
		RECIPE_AUTH_NO_PROOF,      /* closed: a 235 without SCRAM's proof */
	} closed;
};

/* The AUTH exchange for mech, user and secret (RFC 4954): the command, each
 * 334 answered (auth.h), and "*" with one more reply read when a challenge
 * cannot be answered.  SMTP_OK for a 235 the mechanism trusts (SCRAM: the
 * server's proof).  Otherwise an error: res->refused for a plain refusal
 * (its reply was observed); a challenge that could not be answered; or the
 * connection closed (res->closed).  Every line sent is masked should the
 * server echo it. */
enum smtp_errkind recipe_auth(struct session *s, struct recipe *rc, enum auth_mech mech,
    const char *user, const char *secret, const struct recipe_observer *obs,
    struct recipe_auth_result *res, struct smtp_error *err);

/* XCLIENT's attributes: ATTR=VALUE words, each value xtext (RFC 3461 4),
 * the line within 512 octets.  SMTP_ERR_USAGE says what is wrong. */
enum smtp_errkind recipe_xclient_check(const char *arg, struct smtp_error *err);

/* How an XCLIENT step ended: XCLIENT's code, and the hello's after it
 * (0: not sent). */
struct recipe_xclient_result {
	int code;
	int hello_code;
};

/* XCLIENT arg (Postfix's XCLIENT_README): refused before anything is sent
 * when the arguments are bad, the server's EHLO did not advertise XCLIENT
 * (SMTP_ERR_STATE) or one of the attributes (SMTP_ERR_USAGE).  After its
 * 220 the recipe records it and says the hello again with the last
 * hello's name.  A refusal is a code in *res, not an error. */
enum smtp_errkind recipe_xclient(struct session *s, struct recipe *rc, const char *arg,
    const struct recipe_observer *obs, struct recipe_xclient_result *res, struct smtp_error *err);

/* A new connection brought to where rc says the last one stood: open,
 * hello, STARTTLS, AUTH (the secret from env->secret).  Anything short of
 * that -- a greeting that is not 220, a refused hello -- is an error, and
 * the connection is closed. */
enum smtp_errkind recipe_replay(struct session *s, struct recipe *rc, const struct recipe_env *env,
    const struct recipe_observer *obs, enum recipe_step *failed, struct smtp_error *err);

#endif
