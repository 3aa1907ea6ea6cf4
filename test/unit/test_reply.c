/*
 * test_reply.c - the reply reader: grammar (RFC 5321 4.2), local codes 600
 * and 621, flags, the security catalogue's RP and RL cases, and the rule
 * that any split of the input (one byte at a time, or cut at every offset)
 * gives exactly the same replies as the whole input.  The enhanced code is
 * kept as text and parsed (reply.enh), and the two agree.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "smtp_limits.h"
#include "strbuf.h"

#define S(x) x, sizeof(x) - 1
#define MAXL 6

struct reply_case {
	const char *name;
	const char *in;
	size_t in_len;
	int code;               /* first reply's code */
	unsigned flags;         /* first reply's flags, exactly */
	const char *enhanced;
	size_t nlines;
	const char *lines[MAXL];
	int line_codes[MAXL];
	size_t nreplies;        /* replies in the whole stream, incl. an EOF one */
};

enum {
	MAL = REPLY_F_MALFORMED, EOFF = REPLY_F_EOF, MIX = REPLY_F_MIXED_CODES,
	LF = REPLY_F_BARE_LF, NUL = REPLY_F_NUL, SEP = REPLY_F_BAD_SEPARATOR,
};

static const struct reply_case cases[] = {
	{ "single line", S("250 OK\r\n"), 250, 0, "", 1, { "OK" }, { 250 }, 1 },
	{ "multiline", S("250-mx.example.org\r\n250-SIZE 100\r\n250 HELP\r\n"),
	  250, 0, "", 3, { "mx.example.org", "SIZE 100", "HELP" },
	  { 250, 250, 250 }, 1 },
	{ "greeting multiline", S("220-mx.example.org ESMTP\r\n220-policy text\r\n"
	  "220 ready\r\n"), 220, 0, "", 3,
	  { "mx.example.org ESMTP", "policy text", "ready" }, { 220, 220, 220 }, 1 },
	{ "code only", S("250\r\n"), 250, 0, "", 1, { "" }, { 250 }, 1 },
	{ "code and space", S("250 \r\n"), 250, 0, "", 1, { "" }, { 250 }, 1 },
	{ "354 code only", S("354\r\n"), 354, 0, "", 1, { "" }, { 354 }, 1 },
	{ "empty continuation", S("250-\r\n250 x\r\n"), 250, 0, "", 2, { "", "x" },
	  { 250, 250 }, 1 },
	{ "LF only", S("220 mx ESMTP\n"), 220, LF, "", 1, { "mx ESMTP" }, { 220 }, 1 },
	{ "LF only in one line", S("250-a\n250 b\r\n"), 250, LF, "", 2, { "a", "b" },
	  { 250, 250 }, 1 },
	{ "bare CR is not a line end", S("250-a\r250 b\r\n"), SMTP_CODE_EOF, EOFF,
	  "", 1, { "a\r250 b" }, { 250 }, 1 },
	{ "not SMTP", S("hello world\r\n"), 600, MAL, "", 1, { "hello world" },
	  { 0 }, 1 },
	{ "HTTP", S("HTTP/1.1 400 Bad Request\r\n"), 600, MAL, "", 1,
	  { "HTTP/1.1 400 Bad Request" }, { 0 }, 1 },
	{ "POP3", S("+OK POP3 ready\r\n"), 600, MAL, "", 1, { "+OK POP3 ready" },
	  { 0 }, 1 },
	{ "TLS record", S("\x16\x03\x03\x00\x10\r\n"), 600, MAL | NUL, "", 1,
	  { "\x16\x03\x03" }, { 0 }, 1 },   /* text compared up to its NUL */
	{ "25a", S("25a OK\r\n"), 600, MAL, "", 1, { "25a OK" }, { 0 }, 1 },
	{ "leading space", S(" 250 OK\r\n"), 600, MAL, "", 1, { " 250 OK" }, { 0 }, 1 },
	{ "+50", S("+50 OK\r\n"), 600, MAL, "", 1, { "+50 OK" }, { 0 }, 1 },
	{ "-50", S("-50 x\r\n"), 600, MAL, "", 1, { "-50 x" }, { 0 }, 1 },
	{ "2x0", S("2x0 OK\r\n"), 600, MAL, "", 1, { "2x0 OK" }, { 0 }, 1 },
	{ "25O letter", S("25O OK\r\n"), 600, MAL, "", 1, { "25O OK" }, { 0 }, 1 },
	{ "two digits", S("25\r\n"), 600, MAL, "", 1, { "25" }, { 0 }, 1 },
	{ "empty line", S("\r\n"), 600, MAL, "", 1, { "" }, { 0 }, 1 },
	{ "no separator", S("250OK\r\n"), 600, MAL | SEP, "", 1, { "250OK" }, { 0 }, 1 },
	{ "underscore separator", S("250_OK\r\n"), 600, MAL | SEP, "", 1,
	  { "250_OK" }, { 0 }, 1 },
	{ "tab separator", S("250\tOK\r\n"), 600, MAL | SEP, "", 1, { "250\tOK" },
	  { 0 }, 1 },
	{ "code 099", S("099 x\r\n"), 600, MAL, "", 1, { "099 x" }, { 0 }, 1 },
	{ "code 600", S("600 x\r\n"), 600, MAL, "", 1, { "600 x" }, { 0 }, 1 },
	{ "code 000", S("000\r\n"), 600, MAL, "", 1, { "000" }, { 0 }, 1 },
	{ "code 1000", S("1000 x\r\n"), 600, MAL | SEP, "", 1, { "1000 x" }, { 0 }, 1 },
	{ "code 999 continuation first", S("999-x\r\n250 ok\r\n"), 600, MAL, "", 1,
	  { "999-x" }, { 0 }, 2 },
	{ "code 199", S("199 no hello for you!\r\n"), 199, 0, "", 1,
	  { "no hello for you!" }, { 199 }, 1 },
	{ "code 599", S("599 x\r\n"), 599, 0, "", 1, { "x" }, { 599 }, 1 },
	{ "code 100", S("100 x\r\n"), 100, 0, "", 1, { "x" }, { 100 }, 1 },
	{ "RP-01 mixed 250->550", S("250-mx.example.org\r\n550 5.7.1 Denied\r\n"),
	  600, MIX, "", 2, { "mx.example.org", "5.7.1 Denied" }, { 250, 550 }, 1 },
	{ "RP-01 mixed 550->250", S("550-5.1.1 No such user\r\n250 2.1.5 OK\r\n"),
	  600, MIX, "5.1.1", 2, { "5.1.1 No such user", "2.1.5 OK" }, { 550, 250 }, 1 },
	{ "RP-02 codeless continuation", S("550-5.1.1 The account does not exist\r\n"
	  "Unexpected but legal text!\r\n550 5.1.1 https://support.example/x\r\n"),
	  600, MAL, "5.1.1", 3, { "5.1.1 The account does not exist",
	  "Unexpected but legal text!", "5.1.1 https://support.example/x" },
	  { 550, 0, 550 }, 1 },
	{ "bad final line in multiline", S("250-a\r\n250\tb\r\n250 c\r\n"), 600,
	  MAL | SEP, "", 2, { "a", "250\tb" }, { 250, 0 }, 2 },
	{ "out-of-range continuation in multiline", S("250-a\r\n999-b\r\n250 c\r\n"),
	  600, MAL, "", 3, { "a", "999-b", "c" }, { 250, 0, 250 }, 1 },
	{ "out-of-range final in multiline", S("250-a\r\n700 b\r\n"), 600, MAL, "", 2,
	  { "a", "700 b" }, { 250, 0 }, 1 },
	{ "EOF mid reply", S("250-mx\r\n250-SIZE 100\r\n"), SMTP_CODE_EOF, EOFF, "",
	  2, { "mx", "SIZE 100" }, { 250, 250 }, 1 },
	{ "EOF mid line", S("250-mx\r\n25"), SMTP_CODE_EOF, EOFF, "", 2,
	  { "mx", "25" }, { 250, 0 }, 1 },
	{ "EOF after CR", S("22\r"), SMTP_CODE_EOF, EOFF, "", 1, { "22\r" }, { 0 }, 1 },
	{ "EOF inside greeting", S("22"), SMTP_CODE_EOF, EOFF, "", 1, { "22" }, { 0 }, 1 },
	{ "enhanced", S("550 5.1.1 <bob@example.org>: Recipient address rejected\r\n"),
	  550, 0, "5.1.1", 1, { "5.1.1 <bob@example.org>: Recipient address rejected" },
	  { 550 }, 1 },
	{ "enhanced alone", S("250 2.0.0\r\n"), 250, 0, "2.0.0", 1, { "2.0.0" },
	  { 250 }, 1 },
	{ "enhanced invalid class", S("250 9.9.9 x\r\n"), 250, 0, "", 1, { "9.9.9 x" },
	  { 250 }, 1 },
	{ "enhanced not at start", S("250 ok 2.0.0\r\n"), 250, 0, "", 1, { "ok 2.0.0" },
	  { 250 }, 1 },
	{ "enhanced from first line only", S("250-mx\r\n250 2.0.0 ok\r\n"), 250, 0, "",
	  2, { "mx", "2.0.0 ok" }, { 250, 250 }, 1 },
	{ "NUL in text", S("250 OK\0 hidden text\r\n"), 250, NUL, "", 1, { "OK" },
	  { 250 }, 1 },
	{ "NUL in code", S("2\00050 x\r\n"), 600, MAL | NUL, "", 1, { "2" }, { 0 }, 1 },
	{ "two replies", S("220 mx ESMTP\r\n250 fake-ok\r\n"), 220, 0, "", 1,
	  { "mx ESMTP" }, { 220 }, 2 },
	{ "pipelined", S("250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n250 2.1.0 Ok\r\n"
	  "550 5.1.1 no\r\n354 go\r\n"), 250, 0, "", 3, { "mx", "PIPELINING", "8BITMIME" },
	  { 250, 250, 250 }, 4 },
	{ "reply then EOF partial", S("250 ok\r\n421 closi"), 250, 0, "", 1, { "ok" },
	  { 250 }, 2 },
};

