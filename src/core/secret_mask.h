/*
 * secret_mask.h - the secrets smtpsh holds, masked wherever a server puts
 * them back: a bounded list of byte strings ("forms": a password, a token,
 * their base64, an AUTH line's base64 as sent on the wire) and the one
 * function that replaces each occurrence in server text with
 * AUTH_PLACEHOLDER (auth.h) -- a fixed text, so the length is not told.
 *
 * Who holds it: the session (session_mask_add/_clear, session.h), which
 * masks every reply before it is handed out (screen, --json, the
 * full-screen view), and the transcript, which masks the server's bytes
 * before they are recorded (a form split across reads is held back until
 * it completes or cannot, secret_mask_feed).
 *
 * Limits, on purpose: a form shorter than SECRET_MASK_MIN bytes is not
 * kept (masking every "a" would make replies unreadable and tells little);
 * at most SECRET_MASK_FORMS forms of at most SECRET_MASK_FORM_MAX bytes.
 * Only the exact bytes are found: a server that returns the secret
 * transformed (reversed, hex, re-encoded at another base64 offset) is not
 * caught, nor a form cut in two by a reply line's keep limit
 * (SMTP_REPLY_LINE_KEEP) or a transcript record of an over-long line.
 *
 * Owns copies of the forms, overwritten (libs_wipe) by
 * secret_mask_clear.  Errors: SMTP_ERR_LIMIT (full, or a form too long),
 * SMTP_ERR_NOMEM.
 */
#ifndef SMTPSH_SECRET_MASK_H
#define SMTPSH_SECRET_MASK_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "strbuf.h"

#define SECRET_MASK_MIN 4
#define SECRET_MASK_FORMS 16
/* An XOAUTH2 line with a 4096-byte token is about 5500 base64 bytes. */
#define SECRET_MASK_FORM_MAX 8192

struct secret_mask {
	struct { char *data; size_t len; } form[SECRET_MASK_FORMS];
	size_t count;
};

void secret_mask_init(struct secret_mask *m);
/* Overwrite and forget every form. */
void secret_mask_clear(struct secret_mask *m);
bool secret_mask_empty(const struct secret_mask *m);
/* Keep a copy of the len bytes (and, with_base64, of their base64 too).
 * Shorter than SECRET_MASK_MIN: nothing kept, SMTP_OK.  Already kept:
 * SMTP_OK. */
enum smtp_errkind secret_mask_add(struct secret_mask *m, const void *secret, size_t len,
    bool with_base64, struct smtp_error *err);
/* Append in[0..len) to *out with every form replaced by AUTH_PLACEHOLDER
 * (the longest form where several match).  Unless final, stops before a
 * tail that is the start of a form and may complete with the next bytes:
 * returns the bytes consumed (the caller keeps the rest and feeds it again
 * in front of what comes next); final consumes all.  *replaced (may be
 * NULL) is increased by the forms replaced.  m may be NULL (nothing to
 * mask).  SMTP_ERR_NOMEM from *out's maximum. */
enum smtp_errkind secret_mask_feed(const struct secret_mask *m, const char *in, size_t len,
    bool final, struct strbuf *out, size_t *consumed, size_t *replaced);

#endif
