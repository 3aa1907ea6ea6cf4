/*
 * reply.c - the one SMTP reply reader (reply.h; RFC 5321 4.2 and 4.2.1,
 * RFC 821 4.2, RFC 5321 2.3.8 for line ends).
 *
 * Pure: no I/O, no session state.  Bytes go through a linebuf (bounded at
 * SMTP_REPLY_LINE_KEEP bytes per line); each complete line is classified:
 *
 *   "ddd"       final line, empty text        (RFC 5321 4.2: code alone)
 *   "ddd text"  final line                    ("ddd " gives empty text)
 *   "ddd-text"  continuation line
 *   otherwise   does not parse: kept raw, code 0, REPLY_F_MALFORMED
 *
 * where ddd is exactly three ASCII digits with a value in 100..599 (never
 * atoi/strtol: "2x0", " 250", "+50", "-50" do not parse).  A line that does
 * not parse makes the reply's code SMTP_CODE_UNPARSABLE (600) and ends the
 * reply at once -- except inside a multiline reply, where a line that does
 * not look like a final line (it does not start with three digits followed
 * by something other than '-') is kept and flagged and reading goes on to
 * the final line, so a stray text line cannot desynchronise the replies
 * that follow (security-cases RP-02; Postfix smtp_chat does the same).
 *
 * Lines whose codes differ set REPLY_F_MIXED_CODES and make the reply's
 * code SMTP_CODE_UNPARSABLE (600), like any other malformed reply (RP-01:
 * "250-a 251-b 252 c" is no 25x reply; a "554-... 220 ..." greeting is no
 * 220): nothing downstream can trust it by accident.  At most SMTP_REPLY_LINES_KEEP lines are
 * kept: the first SMTP_REPLY_LINES_KEEP - 1 and always the line that ends the
 * reply; the ones in between are dropped and counted (RL-02).
 *
 * Ownership: a struct smtp_reply owns its lines array and every line's text;
 * smtp_reply_free releases them.  The parser owns its linebuf and the reply
 * being assembled; a completed reply is moved (not copied) to the caller.
 * Allocation failure while keeping a line is reported as a dropped line.
 */
#include "reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enhanced.h"
#include "smtp_limits.h"

void smtp_reply_init(struct smtp_reply *r)
{
	memset(r, 0, sizeof *r);
}

void smtp_reply_free(struct smtp_reply *r)
{
	for (size_t i = 0; i < r->nlines; i++)
		free(r->lines[i].text);
	free(r->lines);
	smtp_reply_init(r);
}

enum smtp_errkind smtp_reply_copy(struct smtp_reply *dst, const struct smtp_reply *src)
{
	if (dst == src)
		return SMTP_OK;
	smtp_reply_free(dst);
	struct smtp_reply r = *src;
	r.lines = NULL;
	r.nlines = 0;
	if (src->nlines > 0) {
		r.lines = calloc(src->nlines, sizeof *r.lines);
		if (r.lines == NULL)
			return SMTP_ERR_NOMEM;
		for (size_t i = 0; i < src->nlines; i++) {
			const struct reply_line *sl = &src->lines[i];
			char *t = malloc(sl->len + 1);
			if (t == NULL) {
				smtp_reply_free(&r);
				return SMTP_ERR_NOMEM;
			}
			memcpy(t, sl->text, sl->len);
			t[sl->len] = '\0';
			r.lines[i] = *sl;
			r.lines[i].text = t;
			r.nlines = i + 1;
		}
	}
	*dst = r;
	return SMTP_OK;
}

int smtp_reply_class(const struct smtp_reply *r)
{
	if (r->code >= 100 && r->code <= 599)
		return r->code / 100;
	if (r->code >= 600 && r->code <= 699)
		return 6;
	return 0;
}

bool smtp_reply_positive(const struct smtp_reply *r)
{
	return r->code >= 100 && r->code <= 399;
}

enum smtp_errkind reply_parser_init(struct reply_parser *p)
{
	memset(p, 0, sizeof *p);
	smtp_reply_init(&p->cur);
	return linebuf_init(&p->line, SMTP_REPLY_LINE_KEEP);
}

void reply_parser_free(struct reply_parser *p)
{
	linebuf_free(&p->line);
	smtp_reply_free(&p->cur);
	p->lines_cap = 0;
	p->in_reply = false;
}

bool reply_parser_idle(const struct reply_parser *p)
{
	return !p->in_reply && !linebuf_partial(&p->line);
}

/* ---- one line ---- */

enum line_kind { LINE_FINAL, LINE_CONT, LINE_BAD };

struct line_parse {
	enum line_kind kind;
	int code;            /* 0 when LINE_BAD */
	size_t text_off;     /* where the text starts (0 when LINE_BAD) */
	bool looks_final;    /* LINE_BAD only: three digits, then not '-' */
	bool bad_separator;  /* LINE_BAD only: digits fine, 4th octet wrong */
};

static bool reply_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static struct line_parse reply_line_classify(const char *d, size_t n)
{
	struct line_parse lp = { LINE_BAD, 0, 0, false, false };
	if (n < 3 || !reply_is_digit(d[0]) || !reply_is_digit(d[1]) ||
	    !reply_is_digit(d[2]))
		return lp;
	lp.looks_final = n == 3 || d[3] != '-';
	int code = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
	if (n > 3 && d[3] != ' ' && d[3] != '-') {
		lp.bad_separator = true;
		return lp;
	}
	if (code < 100 || code > 599)
		return lp;
	lp.code = code;
	lp.text_off = n == 3 ? 3 : 4;
	lp.kind = (n > 3 && d[3] == '-') ? LINE_CONT : LINE_FINAL;
	return lp;
}

