/*
 * dotstuff.c - DATA transparency (dotstuff.h; RFC 5321 4.5.2, 2.3.8).
 *
 * The encoder's state crosses chunk edges: whether the next byte starts a
 * line, and whether the last byte was a CR already written out as CRLF (so
 * an LF that follows it, perhaps in the next chunk, is swallowed).  Because
 * a CR is written as CRLF at once, no byte is ever held back, and the
 * output for any chunking of the body is the same.  Pure; no allocation.
 */
#include "dotstuff.h"

void dotstuff_init(struct dotstuff *ds)
{
	ds->at_line_start = true;
	ds->after_cr = false;
}

size_t dotstuff_encode(struct dotstuff *ds, const char *in, size_t inlen, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < inlen; i++) {
		char c = in[i];
		if (c == '\n') {
			if (ds->after_cr) {        /* the LF of a CRLF: already sent */
				ds->after_cr = false;
				continue;
			}
			out[o++] = '\r';           /* bare LF */
			out[o++] = '\n';
			ds->at_line_start = true;
			continue;
		}
		ds->after_cr = false;
		if (c == '\r') {                   /* CR: CRLF now, swallow a next LF */
			out[o++] = '\r';
			out[o++] = '\n';
			ds->at_line_start = true;
			ds->after_cr = true;
			continue;
		}
		if (c == '.' && ds->at_line_start)
			out[o++] = '.';
		out[o++] = c;
		ds->at_line_start = false;
	}
	return o;
}

size_t dotstuff_finish(struct dotstuff *ds, char *out)
{
	size_t o = 0;
	if (!ds->at_line_start) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	out[o++] = '.';
	out[o++] = '\r';
	out[o++] = '\n';
	dotstuff_init(ds);
	return o;
}

bool dotstuff_decode_line(const char *line, size_t len, const char **text, size_t *textlen)
{
	if (len == 1 && line[0] == '.')
		return true;
	if (len > 0 && line[0] == '.') {
		line++;
		len--;
	}
	*text = line;
	*textlen = len;
	return false;
}
