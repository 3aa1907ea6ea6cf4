/*
 * dotstuff.h - DATA body transparency (RFC 5321 4.5.2, RFC 821 4.5.2),
 * streaming, with state carried across chunk edges.
 *
 * Encoding (client): bare LF and bare CR become CRLF, CRLF stays CRLF, a
 * '.' at the start of a line gets a second '.'.  dotstuff_finish() ends the
 * body: a CRLF if the body did not end with one, then ".\r\n".  Input is
 * any chunking of the body; output is the same whatever the chunking.
 *
 * Decoding (server): per complete line (without its line end): a line that
 * is exactly "." ends the body; otherwise a leading '.' is removed.
 */
#ifndef SMTPSH_DOTSTUFF_H
#define SMTPSH_DOTSTUFF_H

#include <stdbool.h>
#include <stddef.h>

struct dotstuff {
	bool at_line_start;  /* next byte begins a line */
	bool after_cr;       /* last byte was a CR already written as CRLF */
};

/* Worst case output size of dotstuff_encode for inlen bytes. */
#define DOTSTUFF_ENCODE_MAX(inlen) (2 * (inlen))
/* Output size of dotstuff_finish, at most. */
#define DOTSTUFF_FINISH_MAX 5

void dotstuff_init(struct dotstuff *ds);
/* Encode inlen bytes into out (room for DOTSTUFF_ENCODE_MAX(inlen) bytes).
 * Returns bytes written. */
size_t dotstuff_encode(struct dotstuff *ds, const char *in, size_t inlen, char *out);
/* Write the end of the body into out (room for DOTSTUFF_FINISH_MAX bytes).
 * Returns bytes written. */
size_t dotstuff_finish(struct dotstuff *ds, char *out);

/* Server side: classify one received body line (line end already removed).
 * Returns true when the line is the lone "." that ends the body.  Otherwise
 * text and textlen are set to the line's content with the stuffed dot removed. */
bool dotstuff_decode_line(const char *line, size_t len, const char **text, size_t *textlen);

#endif