/* Keep a line, or count it as dropped.  `last` is the line ending the
 * reply: it is always kept (one slot is reserved for it). */
static void reply_keep_line(struct reply_parser *p, const char *text,
    size_t len, size_t cut, int code, bool last)
{
	struct smtp_reply *r = &p->cur;
	if (!last && r->nlines >= SMTP_REPLY_LINES_KEEP - 1)
		goto drop;
	if (r->nlines == p->lines_cap) {
		size_t cap = p->lines_cap == 0 ? 8 : p->lines_cap * 2;
		if (cap > SMTP_REPLY_LINES_KEEP)
			cap = SMTP_REPLY_LINES_KEEP;
		if (cap <= r->nlines)
			goto drop;
		struct reply_line *nl = realloc(r->lines, cap * sizeof *nl);
		if (nl == NULL)
			goto drop;
		r->lines = nl;
		p->lines_cap = cap;
	}
	char *t = malloc(len + 1);
	if (t == NULL)
		goto drop;
	if (len > 0)
		memcpy(t, text, len);
	t[len] = '\0';
	r->lines[r->nlines++] = (struct reply_line){ t, len, cut, code };
	return;
drop:
	r->lines_dropped++;
	r->flags |= REPLY_F_LINES_DROPPED;
}

static void reply_set_enhanced(struct smtp_reply *r, const char *text, size_t len)
{
	struct enhanced_code ec;
	size_t used;
	r->enhanced[0] = '\0';
	memset(&r->enh, 0, sizeof r->enh);
	if (enhanced_parse(text, len, &ec, &used)) {
		r->enh = ec;
		snprintf(r->enhanced, sizeof r->enhanced, "%d.%d.%d", ec.cls,
		    ec.subject, ec.detail);
	}
}

/* Take the complete line in p->line.  True when it ended the reply. */
static bool reply_take_line(struct reply_parser *p)
{
	struct smtp_reply *r = &p->cur;
	const char *d = p->line.data;
	size_t n = p->line.len;
	bool first = !p->in_reply;

	if (!p->line.ended_crlf)
		r->flags |= REPLY_F_BARE_LF;
	if (p->line.cut > 0)
		r->flags |= REPLY_F_LINE_CUT;
	p->in_reply = true;

	struct line_parse lp = reply_line_classify(d, n);
	if (lp.kind == LINE_BAD) {
		r->flags |= REPLY_F_MALFORMED;
		if (lp.bad_separator)
			r->flags |= REPLY_F_BAD_SEPARATOR;
		bool ends = first || lp.looks_final;
		reply_keep_line(p, d, n, p->line.cut, 0, ends);
		if (ends)
			r->code = SMTP_CODE_UNPARSABLE;
		return ends;
	}

	if (first)
		reply_set_enhanced(r, d + lp.text_off, n - lp.text_off);
	else if (r->nlines > 0 && r->lines[0].code != 0 &&
	    r->lines[0].code != lp.code)
		r->flags |= REPLY_F_MIXED_CODES;

	bool ends = lp.kind == LINE_FINAL;
	reply_keep_line(p, d + lp.text_off, n - lp.text_off, p->line.cut,
	    lp.code, ends);
	if (ends)
		r->code = (r->flags & (REPLY_F_MALFORMED | REPLY_F_MIXED_CODES))
		    ? SMTP_CODE_UNPARSABLE : lp.code;
	return ends;
}

/* Hand the assembled reply to the caller and start afresh. */
static void reply_parser_emit(struct reply_parser *p, struct smtp_reply *out)
{
	smtp_reply_free(out);
	*out = p->cur;
	smtp_reply_init(&p->cur);
	p->lines_cap = 0;
	p->in_reply = false;
	linebuf_reset(&p->line);
}

enum reply_feed_result reply_parser_feed(struct reply_parser *p,
    const char *in, size_t len, size_t *used, struct smtp_reply *out)
{
	size_t off = 0;
	while (off < len) {
		size_t n = linebuf_feed(&p->line, in + off, len - off);
		if (n == 0)
			break;
		if (memchr(in + off, '\0', n) != NULL)
			p->cur.flags |= REPLY_F_NUL;
		off += n;
		if (!p->line.complete)
			break;
		bool done = reply_take_line(p);
		linebuf_reset(&p->line);
		if (done) {
			reply_parser_emit(p, out);
			if (used != NULL)
				*used = off;
			return REPLY_COMPLETE;
		}
	}
	if (used != NULL)
		*used = off;
	return REPLY_NEED_MORE;
}

bool reply_parser_eof(struct reply_parser *p, struct smtp_reply *out)
{
	if (reply_parser_idle(p))
		return false;
	struct linebuf *lb = &p->line;
	if (linebuf_partial(lb)) {
		/* the unfinished line, raw, including a held-back CR */
		size_t cut = lb->cut;
		if (lb->pending_cr) {
			if (lb->len < lb->max)
				lb->data[lb->len++] = '\r';
			else
				cut++;
		}
		if (cut > 0)
			p->cur.flags |= REPLY_F_LINE_CUT;
		reply_keep_line(p, lb->data, lb->len, cut, 0, true);
	}
	p->cur.code = SMTP_CODE_EOF;
	p->cur.flags |= REPLY_F_EOF;
	reply_parser_emit(p, out);
	return true;
}
