/*
 * render_csv.c - lookup results as CSV (--csv; render.h): RFC 4180, a
 * header row, CRLF between records, a field quoted when it holds a comma,
 * a quote or a line break (a quote doubled inside).  Every untrusted
 * string (names, server text) passes escape_terminal first, so a CSV shown
 * on a terminal cannot carry an escape sequence; a reply's lines are
 * joined with LF inside their quoted field, addresses with spaces.
 *
 * A field that a spreadsheet would take for a formula -- one beginning with
 * "=", "+", "-", "@", TAB or CR (OWASP's CSV injection list; server text is
 * the attacker's) -- gets a leading "'", and so does one beginning with
 * "'", so that --resume can take exactly one away (csv_unneutralise).
 */
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "render.h"
#include "unused.h"

bool csv_needs_neutralising(const char *s, size_t len)
{
	return len > 0 && strchr("=+-@\t\r'", s[0]) != NULL;
}

/* One field: escaped, then quoted when it must be. */
static void csv_field(struct strbuf *sb, const char *s, size_t len, bool last)
{
	struct strbuf t;
	strbuf_init(&t, OUT_RECORD_MAX);
	if (csv_needs_neutralising(s, len))
		(void)strbuf_appendc(&t, '\'');
	(void)escape_terminal(&t, s, len);
	const char *d = strbuf_str(&t);
	if (strpbrk(d, ",\"\r\n") != NULL) {
		(void)strbuf_appendc(sb, '"');
		for (size_t i = 0; i < t.len; i++) {
			if (d[i] == '"')
				(void)strbuf_appendc(sb, '"');
			(void)strbuf_appendc(sb, d[i]);
		}
		(void)strbuf_appendc(sb, '"');
	} else {
		(void)strbuf_append(sb, d, t.len);
	}
	strbuf_free(&t);
	(void)strbuf_append(sb, last ? "\r\n" : ",", last ? 2 : 1);
}

static void csv_cstr(struct strbuf *sb, const char *s, bool last)
{
	csv_field(sb, s, strlen(s), last);
}

/* Several texts in one field, each escaped, joined by sep. */
static void csv_joined(struct strbuf *sb, const struct lookup_text *t, size_t n, char sep)
{
	struct strbuf j;
	strbuf_init(&j, OUT_RECORD_MAX);
	if (n > 0 && csv_needs_neutralising(t[0].text, t[0].len))
		(void)strbuf_appendc(&j, '\'');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			(void)strbuf_appendc(&j, sep);
		(void)escape_terminal(&j, t[i].text, t[i].len);
	}
	/* Already escaped: only quoting is left to do (the separators are
	 * ours, and escape_terminal never leaves a control byte). */
	const char *d = strbuf_str(&j);
	(void)strbuf_appendc(sb, '"');
	for (size_t i = 0; i < j.len; i++) {
		if (d[i] == '"')
			(void)strbuf_appendc(sb, '"');
		(void)strbuf_appendc(sb, d[i]);
	}
	(void)strbuf_appendf(sb, "\",");
	strbuf_free(&j);
}

void csv_lookup_header(SMTPSH_UNUSED const struct output *o, struct strbuf *sb)
{
	(void)strbuf_appendf(sb, "name,method,verdict,code,enhanced,text,addresses,attempts,reason\r\n");
}

void csv_lookup(SMTPSH_UNUSED const struct output *o, const struct lookup_result *r,
    struct strbuf *sb)
{
	char num[32];
	csv_cstr(sb, r->name, false);
	csv_cstr(sb, r->method == LOOKUP_AUTO ? "" : lookup_method_name(r->method), false);
	csv_cstr(sb, lookup_verdict_name(r->verdict), false);
	snprintf(num, sizeof num, "%d", r->code);
	csv_cstr(sb, r->code != 0 ? num : "", false);
	csv_cstr(sb, r->enhanced, false);
	csv_joined(sb, r->lines, r->nlines, '\n');
	csv_joined(sb, r->addresses, r->naddresses, ' ');
	snprintf(num, sizeof num, "%u", r->attempts);
	csv_cstr(sb, num, false);
	csv_cstr(sb, r->reason, true);
}
