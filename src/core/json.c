/*
 * json.c - the --json record (json.h): one object per reply, one line.
 * Every string from the server goes through escape_json; the record is
 * built in the caller's bounded strbuf, so a hostile reply cannot make it
 * unbounded (the reply itself is bounded by the reply reader).
 */
#include "json.h"

#include <ctype.h>
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

/* ---- json_valid: RFC 8259 syntax, for records read back (--resume) ---- */

#define JSON_VALID_DEPTH 32

static size_t json_skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

/* Each returns the index after the value, or (size_t)-1. */
static size_t json_valid_value(const char *s, size_t len, size_t i, int depth);

static size_t json_valid_string(const char *s, size_t len, size_t i)
{
	if (i >= len || s[i] != '"')
		return (size_t)-1;
	for (i++; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"')
			return i + 1;
		if (c < 0x20)
			return (size_t)-1;
		if (c == '\\') {
			if (++i >= len)
				return (size_t)-1;
			if (s[i] == 'u') {
				for (size_t k = 1; k <= 4; k++)
					if (i + k >= len || !isxdigit((unsigned char)s[i + k]))
						return (size_t)-1;
				i += 4;
			} else if (s[i] == '\0' || strchr("\"\\/bfnrt", s[i]) == NULL) {
				return (size_t)-1;
			}
		}
	}
	return (size_t)-1;
}

static size_t json_valid_number(const char *s, size_t len, size_t i)
{
	size_t start = i;
	if (i < len && s[i] == '-')
		i++;
	if (i < len && s[i] == '0')
		i++;
	else if (i < len && s[i] >= '1' && s[i] <= '9')
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return (size_t)-1;
	if (i < len && s[i] == '.') {
		size_t d = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return (size_t)-1;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t d = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return (size_t)-1;
	}
	return i > start ? i : (size_t)-1;
}

/* An object or array: open, members separated by commas, close. */
static size_t json_valid_container(const char *s, size_t len, size_t i, int depth)
{
	bool object = s[i] == '{';
	char close = object ? '}' : ']';
	if (depth >= JSON_VALID_DEPTH)
		return (size_t)-1;
	i = json_skip_ws(s, len, i + 1);
	if (i < len && s[i] == close)
		return i + 1;
	for (;;) {
		if (object) {
			i = json_valid_string(s, len, i);
			if (i == (size_t)-1)
				return i;
			i = json_skip_ws(s, len, i);
			if (i >= len || s[i] != ':')
				return (size_t)-1;
			i = json_skip_ws(s, len, i + 1);
		}
		i = json_valid_value(s, len, i, depth + 1);
		if (i == (size_t)-1)
			return i;
		i = json_skip_ws(s, len, i);
		if (i < len && s[i] == close)
			return i + 1;
		if (i >= len || s[i] != ',')
			return (size_t)-1;
		i = json_skip_ws(s, len, i + 1);
	}
}

static size_t json_valid_value(const char *s, size_t len, size_t i, int depth)
{
	static const char *const words[] = { "true", "false", "null" };
	if (i >= len)
		return (size_t)-1;
	if (s[i] == '{' || s[i] == '[')
		return json_valid_container(s, len, i, depth);
	if (s[i] == '"')
		return json_valid_string(s, len, i);
	for (size_t k = 0; k < 3; k++) {
		size_t n = strlen(words[k]);
		if (len - i >= n && memcmp(s + i, words[k], n) == 0)
			return i + n;
	}
	return json_valid_number(s, len, i);
}

bool json_valid_object(const char *s, size_t len)
{
	size_t i = json_skip_ws(s, len, 0);
	if (i >= len || s[i] != '{')
		return false;
	i = json_valid_container(s, len, i, 0);
	return i != (size_t)-1 && json_skip_ws(s, len, i) == len;
}
