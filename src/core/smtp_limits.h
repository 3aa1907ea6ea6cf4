/*
 * smtp_limits.h - every size and time limit smtpsh applies, with the RFC
 * section it comes from.  Nothing else in the tree hard-codes these numbers.
 */
#ifndef SMTPSH_LIMITS_H
#define SMTPSH_LIMITS_H

/* RFC 5321 4.5.3.1.4: a command line is at most 512 octets including CRLF. */
#define SMTP_COMMAND_LINE_MAX 512
/* RFC 5321 4.5.3.1.5: a reply line is at most 512 octets including CRLF. */
#define SMTP_REPLY_LINE_MAX 512
/* RFC 5321 4.5.3.1.6: a text line is at most 1000 octets including CRLF. */
#define SMTP_TEXT_LINE_MAX 1000
/* RFC 5321 4.5.3.1.2: a domain name is at most 255 octets. */
#define SMTP_DOMAIN_MAX 255
/* RFC 5321 4.5.3.1.3: a path ("<local@domain>") is at most 256 octets. */
#define SMTP_PATH_MAX 256

/* What we keep of a hostile server's reply (bounded memory, never fatal):
 * bytes of one reply line beyond this are cut and counted ... */
#define SMTP_REPLY_LINE_KEEP 4096
/* ... lines of one reply beyond this are dropped and counted. */
#define SMTP_REPLY_LINES_KEEP 512
/* A reply's budget: past this many bytes or lines (counted whether kept or
 * not), the reply is abandoned, the connection closed and a local error
 * reported.  RFC 5321 sets no limit on lines; no real reply comes near. */
#define SMTP_REPLY_BUDGET_BYTES (1024 * 1024)
#define SMTP_REPLY_BUDGET_LINES 10000
/* The shell lets a command line be this long before the wire limit check. */
#define SMTP_INPUT_LINE_MAX 8192

/* RFC 5321 4.5.3.2 timeouts, in seconds. */
#define SMTP_TIMEOUT_GREETING   300 /* 4.5.3.2.1 initial 220 */
#define SMTP_TIMEOUT_MAIL       300 /* 4.5.3.2.2 MAIL */
#define SMTP_TIMEOUT_RCPT       300 /* 4.5.3.2.3 RCPT */
#define SMTP_TIMEOUT_DATA_INIT  120 /* 4.5.3.2.4 DATA initiation (354) */
#define SMTP_TIMEOUT_DATA_BLOCK 180 /* 4.5.3.2.5 each write of the body */
#define SMTP_TIMEOUT_DATA_TERM  600 /* 4.5.3.2.6 reply to the final dot */
#define SMTP_TIMEOUT_OTHER      300 /* commands 4.5.3.2 does not name */
#define SMTP_TIMEOUT_SERVER     300 /* 4.5.3.2.7 server waits for next command */
/* Not in the RFC: how long one connect() attempt may take. */
#define SMTP_TIMEOUT_CONNECT     30
/* Not in the RFC: a silent server gets a hint after this long (a plain
 * connection to an implicit-TLS port hears nothing: RFC 8314 3.3). */
#define SMTP_GREETING_HINT_S      3
/* Not in the RFC: the whole TLS handshake, unless --timeout says otherwise. */
#define SMTP_TIMEOUT_TLS         30
/* Not in the RFC: after SIGINT/SIGTERM in a script, how long to wait for
 * the reply to the one QUIT sent. */
#define SMTP_TIMEOUT_QUIT_ON_SIGNAL 5

/* Default port (RFC 5321 4.5.4.2 / IANA). */
#define SMTP_DEFAULT_PORT "25"

/* Body streaming chunk (constant memory whatever the file size). */
#define SMTP_DATA_CHUNK 65536

#endif
