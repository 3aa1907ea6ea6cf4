/*
 * fuzz_dotstuff.c - libFuzzer target for the dot-stuffer: the body (after a
 * first byte that picks the chunk size) is stuffed in chunks, then
 * un-stuffed line by line.  Invariants: every line of the output ends in
 * CRLF; no line before the terminator is a lone "."; un-stuffing gives the
 * body back with its line ends normalised to CRLF; the chunking does not
 * change the output.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dotstuff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t stuff(const char *in, size_t len, size_t chunk, char *out)
{
	struct dotstuff ds;
	dotstuff_init(&ds);
	size_t o = 0;
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		o += dotstuff_encode(&ds, in + off, n, out + o);
	}
	return o + dotstuff_finish(&ds, out + o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > 65536)
		return 0;
	size_t chunk = (size_t)data[0] % 16 + 1;
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	size_t cap = DOTSTUFF_ENCODE_MAX(len) + DOTSTUFF_FINISH_MAX + 8;
	char *a = malloc(cap), *b = malloc(cap), *back = malloc(cap), *norm = malloc(2 * len + 4);
	size_t na = stuff(body, len, chunk, a);
	size_t nb = stuff(body, len, len + 1, b);
	if (na != nb || memcmp(a, b, na) != 0)
		abort();
	/* un-stuff */
	size_t i = 0, o = 0;
	int ended = 0;
	while (i < na) {
		const char *eol = memchr(a + i, '\n', na - i);
		if (eol == NULL || eol == a + i || eol[-1] != '\r')
			abort();
		size_t llen = (size_t)(eol - (a + i)) - 1;
		const char *t;
		size_t tn;
		if (dotstuff_decode_line(a + i, llen, &t, &tn)) {
			ended = 1;
			if ((size_t)(eol - a) + 1 != na)
				abort();          /* a lone "." before the end */
			break;
		}
		memcpy(back + o, t, tn);
		o += tn;
		back[o++] = '\r';
		back[o++] = '\n';
		i = (size_t)(eol - a) + 1;
	}
	if (!ended)
		abort();
	/* normalise the body */
	size_t m = 0;
	for (size_t k = 0; k < len; k++) {
		if (body[k] == '\r') {
			if (k + 1 < len && body[k + 1] == '\n')
				k++;
			norm[m++] = '\r';
			norm[m++] = '\n';
		} else if (body[k] == '\n') {
			norm[m++] = '\r';
			norm[m++] = '\n';
		} else {
			norm[m++] = body[k];
		}
	}
	if (m > 0 && !(m >= 2 && norm[m - 2] == '\r' && norm[m - 1] == '\n')) {
		norm[m++] = '\r';
		norm[m++] = '\n';
	}
	if (m != o || memcmp(norm, back, m) != 0)
		abort();
	free(a);
	free(b);
	free(back);
	free(norm);
	return 0;
}
