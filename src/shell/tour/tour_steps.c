/*
 * tour_steps.c - the guided tour's steps (issue 13), as data: a walkthrough
 * of RFC 821 against the teaching server, in the order a student follows
 * it.  The names used (alice, busy, ...) are the teaching server's
 * directory (docs/teaching-server.md).
 */
#include "shell.h"
#include "tour_int.h"

static const struct tour_step tour_steps[] = {
	{ N_("The greeting and HELO"),
	  N_("The server spoke first: its 220 greeting says it is ready (RFC 821 3.5). "
	  "A client answers by saying who it is with HELO."),
	  "helo client.example", "helo", NULL, { 250 },
	  N_("250: the server knows you now; the session is \"ready\" for a mail transaction."), NULL, { NULL } },
	{ N_("VRFY: does a user exist?"),
	  N_("VRFY asks whether a name is a user here (RFC 821 3.3)."),
	  "vrfy alice", "vrfy", NULL, { 250, 251 },
	  N_("250 with the user's full name and mailbox: a success. Many real servers answer 252 "
	  "instead, to give nothing away."), NULL, { NULL } },
	{ N_("A failure reply"),
	  N_("Ask about a name the server does not know."),
	  "vrfy nobody", "vrfy", NULL, { 550 },
	  N_("550: a permanent negative reply (first digit 5); the second digit 5 says it is about "
	  "the mail system. The session is still ready: a failure ends nothing."), NULL, { NULL } },
	{ N_("EXPN: a mailing list"),
	  N_("EXPN asks for the members of a list."),
	  "expn staff", "expn", NULL, { 250 },
	  N_("A multiline reply: every line but the last has a dash after the code (250-); the last "
	  "has a space (250 )."), NULL, { NULL } },
	{ N_("MAIL: a transaction begins"),
	  N_("A message starts with MAIL, which gives the reverse-path (where bounces go)."),
	  "mail you@client.example", "mail", NULL, { 250 },
	  N_("The state is now \"mail\": RFC 821 allows RCPT next, or RSET."), NULL, { NULL } },
	{ N_("RCPT: a recipient"),
	  N_("RCPT names one recipient; a message may have many."),
	  "rcpt alice", "rcpt", NULL, { 250, 251 },
	  N_("One recipient accepted: the state is \"rcpt\", and DATA is now allowed."), NULL, { NULL } },
	{ N_("A transient failure"),
	  N_("The mailbox \"busy\" is temporarily unavailable."),
	  "rcpt busy", "rcpt", NULL, { 450 },
	  N_("450: a transient negative reply (first digit 4): try again later. The transaction "
	  "goes on: alice is still a recipient."), NULL, { NULL } },
	{ N_("DATA and dot-stuffing"),
	  N_("DATA asks to send the message. After the 354, type a few lines -- one of them "
	  "starting with a dot, like .dot -- and end with a line holding only a dot."),
	  "data", "data", NULL, { 250 },
	  N_("354 was an intermediate reply (first digit 3): go on. The lone dot ended the body "
	  "and the 250 accepted the message. A line starting with a dot was sent with a second "
	  "dot in front (RFC 821 4.5.2), so the end could not be mistaken."), NULL,
	  { "data", "Subject: dot-stuffing", "", "A line.", ".dot starts with a dot", ".", NULL } },
	{ N_("The message, as delivered"),
	  N_("The teaching server keeps what it delivered: look at alice's mailbox."),
	  "mailbox alice", "mailbox", NULL, { 0 },
	  N_("The server removed the extra dot: the line arrived as you typed it."), NULL, { NULL } },
	{ N_("A sequence error"),
	  N_("RCPT needs a transaction first. The last one ended with the message; try RCPT now."),
	  "rcpt alice", "rcpt", NULL, { 503 },
	  N_("503: bad sequence of commands (RFC 821 4.3): RCPT is allowed only after MAIL."), NULL, { NULL } },
	{ N_("SEND: to a terminal"),
	  N_("RFC 821 also defined SEND, SOML and SAML: deliver to a user's terminal instead of "
	  "(or as well as) the mailbox. Modern servers refuse them; this one does not."),
	  "send you@client.example", "send", NULL, { 250 },
	  N_("A transaction again, this time for the terminal (see `terminal` afterwards)."), NULL, { NULL } },
	{ N_("RSET: start over"),
	  N_("RSET abandons the transaction without closing the connection."),
	  "rset", "rset", NULL, { 250 },
	  N_("Back to \"ready\": nothing was sent to anyone."), NULL, { NULL } },
	{ N_("TURN: the roles swap"),
	  N_("TURN asks the server to become the client and send the mail it holds for your "
	  "domain (RFC 821 3.8). client.example has a message waiting."),
	  "turn", "turn", NULL, { 250 },
	  N_("smtpsh was the receiving server just now: every command the other side sent and "
	  "every reply smtpsh gave are above. After a TURN the connection ends."), NULL, { NULL } },
	{ N_("Connect again"),
	  N_("open alone (or reconnect) opens a new connection and brings it to where the last "
	  "one stood: the greeting, then the same HELO."),
	  "open", "open", NULL, { 0 },
	  N_("A new connection, a new 220 greeting, and HELO client.example said again."), NULL, { NULL } },
	{ N_("QUIT"),
	  N_("QUIT ends the session politely."),
	  "quit", "quit", NULL, { 221 },
	  N_("221: the server closes the connection. That is RFC 821's whole conversation: the "
	  "tour is over (explain CODE tells any code's meaning; ? lists everything)."), NULL, { NULL } },
};

#define TOUR_STEPS (sizeof tour_steps / sizeof tour_steps[0])

size_t tour_count(void)
{
	return TOUR_STEPS;
}

const struct tour_step *tour_step_at(size_t i)
{
	return i < TOUR_STEPS ? &tour_steps[i] : NULL;
}