#define NCASES (sizeof cases / sizeof cases[0])

struct stream_result {
	struct smtp_reply r[8];
	size_t n;
};

static void stream_free(struct stream_result *res)
{
	for (size_t i = 0; i < res->n; i++)
		smtp_reply_free(&res->r[i]);
	res->n = 0;
}

/* Feed `in` in chunks ending at the offsets in cuts[] (then the rest), each
 * chunk copied to its own exact-size heap block so ASan sees any overread;
 * then signal EOF.  Every reply (and an EOF reply) lands in res. */
static void parse_stream(const char *in, size_t len, const size_t *cuts,
    size_t ncuts, struct stream_result *res, const char *name)
{
	struct reply_parser p;
	ck_assert_int_eq(reply_parser_init(&p), SMTP_OK);
	res->n = 0;
	struct smtp_reply tmp;
	smtp_reply_init(&tmp);
	size_t start = 0;
	for (size_t c = 0; c <= ncuts; c++) {
		size_t end = c < ncuts ? cuts[c] : len;
		size_t clen = end - start;
		char *chunk = malloc(clen ? clen : 1);
		ck_assert_ptr_nonnull(chunk);
		memcpy(chunk, in + start, clen);
		size_t off = 0;
		while (off < clen) {
			size_t used = 12345;
			enum reply_feed_result rc = reply_parser_feed(&p, chunk + off,
			    clen - off, &used, &tmp);
			ck_assert_msg(used <= clen - off, "%s: used beyond input", name);
			off += used;
			if (rc == REPLY_COMPLETE) {
				ck_assert_msg(res->n < 8, "%s: too many replies", name);
				res->r[res->n++] = tmp;
				smtp_reply_init(&tmp);
				ck_assert_msg(reply_parser_idle(&p), "%s: not idle after "
				    "a complete reply", name);
			} else {
				ck_assert_msg(off == clen, "%s: NEED_MORE left %zu bytes "
				    "unconsumed", name, clen - off);
			}
		}
		free(chunk);
		start = end;
	}
	if (reply_parser_eof(&p, &tmp)) {
		ck_assert_msg(res->n < 8, "%s: too many replies", name);
		res->r[res->n++] = tmp;
		smtp_reply_init(&tmp);
	}
	ck_assert_msg(reply_parser_idle(&p), "%s: not idle after EOF", name);
	ck_assert_msg(!reply_parser_eof(&p, &tmp), "%s: second EOF gave a reply", name);
	reply_parser_free(&p);
	smtp_reply_free(&tmp);
}

