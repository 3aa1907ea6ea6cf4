/*
 * state.h - where an SMTP session stands, after RFC 821's state diagram
 * (RFC 821 4.3, and the diagram at the end of the scsh seed).  Shared by the
 * client session and the teaching server, so both walk the same diagram.
 */
#ifndef SMTPSH_STATE_H
#define SMTPSH_STATE_H

#include <stddef.h>

enum smtp_state {
	SMTP_ST_DISCONNECTED = 0, /* no connection */
	SMTP_ST_CONNECTED,        /* TCP up, greeting not yet read */
	SMTP_ST_GREETED,          /* 220 read: HELO/EHLO expected */
	SMTP_ST_READY,            /* HELO/EHLO accepted, no mail transaction */
	SMTP_ST_MAIL,             /* MAIL/SEND/SOML/SAML accepted, no recipient yet */
	SMTP_ST_RCPT,             /* at least one RCPT accepted */
	SMTP_ST_DATA,             /* 354 received: the body is expected */
	SMTP_ST_TURNED,           /* TURN accepted: roles swapped */
	SMTP_ST_CLOSED,           /* 221, 421 or EOF: the connection is gone */
	SMTP_ST__COUNT
};

#define SMTP_ST_BIT(s) (1u << (s))

/* "greeted", "in transaction", ... (stable, used in the prompt and JSON). */
const char *smtp_state_name(enum smtp_state st);
/* One sentence for learners: what the server expects next. */
const char *smtp_state_describe(enum smtp_state st);

/* RFC 821's state diagram as rows of text; state: the state a row names,
 * or -1 for an arrow or a blank. */
struct smtp_diagram_row {
	const char *text;
	int state;
};
const struct smtp_diagram_row *smtp_diagram(size_t *n);

#endif
