/*
 * fuzz_escape.c - libFuzzer target for the escaper: whatever the server
 * sent, the terminal form holds no byte below 0x20, no DEL and no C1
 * control (raw or UTF-8 encoded), and the JSON form no raw control byte.
 */
#include <stdint.h>
#include <stdlib.h>

#include "escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf sb;
	strbuf_init(&sb, 64 * size + 64);
	if (escape_terminal(&sb, (const char *)data, size) != SMTP_OK)
		abort();
	for (size_t i = 0; i < sb.len; i++) {
		unsigned char c = (unsigned char)sb.data[i];
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f && (i == 0 ||
		    (unsigned char)sb.data[i - 1] == 0xc2)))
			abort();
	}
	strbuf_reset(&sb);
	if (escape_json(&sb, (const char *)data, size) != SMTP_OK)
		abort();
	for (size_t i = 0; i < sb.len; i++) {
		unsigned char c = (unsigned char)sb.data[i];
		if (c < 0x20 || c == 0x7f)
			abort();
	}
	strbuf_free(&sb);
	return 0;
}
