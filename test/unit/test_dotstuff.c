/*
 * test_dotstuff.c - DATA transparency: named cases, every chunking gives the
 * one-shot output, and stuff-then-unstuff gives the body back (line ends
 * normalised to CRLF); no stuffed line before the terminator is a lone ".".
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dotstuff.h"

#define S(x) x, sizeof(x) - 1

struct ds_case {
	const char *name;
	const char *in;
	size_t in_len;
	const char *want;   /* encode + finish */
	size_t want_len;
};

static const struct ds_case ds_cases[] = {
	{ "empty body", S(""), S(".\r\n") },
	{ "one line crlf", S("hi\r\n"), S("hi\r\n.\r\n") },
	{ "no final newline", S("hi"), S("hi\r\n.\r\n") },
	{ "leading dot", S(".hidden\r\n"), S("..hidden\r\n.\r\n") },
	{ "lone dot line", S("a\r\n.\r\nb\r\n"), S("a\r\n..\r\nb\r\n.\r\n") },
	{ "dot not at start", S("a.b\r\n"), S("a.b\r\n.\r\n") },
	{ "bare lf", S("a\nb\n"), S("a\r\nb\r\n.\r\n") },
	{ "bare lf then dot", S("a\n.\n"), S("a\r\n..\r\n.\r\n") },
	{ "bare cr", S("a\rb"), S("a\r\nb\r\n.\r\n") },
	{ "cr cr lf", S("a\r\r\n"), S("a\r\n\r\n.\r\n") },
	{ "smuggle lf.lf", S("x\n.\nMAIL FROM:<e@vil>\n"), S("x\r\n..\r\nMAIL FROM:<e@vil>\r\n.\r\n") },
	{ "smuggle cr.cr", S("x\r.\ry"), S("x\r\n..\r\ny\r\n.\r\n") },
	{ "trailing dot line", S("a\r\n."), S("a\r\n..\r\n.\r\n") },
	{ "two dots", S("..\r\n"), S("...\r\n.\r\n") },
};

static size_t encode_chunked(const char *in, size_t len, size_t chunk, char *out)
{
	struct dotstuff ds;
	dotstuff_init(&ds);
	size_t o = 0;
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		o += dotstuff_encode(&ds, in + off, n, out + o);
	}
	o += dotstuff_finish(&ds, out + o);
	return o;
}

START_TEST(test_cases)
{
	const struct ds_case *c = &ds_cases[_i];
	char out[256];
	for (size_t chunk = 1; chunk <= c->in_len + 1; chunk++) {
		size_t n = encode_chunked(c->in, c->in_len, chunk, out);
		ck_assert_msg(n == c->want_len && memcmp(out, c->want, n) == 0,
		    "%s (chunks of %zu): got %zu bytes \"%.*s\"", c->name, chunk, n,
		    (int)n, out);
	}
}
END_TEST

START_TEST(test_dot_after_chunk_ending_in_lf)
{
	struct dotstuff ds;
	char out[64];
	dotstuff_init(&ds);
	size_t o = dotstuff_encode(&ds, "a\n", 2, out);
	o += dotstuff_encode(&ds, ".b", 2, out + o);
	o += dotstuff_finish(&ds, out + o);
	ck_assert_uint_eq(o, strlen("a\r\n..b\r\n.\r\n"));
	ck_assert(memcmp(out, "a\r\n..b\r\n.\r\n", o) == 0);
	/* CR ends one chunk, LF starts the next: one CRLF, not two. */
	dotstuff_init(&ds);
	o = dotstuff_encode(&ds, "a\r", 2, out);
	o += dotstuff_encode(&ds, "\n.", 2, out + o);
	o += dotstuff_finish(&ds, out + o);
	ck_assert(o == strlen("a\r\n..\r\n.\r\n") && memcmp(out, "a\r\n..\r\n.\r\n", o) == 0);
}
END_TEST

START_TEST(test_decode_line)
{
	const char *t;
	size_t n;
	ck_assert(dotstuff_decode_line(".", 1, &t, &n));
	ck_assert(!dotstuff_decode_line("..", 2, &t, &n));
	ck_assert(n == 1 && t[0] == '.');
	ck_assert(!dotstuff_decode_line("..x", 3, &t, &n));
	ck_assert(n == 2 && memcmp(t, ".x", 2) == 0);
	ck_assert(!dotstuff_decode_line("abc", 3, &t, &n));
	ck_assert(n == 3 && memcmp(t, "abc", 3) == 0);
	ck_assert(!dotstuff_decode_line("", 0, &t, &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* Normalise line ends to CRLF and make sure the body ends with one. */
static size_t normalise(const char *in, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\r') {
			if (i + 1 < len && in[i + 1] == '\n')
				i++;
			out[o++] = '\r';
			out[o++] = '\n';
		} else if (in[i] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
		} else {
			out[o++] = in[i];
		}
	}
	if (o > 0 && !(o >= 2 && out[o - 2] == '\r' && out[o - 1] == '\n')) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return o;
}

/* Undo the stuffing line by line; returns false on a protocol error. */
static bool unstuff(const char *in, size_t len, char *out, size_t *outlen)
{
	size_t o = 0, i = 0;
	while (i < len) {
		const char *eol = memchr(in + i, '\n', len - i);
		if (eol == NULL || eol == in + i || eol[-1] != '\r')
			return false;        /* every line must end in CRLF */
		size_t llen = (size_t)(eol - (in + i)) - 1;
		const char *t;
		size_t tn;
		bool end = dotstuff_decode_line(in + i, llen, &t, &tn);
		i = (size_t)(eol - in) + 1;
		if (end) {
			*outlen = o;
			return i == len;     /* the terminator is the very end */
		}
		memcpy(out + o, t, tn);
		o += tn;
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return false;
}

START_TEST(test_round_trip_random)
{
	static const char alphabet[] = { 'a', '.', '\r', '\n', ' ', 'Z' };
	unsigned seed = 12345;
	char body[64], norm[160], enc[160], back[160];
	for (int iter = 0; iter < 20000; iter++) {
		seed = seed * 1103515245u + 12345u;
		size_t len = (seed >> 16) % sizeof body;
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			body[k] = alphabet[(seed >> 16) % sizeof alphabet];
		}
		size_t one = encode_chunked(body, len, len + 1, enc);
		for (size_t chunk = 1; chunk <= 7; chunk++) {
			char enc2[160];
			size_t n = encode_chunked(body, len, chunk, enc2);
			ck_assert_msg(n == one && memcmp(enc, enc2, n) == 0,
			    "iteration %d: chunk %zu differs", iter, chunk);
		}
		size_t blen;
		ck_assert_msg(unstuff(enc, one, back, &blen),
		    "iteration %d: stuffed output does not parse", iter);
		size_t nlen = normalise(body, len, norm);
		ck_assert_msg(blen == nlen && memcmp(back, norm, nlen) == 0,
		    "iteration %d: round trip changed the body", iter);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dotstuff");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_cases, 0, (int)(sizeof ds_cases / sizeof ds_cases[0]));
	tcase_add_test(tc, test_dot_after_chunk_ending_in_lf);
	tcase_add_test(tc, test_decode_line);
	tcase_add_test(tc, test_round_trip_random);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
