/*
 * render_text_lookup.c - a lookup run as text for a person (render.h): the
 * table's header and one row per name (name, verdict coloured by class,
 * code, enhanced code, the server's text escaped), padded by characters so
 * that translated titles line up, each row cut with an ellipsis to the
 * terminal's width when it goes to one; the summary line; and the progress bar
 * drawn on stderr while the run goes (an audit's too: its checks, no rate).
 */
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "render.h"
#include "tr.h"
#include "unused.h"

static const char *text_verdict_color(const struct output *o, enum lookup_verdict v)
{
	switch (v) {
	case LOOKUP_EXISTS:
	case LOOKUP_ACCEPTED: return o->col_ok;
	case LOOKUP_AMBIGUOUS:
	case LOOKUP_CANNOT_VERIFY: return o->col_mid;
	case LOOKUP_TEMPORARY: return o->col_warn;
	case LOOKUP_UNKNOWN:
	case LOOKUP_REJECTED: return o->col_bad;
	default: return o->col_local;
	}
}

/* Pad what was written since byte `from` to a column of `width`
 * characters (UTF-8: continuation bytes take no column), then one space. */
static void text_pad(struct strbuf *sb, size_t from, size_t width)
{
	size_t n = 0;
	for (size_t i = from; i < sb->len; i++)
		n += ((unsigned char)sb->data[i] & 0xC0) != 0x80;
	for (; n < width; n++)
		(void)strbuf_appendc(sb, ' ');
	(void)strbuf_appendc(sb, ' ');
}

/* One column: text, padded to width characters. */
static void text_column(struct strbuf *sb, const char *text, size_t width)
{
	size_t at = sb->len;
	(void)strbuf_appendf(sb, "%s", text);
	text_pad(sb, at, width);
}

/* The length of the colour string (termcolor.h) at p, or 0: colour takes
 * no column. */
static size_t text_colour_at(const struct output *o, const char *p, size_t n)
{
	const char *const colours[] = { o->col_ok, o->col_mid, o->col_warn, o->col_bad,
	    o->col_local, o->col_dim, o->col_off };
	for (size_t i = 0; i < sizeof colours / sizeof colours[0]; i++) {
		size_t l = colours[i] != NULL ? strlen(colours[i]) : 0;
		if (l > 0 && l <= n && memcmp(p, colours[i], l) == 0)
			return l;
	}
	return 0;
}

/* A row written since `from` (its newline not yet) that is wider than the
 * terminal is cut to fit, its last column the ellipsis (colour reset):
 * the table stays a table; CSV and JSON keep every byte. */
static void text_fit(const struct output *o, struct strbuf *sb, size_t from, unsigned width)
{
	if (width < 8)
		return;
	size_t cols = 0, cut = 0;
	for (size_t i = from; i < sb->len;) {
		size_t skip = text_colour_at(o, sb->data + i, sb->len - i);
		if (skip > 0) {
			i += skip;
			continue;
		}
		if (((unsigned char)sb->data[i] & 0xC0) != 0x80) {
			if (++cols == width)
				cut = i;           /* the ellipsis goes here if the row is wider */
		}
		i++;
	}
	if (cols <= width)
		return;
	sb->len = cut;
	sb->data[cut] = '\0';
	(void)strbuf_appendf(sb, "%s%s", o->col_off, o->ellipsis != NULL ? o->ellipsis : "~");
}

#define TEXT_NAME_COL 24
#define TEXT_VERDICT_COL 13

void text_lookup_header(const struct output *o, struct strbuf *sb)
{
	/* TRANSLATORS: the lookup table's column titles (the columns are
	 * 24, 13, 4 and 8 characters wide). */
	(void)strbuf_appendf(sb, "%s", o->col_dim);
	text_column(sb, _("NAME"), TEXT_NAME_COL);
	text_column(sb, _("VERDICT"), TEXT_VERDICT_COL);
	text_column(sb, _("CODE"), 4);
	text_column(sb, _("ENHANCED"), 8);
	(void)strbuf_appendf(sb, "%s%s\n", _("TEXT"), o->col_off);
}

