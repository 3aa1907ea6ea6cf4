/*
 * fuzz_ehlo.c - libFuzzer target for the EHLO extension parser, over
 * replies made by the real reply reader from the input.  Invariants:
 * bounded counts, keywords of the RFC 5321 grammar, no control byte kept.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ehlo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reply_parser p;
	struct smtp_reply r;
	static struct ehlo_set set;
	smtp_reply_init(&r);
	if (reply_parser_init(&p) != SMTP_OK)
		return 0;
	/* Make it an EHLO reply: "250-" before the fuzzer's lines. */
	size_t used;
	reply_parser_feed(&p, "250-x\r\n", 7, &used, &r);
	size_t off = 0;
	while (off < size) {
		if (reply_parser_feed(&p, (const char *)data + off, size - off, &used, &r) == REPLY_COMPLETE) {
			ehlo_set_parse(&set, &r);
			if (set.count > EHLO_MAX_EXT)
				abort();
			for (size_t i = 0; i < set.count; i++) {
				const struct ehlo_ext *e = &set.ext[i];
				size_t kl = strlen(e->keyword);
				if (kl == 0 || kl > EHLO_KEYWORD_MAX || !isalnum((unsigned char)e->keyword[0]))
					abort();
				for (size_t k = 0; e->params[k] != '\0'; k++)
					if ((unsigned char)e->params[k] < 0x20 || (unsigned char)e->params[k] == 0x7f)
						abort();
				if (ehlo_find(&set, e->keyword) == NULL)
					abort();
			}
		}
		off += used;
		if (used == 0)
			break;
	}
	smtp_reply_free(&r);
	reply_parser_free(&p);
	return 0;
}