/* Everything observable about a list of replies, as text. */
static void digest(const struct stream_result *res, struct strbuf *out)
{
	strbuf_reset(out);
	for (size_t i = 0; i < res->n; i++) {
		const struct smtp_reply *r = &res->r[i];
		strbuf_appendf(out, "reply %zu code=%d flags=%#x n=%zu dropped=%zu enh=%s\n",
		    i, r->code, r->flags, r->nlines, r->lines_dropped, r->enhanced);
		for (size_t j = 0; j < r->nlines; j++) {
			const struct reply_line *l = &r->lines[j];
			strbuf_appendf(out, " [%d cut=%zu len=%zu ", l->code, l->cut, l->len);
			for (size_t k = 0; k < l->len; k++)
				strbuf_appendf(out, "%02x", (unsigned char)l->text[k]);
			strbuf_appendf(out, " nul=%d]\n", l->text[l->len] == '\0');
		}
	}
}

START_TEST(test_case_whole)
{
	const struct reply_case *c = &cases[_i];
	struct stream_result res;
	parse_stream(c->in, c->in_len, NULL, 0, &res, c->name);
	ck_assert_msg(res.n == c->nreplies, "%s: replies got %zu want %zu", c->name,
	    res.n, c->nreplies);
	const struct smtp_reply *r = &res.r[0];
	ck_assert_msg(r->code == c->code, "%s: code got %d want %d", c->name,
	    r->code, c->code);
	ck_assert_msg(r->flags == c->flags, "%s: flags got %#x want %#x", c->name,
	    r->flags, c->flags);
	ck_assert_msg(strcmp(r->enhanced, c->enhanced) == 0,
	    "%s: enhanced got \"%s\" want \"%s\"", c->name, r->enhanced, c->enhanced);
	/* The enhanced code parsed once into the reply says the same. */
	char enh[32] = "";
	if (r->enh.cls != 0)
		snprintf(enh, sizeof enh, "%d.%d.%d", r->enh.cls, r->enh.subject, r->enh.detail);
	ck_assert_msg(strcmp(enh, c->enhanced) == 0, "%s: parsed enhanced got \"%s\" want \"%s\"",
	    c->name, enh, c->enhanced);
	ck_assert_msg(r->nlines == c->nlines, "%s: lines got %zu want %zu", c->name,
	    r->nlines, c->nlines);
	ck_assert_msg(r->lines_dropped == 0, "%s: dropped %zu", c->name,
	    r->lines_dropped);
	for (size_t j = 0; j < c->nlines; j++) {
		const struct reply_line *l = &r->lines[j];
		ck_assert_msg(strcmp(l->text, c->lines[j]) == 0,
		    "%s: line %zu got \"%s\" want \"%s\"", c->name, j, l->text, c->lines[j]);
		ck_assert_msg(l->code == c->line_codes[j], "%s: line %zu code got %d "
		    "want %d", c->name, j, l->code, c->line_codes[j]);
		ck_assert_msg(l->cut == 0, "%s: line %zu cut", c->name, j);
		ck_assert_msg(l->text[l->len] == '\0', "%s: line %zu not terminated",
		    c->name, j);
	}
	stream_free(&res);
}
END_TEST

