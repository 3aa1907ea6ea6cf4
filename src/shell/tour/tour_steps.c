/*
 * tour_steps.c - the guided tour's steps (issues 13 and 21), as data: a
 * walkthrough of RFC 821 against the teaching server, in the order a
 * student follows it (each step leaves the session where the next one
 * expects it), then exercises that name a reply code and leave the command
 * to the student (538 among the TLS steps, where it can be had; the
 * others at the end).  The names used (alice, busy, dave, erin, shutdown, ...)
 * are the teaching server's directory (docs/teaching-server.md).
 */
#include "shell.h"
#include "tour_int.h"

static const struct tour_step tour_steps[] = {
	{ N_("The greeting and HELO"),
	  N_("The server spoke first: its 220 greeting says it is ready (RFC 821 3.5). "
	  "A client answers by saying who it is with HELO."),
	  "helo client.example", "helo", "ehlo", { 250 },
	  N_("250: the server knows you now; the session is \"ready\" for a mail transaction."),
	  NULL, { NULL }, NULL },
	{ N_("VRFY: does a user exist?"),
	  N_("VRFY asks whether a name is a user here (RFC 821 3.3)."),
	  "vrfy alice", "vrfy", NULL, { 250 },
	  N_("250 with the user's full name and mailbox: a success. Many real servers answer 252 "
	  "instead, to give nothing away."), NULL, { NULL }, NULL },
	{ N_("A failure reply"),
	  N_("Ask about a name the server does not know."),
	  "vrfy nobody", "vrfy", NULL, { 550 },
	  N_("550: a permanent negative reply (first digit 5); the second digit 5 says it is about "
	  "the mail system. The session is still ready: a failure ends nothing."), NULL, { NULL }, NULL },
	{ N_("251: a user who moved"),
	  N_("dave has moved to another domain; the server knows where."),
	  "vrfy dave", "vrfy", NULL, { 251 },
	  N_("251 User not local; will forward: mail for dave is accepted here and sent on to his "
	  "new address (RFC 821 3.2)."), NULL, { NULL }, NULL },
	{ N_("551: a user who lives elsewhere"),
	  N_("erin has a mailbox, but not on this server."),
	  "vrfy erin", "vrfy", NULL, { 551 },
	  N_("551 User not local; please try: the server names the right place but will not "
	  "forward. The client must send there itself."), NULL, { NULL }, NULL },
	{ N_("252: cannot verify"),
	  N_("Ask about an address at another domain."),
	  "vrfy someone@far.example", "vrfy", NULL, { 252 },
	  N_("252 (RFC 5321): the server cannot check that name, but would accept mail for it. "
	  "Neither yes nor no."), NULL, { NULL }, NULL },
	{ N_("EXPN: a mailing list"),
	  N_("EXPN asks for the members of a list."),
	  "expn staff", "expn", NULL, { 250 },
	  N_("A multiline reply: every line but the last has a dash after the code (250-); the last "
	  "has a space (250 )."), NULL, { NULL }, NULL },
	{ N_("HELP"),
	  N_("HELP asks the server which commands it knows (help VERB: about one)."),
	  "help", "help", NULL, { 214 },
	  N_("214: a help message, meant for a person reading it."), NULL, { NULL }, NULL },
	{ N_("NOOP"),
	  N_("NOOP does nothing but ask for a reply: is the server still there?"),
	  "noop", "noop", NULL, { 250 },
	  N_("250, and nothing changed: NOOP is how a client keeps a quiet connection alive."),
	  NULL, { NULL }, NULL },
	{ N_("MAIL: a transaction begins"),
	  N_("A message starts with MAIL, which gives the reverse-path (where bounces go)."),
	  "mail you@client.example", "mail", NULL, { 250 },
	  N_("The state is now \"mail\": RFC 821 allows RCPT next, or RSET."), NULL, { NULL }, NULL },
	{ N_("RCPT: a recipient"),
	  N_("RCPT names one recipient; a message may have many."),
	  "rcpt alice", "rcpt", NULL, { 250, 251 },
	  N_("One recipient accepted: the state is \"rcpt\", and DATA is now allowed."),
	  NULL, { NULL }, NULL },
	{ N_("A transient failure"),
	  N_("The mailbox \"busy\" is temporarily unavailable."),
	  "rcpt busy", "rcpt", NULL, { 450 },
	  N_("450: a transient negative reply (first digit 4): try again later. The transaction "
	  "goes on: alice is still a recipient."), NULL, { NULL }, NULL },
	{ N_("DATA and dot-stuffing"),
	  N_("DATA asks to send the message. After the 354, type a few lines -- one of them "
	  "starting with a dot, like .dot -- and end with a line holding only a dot."),
	  "data", "data", NULL, { 250 },
	  N_("354 was an intermediate reply (first digit 3): go on. The lone dot ended the body "
	  "and the 250 accepted the message. A line starting with a dot was sent with a second "
	  "dot in front (RFC 821 4.5.2), so the end could not be mistaken."), NULL,
	  { "data", "Subject: dot-stuffing", "", "A line.", ".dot starts with a dot", ".", NULL }, NULL },
	{ N_("The message, as delivered"),
	  N_("The teaching server keeps what it delivered: look at alice's mailbox."),
	  "mailbox alice", "mailbox", NULL, { 0 },
	  N_("The server removed the extra dot: the line arrived as you typed it."), NULL, { NULL }, NULL },
	{ N_("A sequence error"),
	  N_("RCPT needs a transaction first. The last one ended with the message; try RCPT now."),
	  "rcpt alice", "rcpt", NULL, { 503 },
	  N_("503: bad sequence of commands (RFC 821 4.3): RCPT is allowed only after MAIL."),
	  NULL, { NULL }, NULL },
	{ N_("SEND: to a terminal"),
	  N_("RFC 821 also defined SEND, SOML and SAML: deliver to a user's terminal instead of "
	  "(or as well as) the mailbox. Modern servers refuse them; this one does not."),
	  "send you@client.example", "send", NULL, { 250 },
	  N_("A transaction again, this time for terminals: the recipient and the message follow, "
	  "as after MAIL."), NULL, { NULL }, NULL },
	{ N_("SEND: a logged-in recipient"),
	  N_("SEND needs the recipient to be logged in. alice is."),
	  "rcpt alice", "rcpt", NULL, { 250 },
	  N_("Accepted: alice has a terminal. (bob is not logged in: SEND to him gets 450.)"),
	  NULL, { NULL }, NULL },
	{ N_("SEND: the message"),
	  N_("DATA as before: type a line or two and end with a lone dot."),
	  "data", "data", NULL, { 250 },
	  N_("250: the message went to alice's terminal, not to her mailbox."), NULL,
	  { "data", "Hello alice, this is on your terminal.", ".", NULL }, NULL },
	{ N_("The terminal"),
	  N_("The teaching server keeps what SEND wrote: look at alice's terminal."),
	  "terminal alice", "terminal", NULL, { 0 },
	  N_("There it is. SOML (send or mail) writes to the terminal when the user is logged in, "
	  "else to the mailbox; SAML (send and mail) does both."), NULL, { NULL }, NULL },
	{ N_("SOML: send or mail"),
	  N_("Start a SOML transaction."),
	  "soml you@client.example", "soml", NULL, { 250 },
	  N_("250: a transaction whose recipients get it on their terminal, or else in their "
	  "mailbox."), NULL, { NULL }, NULL },
	{ N_("SOML: a recipient not logged in"),
	  N_("bob is not logged in: SEND would refuse him, SOML will not."),
	  "rcpt bob", "rcpt", NULL, { 250 },
	  N_("250: bob would get the message in his mailbox."), NULL, { NULL }, NULL },
	{ N_("RSET: start over"),
	  N_("Do not send this one: RSET abandons the transaction, the connection stays."),
	  "rset", "rset", NULL, { 250 },
	  N_("Back to \"ready\": nothing was sent to bob."), NULL, { NULL }, NULL },
	{ N_("EHLO: the extensions"),
	  N_("EHLO (RFC 5321) is HELO's successor: the reply lists the extensions the server "
	  "offers."),
	  "ehlo client.example", "ehlo", NULL, { 250 },
	  N_("A multiline 250: the first line greets, each other line names an extension."),
	  NULL, { NULL }, NULL },
	{ N_("The extensions, explained"),
	  N_("ext explains each extension the last EHLO announced."),
	  "ext", "ext", NULL, { 0 },
	  N_("SIZE, 8BITMIME and PIPELINING are extensions RFC 821 did not have; VRFY, EXPN, "
	  "TURN and HELP say which of RFC 821's own commands this server answers. A client uses "
	  "an extension only when it is offered."), NULL, { NULL }, NULL },
	{ N_("421: the server closes"),
	  N_("A server that must shut down answers 421 and closes the connection. The name "
	  "shutdown makes this one do it."),
	  "vrfy shutdown", "vrfy", NULL, { 421 },
	  N_("421 Service not available: the session is over; any command now would go "
	  "nowhere."), NULL, { NULL }, NULL },
	{ N_("Connect again"),
	  N_("reconnect (or open alone) opens a new connection and brings it to where the last "
	  "one stood: the greeting, then the same EHLO."),
	  "reconnect", "reconnect", "open", { 0 },
	  N_("A new connection, a new 220 greeting, and EHLO client.example said again."),
	  NULL, { NULL }, NULL },
	{ N_("TURN: the roles swap"),
	  N_("TURN asks the server to become the client and send the mail it holds for your "
	  "domain (RFC 821 3.8). client.example has a message waiting."),
	  "turn", "turn", NULL, { 250 },
	  N_("smtpsh was the receiving server just now: every command the other side sent and "
	  "every reply smtpsh gave are above. After a TURN the connection ends."), NULL, { NULL }, NULL },
	{ N_("Connect once more"),
	  N_("open alone (or reconnect) connects again: a fresh session for TLS and AUTH."),
	  "open", "open", "reconnect", { 0 },
	  N_("Connected and greeted again: the session is ready."), NULL, { NULL }, NULL },
	{ N_("EHLO: STARTTLS on offer"),
	  N_("Say EHLO again and read the list: STARTTLS is there, AUTH is not."),
	  "ehlo client.example", "ehlo", NULL, { 250 },
	  N_("STARTTLS (RFC 3207) offers encryption. AUTH is missing: this server takes a "
	  "password only once the connection is encrypted."), NULL, { NULL }, NULL },
	{ N_("Exercise: 538"),
	  N_("Make the server answer 538: ask for AUTH before TLS. (raw sends a line as typed; "
	  "the shell's auth would not send a password in clear.)"),
	  NULL, NULL, NULL, { 538 },
	  N_("Passed: 538 Encryption required for requested authentication mechanism."),
	  N_("raw AUTH PLAIN, before STARTTLS"), { "raw AUTH PLAIN", NULL }, NULL },
	{ N_("STARTTLS: encrypt"),
	  N_("starttls asks for TLS (220), makes the handshake and says EHLO again, as "
	  "RFC 3207 4.2 wants: nothing learnt in clear counts after TLS."),
	  "starttls", "starttls", NULL, { 250, 220 },
	  N_("Encrypted. The new EHLO reply lists AUTH PLAIN LOGIN CRAM-MD5: now the server "
	  "will take a password."), NULL, { NULL }, NULL },
	{ N_("AUTH PLAIN: log in"),
	  N_("alice's password on the teaching server is wonderland (a demo account). Type it "
	  "at the prompt (it is not echoed), or start smtpsh with SMTPSH_PASSWORD set to it."),
	  "auth plain alice", "auth", NULL, { 235 },
	  N_("235: authenticated. PLAIN sends the name and password in base64 -- an encoding, "
	  "not encryption -- so smtpsh shows that line as <secret>, and waited for TLS."),
	  NULL, { NULL }, "wonderland" },
	{ N_("Exercise: 551"),
	  N_("Make the server answer 551. Which command you use is up to you."),
	  NULL, NULL, NULL, { 551 },
	  N_("Passed: 551 User not local; please try."),
	  N_("a user who lives elsewhere"), { "vrfy erin", NULL }, NULL },
	{ N_("Exercise: 251"),
	  N_("Make the server answer 251, any way you like."),
	  NULL, NULL, NULL, { 251 },
	  N_("Passed: 251 User not local; will forward."),
	  N_("a user who has moved"), { "vrfy dave", NULL }, NULL },
	{ N_("Exercise: 252"),
	  N_("Make the server answer 252, any way you like."),
	  NULL, NULL, NULL, { 252 },
	  N_("Passed: 252 Cannot VRFY user, but will accept message."),
	  N_("an address at a far domain"), { "vrfy someone@far.example", NULL }, NULL },
	{ N_("Exercise: 503"),
	  N_("Make the server answer 503, any way you like."),
	  NULL, NULL, NULL, { 503 },
	  N_("Passed: 503 Bad sequence of commands."),
	  N_("a command out of its order"), { "rset", "data", NULL }, NULL },
	{ N_("QUIT"),
	  N_("QUIT ends the session politely."),
	  "quit", "quit", NULL, { 221 },
	  N_("221: the server closes the connection. That is RFC 821's whole conversation: the "
	  "tour is over (explain CODE tells any code's meaning; ? lists everything)."),
	  NULL, { NULL }, NULL },
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
