/*
 * message.h - a test message built on the fly (RFC 5322 headers: Date,
 * Message-ID, From, To, Subject, MIME-Version; RFC 2045-2049 MIME
 * multipart/mixed with base64 attachments and their media types), read in
 * pieces through a body_reader_fn (session.h), so a message of any size is
 * sent in constant memory: at most one prepared piece (MESSAGE_PIECE_MAX)
 * is held at a time.
 *
 * Text given by the user must fit its grammar or message_open refuses it
 * (SMTP_ERR_REFUSED), so no header can be injected: addresses are RFC 5321
 * mailboxes, a subject or header value holds no control but TAB.  Non-ASCII
 * in a subject or header value is RFC 2047 "B"-encoded (encoded-words of at
 * most 75 characters); a file name that is not plain printable ASCII is an
 * RFC 2231 parameter (UTF-8, percent-encoded, in continuations), so no
 * control, quote or CR LF of a file name reaches the part header.  Files are opened (and
 * checked to be regular) by message_open, so a missing attachment is found
 * before anything is sent (SMTP_ERR_FILE).
 *
 * message_size() is the exact size of what message_read() will produce
 * (for SIZE=, RFC 1870), given that bare LFs in a body file become CRLF on
 * the wire; message_8bit() says whether the text holds 8-bit bytes (for
 * BODY=8BITMIME, RFC 6152).
 */
#ifndef SMTPSH_MESSAGE_H
#define SMTPSH_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"

/* The largest piece prepared at once (a header, or base64 of a slice). */
#define MESSAGE_PIECE_MAX (80 * 1024)
/* At most this many recipients, extra headers and attachments. */
#define MESSAGE_LIST_MAX 1000

struct message_spec {
	const char *from;              /* header and envelope sender */
	const char *const *to;         /* recipients (also the To: header) */
	size_t nto;
	const char *subject;           /* NULL: "smtpsh test message" */
	const char *const *headers;    /* extra "Name: value" lines */
	size_t nheaders;
	const char *body_text;         /* the body, or NULL */
	const char *body_file;         /* ... or a file, or NULL (a default body) */
	const char *const *attach;     /* files to attach */
	size_t nattach;
	const char *hostname;          /* right side of the Message-ID */
	time_t date;                   /* 0: now */
	const char *unique;            /* NULL: random; else used in the
	                                * Message-ID and boundary (tests) */
};

struct message;

/* The checks message_open makes of the user's text, alone, so a front end
 * can make them before it connects: the sender and recipients are RFC 5321
 * mailboxes (mailbox.h), the subject and header values hold no control but
 * TAB, header names are printable ASCII without ":" (mime.h). */
enum smtp_errkind message_spec_check(const struct message_spec *spec, struct smtp_error *err);

enum smtp_errkind message_open(struct message **out, const struct message_spec *spec,
    struct smtp_error *err);
void message_close(struct message *m);
/* A body_reader_fn: ctx is the struct message. */
enum smtp_errkind message_read(void *ctx, char *buf, size_t cap, size_t *got,
    struct smtp_error *err);
unsigned long long message_size(const struct message *m);
bool message_8bit(const struct message *m);
/* The media type chosen for a file name ("application/pdf"). */
const char *message_media_type(const char *path);

#endif