/* RP-09: one byte at a time, and cut at every offset, give identical results. */
START_TEST(test_case_splits)
{
	const struct reply_case *c = &cases[_i];
	struct strbuf want, got;
	strbuf_init(&want, 1 << 20);
	strbuf_init(&got, 1 << 20);
	struct stream_result res;
	parse_stream(c->in, c->in_len, NULL, 0, &res, c->name);
	digest(&res, &want);
	stream_free(&res);

	size_t *cuts = malloc((c->in_len + 1) * sizeof *cuts);
	ck_assert_ptr_nonnull(cuts);
	for (size_t k = 0; k < c->in_len; k++)
		cuts[k] = k + 1;
	parse_stream(c->in, c->in_len, cuts, c->in_len, &res, c->name);
	digest(&res, &got);
	stream_free(&res);
	ck_assert_msg(strcmp(strbuf_str(&got), strbuf_str(&want)) == 0,
	    "%s: bytewise differs:\n%s\nwant:\n%s", c->name, strbuf_str(&got),
	    strbuf_str(&want));

	for (size_t k = 0; k <= c->in_len; k++) {
		parse_stream(c->in, c->in_len, &k, 1, &res, c->name);
		digest(&res, &got);
		stream_free(&res);
		ck_assert_msg(strcmp(strbuf_str(&got), strbuf_str(&want)) == 0,
		    "%s: split at %zu differs:\n%s\nwant:\n%s", c->name, k,
		    strbuf_str(&got), strbuf_str(&want));
	}
	free(cuts);
	strbuf_free(&want);
	strbuf_free(&got);
}
END_TEST