void text_lookup(const struct output *o, const struct lookup_result *r, struct strbuf *sb)
{
	size_t row = sb->len;
	size_t at = sb->len;
	(void)escape_terminal(sb, r->name, strlen(r->name));
	text_pad(sb, at, TEXT_NAME_COL);
	const char *vn = lookup_verdict_name(r->verdict);
	(void)strbuf_appendf(sb, "%s", text_verdict_color(o, r->verdict));
	at = sb->len;
	(void)strbuf_appendf(sb, "%s", vn);
	size_t vlen = sb->len;
	(void)strbuf_appendf(sb, "%s", o->col_off);
	for (size_t n = vlen - at; n < TEXT_VERDICT_COL; n++)
		(void)strbuf_appendc(sb, ' ');
	(void)strbuf_appendc(sb, ' ');
	if (r->code != 0)
		(void)strbuf_appendf(sb, "%-4d ", r->code);
	else
		(void)strbuf_appendf(sb, "%-4s ", "-");
	(void)strbuf_appendf(sb, "%-8s ", r->enhanced[0] != '\0' ? r->enhanced : "-");
	if (r->verdict == LOOKUP_UNTESTED || r->nlines == 0) {
		(void)escape_terminal(sb, r->reason, strlen(r->reason));
	} else {
		/* The first line, without the enhanced code its column shows. */
		const char *t = r->lines[0].text;
		size_t len = r->lines[0].len, el = strlen(r->enhanced);
		if (el > 0 && len > el && strncmp(t, r->enhanced, el) == 0 && t[el] == ' ') {
			t += el + 1;
			len -= el + 1;
		}
		(void)escape_terminal(sb, t, len);
		if (r->naddresses > 1) {
			(void)strbuf_appendf(sb, " [");
			for (size_t i = 0; i < r->naddresses; i++) {
				if (i > 0)
					(void)strbuf_appendf(sb, ", ");
				(void)escape_terminal(sb, r->addresses[i].text, r->addresses[i].len);
			}
			(void)strbuf_appendc(sb, ']');
		}
	}
	text_fit(o, sb, row, o->width);
	(void)strbuf_appendc(sb, '\n');
}

void text_lookup_summary(SMTPSH_UNUSED const struct output *o, const struct lookup_summary *s,
    struct strbuf *sb)
{
	(void)strbuf_appendf(sb, P_("%zu name:", "%zu names:", s->total), s->total);
	bool first = true;
	for (int v = 0; v < LOOKUP_VERDICT__COUNT; v++) {
		if (s->by_verdict[v] == 0)
			continue;
		(void)strbuf_appendf(sb, "%s %zu %s", first ? "" : ",", s->by_verdict[v],
		    lookup_verdict_name((enum lookup_verdict)v));
		first = false;
	}
	(void)strbuf_appendf(sb, P_("; %u connection, %.1f s", "; %u connections, %.1f s",
	    s->connections), s->connections, s->elapsed_ms / 1000.0);
	(void)strbuf_appendf(sb, _("; method %s; catch-all: %s"), lookup_method_name(s->method),
	    s->catch_all < 0 ? _("not probed") : s->catch_all ? _("yes") : _("no"));
	if (s->tarpit)
		(void)strbuf_appendf(sb, _("; a tarpit was noticed"));
	if (s->cancelled)
		(void)strbuf_appendf(sb, _("; stopped: the rest is untested"));
	(void)strbuf_appendc(sb, '\n');
}

void text_progress(const struct output *o, const struct out_progress *p, struct strbuf *sb)
{
	enum { WIDTH = 20 };
	size_t fill = p->total > 0 ? p->done * WIDTH / p->total : WIDTH;
	(void)strbuf_appendf(sb, "\r\033[K");
	size_t bar = sb->len;
	(void)strbuf_appendf(sb, "%s[", o->col_dim);
	for (size_t i = 0; i < WIDTH; i++)
		(void)strbuf_appendc(sb, i < fill ? '#' : '.');
	(void)strbuf_appendf(sb, "] %zu/%zu", p->done, p->total);
	if (!p->steps_only) {
		(void)strbuf_appendf(sb, "  %.1f/s  ", p->per_s);
		(void)strbuf_appendf(sb, P_("%u reconnect", "%u reconnects", p->reconnects),
		    p->reconnects);
	}
	if (p->eta_s >= 0)
		(void)strbuf_appendf(sb, _("  ETA %.0f s"), p->eta_s);
	if (p->current != NULL) {
		size_t len = strlen(p->current);
		(void)strbuf_appendf(sb, "  ");
		(void)escape_terminal(sb, p->current, len > 40 ? 40 : len);
	}
	(void)strbuf_appendf(sb, "%s", o->col_off);
	/* One line of the terminal, never wrapped: "\r\033[K" must clear it
	 * all (a wrapped bar stayed on the screen above the summary). */
	if (o->err_width > 1)
		text_fit(o, sb, bar, o->err_width - 1);
}
