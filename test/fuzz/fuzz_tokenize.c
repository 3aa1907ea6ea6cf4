/*
 * fuzz_tokenize.c - libFuzzer target for the shell tokenizer.  Invariant:
 * when it accepts a line, no word holds CR, LF or NUL, and every word fits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tokens t;
	if (tokenize_line((const char *)data, size, &t, NULL) != TOK_OK)
		return 0;
	if (t.count > TOK_MAX_WORDS)
		abort();
	for (size_t i = 0; i < t.count; i++) {
		if (t.len[i] > size || t.word[i][t.len[i]] != '\0')
			abort();
		for (size_t k = 0; k < t.len[i]; k++) {
			char c = t.word[i][k];
			if (c == '\r' || c == '\n' || c == '\0')
				abort();
		}
	}
	return 0;
}