/* RP-10: feed consumes only the first reply; the rest parses next. */
START_TEST(test_two_replies_one_buffer)
{
	static const char in[] = "220 mx ESMTP\r\n250-a\r\n250 b\r\n";
	struct reply_parser p;
	struct smtp_reply r;
	size_t used;
	smtp_reply_init(&r);
	ck_assert_int_eq(reply_parser_init(&p), SMTP_OK);
	ck_assert(reply_parser_idle(&p));
	ck_assert_int_eq(reply_parser_feed(&p, in, sizeof in - 1, &used, &r),
	    REPLY_COMPLETE);
	ck_assert_uint_eq(used, strlen("220 mx ESMTP\r\n"));
	ck_assert_int_eq(r.code, 220);
	ck_assert(reply_parser_idle(&p));
	size_t rest = sizeof in - 1 - used;
	ck_assert_int_eq(reply_parser_feed(&p, in + used, rest, &used, &r),
	    REPLY_COMPLETE);
	ck_assert_uint_eq(used, rest);
	ck_assert_int_eq(r.code, 250);
	ck_assert_uint_eq(r.nlines, 2);
	ck_assert_str_eq(r.lines[1].text, "b");
	ck_assert(!reply_parser_eof(&p, &r));
	ck_assert_int_eq(r.code, 250);   /* untouched when EOF gives nothing */
	/* partial input: NEED_MORE consumes all, not idle, then completes */
	ck_assert_int_eq(reply_parser_feed(&p, "25", 2, &used, &r), REPLY_NEED_MORE);
	ck_assert_uint_eq(used, 2);
	ck_assert(!reply_parser_idle(&p));
	ck_assert_int_eq(reply_parser_feed(&p, "0 x\r\n", 5, &used, &r), REPLY_COMPLETE);
	ck_assert_str_eq(r.lines[0].text, "x");
	ck_assert_int_eq(reply_parser_feed(&p, "", 0, &used, &r), REPLY_NEED_MORE);
	ck_assert_uint_eq(used, 0);
	smtp_reply_free(&r);
	reply_parser_free(&p);
}
END_TEST

START_TEST(test_eof_nothing_pending)
{
	struct reply_parser p;
	struct smtp_reply r;
	smtp_reply_init(&r);
	ck_assert_int_eq(reply_parser_init(&p), SMTP_OK);
	ck_assert(!reply_parser_eof(&p, &r));
	ck_assert_int_eq(r.code, 0);
	ck_assert_uint_eq(r.nlines, 0);
	reply_parser_free(&p);
}
END_TEST

/* RP-07: NUL bytes are kept, len is authoritative, the reply is flagged. */
START_TEST(test_nul_kept)
{
	static const char in[] = "250-a\0b\r\n250 OK\0 hidden text\r\n";
	struct stream_result res;
	parse_stream(in, sizeof in - 1, NULL, 0, &res, "nul");
	ck_assert_uint_eq(res.n, 1);
	ck_assert_int_eq(res.r[0].code, 250);
	ck_assert(res.r[0].flags & REPLY_F_NUL);
	ck_assert_uint_eq(res.r[0].lines[0].len, 3);
	ck_assert_int_eq(memcmp(res.r[0].lines[0].text, "a\0b", 4), 0);
	ck_assert_uint_eq(res.r[0].lines[1].len, strlen("OK") + 1 + strlen(" hidden text"));
	ck_assert_int_eq(memcmp(res.r[0].lines[1].text, "OK\0 hidden text", 16), 0);
	stream_free(&res);
}
END_TEST

