/*
 * fuzz_reply.c - libFuzzer target for the reply reader: the input, split at
 * a point taken from its first byte, fed in two pieces and then ended with
 * EOF.  Invariants: every reply's code is 100..599, 600 or 621; no kept
 * line is longer than SMTP_REPLY_LINE_KEEP; no reply keeps more than
 * SMTP_REPLY_LINES_KEEP lines; the parser consumes every byte.
 */
#include <stdint.h>
#include <stdlib.h>

#include "reply.h"
#include "smtp_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct smtp_reply *r)
{
	if (!((r->code >= 100 && r->code <= 599) || r->code == SMTP_CODE_UNPARSABLE ||
	    r->code == SMTP_CODE_EOF))
		abort();
	if (r->nlines > SMTP_REPLY_LINES_KEEP)
		abort();
	for (size_t i = 0; i < r->nlines; i++)
		if (r->lines[i].len > SMTP_REPLY_LINE_KEEP + 1)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t split = data[0] % (size);
	const char *in = (const char *)data + 1;
	size_t len = size - 1;
	if (split > len)
		split = len;
	struct reply_parser p;
	struct smtp_reply r;
	smtp_reply_init(&r);
	if (reply_parser_init(&p) != SMTP_OK)
		return 0;
	size_t pieces[2][2] = { { 0, split }, { split, len - split } };
	for (int k = 0; k < 2; k++) {
		size_t off = pieces[k][0], left = pieces[k][1];
		while (left > 0) {
			size_t used = 0;
			if (reply_parser_feed(&p, in + off, left, &used, &r) == REPLY_COMPLETE)
				check(&r);
			else if (used != left)
				abort();           /* NEED_MORE must have taken everything */
			off += used;
			left -= used;
		}
	}
	if (reply_parser_eof(&p, &r))
		check(&r);
	smtp_reply_free(&r);
	reply_parser_free(&p);
	return 0;
}
