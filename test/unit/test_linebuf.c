/*
 * test_linebuf.c - linebuf: CRLF and bare LF, CR kept inside a line, cut
 * counting past max, one line per feed, any split of the input.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"

struct lb_case {
	const char *name;
	const char *in;
	size_t in_len;
	size_t max;
	const char *want;      /* stored bytes */
	size_t want_len;
	size_t want_cut;
	int want_crlf;
	size_t want_used;      /* bytes consumed by the line */
};

#define S(x) x, sizeof(x) - 1

static const struct lb_case lb_cases[] = {
	{ "crlf", S("250 ok\r\n"), 64, S("250 ok"), 0, 1, 8 },
	{ "bare lf", S("250 ok\n"), 64, S("250 ok"), 0, 0, 7 },
	{ "empty crlf", S("\r\n"), 64, S(""), 0, 1, 2 },
	{ "bare cr kept", S("a\rb\r\n"), 64, S("a\rb"), 0, 1, 5 },
	{ "cr cr lf", S("a\r\r\n"), 64, S("a\r"), 0, 1, 4 },
	{ "stops at first lf", S("one\r\ntwo\r\n"), 64, S("one"), 0, 1, 5 },
	{ "nul kept", S("a\0b\r\n"), 64, S("a\0b"), 0, 1, 5 },
	{ "cut at max", S("abcdefgh\r\n"), 5, S("abcde"), 3, 1, 10 },
	{ "cut counts cr", S("abcde\rfg\n"), 5, S("abcde"), 3, 0, 9 },
	{ "max zero", S("abc\r\n"), 0, S(""), 3, 1, 5 },
	{ "exactly max", S("abcde\r\n"), 5, S("abcde"), 0, 1, 7 },
};

static void check_line(const struct lb_case *c, const struct linebuf *lb,
    size_t used, const char *how)
{
	ck_assert_msg(lb->complete, "%s/%s: not complete", c->name, how);
	ck_assert_msg(used == c->want_used, "%s/%s: used got %zu want %zu",
	    c->name, how, used, c->want_used);
	ck_assert_msg(lb->len == c->want_len, "%s/%s: len got %zu want %zu",
	    c->name, how, lb->len, c->want_len);
	ck_assert_msg(memcmp(lb->data, c->want, c->want_len) == 0,
	    "%s/%s: bytes differ", c->name, how);
	ck_assert_msg(lb->data[lb->len] == '\0', "%s/%s: not NUL-terminated",
	    c->name, how);
	ck_assert_msg(lb->cut == c->want_cut, "%s/%s: cut got %zu want %zu",
	    c->name, how, lb->cut, c->want_cut);
	ck_assert_msg(lb->ended_crlf == (c->want_crlf != 0),
	    "%s/%s: ended_crlf got %d want %d", c->name, how,
	    (int)lb->ended_crlf, c->want_crlf);
}

START_TEST(test_cases_whole)
{
	const struct lb_case *c = &lb_cases[_i];
	struct linebuf lb;
	ck_assert_int_eq(linebuf_init(&lb, c->max), SMTP_OK);
	size_t used = linebuf_feed(&lb, c->in, c->in_len);
	check_line(c, &lb, used, "whole");
	/* nothing more is consumed until reset */
	ck_assert_uint_eq(linebuf_feed(&lb, "x\n", 2), 0);
	ck_assert(!linebuf_partial(&lb));
	linebuf_free(&lb);
}
END_TEST

START_TEST(test_cases_split)
{
	const struct lb_case *c = &lb_cases[_i];
	/* every split point, and one byte at a time */
	for (size_t split = 0; split <= c->in_len; split++) {
		struct linebuf lb;
		ck_assert_int_eq(linebuf_init(&lb, c->max), SMTP_OK);
		size_t used = linebuf_feed(&lb, c->in, split);
		if (!lb.complete)
			used += linebuf_feed(&lb, c->in + used, c->in_len - used);
		check_line(c, &lb, used, "split");
		linebuf_free(&lb);
	}
	struct linebuf lb;
	ck_assert_int_eq(linebuf_init(&lb, c->max), SMTP_OK);
	size_t used = 0;
	while (!lb.complete && used < c->in_len)
		used += linebuf_feed(&lb, c->in + used, 1);
	check_line(c, &lb, used, "bytewise");
	linebuf_free(&lb);
}
END_TEST

START_TEST(test_partial_and_reset)
{
	struct linebuf lb;
	ck_assert_int_eq(linebuf_init(&lb, 16), SMTP_OK);
	ck_assert(!linebuf_partial(&lb));
	ck_assert_uint_eq(linebuf_feed(&lb, "\r", 1), 1);
	ck_assert_msg(linebuf_partial(&lb), "a held CR is a partial line");
	linebuf_reset(&lb);
	ck_assert(!linebuf_partial(&lb));
	ck_assert_uint_eq(linebuf_feed(&lb, "25", 2), 2);
	ck_assert(linebuf_partial(&lb));
	ck_assert(!lb.complete);
	ck_assert_uint_eq(linebuf_feed(&lb, "0\r\nNEXT", 7), 3);
	ck_assert(lb.complete);
	ck_assert_str_eq(lb.data, "250");
	linebuf_reset(&lb);
	ck_assert_uint_eq(lb.len, 0);
	ck_assert_uint_eq(lb.cut, 0);
	ck_assert(!lb.complete);
	ck_assert_uint_eq(linebuf_feed(&lb, "NEXT\n", 5), 5);
	ck_assert_str_eq(lb.data, "NEXT");
	ck_assert(!lb.ended_crlf);
	linebuf_free(&lb);
}
END_TEST

START_TEST(test_huge_line_bounded)
{
	enum { MAX = 4096, HUGE = 1 << 20 };
	struct linebuf lb;
	ck_assert_int_eq(linebuf_init(&lb, MAX), SMTP_OK);
	char *chunk = malloc(4000);
	ck_assert_ptr_nonnull(chunk);
	memset(chunk, 'A', 4000);
	size_t fed = 0;
	while (fed < HUGE) {
		size_t n = HUGE - fed < 4000 ? HUGE - fed : 4000;
		ck_assert_uint_eq(linebuf_feed(&lb, chunk, n), n);
		fed += n;
	}
	ck_assert_uint_eq(linebuf_feed(&lb, "\r\n", 2), 2);
	ck_assert(lb.complete);
	ck_assert_uint_eq(lb.len, MAX);
	ck_assert_uint_eq(lb.cut, HUGE - MAX);
	ck_assert_uint_eq(lb.max, MAX);
	free(chunk);
	linebuf_free(&lb);
}
END_TEST

static Suite *linebuf_suite(void)
{
	Suite *s = suite_create("linebuf");
	TCase *tc = tcase_create("core");
	int n = (int)(sizeof lb_cases / sizeof lb_cases[0]);
	tcase_add_loop_test(tc, test_cases_whole, 0, n);
	tcase_add_loop_test(tc, test_cases_split, 0, n);
	tcase_add_test(tc, test_partial_and_reset);
	tcase_add_test(tc, test_huge_line_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(linebuf_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