/* RL-01: a 1 MiB line is cut at SMTP_REPLY_LINE_KEEP with the cut exact. */
START_TEST(test_one_mib_line)
{
	const size_t body = (size_t)1 << 20;
	size_t len = 4 + body + 2;
	char *in = malloc(len);
	ck_assert_ptr_nonnull(in);
	memcpy(in, "250 ", 4);
	memset(in + 4, 'A', body);
	memcpy(in + 4 + body, "\r\n", 2);

	struct reply_parser p;
	struct smtp_reply r;
	smtp_reply_init(&r);
	ck_assert_int_eq(reply_parser_init(&p), SMTP_OK);
	size_t off = 0, used;
	enum reply_feed_result rc = REPLY_NEED_MORE;
	while (off < len && rc == REPLY_NEED_MORE) {
		size_t n = len - off < 65536 ? len - off : 65536;
		rc = reply_parser_feed(&p, in + off, n, &used, &r);
		off += used;
		/* bounded: the parser never holds more than one line's keep */
		ck_assert_uint_le(p.line.len, SMTP_REPLY_LINE_KEEP);
		ck_assert_uint_eq(p.line.max, SMTP_REPLY_LINE_KEEP);
	}
	ck_assert_int_eq(rc, REPLY_COMPLETE);
	ck_assert_uint_eq(off, len);
	ck_assert_int_eq(r.code, 250);
	ck_assert_uint_eq(r.flags, REPLY_F_LINE_CUT);
	ck_assert_uint_eq(r.nlines, 1);
	ck_assert_uint_eq(r.lines[0].len, SMTP_REPLY_LINE_KEEP - 4);
	ck_assert_uint_eq(r.lines[0].cut, 4 + body - SMTP_REPLY_LINE_KEEP);
	ck_assert_uint_eq(r.lines[0].len + r.lines[0].cut, body);
	ck_assert_int_eq(r.lines[0].text[r.lines[0].len], '\0');
	for (size_t i = 0; i < r.lines[0].len; i++)
		ck_assert_int_eq(r.lines[0].text[i], 'A');
	smtp_reply_free(&r);
	reply_parser_free(&p);
	free(in);
}
END_TEST

/* RL-02: megabytes of "250-" lines never grow memory; the drop is counted
 * and the final line is kept. */
static void endless(bool with_final)
{
	static const char line[] = "250-x\r\n";
	const size_t nlines = 400000;            /* 2.8 MB */
	struct reply_parser p;
	struct smtp_reply r;
	smtp_reply_init(&r);
	ck_assert_int_eq(reply_parser_init(&p), SMTP_OK);
	char block[7 * 1000];
	for (size_t i = 0; i < 1000; i++)
		memcpy(block + 7 * i, line, 7);
	size_t used;
	for (size_t i = 0; i < nlines / 1000; i++) {
		ck_assert_int_eq(reply_parser_feed(&p, block, sizeof block, &used, &r),
		    REPLY_NEED_MORE);
		ck_assert_uint_eq(used, sizeof block);
		ck_assert_uint_le(p.cur.nlines, SMTP_REPLY_LINES_KEEP - 1);
		ck_assert_uint_le(p.lines_cap, SMTP_REPLY_LINES_KEEP);
	}
	if (with_final) {
		ck_assert_int_eq(reply_parser_feed(&p, "250 end\r\n", 9, &used, &r),
		    REPLY_COMPLETE);
		ck_assert_int_eq(r.code, 250);
		ck_assert_uint_eq(r.nlines, SMTP_REPLY_LINES_KEEP);
		ck_assert_str_eq(r.lines[r.nlines - 1].text, "end");
		ck_assert_str_eq(r.lines[r.nlines - 2].text, "x");
		ck_assert_uint_eq(r.lines_dropped, nlines - (SMTP_REPLY_LINES_KEEP - 1));
	} else {
		ck_assert(reply_parser_eof(&p, &r));
		ck_assert_int_eq(r.code, SMTP_CODE_EOF);
		ck_assert(r.flags & REPLY_F_EOF);
		ck_assert_uint_eq(r.nlines, SMTP_REPLY_LINES_KEEP - 1);
		ck_assert_uint_eq(r.lines_dropped, nlines - (SMTP_REPLY_LINES_KEEP - 1));
	}
	ck_assert(r.flags & REPLY_F_LINES_DROPPED);
	ck_assert(!(r.flags & REPLY_F_MIXED_CODES));
	ck_assert(reply_parser_idle(&p));
	smtp_reply_free(&r);
	reply_parser_free(&p);
}

