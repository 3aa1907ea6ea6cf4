/*
 * test_tokenize.c - quoting, escapes, and the refusals (CR/LF/NUL typed or
 * made by an escape, unterminated quotes, bad escapes, limits).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tokenize.h"

#define S(x) x, sizeof(x) - 1

struct tok_case {
	const char *name;
	const char *in;
	size_t in_len;
	enum tok_status want;
	size_t want_count;
	const char *want_words[4];
	size_t want_pos;      /* on failure */
};

static const struct tok_case tok_cases[] = {
	{ "empty", S(""), TOK_OK, 0, { NULL }, 0 },
	{ "blanks", S("  \t "), TOK_OK, 0, { NULL }, 0 },
	{ "words", S("vrfy  alice"), TOK_OK, 2, { "vrfy", "alice" }, 0 },
	{ "tab separated", S("expn\tstaff"), TOK_OK, 2, { "expn", "staff" }, 0 },
	{ "double quotes", S("vrfy \"John Smith\""), TOK_OK, 2, { "vrfy", "John Smith" }, 0 },
	{ "single quotes", S("raw 'a \\n b'"), TOK_OK, 2, { "raw", "a \\n b" }, 0 },
	{ "adjacent quotes", S("a\"b c\"'d'"), TOK_OK, 1, { "ab cd" }, 0 },
	{ "escaped space", S("a\\ b c"), TOK_OK, 2, { "a b", "c" }, 0 },
	{ "escaped quote", S("\"say \\\"hi\\\"\""), TOK_OK, 1, { "say \"hi\"" }, 0 },
	{ "tab escape", S("a\\tb"), TOK_OK, 1, { "a\tb" }, 0 },
	{ "hex escape", S("\\x41\\x7a"), TOK_OK, 1, { "Az" }, 0 },
	{ "empty quotes", S("a \"\" b"), TOK_OK, 3, { "a", "", "b" }, 0 },
	{ "unterminated double", S("vrfy \"john"), TOK_UNTERMINATED_QUOTE, 0, { NULL }, 5 },
	{ "unterminated single", S("vrfy 'john"), TOK_UNTERMINATED_QUOTE, 0, { NULL }, 5 },
	{ "trailing backslash", S("vrfy john\\"), TOK_TRAILING_BACKSLASH, 0, { NULL }, 9 },
	{ "bad hex", S("a\\xZ1"), TOK_BAD_ESCAPE, 0, { NULL }, 1 },
	{ "short hex", S("a\\x4"), TOK_BAD_ESCAPE, 0, { NULL }, 1 },
	{ "escaped lf", S("mail a@b\\nRCPT TO:<x>"), TOK_FORBIDDEN_BYTE, 0, { NULL }, 8 },
	{ "escaped cr", S("vrfy a\\rb"), TOK_FORBIDDEN_BYTE, 0, { NULL }, 6 },
	{ "escaped nul", S("vrfy a\\0"), TOK_FORBIDDEN_BYTE, 0, { NULL }, 6 },
	{ "hex lf", S("vrfy \"a\\x0a\""), TOK_FORBIDDEN_BYTE, 0, { NULL }, 7 },
	{ "typed cr", S("vrfy a\rb"), TOK_FORBIDDEN_BYTE, 0, { NULL }, 6 },
	{ "typed lf", S("vrfy a\nb"), TOK_FORBIDDEN_BYTE, 0, { NULL }, 6 },
	{ "typed nul", S("vrfy a\0b"), TOK_FORBIDDEN_BYTE, 0, { NULL }, 6 },
};

START_TEST(test_cases)
{
	const struct tok_case *c = &tok_cases[_i];
	static struct tokens t;
	size_t pos = 12345;
	enum tok_status st = tokenize_line(c->in, c->in_len, &t, &pos);
	ck_assert_msg(st == c->want, "%s: got %d (%s) want %d", c->name, st,
	    tok_status_message(st), c->want);
	if (st != TOK_OK) {
		ck_assert_msg(pos == c->want_pos, "%s: err_pos got %zu want %zu",
		    c->name, pos, c->want_pos);
		ck_assert_uint_eq(t.count, 0);
		return;
	}
	ck_assert_msg(t.count == c->want_count, "%s: count got %zu want %zu",
	    c->name, t.count, c->want_count);
	for (size_t i = 0; i < t.count; i++) {
		ck_assert_msg(strcmp(t.word[i], c->want_words[i]) == 0,
		    "%s: word %zu got \"%s\" want \"%s\"", c->name, i, t.word[i],
		    c->want_words[i]);
		ck_assert_uint_eq(t.len[i], strlen(c->want_words[i]));
	}
}
END_TEST

START_TEST(test_start_offsets)
{
	static struct tokens t;
	ck_assert_int_eq(tokenize_line(S("  mail from:<a@b> SIZE=10"), &t, NULL), TOK_OK);
	ck_assert_uint_eq(t.count, 3);
	ck_assert_uint_eq(t.start[0], 2);
	ck_assert_uint_eq(t.start[1], 7);
	ck_assert_uint_eq(t.start[2], 18);
}
END_TEST

START_TEST(test_limits)
{
	static struct tokens t;
	static char line[TOK_MAX_BYTES + 10];
	size_t n = 0;
	for (int i = 0; i < TOK_MAX_WORDS + 1; i++) {
		line[n++] = 'w';
		line[n++] = ' ';
	}
	ck_assert_int_eq(tokenize_line(line, n, &t, NULL), TOK_TOO_MANY_WORDS);
	n = 0;
	for (int i = 0; i < TOK_MAX_WORDS; i++) {
		line[n++] = 'w';
		line[n++] = ' ';
	}
	ck_assert_int_eq(tokenize_line(line, n, &t, NULL), TOK_OK);
	ck_assert_uint_eq(t.count, TOK_MAX_WORDS);
	memset(line, 'a', sizeof line);
	ck_assert_int_eq(tokenize_line(line, TOK_MAX_BYTES, &t, NULL), TOK_OK);
	ck_assert_uint_eq(t.len[0], TOK_MAX_BYTES);
	ck_assert_int_eq(tokenize_line(line, TOK_MAX_BYTES + 1, &t, NULL), TOK_TOO_LONG);
	for (int st = TOK_OK; st <= TOK_TOO_LONG; st++)
		ck_assert(strlen(tok_status_message((enum tok_status)st)) > 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tokenize");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_cases, 0, (int)(sizeof tok_cases / sizeof tok_cases[0]));
	tcase_add_test(tc, test_start_offsets);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
