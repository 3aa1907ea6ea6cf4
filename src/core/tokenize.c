/*
 * tokenize.c - the shell's word splitter (tokenize.h).  Pure: one line in,
 * words out in the caller's struct; no allocation.  A word that would hold
 * CR, LF or NUL is refused, so such bytes never reach a command line.
 */
#include "tokenize.h"

#include <stdbool.h>
#include <string.h>

static int tok_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode the escape at line[*i] (just after the backslash). */
static enum tok_status tok_escape(const char *line, size_t len, size_t *i,
    unsigned char *byte)
{
	if (*i >= len)
		return TOK_TRAILING_BACKSLASH;
	unsigned char c = (unsigned char)line[(*i)++];
	switch (c) {
	case 'n': *byte = '\n'; return TOK_OK;
	case 'r': *byte = '\r'; return TOK_OK;
	case 't': *byte = '\t'; return TOK_OK;
	case '0': *byte = '\0'; return TOK_OK;
	case 'x': {
		if (*i + 2 > len)
			return TOK_BAD_ESCAPE;
		int hi = tok_hex((unsigned char)line[*i]);
		int lo = tok_hex((unsigned char)line[*i + 1]);
		if (hi < 0 || lo < 0)
			return TOK_BAD_ESCAPE;
		*i += 2;
		*byte = (unsigned char)(hi * 16 + lo);
		return TOK_OK;
	}
	default:
		*byte = c;   /* \\ \" \' \  and any other character stand for themselves */
		return TOK_OK;
	}
}

enum tok_status tokenize_line(const char *line, size_t len, struct tokens *out,
    size_t *err_pos)
{
	size_t i = 0, used = 0;
	enum tok_status st = TOK_OK;
	size_t where = 0;

	out->count = 0;
	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)line[k];
		if (c == '\r' || c == '\n' || c == '\0') {
			st = TOK_FORBIDDEN_BYTE;
			where = k;
			goto fail;
		}
	}
	if (len > TOK_MAX_BYTES) {
		st = TOK_TOO_LONG;
		where = TOK_MAX_BYTES;
		goto fail;
	}
	for (;;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= len)
			break;
		if (out->count == TOK_MAX_WORDS) {
			st = TOK_TOO_MANY_WORDS;
			where = i;
			goto fail;
		}
		size_t w = out->count;
		out->word[w] = out->storage + used;
		out->start[w] = i;
		size_t wstart = used;
		char quote = 0;
		size_t quote_pos = 0;
		while (i < len) {
			unsigned char c = (unsigned char)line[i];
			if (quote == 0 && (c == ' ' || c == '\t'))
				break;
			if (quote == 0 && (c == '"' || c == '\'')) {
				quote = (char)c;
				quote_pos = i++;
				continue;
			}
			if (quote != 0 && c == (unsigned char)quote) {
				quote = 0;
				i++;
				continue;
			}
			unsigned char b = c;
			size_t at = i++;
			if (c == '\\' && quote != '\'') {
				st = tok_escape(line, len, &i, &b);
				if (st != TOK_OK) {
					where = at;
					goto fail;
				}
				if (b == '\r' || b == '\n' || b == '\0') {
					st = TOK_FORBIDDEN_BYTE;
					where = at;
					goto fail;
				}
			}
			/* storage holds TOK_MAX_BYTES + one NUL per word: escapes only
			 * shrink the input, so this cannot overflow. */
			out->storage[used++] = (char)b;
		}
		if (quote != 0) {
			st = TOK_UNTERMINATED_QUOTE;
			where = quote_pos;
			goto fail;
		}
		out->len[w] = used - wstart;
		out->storage[used++] = '\0';
		out->count++;
	}
	return TOK_OK;
fail:
	out->count = 0;
	if (err_pos != NULL)
		*err_pos = where;
	return st;
}

const char *tok_status_message(enum tok_status st)
{
	switch (st) {
	case TOK_OK: return "ok";
	case TOK_UNTERMINATED_QUOTE: return "unterminated quote";
	case TOK_TRAILING_BACKSLASH: return "a backslash at the end of the line escapes nothing";
	case TOK_BAD_ESCAPE: return "\\x must be followed by two hex digits";
	case TOK_FORBIDDEN_BYTE: return "CR, LF and NUL cannot be part of a command (nothing was sent)";
	case TOK_TOO_MANY_WORDS: return "too many words on one line";
	case TOK_TOO_LONG: return "the line is too long";
	}
	return "tokenizer error";
}
