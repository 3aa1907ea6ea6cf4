/*
 * render_text_audit.c - an audit's results as text for a person
 * (render.h): a table of check, result, severity and reason, grouped --
 * findings (worst first), passes, skipped -- each finding followed by its
 * fix, the reply lines behind it and its reference; results and
 * severities coloured; the reason and what follows it wrapped to the
 * terminal's width when the table goes to one (else one line each).  The
 * server's bytes are escaped; smtpsh's words translated.
 */
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "render.h"
#include "tr.h"
#include "unused.h"

#define AUDIT_CHECK_COL 19
#define AUDIT_RESULT_COL 8
#define AUDIT_SEVERITY_COL 8
#define AUDIT_INDENT (AUDIT_CHECK_COL + AUDIT_RESULT_COL + AUDIT_SEVERITY_COL + 3)
/* Evidence lines shown under a finding (JSON has them all). */
#define AUDIT_TEXT_EVIDENCE 4

static const char *const audit_result_words[] = {
	/* TRANSLATORS: an audit check's result, in an 8-column table cell. */
	N_("pass"), N_("finding"), N_("skipped"),
};

static const char *const audit_severity_words[] = {
	/* TRANSLATORS: an audit finding's severity, in an 8-column table cell. */
	N_("info"), N_("low"), N_("medium"), N_("high"),
};

static const char *text_severity_colour(const struct output *o, enum audit_severity s)
{
	return s == AUDIT_HIGH ? o->col_bad : s == AUDIT_MEDIUM ? o->col_warn :
	    s == AUDIT_LOW ? o->col_mid : o->col_dim;
}

