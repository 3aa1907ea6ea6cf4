/*
 * linebuf.h - bounded line assembly, shared by the client's reply parser and
 * the teaching server's command reader.
 *
 * Bytes go in, in any split; a line is complete when an LF arrives.  A CR
 * immediately before that LF is removed (CRLF and bare LF both end a line,
 * and ended_crlf says which).  Any other CR stays in the line.  Bytes past
 * `max` are not stored but counted in `cut`: an over-long line is cut and
 * marked, never fatal, never silent.  Memory is allocated once, at init.
 */
#ifndef SMTPSH_LINEBUF_H
#define SMTPSH_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct linebuf {
	char *data;        /* max + 1 bytes; NUL-terminated when complete */
	size_t len;        /* bytes stored (may contain NUL bytes) */
	size_t max;        /* bytes kept per line */
	size_t cut;        /* bytes of this line that were not kept */
	bool complete;     /* an LF ended the line: take it, then linebuf_reset */
	bool ended_crlf;   /* the line ended with CRLF (false: bare LF) */
	bool pending_cr;   /* internal: last byte seen was a CR not yet stored */
};

enum smtp_errkind linebuf_init(struct linebuf *lb, size_t max);
void linebuf_free(struct linebuf *lb);

/* Consume bytes up to and including the first LF (or all of them).
 * Returns how many bytes of `in` were consumed.  When the line is complete,
 * lb->complete is set and nothing more is consumed until linebuf_reset(). */
size_t linebuf_feed(struct linebuf *lb, const char *in, size_t len);

/* Forget the current line (complete or not) and start a new one. */
void linebuf_reset(struct linebuf *lb);

/* True when some bytes of an unfinished line are held. */
bool linebuf_partial(const struct linebuf *lb);

#endif
