/*
 * transcript.h - `--transcript FILE`: every byte each way, as it happens.
 *
 * One record per line of traffic (and per 1024 bytes of a longer line):
 *   2024-05-01T12:00:00.123Z S: 250-mx.example.org\r\n
 *   2024-05-01T12:00:00.125Z C: AUTH PLAIN <secret>\r\n
 *   2024-05-01T12:00:00.200Z #  TLS started: TLSv1.3 ...
 * "S:" bytes from the server, "C:" bytes the client sent, "#" notes.  Every
 * byte is passed through escape_terminal() (escape.h) first, so the file
 * never holds a raw control byte from the server, and CR/LF show as \r \n.
 * Each record is one write(2), so a crash or kill -9 loses nothing already
 * recorded.
 *
 * Secrets: before sending a sensitive line (AUTH and every response line of
 * an AUTH exchange, RFC 4954), the caller calls transcript_redact_next_out()
 * with the text to show instead (auth_line_display() gives it); the next
 * outgoing line, up to its LF, is then replaced by that text.
 *
 * The other way, a secret a server echoes is masked in "S:" records
 * (transcript_set_mask: the session's list, secret_mask.h).  Bytes that may
 * be the start of a secret split across reads are held back until it
 * completes or cannot (then recorded at once), and recorded before any
 * "C:" record or note and at close; with nothing to mask nothing is held.
 *
 * The file is created 0600 with O_NOFOLLOW (CR-05): a symbolic link or
 * anything but a regular file is refused.  An existing file is appended to
 * (TRANSCRIPT_APPEND: one file can hold a day of sessions), or emptied
 * first (TRANSCRIPT_OVERWRITE); either way it is made 0600.  Errors:
 * SMTP_ERR_FILE.
 * A failed write stops the transcript and is kept (transcript_error), never
 * raised into the session.
 */
#ifndef SMTPSH_TRANSCRIPT_H
#define SMTPSH_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "secret_mask.h"
#include "transport.h"

/* Input bytes per record at most (a longer line spans several records). */
#define TRANSCRIPT_CHUNK 1024
#define TRANSCRIPT_SHOWN_MAX 256

struct transcript {
	int fd;                              /* -1 when closed */
	bool failed;                         /* a write failed: recording stopped */
	struct smtp_error error;             /* the failure, when failed */
	bool redact_pending;                 /* the next outgoing line is secret */
	bool redacting;                      /* inside it: swallow up to LF */
	char shown[TRANSCRIPT_SHOWN_MAX];    /* what stands in for it */
	const struct secret_mask *mask;      /* borrowed; may be NULL */
	char held[SECRET_MASK_FORM_MAX];     /* server bytes that may start a secret */
	size_t held_len;
	unsigned long records;               /* records written */
	unsigned long redacted;              /* lines replaced */
};

void transcript_init(struct transcript *tr);
enum transcript_mode { TRANSCRIPT_APPEND, TRANSCRIPT_OVERWRITE };
enum smtp_errkind transcript_open(struct transcript *tr, const char *path,
    enum transcript_mode mode, struct smtp_error *err);
void transcript_close(struct transcript *tr);
bool transcript_is_open(const struct transcript *tr);

/* Mask these secrets in the server's bytes (NULL: none); the list must
 * outlive the transcript's use of it. */
void transcript_set_mask(struct transcript *tr, const struct secret_mask *mask);
/* A wire_hook_fn (transport.h): ctx is the struct transcript. */
void transcript_wire_hook(void *ctx, enum wire_dir dir, const char *buf, size_t len);
/* Record buf as one direction's bytes (what the hook does). */
void transcript_record(struct transcript *tr, enum wire_dir dir, const char *buf, size_t len);
/* session_options.wire_redact: ctx is the struct transcript. */
void transcript_redact_hook(void *ctx, const char *shown);
/* The next outgoing line is recorded as `shown` (cut to TRANSCRIPT_SHOWN_MAX). */
void transcript_redact_next_out(struct transcript *tr, const char *shown);
/* A note ("#  ...") for events with no bytes: TLS, discarded bytes, errors. */
void transcript_note(struct transcript *tr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* True (and *err filled) if recording stopped because a write failed. */
bool transcript_error(const struct transcript *tr, struct smtp_error *err);

#endif