START_TEST(test_endless_multiline_final)
{
	endless(true);
}
END_TEST

START_TEST(test_endless_multiline_eof)
{
	endless(false);
}
END_TEST

START_TEST(test_copy_class_positive)
{
	struct stream_result res;
	static const char in[] = "550-5.1.1 a\0b\r\n550 c\r\n";
	parse_stream(in, sizeof in - 1, NULL, 0, &res, "copy");
	struct smtp_reply cp;
	smtp_reply_init(&cp);
	ck_assert_int_eq(smtp_reply_copy(&cp, &res.r[0]), SMTP_OK);
	ck_assert_int_eq(cp.code, 550);
	ck_assert_uint_eq(cp.nlines, 2);
	ck_assert_ptr_ne(cp.lines, res.r[0].lines);
	ck_assert_ptr_ne(cp.lines[0].text, res.r[0].lines[0].text);
	ck_assert_uint_eq(cp.lines[0].len, res.r[0].lines[0].len);
	ck_assert_int_eq(memcmp(cp.lines[0].text, "5.1.1 a\0b", 10), 0);
	ck_assert_str_eq(cp.enhanced, "5.1.1");
	ck_assert(cp.enh.cls == 5 && cp.enh.subject == 1 && cp.enh.detail == 1);
	ck_assert_uint_eq(cp.flags, res.r[0].flags);
	stream_free(&res);         /* the copy must survive the original */
	ck_assert_str_eq(cp.lines[1].text, "c");
	ck_assert_int_eq(smtp_reply_class(&cp), 5);
	ck_assert(!smtp_reply_positive(&cp));
	/* copying onto itself is a no-op */
	ck_assert_int_eq(smtp_reply_copy(&cp, &cp), SMTP_OK);
	ck_assert_str_eq(cp.lines[1].text, "c");
	/* copying over an existing reply replaces (and frees) its contents */
	struct stream_result res2;
	parse_stream(S("250 fine\r\n"), NULL, 0, &res2, "copy2");
	ck_assert_int_eq(smtp_reply_copy(&cp, &res2.r[0]), SMTP_OK);
	stream_free(&res2);
	ck_assert_int_eq(cp.code, 250);
	ck_assert_uint_eq(cp.nlines, 1);
	ck_assert_str_eq(cp.lines[0].text, "fine");
	smtp_reply_free(&cp);
	ck_assert_ptr_null(cp.lines);
	ck_assert_uint_eq(cp.nlines, 0);

	struct { int code; int cls; bool pos; } t[] = {
		{ 100, 1, true }, { 250, 2, true }, { 354, 3, true }, { 399, 3, true },
		{ 421, 4, false }, { 554, 5, false }, { 600, 6, false }, { 621, 6, false },
		{ 0, 0, false },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct smtp_reply r;
		smtp_reply_init(&r);
		r.code = t[i].code;
		ck_assert_msg(smtp_reply_class(&r) == t[i].cls, "class(%d) got %d want %d",
		    t[i].code, smtp_reply_class(&r), t[i].cls);
		ck_assert_msg(smtp_reply_positive(&r) == t[i].pos, "positive(%d)",
		    t[i].code);
	}
}
END_TEST

static Suite *reply_suite(void)
{
	Suite *s = suite_create("reply");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_case_whole, 0, (int)NCASES);
	tcase_add_loop_test(tc, test_case_splits, 0, (int)NCASES);
	tcase_add_test(tc, test_two_replies_one_buffer);
	tcase_add_test(tc, test_eof_nothing_pending);
	tcase_add_test(tc, test_nul_kept);
	tcase_add_test(tc, test_one_mib_line);
	tcase_add_test(tc, test_endless_multiline_final);
	tcase_add_test(tc, test_endless_multiline_eof);
	tcase_add_test(tc, test_copy_class_positive);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reply_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
