/*
 * json.c - the --json record (json.h): one object per reply, one line.
 * Every string from the server goes through escape_json; the record is
 * built in the caller's bounded strbuf, so a hostile reply cannot make it
 * unbounded (the reply itself is bounded by the reply reader).
 */
#include "json.h"

#include <stdio.h>
#include <string.h>

#include "codes.h"
#include "escape.h"

/* A string literal and its length. */
#define JSON_LIT(s) (s), sizeof(s) - 1

enum smtp_errkind json_string(struct strbuf *out, const char *s, size_t len)
{
	enum smtp_errkind e = strbuf_appendc(out, '"');
	if (e == SMTP_OK)
		e = escape_json(out, s, len);
	if (e == SMTP_OK)
		e = strbuf_appendc(out, '"');
	return e;
}

enum smtp_errkind json_cstring(struct strbuf *out, const char *s)
{
	if (s == NULL)
		return strbuf_append(out, "null", 4);
	return json_string(out, s, strlen(s));
}

static enum smtp_errkind json_flags(struct strbuf *out, unsigned flags)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ REPLY_F_MALFORMED, "malformed" },
		{ REPLY_F_EOF, "eof" },
		{ REPLY_F_MIXED_CODES, "mixed_codes" },
		{ REPLY_F_LINE_CUT, "line_cut" },
		{ REPLY_F_LINES_DROPPED, "lines_dropped" },
		{ REPLY_F_BARE_LF, "bare_lf" },
		{ REPLY_F_NUL, "nul" },
		{ REPLY_F_BAD_SEPARATOR, "bad_separator" },
	};
	enum smtp_errkind e = strbuf_append(out, "[", 1);
	bool first = true;
	for (size_t i = 0; e == SMTP_OK && i < sizeof names / sizeof names[0]; i++) {
		if ((flags & names[i].bit) == 0)
			continue;
		if (!first)
			e = strbuf_appendc(out, ',');
		if (e == SMTP_OK)
			e = json_cstring(out, names[i].name);
		first = false;
	}
	if (e == SMTP_OK)
		e = strbuf_appendc(out, ']');
	return e;
}

/* The "lines" array, within the budget; *omitted gets how many did not fit. */
static enum smtp_errkind json_lines(struct strbuf *out, const struct smtp_reply *r,
    size_t budget, size_t *omitted)
{
	size_t start = out->len;
	enum smtp_errkind e = strbuf_append(out, "\"lines\":[", 9);
	*omitted = 0;
	for (size_t i = 0; e == SMTP_OK && i < r->nlines; i++) {
		size_t before = out->len;
		if (i > 0)
			e = strbuf_appendc(out, ',');
		if (e == SMTP_OK)
			e = json_string(out, r->lines[i].text, r->lines[i].len);
		if (e == SMTP_OK && budget != 0 && out->len - start > budget)
			e = SMTP_ERR_NOMEM;
		if (e != SMTP_OK && budget != 0) {
			/* Cut here: the record stays whole and says so. */
			out->len = before;
			out->data[before] = '\0';
			*omitted = r->nlines - i;
			e = SMTP_OK;
			break;
		}
	}
	if (e == SMTP_OK)
		e = strbuf_appendc(out, ']');
	return e;
}

enum smtp_errkind json_reply_record(struct strbuf *out, const struct json_reply_info *info)
{
	const struct smtp_reply *r = info->reply;
	char meaning[256];
	if (info->meaning == NULL)
		code_explain(r->code, meaning, sizeof meaning);

	size_t start = out->len;
	size_t omitted = 0;
	enum smtp_errkind e = strbuf_append(out, JSON_LIT("{\"type\":\"reply\",\"origin\":"));
	if (e == SMTP_OK)
		e = json_cstring(out, info->origin != NULL ? info->origin : "command");
	if (e == SMTP_OK)
		e = strbuf_append(out, ",\"stage\":", 9);
	if (e == SMTP_OK)
		e = json_cstring(out, info->stage);
	if (e == SMTP_OK)
		e = strbuf_append(out, ",\"command\":", 11);
	if (e == SMTP_OK)
		e = info->command != NULL
		    ? json_string(out, info->command, info->command_len)
		    : strbuf_append(out, "null", 4);
	if (e == SMTP_OK)
		e = strbuf_appendf(out, ",\"code\":%d,", r->code);
	if (e == SMTP_OK)
		e = json_lines(out, r, info->lines_budget, &omitted);
	if (e == SMTP_OK)
		e = strbuf_append(out, ",\"meaning\":", 11);
	if (e == SMTP_OK)
		e = json_cstring(out, info->meaning != NULL ? info->meaning : meaning);
	if (e == SMTP_OK)
		e = strbuf_append(out, ",\"verdict\":", 11);
	if (e == SMTP_OK)
		e = json_cstring(out, verdict_name(info->verdict));
	if (e == SMTP_OK)
		e = strbuf_append(out, ",\"enhanced\":", 12);
	if (e == SMTP_OK)
		e = json_cstring(out, r->enhanced[0] != '\0' ? r->enhanced : NULL);
	if (e == SMTP_OK)
		e = strbuf_appendf(out, ",\"elapsed_ms\":%.3f", info->elapsed_ms);
	if (e == SMTP_OK && info->state != NULL) {
		e = strbuf_append(out, ",\"state\":", 9);
		if (e == SMTP_OK)
			e = json_cstring(out, info->state);
	}
	if (e == SMTP_OK && r->flags != 0) {
		e = strbuf_append(out, ",\"flags\":", 9);
		if (e == SMTP_OK)
			e = json_flags(out, r->flags);
	}
	if (e == SMTP_OK && r->lines_dropped > 0)
		e = strbuf_appendf(out, ",\"lines_dropped\":%zu", r->lines_dropped);
	if (e == SMTP_OK && omitted > 0)
		e = strbuf_appendf(out, ",\"lines_omitted\":%zu", omitted);
	if (e == SMTP_OK && info->extensions_json != NULL) {
		e = strbuf_append(out, ",\"extensions\":", 14);
		if (e == SMTP_OK)
			e = strbuf_append(out, info->extensions_json, strlen(info->extensions_json));
	}
	if (e == SMTP_OK)
		e = strbuf_append(out, "}\n", 2);
	if (e != SMTP_OK) {          /* all or nothing: never half a record */
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
	}
	return e;
}