/* Characters (not bytes) of s[0..n). */
static size_t text_chars(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* One cell: text in colour, padded to width characters, then a space. */
static void text_cell(const struct output *o, struct strbuf *sb, const char *colour,
    const char *text, size_t width)
{
	(void)strbuf_appendf(sb, "%s%s%s", colour, text, o->col_off);
	for (size_t n = text_chars(text, strlen(text)); n < width; n++)
		(void)strbuf_appendc(sb, ' ');
	(void)strbuf_appendc(sb, ' ');
}

/* text (already escaped), from column AUDIT_INDENT on: wrapped at spaces
 * to o->width when set, every next line indented; a word longer than the
 * room is left whole. */
static void text_wrapped(const struct output *o, struct strbuf *sb, const char *text,
    size_t len, bool indent_first)
{
	size_t indent = AUDIT_INDENT;
	if (o->width > 0 && o->width < 60)
		indent = 2;
	if (indent_first)
		for (size_t i = 0; i < indent; i++)
			(void)strbuf_appendc(sb, ' ');
	size_t col = indent_first || indent == AUDIT_INDENT ? indent : AUDIT_INDENT;
	size_t i = 0;
	while (i < len) {
		size_t w = i;
		while (w < len && text[w] != ' ')
			w++;
		size_t chars = text_chars(text + i, w - i);
		if (o->width > 0 && col > indent && col + 1 + chars > o->width) {
			(void)strbuf_appendc(sb, '\n');
			for (size_t k = 0; k < indent; k++)
				(void)strbuf_appendc(sb, ' ');
			col = indent;
		} else if (col > indent || (i > 0 && !indent_first)) {
			if (i > 0) {
				(void)strbuf_appendc(sb, ' ');
				col++;
			}
		}
		(void)strbuf_append(sb, text + i, w - i);
		col += chars;
		i = w < len ? w + 1 : w;
	}
	(void)strbuf_appendc(sb, '\n');
}

/* A line of ours (translated prefix) and the server's or a table's text. */
static void text_audit_line(const struct output *o, struct strbuf *sb, const char *prefix,
    const char *text, bool escape)
{
	struct strbuf t;
	strbuf_init(&t, 8192);
	(void)strbuf_appendf(&t, "%s", prefix);
	if (escape)
		(void)escape_terminal(&t, text, strlen(text));
	else
		(void)strbuf_appendf(&t, "%s", text);
	text_wrapped(o, sb, t.data != NULL ? t.data : "", t.len, true);
	strbuf_free(&t);
}

void text_audit_finding(const struct output *o, const struct audit_finding *f, bool group,
    bool header, struct strbuf *sb)
{
	if (header) {
		/* TRANSLATORS: the audit table's column titles (19, 8 and 8
		 * characters wide). */
		(void)strbuf_appendf(sb, "%s", o->col_dim);
		text_cell(o, sb, "", _("CHECK"), AUDIT_CHECK_COL);
		text_cell(o, sb, "", _("RESULT"), AUDIT_RESULT_COL);
		text_cell(o, sb, "", _("SEVERITY"), AUDIT_SEVERITY_COL);
		(void)strbuf_appendf(sb, "%s%s%s\n", o->col_dim, _("REASON"), o->col_off);
	}
	if (group) {
		const char *title = f->result == AUDIT_FINDING ? _("Findings:") :
		    f->result == AUDIT_PASS ? _("Passed:") : _("Skipped:");
		(void)strbuf_appendf(sb, "%s%s%s\n", o->col_dim, title, o->col_off);
	}
	text_cell(o, sb, "", f->check, AUDIT_CHECK_COL);
	const char *rc = f->result == AUDIT_FINDING ? text_severity_colour(o, f->severity) :
	    f->result == AUDIT_PASS ? o->col_ok : o->col_dim;
	text_cell(o, sb, rc, _(audit_result_words[f->result]), AUDIT_RESULT_COL);
	text_cell(o, sb, f->result == AUDIT_FINDING ? rc : o->col_dim,
	    f->result == AUDIT_FINDING ? _(audit_severity_words[f->severity]) : "-",
	    AUDIT_SEVERITY_COL);
	struct strbuf t;
	strbuf_init(&t, 8192);
	(void)strbuf_appendf(&t, "%s", f->reason != NULL ? _(f->reason) : "");
	if (f->detail[0] != '\0') {
		(void)strbuf_appendf(&t, ": ");
		(void)escape_terminal(&t, f->detail, strlen(f->detail));
	}
	text_wrapped(o, sb, t.data != NULL ? t.data : "", t.len, false);
	strbuf_free(&t);
	if (f->result != AUDIT_FINDING)
		return;
	if (f->fix != NULL)
		text_audit_line(o, sb, _("fix: "), _(f->fix), false);
	for (size_t i = 0; i < f->nevidence && i < AUDIT_TEXT_EVIDENCE; i++)
		text_audit_line(o, sb, "", f->evidence[i], true);
	if (f->nevidence > AUDIT_TEXT_EVIDENCE) {
		char more[64];
		snprintf(more, sizeof more, P_("(%zu more line: --json has every one)",
		    "(%zu more lines: --json has every one)", f->nevidence - AUDIT_TEXT_EVIDENCE),
		    f->nevidence - AUDIT_TEXT_EVIDENCE);
		text_audit_line(o, sb, "", more, false);
	}
	if (f->reference != NULL)
		text_audit_line(o, sb, _("see: "), f->reference, false);
}

void text_audit_summary(SMTPSH_UNUSED const struct output *o, const struct audit_summary *s,
    struct strbuf *sb)
{
	(void)strbuf_appendf(sb, P_("%zu check: ", "%zu checks: ", s->checks), s->checks);
	(void)strbuf_appendf(sb, P_("%zu finding", "%zu findings", s->by_result[AUDIT_FINDING]),
	    s->by_result[AUDIT_FINDING]);
	const char *sep = " (";
	for (int v = AUDIT_SEVERITY__COUNT - 1; v >= 0; v--) {
		if (s->findings_by_severity[v] == 0)
			continue;
		(void)strbuf_appendf(sb, "%s%zu %s", sep, s->findings_by_severity[v],
		    _(audit_severity_words[v]));
		sep = ", ";
	}
	if (sep[0] == ',')
		(void)strbuf_appendc(sb, ')');
	(void)strbuf_appendf(sb, _(", %zu passed, %zu skipped"), s->by_result[AUDIT_PASS],
	    s->by_result[AUDIT_SKIPPED]);
	(void)strbuf_appendf(sb, _("; software: %s"), s->software == AUDIT_SW_UNKNOWN ?
	    _("not recognised") : audit_software_name(s->software));
	(void)strbuf_appendf(sb, P_("; %u connection, %.1f s", "; %u connections, %.1f s",
	    s->connections), s->connections, (double)s->elapsed_ms / 1000.0);
	if (s->cancelled)
		(void)strbuf_appendf(sb, _("; stopped: the rest was not checked"));
	(void)strbuf_appendc(sb, '\n');
}

void text_audit_host(SMTPSH_UNUSED const struct output *o, const struct audit_host *h, struct strbuf *sb)
{
	struct strbuf t;
	strbuf_init(&t, 2048);
	(void)escape_terminal(&t, h->name, strlen(h->name));
	const char *name = t.data != NULL ? t.data : "";
	if (h->domain)
		/* TRANSLATORS: the header over a mail domain's own audit checks. */
		(void)strbuf_appendf(sb, _("\n%s (domain)\n"), name);
	else if (h->address != NULL)
		/* TRANSLATORS: the header over one MX host's audit checks. */
		(void)strbuf_appendf(sb, _("\n%s (%s, preference %u)\n"), name,
		    h->address, h->preference);
	else
		(void)strbuf_appendf(sb, _("\n%s (did not answer, preference %u)\n"),
		    name, h->preference);
	strbuf_free(&t);
}
