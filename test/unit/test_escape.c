/*
 * test_escape.c - the one escape step between server bytes and any sink.
 *
 * Proves (security-cases TO-01..TO-08): every single byte maps as
 * documented; for all 256 bytes, all 65536 byte pairs, the attack strings
 * and a deterministic random sample, the output has no byte below 0x20, no
 * DEL, is valid UTF-8 and decodes to no C1 or bidi control; plain ASCII and
 * valid UTF-8 pass unchanged; escape_json output is a valid JSON string
 * body which, for valid UTF-8 input, decodes back to the input.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

#define S(x) x, sizeof(x) - 1

/* ---- an independent strict UTF-8 decoder for checking outputs ---- */
static bool decode_utf8(const unsigned char *s, size_t n, size_t *i, uint32_t *cp)
{
	unsigned char b = s[*i];
	size_t len;
	uint32_t min;
	if (b < 0x80) { *cp = b; (*i)++; return true; }
	if ((b & 0xe0) == 0xc0) { len = 2; *cp = b & 0x1f; min = 0x80; }
	else if ((b & 0xf0) == 0xe0) { len = 3; *cp = b & 0x0f; min = 0x800; }
	else if ((b & 0xf8) == 0xf0) { len = 4; *cp = b & 0x07; min = 0x10000; }
	else return false;
	if (*i + len > n)
		return false;
	for (size_t k = 1; k < len; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return false;
		*cp = (*cp << 6) | (s[*i + k] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return false;
	*i += len;
	return true;
}

static bool valid_utf8(const char *s, size_t n)
{
	size_t i = 0;
	uint32_t cp;
	while (i < n)
		if (!decode_utf8((const unsigned char *)s, n, &i, &cp))
			return false;
	return true;
}

/* The display-safety property both escapes must have.  Checked with plain
 * ifs: a ck_assert per byte costs a syscall (Check's mark point), far too
 * slow for the exhaustive loops under ASan. */
static void assert_safe(const struct strbuf *o, const char *what)
{
	const unsigned char *s = (const unsigned char *)o->data;
	for (size_t i = 0; i < o->len; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			ck_abort_msg("%s: output byte %zu is 0x%02x", what, i, s[i]);
	size_t i = 0;
	uint32_t cp;
	while (i < o->len) {
		if (!decode_utf8(s, o->len, &i, &cp))
			ck_abort_msg("%s: output is not valid UTF-8 at %zu", what, i);
		if (cp >= 0x80 && cp <= 0x9f)
			ck_abort_msg("%s: C1 U+%04X in output", what, (unsigned)cp);
		if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
			ck_abort_msg("%s: bidi U+%04X in output", what, (unsigned)cp);
	}
}

static void put_utf8(struct strbuf *o, uint32_t cp)
{
	if (cp < 0x80) {
		strbuf_appendc(o, (char)cp);
	} else if (cp < 0x800) {
		strbuf_appendc(o, (char)(0xc0 | (cp >> 6)));
		strbuf_appendc(o, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_appendc(o, (char)(0xe0 | (cp >> 12)));
		strbuf_appendc(o, (char)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_appendc(o, (char)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_appendc(o, (char)(0xf0 | (cp >> 18)));
		strbuf_appendc(o, (char)(0x80 | ((cp >> 12) & 0x3f)));
		strbuf_appendc(o, (char)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_appendc(o, (char)(0x80 | (cp & 0x3f)));
	}
}

static unsigned hex4(const char *p, bool *ok)
{
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		char c = p[k];
		v <<= 4;
		if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
		else *ok = false;
	}
	return v;
}

/* Parse a JSON string body (RFC 8259 7) into UTF-8; false if invalid. */
static bool json_body_decode(const char *s, size_t n, struct strbuf *dec)
{
	strbuf_reset(dec);
	if (!valid_utf8(s, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == '"')
			return false;
		if (c != '\\') {
			strbuf_appendc(dec, (char)c);
			continue;
		}
		if (++i >= n)
			return false;
		switch (s[i]) {
		case '"': strbuf_appendc(dec, '"'); break;
		case '\\': strbuf_appendc(dec, '\\'); break;
		case '/': strbuf_appendc(dec, '/'); break;
		case 'b': strbuf_appendc(dec, '\b'); break;
		case 'f': strbuf_appendc(dec, '\f'); break;
		case 'n': strbuf_appendc(dec, '\n'); break;
		case 'r': strbuf_appendc(dec, '\r'); break;
		case 't': strbuf_appendc(dec, '\t'); break;
		case 'u': {
			bool ok = true;
			if (n - i < 5)
				return false;
			unsigned v = hex4(s + i + 1, &ok);
			i += 4;
			if (!ok)
				return false;
			if (v >= 0xd800 && v <= 0xdbff) {
				if (n - i < 7 || s[i + 1] != '\\' || s[i + 2] != 'u')
					return false;
				unsigned lo = hex4(s + i + 3, &ok);
				if (!ok || lo < 0xdc00 || lo > 0xdfff)
					return false;
				i += 6;
				v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
			} else if (v >= 0xdc00 && v <= 0xdfff) {
				return false;
			}
			put_utf8(dec, v);
			break;
		}
		default:
			return false;
		}
	}
	return true;
}

/* ---- single bytes ---- */

/* The byte tests run a block of 16 bytes per case: one forked case per
 * byte made this program the slowest of the suite under the sanitizers
 * (fork is expensive there).  A failure still names the byte. */
#define BYTE_BLOCK 16

static void check_terminal_byte(int c)
{
	char in = (char)c;
	char want[8];
	switch (c) {
	case '\t': strcpy(want, "\\t"); break;
	case '\r': strcpy(want, "\\r"); break;
	case '\n': strcpy(want, "\\n"); break;
	case 0x1b: strcpy(want, "\\e"); break;
	case '\\': strcpy(want, "\\\\"); break;
	default:
		if (c >= 0x20 && c < 0x7f)
			snprintf(want, sizeof want, "%c", c);
		else
			snprintf(want, sizeof want, "\\x%02x", c);
	}
	struct strbuf o;
	strbuf_init(&o, 1024);
	ck_assert_int_eq(escape_terminal(&o, &in, 1), SMTP_OK);
	ck_assert_msg(strcmp(strbuf_str(&o), want) == 0,
	    "byte 0x%02x: got \"%s\" want \"%s\"", c, strbuf_str(&o), want);
	assert_safe(&o, "terminal single byte");
	strbuf_free(&o);
}

START_TEST(test_all_bytes_terminal)
{
	for (int c = _i * BYTE_BLOCK; c < (_i + 1) * BYTE_BLOCK; c++)
		check_terminal_byte(c);
}
END_TEST

static void check_json_byte(int c)
{
	char in = (char)c;
	char want[8];
	switch (c) {
	case '"': strcpy(want, "\\\""); break;
	case '\\': strcpy(want, "\\\\"); break;
	case '\b': strcpy(want, "\\b"); break;
	case '\f': strcpy(want, "\\f"); break;
	case '\n': strcpy(want, "\\n"); break;
	case '\r': strcpy(want, "\\r"); break;
	case '\t': strcpy(want, "\\t"); break;
	default:
		if (c >= 0x20 && c < 0x7f)
			snprintf(want, sizeof want, "%c", c);
		else
			snprintf(want, sizeof want, "\\u%04x", c);
	}
	struct strbuf o, dec;
	strbuf_init(&o, 1024);
	strbuf_init(&dec, 1024);
	ck_assert_int_eq(escape_json(&o, &in, 1), SMTP_OK);
	ck_assert_msg(strcmp(strbuf_str(&o), want) == 0,
	    "byte 0x%02x: got \"%s\" want \"%s\"", c, strbuf_str(&o), want);
	assert_safe(&o, "json single byte");
	ck_assert_msg(json_body_decode(o.data, o.len, &dec), "byte 0x%02x: not JSON", c);
	if (c < 0x80)
		ck_assert_msg(dec.len == 1 && dec.data[0] == in,
		    "byte 0x%02x does not round-trip", c);
	strbuf_free(&o);
	strbuf_free(&dec);
}

START_TEST(test_all_bytes_json)
{
	for (int c = _i * BYTE_BLOCK; c < (_i + 1) * BYTE_BLOCK; c++)
		check_json_byte(c);
}
END_TEST

/* ---- named strings ---- */

struct esc_case {
	const char *name;
	const char *in;
	size_t in_len;
	const char *term;   /* expected escape_terminal output */
	const char *json;   /* expected escape_json output */
};

static const struct esc_case esc_cases[] = {
	{ "plain ASCII", S("250-mx.example.org ESMTP Postfix (Debian/GNU)"),
	  "250-mx.example.org ESMTP Postfix (Debian/GNU)",
	  "250-mx.example.org ESMTP Postfix (Debian/GNU)" },
	{ "valid UTF-8", S("Gr\xc3\xbc\xc3\x9f" "e \xe6\x97\xa5\xe6\x9c\xac "
	  "\xce\xb5\xce\xbb \xf0\x9f\x98\x80"),
	  "Gr\xc3\xbc\xc3\x9f" "e \xe6\x97\xa5\xe6\x9c\xac \xce\xb5\xce\xbb \xf0\x9f\x98\x80",
	  "Gr\xc3\xbc\xc3\x9f" "e \xe6\x97\xa5\xe6\x9c\xac \xce\xb5\xce\xbb \xf0\x9f\x98\x80" },
	{ "TO-01 CSI", S("OK\x1b[2J\x1b[H\x1b[32m235 2.7.0 Authentication successful\x1b[0m"),
	  "OK\\e[2J\\e[H\\e[32m235 2.7.0 Authentication successful\\e[0m",
	  "OK\\u001b[2J\\u001b[H\\u001b[32m235 2.7.0 Authentication successful\\u001b[0m" },
	{ "TO-01 cursor up", S("5.7.1 Denied\x1b[1A\x1b[2K"),
	  "5.7.1 Denied\\e[1A\\e[2K", "5.7.1 Denied\\u001b[1A\\u001b[2K" },
	{ "TO-02 OSC title BEL", S("mx \x1b]0;innocent\x07 ESMTP"),
	  "mx \\e]0;innocent\\x07 ESMTP", "mx \\u001b]0;innocent\\u0007 ESMTP" },
	{ "TO-02 OSC 52", S("x\x1b]52;c;cm0gLXJmIH4K\x07"),
	  "x\\e]52;c;cm0gLXJmIH4K\\x07", "x\\u001b]52;c;cm0gLXJmIH4K\\u0007" },
	{ "TO-02 OSC 8 with ST", S("\x1b]8;;https://evil.example/\x1b\\see docs\x1b]8;;\x1b\\"),
	  "\\e]8;;https://evil.example/\\e\\\\see docs\\e]8;;\\e\\\\",
	  "\\u001b]8;;https://evil.example/\\u001b\\\\see docs\\u001b]8;;\\u001b\\\\" },
	{ "TO-03 bare CR", S("5.7.1 Relaying denied\r250 2.1.5 Recipient OK"),
	  "5.7.1 Relaying denied\\r250 2.1.5 Recipient OK",
	  "5.7.1 Relaying denied\\r250 2.1.5 Recipient OK" },
	{ "TO-03 backspace", S("OK\x08\x08\x08\x08\x08\x08" "550 no"),
	  "OK\\x08\\x08\\x08\\x08\\x08\\x08" "550 no",
	  "OK\\b\\b\\b\\b\\b\\b" "550 no" },
	{ "TO-04 ENQ", S("x\x05"), "x\\x05", "x\\u0005" },
	{ "TO-04 DECRQSS", S("x\x1bP$q\"p\x1b\\"), "x\\eP$q\"p\\e\\\\",
	  "x\\u001bP$q\\\"p\\u001b\\\\" },
	{ "TO-05 8-bit CSI", S("x\x9b" "2J"), "x\\x9b" "2J", "x\\u009b" "2J" },
	{ "TO-05 8-bit OSC", S("x\x9d" "0;t\x07"), "x\\x9d" "0;t\\x07",
	  "x\\u009d" "0;t\\u0007" },
	{ "TO-05 C1 as UTF-8", S("x\xc2\x9b" "2J"), "x\\u{009b}2J", "x\\u009b" "2J" },
	{ "TO-05 invalid UTF-8", S("\xff\xfe"), "\\xff\\xfe", "\\u00ff\\u00fe" },
	{ "TO-05 RLO", S("abc\xe2\x80\xae" "fdp.exe"), "abc\\u{202e}fdp.exe",
	  "abc\\u202e" "fdp.exe" },
	{ "TO-05 isolate", S("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u{2066}x\\u{2069}",
	  "\\u2066x\\u2069" },
	{ "zero-width and BOM", S("a\xe2\x80\x8b" "b\xef\xbb\xbf"), "a\\u{200b}b\\u{feff}",
	  "a\\u200b" "b\\ufeff" },
	{ "tag character", S("\xf3\xa0\x81\x81"), "\\u{e0041}", "\\udb40\\udc41" },
	{ "overlong slash", S("\xc0\xaf"), "\\xc0\\xaf", "\\u00c0\\u00af" },
	{ "overlong 3-byte", S("\xe0\x80\xaf"), "\\xe0\\x80\\xaf", "\\u00e0\\u0080\\u00af" },
	{ "surrogate", S("\xed\xa0\x80"), "\\xed\\xa0\\x80", "\\u00ed\\u00a0\\u0080" },
	{ "above U+10FFFF", S("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80",
	  "\\u00f4\\u0090\\u0080\\u0080" },
	{ "truncated sequence", S("\xe2\x80"), "\\xe2\\x80", "\\u00e2\\u0080" },
	{ "lead then ASCII", S("\xc3" "A"), "\\xc3" "A", "\\u00c3" "A" },
	{ "NUL and DEL", S("a\0b\x7f"), "a\\x00b\\x7f", "a\\u0000b\\u007f" },
	{ "TO-08 literal vs real ESC", S("literal \\x1b and real \x1b"),
	  "literal \\\\x1b and real \\e", "literal \\\\x1b and real \\u001b" },
	{ "quote", S("say \"hi\""), "say \"hi\"", "say \\\"hi\\\"" },
	{ "empty", S(""), "", "" },
};

#define NESC (sizeof esc_cases / sizeof esc_cases[0])

START_TEST(test_named_terminal)
{
	const struct esc_case *c = &esc_cases[_i];
	struct strbuf o;
	strbuf_init(&o, 1 << 16);
	ck_assert_int_eq(escape_terminal(&o, c->in, c->in_len), SMTP_OK);
	ck_assert_msg(strcmp(strbuf_str(&o), c->term) == 0,
	    "%s: got \"%s\" want \"%s\"", c->name, strbuf_str(&o), c->term);
	assert_safe(&o, c->name);
	strbuf_free(&o);
}
END_TEST

START_TEST(test_named_json)
{
	const struct esc_case *c = &esc_cases[_i];
	struct strbuf o, dec;
	strbuf_init(&o, 1 << 16);
	strbuf_init(&dec, 1 << 16);
	ck_assert_int_eq(escape_json(&o, c->in, c->in_len), SMTP_OK);
	ck_assert_msg(strcmp(strbuf_str(&o), c->json) == 0,
	    "%s: got \"%s\" want \"%s\"", c->name, strbuf_str(&o), c->json);
	assert_safe(&o, c->name);
	ck_assert_msg(json_body_decode(o.data, o.len, &dec), "%s: not a JSON body",
	    c->name);
	if (valid_utf8(c->in, c->in_len))
		ck_assert_msg(dec.len == c->in_len && memcmp(strbuf_str(&dec), c->in, c->in_len) == 0,
		    "%s: JSON does not decode back to the input", c->name);
	strbuf_free(&o);
	strbuf_free(&dec);
}
END_TEST

/* Appending keeps what was there. */
START_TEST(test_appends)
{
	struct strbuf o;
	strbuf_init(&o, 100);
	ck_assert_int_eq(escape_terminal(&o, S("a\x1b")), SMTP_OK);
	ck_assert_int_eq(escape_json(&o, S("\"")), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&o), "a\\e\\\"");
	strbuf_free(&o);
}
END_TEST

/* At the strbuf maximum the escape fails and leaves the strbuf as it was. */
START_TEST(test_max_all_or_nothing)
{
	struct strbuf o;
	strbuf_init(&o, 10);
	ck_assert_int_eq(strbuf_append(&o, "ab", 2), SMTP_OK);
	ck_assert_int_eq(escape_terminal(&o, S("\x1b\x1b\x1b\x1b\x1b")), SMTP_ERR_NOMEM);
	ck_assert_str_eq(strbuf_str(&o), "ab");
	ck_assert_uint_eq(o.len, 2);
	ck_assert_int_eq(escape_json(&o, S("0123456789")), SMTP_ERR_NOMEM);
	ck_assert_str_eq(strbuf_str(&o), "ab");
	ck_assert_int_eq(escape_terminal(&o, S("\x1b\x1b\x1b\x1b")), SMTP_OK);
	ck_assert_uint_eq(o.len, 10);
	strbuf_free(&o);
}
END_TEST

/* Every pair of bytes, through both escapes. */
START_TEST(test_all_byte_pairs)
{
	struct strbuf o, dec;
	strbuf_init(&o, 64);
	strbuf_init(&dec, 64);
	for (int a = 0; a < 256; a++) {
		for (int b = 0; b < 256; b++) {
			char in[2] = { (char)a, (char)b };
			strbuf_reset(&o);
			if (escape_terminal(&o, in, 2) != SMTP_OK)
				ck_abort_msg("pair %02x %02x: terminal failed", a, b);
			assert_safe(&o, "terminal pair");
			strbuf_reset(&o);
			if (escape_json(&o, in, 2) != SMTP_OK)
				ck_abort_msg("pair %02x %02x: json failed", a, b);
			assert_safe(&o, "json pair");
			if (!json_body_decode(o.data, o.len, &dec))
				ck_abort_msg("pair %02x %02x: not JSON", a, b);
		}
	}
	strbuf_free(&o);
	strbuf_free(&dec);
}
END_TEST

/* A fixed-seed random sample of short strings biased to tricky bytes. */
START_TEST(test_random_sample)
{
	static const unsigned char pool[] = {
		0x00, 0x07, 0x08, 0x09, 0x0a, 0x0d, 0x1b, 0x5b, 0x5c, 0x22, 0x41, 0x7f,
		0x80, 0x9b, 0x9d, 0xa0, 0xad, 0xbf, 0xc2, 0xc3, 0xe2, 0xe0, 0xed, 0xef,
		0xf0, 0xf3, 0xf4, 0xf8, 0xff, 0x81, 0x80, 0xae,
	};
	uint32_t seed = 12345;
	struct strbuf o, dec;
	strbuf_init(&o, 1024);
	strbuf_init(&dec, 1024);
	for (int n = 0; n < 200000; n++) {
		char in[12];
		seed = seed * 1103515245u + 12345u;
		size_t len = 1 + (seed >> 16) % sizeof in;
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			in[k] = (char)pool[(seed >> 16) % sizeof pool];
		}
		strbuf_reset(&o);
		if (escape_terminal(&o, in, len) != SMTP_OK)
			ck_abort_msg("sample %d: terminal failed", n);
		assert_safe(&o, "terminal random");
		strbuf_reset(&o);
		if (escape_json(&o, in, len) != SMTP_OK)
			ck_abort_msg("sample %d: json failed", n);
		assert_safe(&o, "json random");
		if (!json_body_decode(o.data, o.len, &dec))
			ck_abort_msg("sample %d: not JSON", n);
		/* valid UTF-8 input always round-trips through JSON */
		if (valid_utf8(in, len) && (dec.len != len || memcmp(dec.data, in, len) != 0))
			ck_abort_msg("sample %d: JSON does not decode back", n);
	}
	strbuf_free(&o);
	strbuf_free(&dec);
}
END_TEST

/* --replay reads transcripts back: unescape_terminal undoes
 * escape_terminal exactly, for any bytes. */
START_TEST(test_unescape_round_trip)
{
	static const char *const samples[] = {
		"250 plain", "a\\b\\\\c", "\x1b[31mred\x1b[0m", "tab\there\r\n",
		"\xd0\x9f\xd1\x80\xd0\xb8", "\xe2\x80\xae bidi", "\xff\xfe\x80 bad utf-8",
		"\\x41 not an escape", "\x7f\x01\x1f", "\xf3\xa0\x80\x81 tag",
	};
	unsigned char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	for (size_t n = 0; n <= sizeof samples / sizeof samples[0]; n++) {
		const char *in = n < sizeof samples / sizeof samples[0] ? samples[n] : (const char *)all;
		size_t len = n < sizeof samples / sizeof samples[0] ? strlen(in) : sizeof all;
		struct strbuf esc, back;
		strbuf_init(&esc, 1 << 16);
		strbuf_init(&back, 1 << 16);
		ck_assert_int_eq(escape_terminal(&esc, in, len), SMTP_OK);
		ck_assert_int_eq(unescape_terminal(&back, esc.data, esc.len), SMTP_OK);
		ck_assert_uint_eq(back.len, len);
		ck_assert_msg(memcmp(back.data, in, len) == 0, "sample %zu changed", n);
		strbuf_free(&esc);
		strbuf_free(&back);
	}
}
END_TEST

static Suite *escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_all_bytes_terminal, 0, 256 / BYTE_BLOCK);
	tcase_add_loop_test(tc, test_all_bytes_json, 0, 256 / BYTE_BLOCK);
	tcase_add_loop_test(tc, test_named_terminal, 0, (int)NESC);
	tcase_add_loop_test(tc, test_named_json, 0, (int)NESC);
	tcase_add_test(tc, test_appends);
	tcase_add_test(tc, test_max_all_or_nothing);
	tcase_add_test(tc, test_all_byte_pairs);
	tcase_add_test(tc, test_random_sample);
	tcase_add_test(tc, test_unescape_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(escape_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
